// posixkit/mmap: memory mappings (mmap/msync/munmap), POSIX shared memory
// compatible with Python's multiprocessing.shared_memory, and futexes on
// shared int32 words.
//
// The memory reaches JS as an ArrayBuffer over the mapped pages when they are
// readable and writable; other protections are reached through copying
// read()/write() only, so no JS view can fault. close() detaches that
// ArrayBuffer, so every view of it becomes empty: JS can never read or write
// unmapped memory, and the address itself is never exposed.
import { randomBytes } from 'node:crypto';
import {
  codedError, errnoError, FileLike, INT32_MAX, invalidArgType, invalidArgValue, outOfRange, toFd,
  validateBytes, validateInt32, validateInteger,
} from './errors';
import { family } from './native';

type Handle = { readonly buffer: ArrayBuffer | null };

interface MmanNative {
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): Handle;
  munmap(handle: Handle): boolean;
  mmap_read(handle: Handle, offset: number, length: number): Buffer;
  mmap_write(handle: Handle, offset: number, data: ArrayBufferView): number;
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
const EAGAIN = K.EAGAIN;
const ETIMEDOUT = K.ETIMEDOUT;

export interface MmapOptions {
  /** PROT_* bits; default PROT_READ | PROT_WRITE. */
  prot?: number;
  /** MAP_SHARED (default) or MAP_PRIVATE, plus MAP_POPULATE etc. */
  flags?: number;
  /** File offset, a multiple of PAGESIZE; default 0. */
  offset?: number;
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

// A MemoryMap dropped without close() still gives its fd back (the pages go
// when the last of the object and its buffer is collected, native side).
const fdReaper = new FinalizationRegistry<number>((fd) => {
  try { native.close(fd); } catch { /* already closed */ }
});

/**
 * A memory mapping. For a PROT_READ | PROT_WRITE mapping (the default),
 * `buffer` is an ArrayBuffer over the mapped pages: views made on it
 * (Int32Array, Buffer ...) read and write the memory directly, and a forked
 * child sees the same pages when the mapping is MAP_SHARED. Any other
 * protection has no `buffer` (a view could fault the process): read() and
 * write() copy, and check the protection first.
 */
export class MemoryMap implements Disposable {
  #handle: Handle | null;
  #buffer: ArrayBuffer | null;
  #length: number;
  #fd: number;
  #ownsFd: boolean;

  /** @internal use mmap(). */
  constructor(handle: Handle, length: number, fd: number, ownsFd: boolean) {
    this.#handle = handle;
    this.#buffer = handle.buffer;
    this.#length = length;
    this.#fd = fd;
    this.#ownsFd = ownsFd;
    if (ownsFd && fd >= 0) fdReaper.register(this, fd, this);
  }

  /**
   * The mapped memory; detached (byteLength 0) once closed. Only mappings
   * that are PROT_READ | PROT_WRITE have one: for the others this throws
   * ERR_MMAP_PROTECTION (use read()/write()).
   */
  get buffer(): ArrayBuffer {
    if (this.#buffer === null) {
      throw codedError('ERR_MMAP_PROTECTION',
        'this mapping is not PROT_READ | PROT_WRITE, so it has no ArrayBuffer (a view could fault the process): '
        + 'use read() and write(), which copy');
    }
    return this.#buffer;
  }

