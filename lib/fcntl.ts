// posixkit/fcntl: Python's fcntl module over native/fcntl.cc. fcntl(2) and
// flock(2) as they are, and lockf (record locks through fcntl, as Python's
// and glibc's). A call that waits for a lock (flock without LOCK_NB, lockf
// without LOCK_NB, F_SETLKW) runs the JS signal handlers that interrupt it
// and goes on waiting, as Python does (PEP 475).
import { FileLike, invalidArgType, outOfRange, toFd, validateInteger } from './errors';
import { family } from './native';

interface FcntlNative {
  fcntl(fd: number, cmd: number, arg: number): number;
  fcntl_buf(fd: number, cmd: number, arg: ArrayBufferView): Buffer;
  flock(fd: number, operation: number): void;
  fcntl_lockf(fd: number, cmd: number, len: number, start: number, whence: number): void;
  fcntlConstants: Record<string, number>;
}
const native = family<FcntlNative>();
const K = native.fcntlConstants;

export const LOCK_SH: number = K.LOCK_SH;
export const LOCK_EX: number = K.LOCK_EX;
export const LOCK_NB: number = K.LOCK_NB;
export const LOCK_UN: number = K.LOCK_UN;
/** Linux ignores LOCK_MAND (and LOCK_READ/LOCK_WRITE/LOCK_RW with it) since 5.15: flock() returns at once. */
export const LOCK_MAND: number = K.LOCK_MAND;
export const LOCK_READ: number = K.LOCK_READ;
export const LOCK_WRITE: number = K.LOCK_WRITE;
export const LOCK_RW: number = K.LOCK_RW;
export const FASYNC: number = K.FASYNC;

export const F_DUPFD: number = K.F_DUPFD;
export const F_DUPFD_CLOEXEC: number = K.F_DUPFD_CLOEXEC;
export const F_GETFD: number = K.F_GETFD;
export const F_SETFD: number = K.F_SETFD;
export const FD_CLOEXEC: number = K.FD_CLOEXEC;
export const F_GETFL: number = K.F_GETFL;
export const F_SETFL: number = K.F_SETFL;
export const F_GETLK: number = K.F_GETLK;
export const F_SETLK: number = K.F_SETLK;
export const F_SETLKW: number = K.F_SETLKW;
export const F_GETLK64: number = K.F_GETLK64;
export const F_SETLK64: number = K.F_SETLK64;
export const F_SETLKW64: number = K.F_SETLKW64;
export const F_RDLCK: number = K.F_RDLCK;
export const F_WRLCK: number = K.F_WRLCK;
export const F_UNLCK: number = K.F_UNLCK;
export const F_EXLCK: number = K.F_EXLCK;
export const F_SHLCK: number = K.F_SHLCK;
export const F_OFD_GETLK: number = K.F_OFD_GETLK;
export const F_OFD_SETLK: number = K.F_OFD_SETLK;
export const F_OFD_SETLKW: number = K.F_OFD_SETLKW;
export const F_GETOWN: number = K.F_GETOWN;
export const F_SETOWN: number = K.F_SETOWN;
export const F_GETSIG: number = K.F_GETSIG;
export const F_SETSIG: number = K.F_SETSIG;
export const F_GETLEASE: number = K.F_GETLEASE;
export const F_SETLEASE: number = K.F_SETLEASE;
export const F_NOTIFY: number = K.F_NOTIFY;
export const F_GETPIPE_SZ: number = K.F_GETPIPE_SZ;
export const F_SETPIPE_SZ: number = K.F_SETPIPE_SZ;
export const F_ADD_SEALS: number = K.F_ADD_SEALS;
export const F_GET_SEALS: number = K.F_GET_SEALS;
export const F_SEAL_SEAL: number = K.F_SEAL_SEAL;
export const F_SEAL_SHRINK: number = K.F_SEAL_SHRINK;
export const F_SEAL_GROW: number = K.F_SEAL_GROW;
export const F_SEAL_WRITE: number = K.F_SEAL_WRITE;
export const DN_ACCESS: number = K.DN_ACCESS;
export const DN_MODIFY: number = K.DN_MODIFY;
export const DN_CREATE: number = K.DN_CREATE;
export const DN_DELETE: number = K.DN_DELETE;
export const DN_RENAME: number = K.DN_RENAME;
export const DN_ATTRIB: number = K.DN_ATTRIB;
export const DN_MULTISHOT: number = K.DN_MULTISHOT;

