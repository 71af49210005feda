// File descriptors: pipes, read/write (plain, positioned, vectored), open,
// seek, fstat, sync, truncate, locks, advice, FIFOs, close/dup and the fd
// flags. Blocking calls follow the EINTR rule.
import { FileLike, INT32_MAX, invalidArgType, invalidArgValue, toFd, validateBytes, validateInt32, validateInteger } from '../errors';
import { family } from '../native';
import { cstring, iterableArg, SAFE } from './args';
import { defineStructSeq, StructSeq } from './structseq';

interface FdNative {
  pipe2(flags: number): [number, number];
  read(fd: number, buf: ArrayBufferView): number;
  write(fd: number, data: ArrayBufferView): number;
  close(fd: number): void; dup(fd: number): number; dup2(fd: number, fd2: number, inheritable: boolean): number;
  get_blocking(fd: number): boolean; set_blocking(fd: number, blocking: boolean): void;
  get_inheritable(fd: number): boolean; set_inheritable(fd: number, inheritable: boolean): void;
  open(path: string, flags: number, mode: number, dirFd: number): number;
  closerange(lo: number, hi: number): void;
  lseek(fd: number, pos: number, how: number): number;
  pread(fd: number, buf: ArrayBufferView, offset: number): number;
  pwrite(fd: number, data: ArrayBufferView, offset: number): number;
  readv(fd: number, buffers: ArrayBufferView[]): number;
  writev(fd: number, buffers: ArrayBufferView[]): number;
  preadv(fd: number, buffers: ArrayBufferView[], offset: number, flags: number): number;
  pwritev(fd: number, buffers: ArrayBufferView[], offset: number, flags: number): number;
  fstat(fd: number): unknown[];
  fsync(fd: number): void; fdatasync(fd: number): void; ftruncate(fd: number, length: number): void;
  mkfifo(path: string, mode: number, dirFd: number): void;
  lockf(fd: number, command: number, length: number): void;
  posix_fadvise(fd: number, offset: number, length: number, advice: number): void;
  posix_fallocate(fd: number, offset: number, length: number): void;
  fdioConstants: Record<string, number>;
}
const native = family<FdNative>();
const K = native.fdioConstants;

export const O_RDONLY: number = K.O_RDONLY;
export const O_WRONLY: number = K.O_WRONLY;
export const O_RDWR: number = K.O_RDWR;
export const O_ACCMODE: number = K.O_ACCMODE;
export const O_APPEND: number = K.O_APPEND;
export const O_ASYNC: number = K.O_ASYNC;
export const O_CLOEXEC: number = K.O_CLOEXEC;
export const O_CREAT: number = K.O_CREAT;
export const O_DIRECT: number = K.O_DIRECT;
export const O_DIRECTORY: number = K.O_DIRECTORY;
export const O_DSYNC: number = K.O_DSYNC;
export const O_EXCL: number = K.O_EXCL;
export const O_FSYNC: number = K.O_FSYNC;
export const O_LARGEFILE: number = K.O_LARGEFILE;
export const O_NDELAY: number = K.O_NDELAY;
export const O_NOATIME: number = K.O_NOATIME;
export const O_NOCTTY: number = K.O_NOCTTY;
export const O_NOFOLLOW: number = K.O_NOFOLLOW;
export const O_NONBLOCK: number = K.O_NONBLOCK;
export const O_PATH: number = K.O_PATH;
export const O_RSYNC: number = K.O_RSYNC;
export const O_SYNC: number = K.O_SYNC;
export const O_TMPFILE: number = K.O_TMPFILE;
export const O_TRUNC: number = K.O_TRUNC;
export const SEEK_SET: number = K.SEEK_SET;
export const SEEK_CUR: number = K.SEEK_CUR;
export const SEEK_END: number = K.SEEK_END;
export const SEEK_DATA: number = K.SEEK_DATA;
export const SEEK_HOLE: number = K.SEEK_HOLE;
export const F_LOCK: number = K.F_LOCK;
export const F_TLOCK: number = K.F_TLOCK;
export const F_ULOCK: number = K.F_ULOCK;
export const F_TEST: number = K.F_TEST;
export const POSIX_FADV_NORMAL: number = K.POSIX_FADV_NORMAL;
export const POSIX_FADV_SEQUENTIAL: number = K.POSIX_FADV_SEQUENTIAL;
export const POSIX_FADV_RANDOM: number = K.POSIX_FADV_RANDOM;
export const POSIX_FADV_NOREUSE: number = K.POSIX_FADV_NOREUSE;
export const POSIX_FADV_WILLNEED: number = K.POSIX_FADV_WILLNEED;
export const POSIX_FADV_DONTNEED: number = K.POSIX_FADV_DONTNEED;
export const RWF_HIPRI: number = K.RWF_HIPRI;
export const RWF_DSYNC: number = K.RWF_DSYNC;
export const RWF_SYNC: number = K.RWF_SYNC;
export const RWF_NOWAIT: number = K.RWF_NOWAIT;
export const RWF_APPEND: number = K.RWF_APPEND;
const AT_FDCWD = K.AT_FDCWD;

