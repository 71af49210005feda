// posixkit/mmap: memory mappings (mmap/msync/munmap), POSIX shared memory
// compatible with Python's multiprocessing.shared_memory, and futexes on
// shared int32 words.
//
// The memory reaches JS as an ArrayBuffer over the mapped pages when they are
// readable and writable; other protections are reached through the copying
// methods only (read/write, getslice/setslice ...), so no JS view can fault. close() detaches that
// ArrayBuffer, so every view of it becomes empty: JS can never read or write
// unmapped memory, and the address itself is never exposed.
import { randomBytes } from 'node:crypto';
import {
  codedError, errnoError, FileLike, INT32_MAX, invalidArgType, invalidArgValue, OSError, outOfRange, toFd,
  validateBytes, validateInt32, validateInteger,
} from './errors';
import { family } from './native';
import { dup } from './os';

type Handle = { readonly buffer: ArrayBuffer | null };

interface MmanNative {
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): Handle;
  munmap(handle: Handle): boolean;
  mmap_read(handle: Handle, offset: number, length: number): Buffer;
  mmap_write(handle: Handle, offset: number, data: ArrayBufferView): number;
  mremap(handle: Handle, length: number): [Handle, number];
  madvise(handle: Handle, start: number, length: number, option: number): void;
  mmap_move(handle: Handle, dest: number, src: number, count: number): void;
  mmap_find(handle: Handle, sub: ArrayBufferView, start: number, end: number, reverse: boolean): number;
  msync(handle: Handle, offset: number, length: number, flags: number): void;
  memfd_create(name: string, flags: number): number;
  shm_open(name: string, flags: number, mode: number): number;
  shm_unlink(name: string): void;
  mman_ftruncate(fd: number, length: number): void;
  mman_fstat(fd: number): [size: number, ino: number, dev: number, mode: number];
  futex_wait(view: Int32Array, index: number, expected: number, timeout?: number): number;
  futex_wake(view: Int32Array, index: number, count: number): number;
  close(fd: number): void;
  mmanConstants: Record<string, number>;
}
const native = family<MmanNative>();
const K = native.mmanConstants;

export const PROT_NONE: number = K.PROT_NONE;
export const PROT_READ: number = K.PROT_READ;
export const PROT_WRITE: number = K.PROT_WRITE;
export const PROT_EXEC: number = K.PROT_EXEC;
export const MAP_SHARED: number = K.MAP_SHARED;
export const MAP_PRIVATE: number = K.MAP_PRIVATE;
export const MAP_ANONYMOUS: number = K.MAP_ANONYMOUS;
export const MAP_ANON: number = K.MAP_ANONYMOUS;
export const MAP_POPULATE: number | undefined = K.MAP_POPULATE;
// Never accepted: the kernel chooses where a mapping goes (a fixed address
// could land on memory the process uses).
const REFUSED_FLAGS = K.MAP_FIXED | (K.MAP_FIXED_NOREPLACE ?? 0) | K.MAP_GROWSDOWN;
export const MS_ASYNC: number = K.MS_ASYNC;
export const MS_SYNC: number = K.MS_SYNC;
export const MS_INVALIDATE: number = K.MS_INVALIDATE;
/** The page size; file offsets of mmap() must be multiples of it. */
export const PAGESIZE: number = K.PAGESIZE;
/** Python's mmap.ALLOCATIONGRANULARITY (the page size on Linux). */
export const ALLOCATIONGRANULARITY: number = K.PAGESIZE;
/** Python's mmap.error: OSError itself. */
export { OSError as error };

// Python's access modes (its own numbers, not the kernel's).
/** prot and flags as given (default PROT_READ | PROT_WRITE, MAP_SHARED). */
export const ACCESS_DEFAULT = 0;
/** Read-only: PROT_READ, MAP_SHARED; every change is a TypeError. */
export const ACCESS_READ = 1;
/** Write-through: PROT_READ | PROT_WRITE, MAP_SHARED. */
export const ACCESS_WRITE = 2;
/** Copy-on-write: PROT_READ | PROT_WRITE, MAP_PRIVATE; the file never changes. */
export const ACCESS_COPY = 3;

export const {
  MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
  MADV_DOFORK, MADV_HWPOISON, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
  MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
  MADV_POPULATE_WRITE, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_STACK,
} = K;
const EAGAIN = K.EAGAIN;
const ETIMEDOUT = K.ETIMEDOUT;

export interface MmapOptions {
  /** PROT_* bits; default PROT_READ | PROT_WRITE. */
  prot?: number;
  /** MAP_SHARED (default) or MAP_PRIVATE, plus MAP_POPULATE etc. */
  flags?: number;
  /** File offset, a multiple of PAGESIZE; default 0. */
  offset?: number;
  /** Python's access mode (ACCESS_READ, ACCESS_WRITE, ACCESS_COPY) instead of prot and flags. */
  access?: number;
}