const UINT32_MAX = 2 ** 32 - 1;

/**
 * fcntl(2): `fcntl(fd, cmd, arg = 0)`. With a number arg (an int; unsigned
 * values up to 2**32 - 1 wrap to C int, as in Python) it returns the
 * syscall's result. With bytes (a Buffer/TypedArray, or a string taken as
 * UTF-8) of at most 1024 bytes, the kernel gets a pointer to a copy and a
 * new Buffer of the same length comes back with what it wrote there (a
 * struct flock for F_GETLK). The call is passed through: F_DUPFD makes an
 * inheritable fd, as the kernel does (F_DUPFD_CLOEXEC does not).
 */
export function fcntl(fd: FileLike, cmd: number, arg?: number): number;
export function fcntl(fd: FileLike, cmd: number, arg: ArrayBufferView | string): Buffer;
export function fcntl(fd: FileLike, cmd: number, arg: number | ArrayBufferView | string = 0): number | Buffer {
  const f = toFd(fd);
  validateInteger(cmd, 'cmd', -(2 ** 31), 2 ** 31 - 1);
  if (typeof arg === 'number') return native.fcntl(f, cmd, validateInteger(arg, 'arg', -(2 ** 31), UINT32_MAX));
  const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
  if (!ArrayBuffer.isView(bytes)) throw invalidArgType('arg', 'a number, a string or bytes', arg);
  if (bytes.byteLength > 1024) throw outOfRange('arg', 'at most 1024 bytes long', `${bytes.byteLength} bytes`);
  return native.fcntl_buf(f, cmd, bytes);
}

/**
 * flock(2): `flock(fd, operation)` with LOCK_SH, LOCK_EX or LOCK_UN, or'ed
 * with LOCK_NB to fail with BlockingIOError (EAGAIN) instead of waiting. The
 * lock belongs to the open file description: a dup() or a forked child
 * shares it, another open() of the same file does not.
 */
export function flock(fd: FileLike, operation: number): void {
  native.flock(toFd(fd), validateInteger(operation, 'operation', -(2 ** 31), 2 ** 31 - 1));
}

/**
 * Python's lockf(fd, cmd, len = 0, start = 0, whence = 0): a POSIX record
 * lock of this process on bytes [start, start + len) from whence (len 0: to
 * the end of the file and beyond), made with fcntl(F_SETLKW), or F_SETLK
 * when cmd has LOCK_NB (a conflict then throws BlockingIOError EAGAIN or
 * PermissionError EACCES). cmd is LOCK_UN, LOCK_SH (a read lock) or LOCK_EX
 * (a write lock); any other value is a RangeError. The lock belongs to the
 * process: a forked child does not inherit it, and closing any fd of the
 * file releases it. An invalid whence fails in the kernel (EINVAL).
 */
export function lockf(fd: FileLike, cmd: number, len: number = 0, start: number = 0, whence: number = 0): void {
  const f = toFd(fd);
  validateInteger(cmd, 'cmd', -(2 ** 31), 2 ** 31 - 1);
  if (cmd !== LOCK_UN && !(cmd & (LOCK_SH | LOCK_EX))) {
    throw outOfRange('cmd', 'LOCK_UN, or LOCK_SH or LOCK_EX (with LOCK_NB or not)', cmd);
  }
  native.fcntl_lockf(f, cmd, validateInteger(len, 'len'), validateInteger(start, 'start'), validateInteger(whence, 'whence', -(2 ** 15), 2 ** 15 - 1));
}