/** pipe(2) -> `[readFd, writeFd]`, both close-on-exec (PEP 446). */
export function pipe(): [number, number] {
  return native.pipe2(O_CLOEXEC);
}

/** pipe2(2) with O_NONBLOCK and/or O_CLOEXEC. */
export function pipe2(flags: number): [number, number] {
  validateInt32(flags, 'flags');
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) throw invalidArgValue('flags', flags, 'may only contain O_NONBLOCK and O_CLOEXEC');
  return native.pipe2(flags);
}

/** read(2) of at most `n` bytes; an empty Buffer means end of file. Blocks. */
export function read(fd: FileLike, n: number): Buffer {
  const f = toFd(fd);
  validateInteger(n, 'n', 0, 2 ** 31 - 1);
  const buf = Buffer.allocUnsafe(n);
  const got = native.read(f, buf);
  return got === n ? buf : buf.subarray(0, got);
}

/** read(2) into a caller-owned buffer; returns the byte count. */
export function readinto(fd: FileLike, buffer: ArrayBufferView): number {
  return native.read(toFd(fd), validateBytes(buffer, 'buffer'));
}

/** write(2): one call, may write less than given; returns the byte count. */
export function write(fd: FileLike, data: ArrayBufferView | string): number {
  const f = toFd(fd);
  const bytes = typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
  return native.write(f, bytes);
}

export function close(fd: FileLike): void {
  native.close(toFd(fd));
}

/** dup(2), the new fd close-on-exec (as Python's os.dup). */
export function dup(fd: FileLike): number {
  return native.dup(toFd(fd));
}

/** dup2(2); `inheritable` false makes fd2 close-on-exec (dup3). Returns fd2. */
export function dup2(fd: FileLike, fd2: number, inheritable = true): number {
  return native.dup2(toFd(fd), validateInt32(fd2, 'fd2', 0), Boolean(inheritable));
}

export function get_blocking(fd: FileLike): boolean {
  return native.get_blocking(toFd(fd));
}
export function set_blocking(fd: FileLike, blocking: boolean): void {
  native.set_blocking(toFd(fd), Boolean(blocking));
}
export function get_inheritable(fd: FileLike): boolean {
  return native.get_inheritable(toFd(fd));
}
export function set_inheritable(fd: FileLike, inheritable: boolean): void {
  native.set_inheritable(toFd(fd), Boolean(inheritable));
}

// ---- open, seek, positioned and vectored I/O --------------------------------

const pathArg = (path: unknown): string => cstring(path, 'path');

function dirFdArg(options: unknown): number {
  if (options === undefined) return AT_FDCWD;
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const d = (options as { dir_fd?: unknown }).dir_fd;
  return d === undefined || d === null ? AT_FDCWD : toFd(d, 'options.dir_fd');
}