/**
 * What a worker thread needs to map the same pages again (see
 * MemoryMap.share()). A plain object: it goes through postMessage as is.
 */
export interface SharedMapping {
  readonly kind: 'posixkit.mapping';
  fd: number;
  ino: number;
  dev: number;
  length: number;
  offset: number;
}

// A MemoryMap dropped without close() still gives its fds back (the pages go
// when the last of the object and its buffer is collected, native side).
const fdReaper = new FinalizationRegistry<number[]>((fds) => {
  for (const fd of fds) {
    try { native.close(fd); } catch { /* already closed */ }
  }
});

/**
 * What backs a mapping, which decides what resize() may do to it:
 * 'file' a file (mmap(fd)): resized with it, as Python does; 'memfd' the
 * memfd of mmap(-1) or attachShared(): grown, never shrunk (a forked child
 * or a worker may map the rest); 'anon' private anonymous memory; 'shm' a
 * SharedMemory segment (not resizable: its `buf` is in use).
 */
type Backing = 'file' | 'memfd' | 'anon' | 'shm';

interface MapInfo {
  prot: number;
  flags: number;
  offset: number;
  access: number;
  backing: Backing;
  /** A duplicate of a file's fd, owned by the mapping (Python's trackfd): size() and resize() use it. */
  track: number;
}

// The live fd-backed mappings of this process by inode: shrinking a file
// under another mapping of it would make that mapping's tail fault (SIGBUS).
const byInode = new Map<string, Set<WeakRef<MemoryMap>>>();

function inodeKey(fd: number): string {
  const [, ino, dev] = native.mman_fstat(fd);
  return `${dev}:${ino}`;
}

/** TypeError with a stable code, as Python's TypeError for a forbidden change. */
function refused(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}
/** Python's ValueError/IndexError for a position or size out of range (RangeError ERR_OUT_OF_RANGE). */
function rangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
}

function intArg(v: unknown, name: string): number {
  return validateInteger(v, name);
}

/**
 * A memory mapping, Python's mmap object. For a PROT_READ | PROT_WRITE
 * mapping (the default), `buffer` is an ArrayBuffer over the mapped pages:
 * views made on it (Int32Array, Buffer ...) read and write the memory
 * directly, and a forked child sees the same pages when the mapping is
 * MAP_SHARED. Any other protection has no `buffer` (a view could fault the
 * process): the methods below copy, and check the protection first.
 *
 * The file-like methods work at a position (`tell()`/`seek()`), as Python's:
 * read/read_byte/readline/write/write_byte; getitem/setitem and
 * getslice/setslice are Python's `m[i]` and `m[a:b:c]`.
 */
export class MemoryMap implements Disposable {
  #handle: Handle | null;
  #buffer: ArrayBuffer | null;
  #view: Buffer | null;
  #length: number;
  #fd: number;
  #ownsFd: boolean;
  #info: MapInfo;
  #inode: string | null = null;
  #self: WeakRef<MemoryMap> | null = null;
  #pos = 0;