  /**
   * A copy of `length` bytes at `offset` (default: from offset to the end).
   * Needs PROT_READ, else ERR_MMAP_PROTECTION.
   */
  read(offset = 0, length?: number): Buffer {
    const handle = this.#live('mmap_read');
    validateInteger(offset, 'offset', 0, this.#length);
    const n = length === undefined ? this.#length - offset : validateInteger(length, 'length', 0, this.#length - offset);
    if (n > INT32_MAX) throw outOfRange('length', `<= ${INT32_MAX} (read a mapping in windows)`, n);
    return native.mmap_read(handle, offset, n);
  }

  /** Copies all of `data` to `offset`; returns its length. Needs PROT_WRITE, else ERR_MMAP_PROTECTION. */
  write(data: ArrayBufferView, offset = 0): number {
    const handle = this.#live('mmap_write');
    validateBytes(data, 'data');
    validateInteger(offset, 'offset', 0, this.#length);
    if (data.byteLength > this.#length - offset) {
      throw outOfRange('data.byteLength', `<= the mapping's length minus offset (${this.#length - offset})`, data.byteLength);
    }
    return native.mmap_write(handle, offset, data);
  }

  get length(): number {
    return this.#handle ? this.#length : 0;
  }

  /** Python's mmap.size()-like: the mapping's length in bytes. */
  size(): number {
    return this.#length;
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /** msync(2) of [offset, offset + size) (the whole mapping by default); offset must be page-aligned. */
  flush(offset = 0, size?: number, flags: number = MS_SYNC): void {
    const handle = this.#live('msync');
    validateInteger(offset, 'offset', 0, this.#length);
    const n = size === undefined ? this.#length - offset : validateInteger(size, 'size', 0, this.#length - offset);
    validateInt32(flags, 'flags', 0);
    native.msync(handle, offset, n, flags);
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

  /** The fd behind the mapping (the memfd of an anonymous mapping), or -1. */
  fileno(): number {
    this.#live('fileno');
    return this.#fd;
  }

  /** munmap(2). Every view of `buffer` becomes empty. Idempotent. */
  close(): void {
    const handle = this.#handle;
    if (!handle) return;
    this.#handle = null;
    native.munmap(handle);
    if (this.#ownsFd && this.#fd >= 0) {
      fdReaper.unregister(this);
      native.close(this.#fd);
    }
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #live(syscall: string): Handle {
    if (!this.#handle) throw mappingClosed(syscall);
    return this.#handle;
  }
}

function mappingClosed(syscall: string): Error {
  const e = errnoError(K.EBADF, syscall);
  e.message = `${e.message} (mmap closed or invalid)`;
  return e;
}

/**
 * mmap(fd, length, options). fd -1 maps anonymous memory: MAP_SHARED by
 * default, so forked children share it. posixkit backs it with a memfd
 * (memfd_create(MFD_CLOEXEC)) rather than MAP_ANONYMOUS, so a worker thread
 * can map the very same pages (share()/attachShared()); the memory and its
 * sharing across fork are the same. With MAP_PRIVATE, fd -1 is plain
 * MAP_PRIVATE | MAP_ANONYMOUS memory.
 */
export function mmap(fd: FileLike | -1, length: number, options: MmapOptions = {}): MemoryMap {
  const f = fd === -1 ? -1 : toFd(fd);
  validateInteger(length, 'length', f === -1 ? 1 : 0, 2 ** 46);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const prot = options.prot === undefined ? PROT_READ | PROT_WRITE : validateInt32(options.prot, 'options.prot', 0);
  const flags = options.flags === undefined ? MAP_SHARED : validateInt32(options.flags, 'options.flags', 0);
  if (flags & REFUSED_FLAGS) {
    throw invalidArgValue('options.flags', flags, 'must not include MAP_FIXED, MAP_FIXED_NOREPLACE or MAP_GROWSDOWN');
  }
  const offset = options.offset === undefined ? 0 : validateInteger(options.offset, 'options.offset', 0, 2 ** 52);
  if (offset % PAGESIZE !== 0) throw outOfRange('options.offset', `a multiple of PAGESIZE (${PAGESIZE})`, offset);
  if (f !== -1) {
    // Touching a page past the end of a file is SIGBUS, which would kill the
    // process: refuse such a mapping up front, as Python does (ValueError).
    const [size, , , mode] = native.mman_fstat(f);
    if ((mode & 0o170000) === 0o100000) {
      if (offset >= size && !(size === 0 && length === 0)) {
        throw outOfRange('options.offset', `< the file size (${size})`, offset);
      }
      if (length === 0) length = size - offset;
      if (length === 0) throw outOfRange('length', '> 0 (cannot map an empty file)', length);
      if (offset + length > size) throw outOfRange('length', `<= the file size minus offset (${size - offset})`, length);
    } else if (length === 0) {
      throw outOfRange('length', '> 0 (0 means "the whole file" for regular files only)', length);
    }
    const handle = native.mmap(f, length, prot, flags, offset);
    return new MemoryMap(handle, length, f, false);
  }
  if (offset !== 0) throw outOfRange('options.offset', '0 for anonymous memory', offset);
  if ((flags & MAP_SHARED) === 0) {
    const handle = native.mmap(-1, length, prot, flags | MAP_ANONYMOUS, 0);
    return new MemoryMap(handle, length, -1, false);
  }
  const memfd = native.memfd_create('posixkit', K.MFD_CLOEXEC);
  try {
    native.mman_ftruncate(memfd, length);
    const handle = native.mmap(memfd, length, prot, flags & ~MAP_ANONYMOUS, 0);
    return new MemoryMap(handle, length, memfd, true);
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
  return new MemoryMap(handle, length, fd, false);
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
      this.#map = new MemoryMap(handle, this.#size, fd, true);
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