export interface DirFdOptions {
  /** Resolve a relative path against this directory fd instead of the cwd. */
  dir_fd?: FileLike | null;
}

/**
 * open(2) (openat): returns a new fd, always close-on-exec (PEP 446), as
 * Python's os.open. `mode` (default 0o777, before the umask) applies with
 * O_CREAT or O_TMPFILE. Opening a FIFO blocks until the other end opens.
 */
export function open(path: string, flags: number, mode = 0o777, options?: DirFdOptions): number {
  const p = pathArg(path);
  validateInt32(flags, 'flags');
  validateInteger(mode, 'mode', 0, 0o7777);
  return native.open(p, flags | O_CLOEXEC, mode, dirFdArg(options));
}

/** Closes every fd in [fd_low, fd_high), ignoring errors (close_range(2)). */
export function closerange(fd_low: number, fd_high: number): void {
  validateInt32(fd_low, 'fd_low');
  validateInt32(fd_high, 'fd_high');
  native.closerange(Math.max(fd_low, 0), Math.max(fd_high, 0));
}

/** lseek(2): SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE; returns the new offset. */
export function lseek(fd: FileLike, position: number, whence: number): number {
  const f = toFd(fd);
  return native.lseek(f, validateInteger(position, 'position', -SAFE, SAFE), validateInt32(whence, 'whence'));
}

/** pread(2): at most `n` bytes at `offset`, the fd's position unchanged. */
export function pread(fd: FileLike, n: number, offset: number): Buffer {
  const f = toFd(fd);
  validateInteger(n, 'n', 0, INT32_MAX);
  validateInteger(offset, 'offset', -SAFE, SAFE);
  const buf = Buffer.allocUnsafe(n);
  const got = native.pread(f, buf, offset);
  return got === n ? buf : buf.subarray(0, got);
}

/** pwrite(2): writes `data` at `offset`; returns the byte count (may be partial). */
export function pwrite(fd: FileLike, data: ArrayBufferView | string, offset: number): number {
  const f = toFd(fd);
  const bytes = typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
  return native.pwrite(f, bytes, validateInteger(offset, 'offset', -SAFE, SAFE));
}

const IOV_MAX = 1024;
function buffersArg(buffers: unknown): ArrayBufferView[] {
  const list = iterableArg(buffers, 'buffers', 'an iterable of Buffer, TypedArray, or DataView', (b) => validateBytes(b, 'buffers[]'));
  if (list.length > IOV_MAX) throw invalidArgValue('buffers', buffers, `has more than IOV_MAX (${IOV_MAX}) buffers`);
  return list;
}

/** readv(2): fills `buffers` in order; returns the total byte count. */
export function readv(fd: FileLike, buffers: Iterable<ArrayBufferView>): number {
  const f = toFd(fd);
  return native.readv(f, buffersArg(buffers));
}

/** writev(2): writes `buffers` in order in one call; returns the byte count. */
export function writev(fd: FileLike, buffers: Iterable<ArrayBufferView>): number {
  const f = toFd(fd);
  return native.writev(f, buffersArg(buffers));
}

/** preadv(2) (preadv2 with RWF_* `flags`): readv at `offset`. */
export function preadv(fd: FileLike, buffers: Iterable<ArrayBufferView>, offset: number, flags = 0): number {
  const f = toFd(fd);
  const list = buffersArg(buffers);
  return native.preadv(f, list, validateInteger(offset, 'offset', -SAFE, SAFE), validateInt32(flags, 'flags'));
}

/** pwritev(2) (pwritev2 with RWF_* `flags`): writev at `offset`. */
export function pwritev(fd: FileLike, buffers: Iterable<ArrayBufferView>, offset: number, flags = 0): number {
  const f = toFd(fd);
  const list = buffersArg(buffers);
  return native.pwritev(f, list, validateInteger(offset, 'offset', -SAFE, SAFE), validateInt32(flags, 'flags'));
}

// ---- fstat and friends --------------------------------------------------------