  /** @internal use mmap(). */
  constructor(handle: Handle, length: number, fd: number, ownsFd: boolean, info: Partial<MapInfo> = {}) {
    this.#handle = handle;
    this.#buffer = handle.buffer;
    this.#view = handle.buffer ? Buffer.from(handle.buffer) : null;
    this.#length = length;
    this.#fd = fd;
    this.#ownsFd = ownsFd;
    this.#info = {
      prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED, offset: 0, access: ACCESS_DEFAULT, backing: 'memfd', track: -1,
      ...info,
    };
    const owned = [...(ownsFd && fd >= 0 ? [fd] : []), ...(this.#info.track >= 0 ? [this.#info.track] : [])];
    if (owned.length) fdReaper.register(this, owned, this);
    const inodeFd = this.#info.track >= 0 ? this.#info.track : fd;
    if (inodeFd >= 0) {
      this.#inode = inodeKey(inodeFd);
      this.#self = new WeakRef(this);
      let set = byInode.get(this.#inode);
      if (!set) byInode.set(this.#inode, (set = new Set()));
      set.add(this.#self);
    }
  }

  /**
   * The mapped memory; detached (byteLength 0) once closed or resized. Only
   * mappings that are PROT_READ | PROT_WRITE have one: for the others this
   * throws ERR_MMAP_PROTECTION (use the copying methods).
   */
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) {
      throw codedError('ERR_MMAP_PROTECTION',
        'this mapping is not PROT_READ | PROT_WRITE, so it has no ArrayBuffer (a view could fault the process): '
        + 'use read()/write() or getslice()/setslice(), which copy');
    }
    return this.#buffer;
  }

  /** Python's len(m): the mapping's length in bytes (0 once closed). */
  get length(): number {
    return this.#handle ? this.#length : 0;
  }

  /**
   * Python's size(): the size of the underlying file for a file mapping
   * (fstat of the mapping's own duplicate of the fd, so it works after the
   * caller closed theirs), the mapping's length for anonymous memory.
   */
  size(): number {
    this.#live('size');
    const fd = this.#info.track >= 0 ? this.#info.track : this.#info.backing === 'shm' ? this.#fd : -1;
    return fd >= 0 ? native.mman_fstat(fd)[0] : this.#length;
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  // ---- the bytes, by position (Python's file-like methods) -----------------------

  /** The current position (0 ... length). */
  tell(): number {
    this.#live('tell');
    return this.#pos;
  }

  /** seek(pos, whence = 0): 0 from the start, 1 from the position, 2 from the end; returns the new position. */
  seek(pos: number, whence = 0): number {
    this.#live('seek');
    intArg(pos, 'pos');
    intArg(whence, 'whence');
    const base = whence === 0 ? 0 : whence === 1 ? this.#pos : whence === 2 ? this.#length : NaN;
    if (Number.isNaN(base)) throw rangeError('unknown seek type');
    const where = base + pos;
    if (where < 0 || where > this.#length) throw rangeError('seek out of range');
    this.#pos = where;
    return where;
  }

  seekable(): boolean {
    this.#live('seekable');
    return true;
  }

  /** read(n = -1): up to n bytes from the position (the rest when n is negative or omitted); advances. */
  read(n?: number | null): Buffer {
    this.#live('read');
    const want = n === undefined || n === null ? -1 : intArg(n, 'n');
    const remaining = Math.max(0, this.#length - this.#pos);
    const count = want < 0 || want > remaining ? remaining : want;
    const data = this.#copy(this.#pos, count, 'read');
    this.#pos += count;
    return data;
  }

  /** The byte at the position, as a number; advances. RangeError at the end. */
  read_byte(): number {
    this.#live('read_byte');
    if (this.#pos >= this.#length) throw rangeError('read byte out of range');
    const b = this.#view ? this.#view[this.#pos] : this.#copy(this.#pos, 1, 'read_byte')[0];
    this.#pos++;
    return b;
  }

  /** The bytes from the position up to and including the next b'\n' (or to the end); advances. */
  readline(): Buffer {
    this.#live('readline');
    const start = Math.min(this.#pos, this.#length);
    const nl = native.mmap_find(this.#handle!, NEWLINE, start, this.#length, false);
    const end = nl < 0 ? this.#length : nl + 1;
    const data = this.#copy(start, end - start, 'readline');
    this.#pos = end;
    return data;
  }

  /** write(data): all of data at the position; advances; returns data's length. RangeError past the end. */
  write(data: ArrayBufferView): number {
    this.#live('write');
    this.#writable('write');
    validateBytes(data, 'data');
    if (this.#pos > this.#length || this.#length - this.#pos < data.byteLength) throw rangeError('data out of range');
    this.#store(this.#pos, data);
    this.#pos += data.byteLength;
    return data.byteLength;
  }

  /** write_byte(byte): one byte (0 ... 255) at the position; advances. */
  write_byte(byte: number): void {
    this.#live('write_byte');
    this.#writable('write_byte');
    validateInteger(byte, 'byte', 0, 255);
    if (this.#pos >= this.#length) throw rangeError('write byte out of range');
    this.#store(this.#pos, Uint8Array.of(byte));
    this.#pos++;
  }

  /**
   * find(sub, start = position, end = length): the lowest offset of `sub` in
   * [start, end), or -1. Negative start/end count from the end, as in Python.
   */
  find(sub: ArrayBufferView, start?: number | null, end?: number | null): number {
    return this.#find(sub, start, end, false);
  }

  /** rfind(sub, start = position, end = length): the highest offset of `sub` in [start, end), or -1. */
  rfind(sub: ArrayBufferView, start?: number | null, end?: number | null): number {
    return this.#find(sub, start, end, true);
  }

  #find(sub: ArrayBufferView, start: number | null | undefined, end: number | null | undefined, reverse: boolean): number {
    const handle = this.#live(reverse ? 'rfind' : 'find');
    validateBytes(sub, 'sub');
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + this.#length : v, 0), this.#length);
    const a = clamp(start === undefined || start === null ? this.#pos : intArg(start, 'start'));
    const z = clamp(end === undefined || end === null ? this.#length : intArg(end, 'end'));
    return native.mmap_find(handle, sub, a, z, reverse);
  }

  /** move(dest, src, count): copies count bytes from src to dest inside the mapping (overlap allowed). */
  move(dest: number, src: number, count: number): void {
    const handle = this.#live('move');
    this.#writable('move');
    for (const [v, name] of [[dest, 'dest'], [src, 'src'], [count, 'count']] as const) intArg(v, name);
    if (dest < 0 || src < 0 || count < 0 || this.#length - dest < count || this.#length - src < count) {
      throw rangeError('source, destination, or count out of range');
    }
    native.mmap_move(handle, dest, src, count);
  }

  // ---- indexing and slicing (Python's m[i], m[a:b:c]) ----------------------------

  /** m[index]: the byte at index (negative counts from the end); RangeError outside the mapping. */
  getitem(index: number): number {
    this.#live('getitem');
    const i = this.#index(index);
    return this.#view ? this.#view[i] : this.#copy(i, 1, 'getitem')[0];
  }

  /** m[index] = value (0 ... 255). */
  setitem(index: number, value: number): void {
    this.#live('setitem');
    this.#writable('setitem');
    const i = this.#index(index);
    if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value);
    if (!Number.isInteger(value) || value < 0 || value > 255) throw rangeError('mmap item value must be in range(0, 256)');
    this.#store(i, Uint8Array.of(value));
  }

  /** m[start:stop:step]: a copy, with Python's slice rules (null for a default, negatives from the end, clamped). */
  getslice(start?: number | null, stop?: number | null, step?: number | null): Buffer {
    this.#live('getslice');
    const [a, st, n] = this.#slice(start, stop, step);
    if (st === 1) return this.#copy(a, n, 'getslice');
    const out = Buffer.allocUnsafe(n);
    if (n === 0) return out;
    const lo = st > 0 ? a : a + (n - 1) * st;
    const span = this.#copy(lo, Math.abs(st) * (n - 1) + 1, 'getslice');
    for (let k = 0; k < n; k++) out[k] = span[a + k * st - lo];
    return out;
  }

  /** m[start:stop:step] = data: data must have exactly the slice's length (RangeError otherwise). */
  setslice(start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined,
    data: ArrayBufferView): void {
    this.#live('setslice');
    this.#writable('setslice');
    validateBytes(data, 'data');
    const [a, st, n] = this.#slice(start, stop, step);
    if (data.byteLength !== n) throw rangeError('mmap slice assignment is wrong size');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (st === 1) {
      this.#store(a, bytes);
    } else if (this.#view) {
      // A copy first: data may be a view of this very mapping.
      const src = Uint8Array.from(bytes);
      for (let k = 0; k < n; k++) this.#view[a + k * st] = src[k];
    } else {
      const src = Uint8Array.from(bytes);
      for (let k = 0; k < n; k++) this.#store(a + k * st, src.subarray(k, k + 1));
    }
  }

  #index(index: number): number {
    intArg(index, 'index');
    const i = index < 0 ? index + this.#length : index;
    if (i < 0 || i >= this.#length) throw rangeError('mmap index out of range');
    return i;
  }

  // CPython's PySlice_GetIndicesEx: [start, step, count].
  #slice(start: unknown, stop: unknown, step: unknown): [number, number, number] {
    const len = this.#length;
    const st = step === undefined || step === null ? 1 : intArg(step, 'step');
    if (st === 0) throw rangeError('slice step cannot be zero');
    const adjust = (v: unknown, name: string, dflt: number): number => {
      if (v === undefined || v === null) return dflt;
      let x = intArg(v, name);
      if (x < 0) {
        x += len;
        if (x < 0) x = st < 0 ? -1 : 0;
      } else if (x >= len) {
        x = st < 0 ? len - 1 : len;
      }
      return x;
    };
    const a = adjust(start, 'start', st < 0 ? len - 1 : 0);
    const z = adjust(stop, 'stop', st < 0 ? -1 : len);
    const n = st < 0 ? (z < a ? Math.floor((a - z - 1) / -st) + 1 : 0) : (a < z ? Math.floor((z - a - 1) / st) + 1 : 0);
    return [a, st, n];
  }

  // A copy of [off, off + n): from the ArrayBuffer when there is one, else
  // through the native copy (which checks PROT_READ).
  #copy(off: number, n: number, what: string): Buffer {
    if (n > INT32_MAX) throw outOfRange('length', `<= ${INT32_MAX} (${what} a mapping in windows)`, n);
    if (this.#view) return Buffer.from(this.#view.subarray(off, off + n));
    return native.mmap_read(this.#handle!, off, n);
  }

  #store(off: number, data: ArrayBufferView): void {
    if (this.#view) {
      this.#view.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), off);
    } else {
      native.mmap_write(this.#handle!, off, data);
    }
  }

  // Python refuses changes to an ACCESS_READ mapping (and one without
  // PROT_WRITE) with a TypeError before anything else.
  #writable(what: string): void {
    if (this.#info.access === ACCESS_READ || (this.#info.prot & PROT_WRITE) === 0) {
      throw refused('ERR_MMAP_PROTECTION', `${what}: mmap can't modify a readonly memory map`);
    }
  }

  // ---- the mapping itself ------------------------------------------------------------

  /**
   * flush(offset = 0, size = length - offset, flags = MS_SYNC): msync(2) of
   * [offset, offset + size); offset must be page-aligned (EINVAL otherwise).
   * Nothing to do for ACCESS_READ and ACCESS_COPY mappings, as in Python.
   */
  flush(offset = 0, size?: number, flags: number = MS_SYNC): void {
    const handle = this.#live('msync');
    validateInteger(offset, 'offset', 0, this.#length);
    const n = size === undefined ? this.#length - offset : validateInteger(size, 'size', 0, this.#length - offset);
    validateInt32(flags, 'flags', 0);
    if (n === 0 || this.#info.access === ACCESS_READ || this.#info.access === ACCESS_COPY) return;
    native.msync(handle, offset, n, flags);
  }

  /**
   * madvise(option, start = 0, length = size - start): madvise(2) on the
   * pages of [start, start + length) (start page-aligned; a length past the
   * end is cut at the end). Advice that could make a later access fault
   * (MADV_DONTFORK, MADV_HWPOISON, MADV_SOFT_OFFLINE, guard pages, unknown
   * values) is refused with ERR_MMAP_UNSAFE_ADVICE.
   */
  madvise(option: number, start = 0, length?: number): void {
    const handle = this.#live('madvise');
    validateInt32(option, 'option');
    intArg(start, 'start');
    if (start < 0 || start >= this.#length) throw rangeError('madvise start out of bounds');
    let n = length === undefined || length === null ? this.#length - start : intArg(length, 'length');
    if (n < 0) throw rangeError('madvise length invalid');
    if (Number.MAX_SAFE_INTEGER - start < n) throw rangeError('madvise length too large');
    if (start + n > this.#length) n = this.#length - start;
    native.madvise(handle, start, n, option);
  }

  /**
   * resize(newsize): mremap(2), keeping the contents (the new tail is zeros).
   * A file mapping resizes its file to offset + newsize first (ftruncate on
   * the mapping's own fd), as Python does; shrinking is refused
   * (ERR_MMAP_IN_USE) while another mapping of the same file in this process
   * reaches past the new end, since its tail would fault. Anonymous shared
   * memory grows its memfd and never shrinks it (a forked child or a worker
   * may map the rest). `buffer` is detached and replaced: every view made on
   * the old one becomes empty (the pages may move); take `buffer` again. The
   * position is kept. ACCESS_READ, ACCESS_COPY and SharedMemory mappings
   * cannot be resized (ERR_MMAP_NOT_RESIZABLE).
   */
  resize(newsize: number): void {
    const handle = this.#live('mremap');
    const { access, backing, offset, track } = this.#info;
    if (access === ACCESS_READ || access === ACCESS_COPY || backing === 'shm') {
      throw refused('ERR_MMAP_NOT_RESIZABLE', backing === 'shm'
        ? "a SharedMemory mapping cannot be resized (its buf is in use): make a new segment"
        : "mmap can't resize a readonly or copy-on-write memory map");
    }
    validateInteger(newsize, 'newsize', 1, 2 ** 46);
    const shrink = newsize < this.#length;
    if (backing === 'file' && shrink && this.#inode) {
      for (const ref of byInode.get(this.#inode) ?? []) {
        const other = ref.deref();
        if (other && other !== this && !other.closed && other.#info.offset + other.#length > offset + newsize) {
          throw codedError('ERR_MMAP_IN_USE', `resize: another mapping of this file reaches past ${offset + newsize} `
            + 'bytes; truncating the file would make its tail fault (close it first)');
        }
      }
    }
    if (backing === 'file' && !shrink) native.mman_ftruncate(track, offset + newsize);
    if (backing === 'memfd' && newsize > native.mman_fstat(this.#fd)[0]) native.mman_ftruncate(this.#fd, newsize);
    let next: [Handle, number];
    try {
      next = native.mremap(handle, newsize);
    } catch (e) {
      // No handle could be made for the pages (they are unmapped): the mapping is gone.
      this.#handle = null;
      this.close();
      throw e;
    }
    const [h, err] = next;
    this.#handle = h;
    this.#buffer = h.buffer;
    this.#view = h.buffer ? Buffer.from(h.buffer) : null;
    if (err) throw errnoError(err, 'mremap');
    this.#length = newsize;
    // Shrinking the file comes after the mapping shrank: a failure leaves a
    // longer file, never a mapping past the end of its file.
    if (backing === 'file' && shrink) native.mman_ftruncate(track, offset + newsize);
  }

  /**
   * A descriptor a worker thread can pass to attachShared() to map the same
   * pages. Only for mappings backed by an fd this object owns (mmap(-1) and
   * SharedMemory); the fd must stay open (this mapping not closed) until the
   * worker has attached.
   */
  share(): SharedMapping {
    this.#live('share');
    if (!this.#ownsFd || this.#fd < 0) {
      throw codedError('ERR_MMAP_NOT_SHAREABLE',
        'only mappings backed by their own memory fd (mmap(-1, n) or SharedMemory) can be shared with a worker thread');
    }
    const [, ino, dev] = native.mman_fstat(this.#fd);
    return { kind: 'posixkit.mapping', fd: this.#fd, ino, dev, length: this.#length, offset: 0 };
  }

  /** The fd behind the mapping (the caller's fd of a file mapping, the memfd of an anonymous one), or -1. */
  fileno(): number {
    this.#live('fileno');
    return this.#fd;
  }

  /** munmap(2). Every view of `buffer` becomes empty. Idempotent. */
  close(): void {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) native.munmap(handle);
    if (this.#inode && this.#self) byInode.get(this.#inode)?.delete(this.#self);
    this.#inode = null;
    fdReaper.unregister(this);
    if (this.#ownsFd && this.#fd >= 0) native.close(this.#fd);
    if (this.#info.track >= 0) native.close(this.#info.track);
    this.#info.track = -1;
    this.#fd = -1;
    this.#view = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #live(syscall: string): Handle {
    if (!this.#handle) throw mappingClosed(syscall);
    return this.#handle;
  }
}

const NEWLINE = Buffer.from('\n');

function mappingClosed(syscall: string): Error {
  const e = errnoError(K.EBADF, syscall);
  e.message = `${e.message} (mmap closed or invalid)`;
  return e;
}

// Python's access modes: the flags and protection each stands for.
function accessMode(options: MmapOptions): [number, number, number] {
  const access = options.access === undefined ? ACCESS_DEFAULT : validateInteger(options.access, 'options.access');
  if (access < ACCESS_DEFAULT || access > ACCESS_COPY) {
    throw outOfRange('options.access', 'ACCESS_DEFAULT, ACCESS_READ, ACCESS_WRITE or ACCESS_COPY', access);
  }
  const prot = options.prot === undefined ? PROT_READ | PROT_WRITE : validateInt32(options.prot, 'options.prot', 0);
  const flags = options.flags === undefined ? MAP_SHARED : validateInt32(options.flags, 'options.flags', 0);
  if (access === ACCESS_DEFAULT) return [access, prot, flags];
  if (flags !== MAP_SHARED || prot !== (PROT_READ | PROT_WRITE)) {
    throw invalidArgValue('options', options, "can't specify both access and flags, prot");
  }
  if (access === ACCESS_READ) return [access, PROT_READ, MAP_SHARED];
  if (access === ACCESS_WRITE) return [access, PROT_READ | PROT_WRITE, MAP_SHARED];
  return [access, PROT_READ | PROT_WRITE, MAP_PRIVATE];
}

/**
 * mmap(fd, length, { prot, flags, access, offset }). fd -1 maps anonymous
 * memory: MAP_SHARED by default, so forked children share it. posixkit backs
 * it with a memfd (memfd_create(MFD_CLOEXEC)) rather than MAP_ANONYMOUS, so a
 * worker thread can map the very same pages (share()/attachShared()); the
 * memory and its sharing across fork are the same. With MAP_PRIVATE, fd -1 is
 * plain MAP_PRIVATE | MAP_ANONYMOUS memory. `access` is Python's
 * (ACCESS_READ, ACCESS_WRITE, ACCESS_COPY) instead of prot and flags.
 */
export function mmap(fd: FileLike | -1, length: number, options: MmapOptions = {}): MemoryMap {
  const f = fd === -1 ? -1 : toFd(fd);
  validateInteger(length, 'length', f === -1 ? 1 : 0, 2 ** 46);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const [access, prot, flags] = accessMode(options);
  if (flags & REFUSED_FLAGS) {
    throw invalidArgValue('options.flags', flags, 'must not include MAP_FIXED, MAP_FIXED_NOREPLACE or MAP_GROWSDOWN');
  }
  const offset = options.offset === undefined ? 0 : validateInteger(options.offset, 'options.offset', 0, 2 ** 52);
  if (offset % PAGESIZE !== 0) throw outOfRange('options.offset', `a multiple of PAGESIZE (${PAGESIZE})`, offset);
  if (f !== -1) {
    // Touching a page past the end of a file is SIGBUS, which would kill the
    // process: refuse such a mapping up front, as Python does (ValueError).
    const [size, , , mode] = native.mman_fstat(f);
    const regular = (mode & 0o170000) === 0o100000;
    if (regular) {
      if (offset >= size && !(size === 0 && length === 0)) {
        throw outOfRange('options.offset', `< the file size (${size}): mmap offset is greater than file size`, offset);
      }
      if (length === 0) length = size - offset;
      if (length === 0) throw outOfRange('length', '> 0: cannot mmap an empty file', length);
      if (offset + length > size) {
        throw outOfRange('length', `<= the file size minus offset (${size - offset}): mmap length is greater than file size`,
          length);
      }
    } else if (length === 0) {
      throw outOfRange('length', '> 0 (0 means "the whole file" for regular files only)', length);
    }
    const handle = native.mmap(f, length, prot, flags, offset);
    let track = -1;
    try {
      track = dup(f);
      return new MemoryMap(handle, length, f, false, { prot, flags, offset, access, backing: 'file', track });
    } catch (e) {
      native.munmap(handle);
      if (track >= 0) native.close(track);
      throw e;
    }
  }
  if (offset !== 0) throw outOfRange('options.offset', '0 for anonymous memory', offset);
  if ((flags & MAP_SHARED) === 0) {
    const handle = native.mmap(-1, length, prot, flags | MAP_ANONYMOUS, 0);
    return new MemoryMap(handle, length, -1, false, { prot, flags, access, backing: 'anon' });
  }
  const memfd = native.memfd_create('posixkit', K.MFD_CLOEXEC);
  try {
    native.mman_ftruncate(memfd, length);
    const handle = native.mmap(memfd, length, prot, flags & ~MAP_ANONYMOUS, 0);
    return new MemoryMap(handle, length, memfd, true, { prot, flags, access, backing: 'memfd' });
  } catch (e) {
    native.close(memfd);
    throw e;
  }
}

/**
 * Maps, in this thread, the pages described by another thread's
 * MemoryMap.share(). The fd number is checked against the inode it was
 * shared with, so a closed-and-reused fd number is refused (EBADF) rather
 * than mapped. The new mapping does not own the fd.
 */
export function attachShared(desc: SharedMapping): MemoryMap {
  if (desc === null || typeof desc !== 'object' || desc.kind !== 'posixkit.mapping') {
    throw invalidArgType('desc', 'a descriptor returned by share()', desc);
  }
  const fd = validateInt32(desc.fd, 'desc.fd', 0);
  const length = validateInteger(desc.length, 'desc.length', 1, 2 ** 46);
  let st: [number, number, number, number];
  try {
    st = native.mman_fstat(fd);
  } catch {
    throw mappingClosed('attachShared');
  }
  if (st[1] !== desc.ino || st[2] !== desc.dev) throw mappingClosed('attachShared');
  const handle = native.mmap(fd, length, PROT_READ | PROT_WRITE, MAP_SHARED, desc.offset ?? 0);
  return new MemoryMap(handle, length, fd, false, { backing: 'memfd' });
}

// ---- futex ----------------------------------------------------------------

export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

/**
 * futex(FUTEX_WAIT) on view[index]: sleeps in the kernel while the word
 * equals `expected`, until futex_wake on the same word (from any process or
 * thread mapping it), or `timeout` seconds. Returns what Atomics.wait returns:
 * 'ok', 'not-equal' or 'timed-out'. Not FUTEX_PRIVATE: works across
 * processes. Signals: JS handlers run and the wait resumes with the time
 * left (PEP 475); a handler that throws ends the wait with its error.
 * Blocks the calling thread (and the event loop, if it is the main thread).
 */
export function futex_wait(view: Int32Array, index: number, expected: number, timeout?: number | null): FutexWaitResult {
  if (!(view instanceof Int32Array)) throw invalidArgType('view', 'an instance of Int32Array', view);
  validateInteger(index, 'index', 0, Math.max(0, view.length - 1));
  if (index >= view.length) throw outOfRange('index', `< view.length (${view.length})`, index);
  validateInt32(expected, 'expected');
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number') throw invalidArgType('timeout', 'of type number', timeout);
    if (!(timeout >= 0)) throw outOfRange('timeout', '>= 0', timeout);
  }
  const r = native.futex_wait(view, index, expected, timeout ?? undefined);
  return r === 0 ? 'ok' : r === -EAGAIN ? 'not-equal' : r === -ETIMEDOUT ? 'timed-out' : 'ok';
}

/** futex(FUTEX_WAKE): wakes up to `count` waiters of view[index]; returns how many woke. */
export function futex_wake(view: Int32Array, index: number, count: number = 1): number {
  if (!(view instanceof Int32Array)) throw invalidArgType('view', 'an instance of Int32Array', view);
  validateInteger(index, 'index', 0, Math.max(0, view.length - 1));
  if (index >= view.length) throw outOfRange('index', `< view.length (${view.length})`, index);
  if (count === Infinity) count = 2 ** 31 - 1;
  validateInt32(count, 'count', 0);
  return native.futex_wake(view, index, count);
}

// ---- POSIX shared memory ----------------------------------------------------

// Python's multiprocessing.shared_memory naming: '/psm_' + hex, at most 14
// characters (the BSD limit Python keeps everywhere).
const SHM_PREFIX = '/psm_';
const SHM_SAFE_NAME_LENGTH = 14;

function makeFilename(): string {
  const nbytes = Math.floor((SHM_SAFE_NAME_LENGTH - SHM_PREFIX.length) / 2);
  return SHM_PREFIX + randomBytes(nbytes).toString('hex');
}

export interface SharedMemoryOptions {
  /** The segment's name, with or without a leading '/'; generated when creating without one. */
  name?: string;
  /** Create a new segment (O_CREAT | O_EXCL) instead of attaching to an existing one. */
  create?: boolean;
  /** Bytes, required (> 0) to create; ignored on attach (the size comes from fstat). */
  size?: number;
}

/**
 * POSIX shared memory in the shape of Python's
 * multiprocessing.shared_memory.SharedMemory: shm_open(O_CREAT | O_EXCL |
 * O_RDWR, 0600) + ftruncate + mmap to create, shm_open(O_RDWR) + fstat +
 * mmap to attach. A segment made here attaches from Python by `name` and
 * vice versa. The segment lives until unlink(), not until close().
 */
export class SharedMemory implements Disposable {
  #name: string; // with the leading '/'
  #size: number;
  #map: MemoryMap | null;
  #buf: Buffer | null = null;

  constructor(options: SharedMemoryOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const create = Boolean(options.create);
    let { name } = options;
    const size = options.size ?? 0;
    validateInteger(size, 'size', Number.MIN_SAFE_INTEGER);
    if (size < 0) throw outOfRange('size', 'a positive integer', size);
    if (create && size === 0) throw outOfRange('size', 'a positive number different from zero', size);
    if (name === undefined || name === null) {
      if (!create) throw invalidArgValue('name', name, "can only be omitted when create is true");
    } else if (typeof name !== 'string') {
      throw invalidArgType('name', 'of type string', name);
    } else if (name.length === 0 || name.includes('\0')) {
      throw invalidArgValue('name', name, 'must be a non-empty string without null bytes');
    }
    const flags = create ? K.O_CREAT | K.O_EXCL | K.O_RDWR : K.O_RDWR;
    let fd: number;
    if (name === undefined || name === null) {
      // A collision with an existing segment is retried with a new name, as
      // Python does (bounded: 100 collisions in a row means something is wrong).
      for (let attempt = 1; ; attempt++) {
        const candidate = makeFilename();
        try {
          fd = native.shm_open(candidate, flags, 0o600);
          name = candidate;
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== 'EEXIST' || attempt >= 100) throw e;
        }
      }
    } else {
      // Python prepends the slash unconditionally, so do we (same segment names).
      name = `/${name}`;
      fd = native.shm_open(name, flags, 0o600);
    }
    this.#name = name;
    try {
      if (create) native.mman_ftruncate(fd, size);
      this.#size = native.mman_fstat(fd)[0];
      if (this.#size === 0) {
        // mmap of length 0 is EINVAL; Python fails the same way on an empty segment.
        throw errnoError(K.EINVAL, 'mmap');
      }
      const handle = native.mmap(fd, this.#size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
      this.#map = new MemoryMap(handle, this.#size, fd, true, { backing: 'shm' });
    } catch (e) {
      native.close(fd);
      if (create) {
        try { native.shm_unlink(name); } catch { /* already gone */ }
      }
      throw e;
    }
  }

  /** The segment's name without the leading slash (what Python reports). */
  get name(): string {
    return this.#name.startsWith('/') ? this.#name.slice(1) : this.#name;
  }

  /** Bytes, from fstat (may be larger than asked for). */
  get size(): number {
    return this.#size;
  }

  /** The shared memory as a Buffer; empty once closed. */
  get buf(): Buffer {
    if (!this.#buf) {
      const ab = this.#map ? this.#map.buffer : new ArrayBuffer(0);
      this.#buf = Buffer.from(ab, 0, ab.byteLength);
    }
    return this.#buf;
  }

  /** The mapping (for typed-array views: `new Int32Array(shm.mmap.buffer)`). */
  get mmap(): MemoryMap {
    if (!this.#map) throw mappingClosed('mmap');
    return this.#map;
  }

  get closed(): boolean {
    return this.#map === null;
  }

  /** Unmaps and closes the fd; the segment itself stays until unlink(). */
  close(): void {
    const m = this.#map;
    if (!m) return;
    this.#map = null;
    m.close(); // the MemoryMap owns the fd
  }

  /** shm_unlink(3): removes the name; existing mappings stay valid. */
  unlink(): void {
    native.shm_unlink(this.#name);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `SharedMemory(${JSON.stringify(this.name)}, size=${this.#size})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
