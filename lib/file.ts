// openat2(2) over native/file.cc; re-exported by posixkit/os. The kernel
// resolves the whole path under the RESOLVE_* rules in one step, so a check
// such as "no symlink on the way" or "never above dirfd" cannot be raced.
import { FileLike, invalidArgType, invalidArgValue, toFd, validateInteger } from './errors';
import { family } from './native';

interface FileNative {
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number, raw?: boolean): number;
  openat2_read(dirfd: number, path: string, resolve: number, maxBytes: number, into: Uint8Array, meta: Float64Array): number;
  fileConstants: Record<string, number>;
}
const native = family<FileNative>();
const K = native.fileConstants;

export const AT_FDCWD: number = K.AT_FDCWD;
export const RESOLVE_NO_XDEV: number = K.RESOLVE_NO_XDEV;
export const RESOLVE_NO_MAGICLINKS: number = K.RESOLVE_NO_MAGICLINKS;
export const RESOLVE_NO_SYMLINKS: number = K.RESOLVE_NO_SYMLINKS;
export const RESOLVE_BENEATH: number = K.RESOLVE_BENEATH;
export const RESOLVE_IN_ROOT: number = K.RESOLVE_IN_ROOT;
export const RESOLVE_CACHED: number = K.RESOLVE_CACHED;
const O_CLOEXEC = K.O_CLOEXEC;
const RESOLVE_ALL = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
  RESOLVE_IN_ROOT | RESOLVE_CACHED;

export interface OpenAt2Options {
  /** Directory the path is relative to (a relative path; RESOLVE_BENEATH/IN_ROOT confine to it). Default AT_FDCWD. */
  dirfd?: FileLike;
  /** Permission bits for O_CREAT; default 0o666 (before the umask). */
  mode?: number;
  /** RESOLVE_* bits; default 0. */
  resolve?: number;
  /** Leave the fd open across execve; default false (O_CLOEXEC, as every fd posixkit makes). */
  inheritable?: boolean;
}

/**
 * openat2(2): opens `path` and returns the fd. `resolve` takes RESOLVE_*
 * bits the kernel enforces during the lookup itself: RESOLVE_BENEATH (never
 * above dirfd), RESOLVE_IN_ROOT (dirfd acts as "/"), RESOLVE_NO_SYMLINKS,
 * RESOLVE_NO_MAGICLINKS (/proc/self/fd/N and friends), RESOLVE_NO_XDEV (no
 * mount crossing), RESOLVE_CACHED (EAGAIN unless served from the dcache).
 * Refusals are errors: ELOOP (a symlink under NO_SYMLINKS), EXDEV (escape
 * or crossing), EAGAIN (RESOLVE_CACHED), ENOSYS before Linux 5.6.
 */
export function openat2(path: string, flags: number, options: OpenAt2Options = {}): number {
  if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
  if (path.includes('\0')) throw invalidArgValue('path', path, 'must be a string without null bytes');
  validateInteger(flags, 'flags', 0, 2 ** 31 - 1);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const dirfd = options.dirfd === undefined || options.dirfd === AT_FDCWD ? AT_FDCWD : toFd(options.dirfd, 'options.dirfd');
  const mode = options.mode === undefined ? 0o666 : validateInteger(options.mode, 'options.mode', 0, 0o7777);
  const resolve = options.resolve === undefined ? 0 : validateInteger(options.resolve, 'options.resolve', 0, 2 ** 31 - 1);
  if (resolve & ~RESOLVE_ALL) throw invalidArgValue('options.resolve', resolve, 'may only contain RESOLVE_* bits');
  const f = options.inheritable ? flags : flags | O_CLOEXEC;
  return native.openat2(dirfd, path, f, mode, resolve);
}

/** openat2 for hot paths inside posixkit: -errno instead of a thrown error, no argument checks. */
export function openat2_raw(dirfd: number, path: string, flags: number, resolve: number): number {
  return native.openat2(dirfd, path, flags | O_CLOEXEC, 0, resolve, true);
}

/**
 * A static file server's whole file access in one native call: openat2(2)
 * (O_RDONLY | O_NONBLOCK | O_CLOEXEC) under `resolve`, fstat(2), and for a
 * regular file of at most `maxBytes` (and at most `into.length`) pread(2) of
 * the whole file into `into` at 0, then close(2). `meta` receives
 * [st_size, st_mtime in ms, st_mode, fd]: fd is -1 when the call closed the
 * file (it read it, or it is not a regular file), otherwise the caller owns
 * the open fd of a regular file too large to read here. Returns the bytes
 * read (fewer than st_size when the file shrank meanwhile), 0 when nothing
 * was read, or -errno of the call that failed. No argument checks: internal.
 */
export function openat2_read_raw(dirfd: number, path: string, resolve: number, maxBytes: number, into: Uint8Array,
  meta: Float64Array): number {
  return native.openat2_read(dirfd, path, resolve, maxBytes, into, meta);
}