/**
 * Python's os.stat_result: the 10-item tuple (mode, ino, dev, nlink, uid,
 * gid, size, and the three times as integer seconds) plus the named fields
 * st_atime/st_mtime/st_ctime (float seconds), st_*_ns (BigInt nanoseconds),
 * st_blksize, st_blocks, st_rdev.
 */
export class stat_result extends StructSeq<number> {
  declare readonly st_mode: number;
  declare readonly st_ino: number;
  declare readonly st_dev: number;
  declare readonly st_nlink: number;
  declare readonly st_uid: number;
  declare readonly st_gid: number;
  declare readonly st_size: number;
  declare readonly st_atime: number;
  declare readonly st_mtime: number;
  declare readonly st_ctime: number;
  declare readonly st_atime_ns: bigint;
  declare readonly st_mtime_ns: bigint;
  declare readonly st_ctime_ns: bigint;
  declare readonly st_blksize: number;
  declare readonly st_blocks: number;
  declare readonly st_rdev: number;
}
defineStructSeq(stat_result, {
  qualname: 'os.stat_result',
  sequence: ['st_mode', 'st_ino', 'st_dev', 'st_nlink', 'st_uid', 'st_gid', 'st_size', null, null, null],
  extra: ['st_atime', 'st_mtime', 'st_ctime', 'st_atime_ns', 'st_mtime_ns', 'st_ctime_ns', 'st_blksize', 'st_blocks', 'st_rdev'],
  // As Python: float times not given are the integer ones.
  fill: (extra, items) => {
    for (let i = 0; i < 3; i++) if (extra[i] === null) extra[i] = items[7 + i];
  },
});

/** fstat(2) as a stat_result. */
export function fstat(fd: FileLike): stat_result {
  return new stat_result(native.fstat(toFd(fd)));
}

/** fsync(2): flushes the file's data and metadata to the device. */
export function fsync(fd: FileLike): void {
  native.fsync(toFd(fd));
}

/** fdatasync(2): flushes the data (and only the metadata needed to read it back). */
export function fdatasync(fd: FileLike): void {
  native.fdatasync(toFd(fd));
}

/** ftruncate(2): cuts or extends (with zeros) the file to `length` bytes. */
export function ftruncate(fd: FileLike, length: number): void {
  const f = toFd(fd);
  native.ftruncate(f, validateInteger(length, 'length', -SAFE, SAFE));
}

/** mkfifo(3) (mkfifoat): a named pipe at `path`; `mode` defaults to 0o666 (before the umask). */
export function mkfifo(path: string, mode = 0o666, options?: DirFdOptions): void {
  const p = pathArg(path);
  native.mkfifo(p, validateInteger(mode, 'mode', 0, 0o7777), dirFdArg(options));
}

/**
 * lockf(3): F_LOCK (waits), F_TLOCK (EACCES/EAGAIN if held), F_ULOCK,
 * F_TEST on `length` bytes from the current position (0: to the end).
 * POSIX record locks: held per process, released when it closes any fd of the file.
 */
export function lockf(fd: FileLike, command: number, length: number): void {
  const f = toFd(fd);
  native.lockf(f, validateInt32(command, 'command'), validateInteger(length, 'length', -SAFE, SAFE));
}

/** posix_fadvise(2): a POSIX_FADV_* access pattern for [offset, offset + length). */
export function posix_fadvise(fd: FileLike, offset: number, length: number, advice: number): void {
  const f = toFd(fd);
  native.posix_fadvise(f, validateInteger(offset, 'offset', -SAFE, SAFE), validateInteger(length, 'length', -SAFE, SAFE),
    validateInt32(advice, 'advice'));
}

/** posix_fallocate(3): reserves disk space for [offset, offset + length); the file grows if needed. */
export function posix_fallocate(fd: FileLike, offset: number, length: number): void {
  const f = toFd(fd);
  native.posix_fallocate(f, validateInteger(offset, 'offset', -SAFE, SAFE), validateInteger(length, 'length', -SAFE, SAFE));
}
