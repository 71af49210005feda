// Confinement of file access to a root directory, shared by the HTTP static
// handler and the FTP session. No chroot. Opening a file for reading first
// tries one openat2(2) with RESOLVE_NO_SYMLINKS (lookup()): without a symlink
// a path of plain names below the real root cannot leave it, and the kernel
// checks that during the lookup, so nothing can be swapped in between. Paths
// through a symlink, and every other access, resolve the path with lstat or
// realpath(3) and check the result lies under the real root; files are then
// opened with O_NOFOLLOW and the opened fd itself is checked again through
// /proc/self/fd, so a directory swapped for a symlink between the two steps is
// caught on the inode actually opened (see docs/api/http.md, "TOCTOU").
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as nodePath from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { invalidArgValue } from '../errors';
import { AT_FDCWD, openat2_raw, openat2_read_raw, RESOLVE_NO_SYMLINKS } from '../file';

export type JailError = 'ENOENT' | 'EACCES' | 'ENOTDIR' | 'EISDIR' | 'ESCAPE' | 'EEXIST' | 'EINVAL' | 'EIO';

export type Resolved =
  | { ok: true; real: string; stat: fs.Stats }
  | { ok: false; error: JailError };

/** lookup(): a regular file comes back open (fd >= 0, the caller closes it), a directory with fd -1. */
export type LookedUp = { ok: true; real: string; stat: fs.Stats; fd: number } | { ok: false; error: JailError };

/**
 * lookupSmall(): what a request names, with a small regular file already read
 * and closed. `read` bytes of it are at the start of the caller's buffer
 * (fewer than `size`: the file shrank while it was read); fd is open (the
 * caller closes it) only for a regular file that was not read, -1 otherwise.
 */
export type SmallLookup =
  | { ok: true; real: string; size: number; mtimeMs: number; mode: number; directory: boolean; fd: number; read: number }
  | { ok: false; error: JailError };

/** A lookup() result as a SmallLookup: nothing read, a file still open. */
export function unread(r: LookedUp): SmallLookup {
  return r.ok ? { ok: true, real: r.real, size: r.stat.size, mtimeMs: r.stat.mtimeMs, mode: r.stat.mode,
    directory: r.fd < 0, fd: r.fd, read: 0 } : r;
}

export interface OpenedFile {
  fd: number;
  real: string;
  stat: fs.Stats;
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const E = osConstants.errno;

// Cleared for good when the kernel has no openat2 (Linux < 5.6: ENOSYS) or a
// seccomp filter refuses it (EPERM, EINVAL): resolve() alone then serves.
// Off in worker threads: there Node tracks the fds fs.openSync made and warns
// (through the main thread's stderr, which a blocking model never services, so
// the worker cannot exit) when fs.closeSync closes one it did not make, and
// callers close these fds with fs.closeSync.
let openat2Works = isMainThread;

// The openat2 results that settle a lookup at once; null for the ones the
// walk must decide and name: ELOOP (a symlink on the way), EACCES, EMFILE...
// ENOSYS, EPERM or EINVAL (no usable openat2) turn the fast path off for good.
function fastRefusal(negErrno: number): { ok: false; error: JailError } | null {
  if (negErrno === -E.ENOENT) return { ok: false, error: 'ENOENT' };
  if (negErrno === -E.ENOTDIR) return { ok: false, error: 'ENOTDIR' };
  if (negErrno === -E.ENOSYS || negErrno === -E.EPERM || negErrno === -E.EINVAL) openat2Works = false;
  return null;
}

// openat2_read's answer: [size, mtimeMs, mode, fd]. One per thread, read at once.
const META = new Float64Array(4);
const { S_IFMT, S_IFREG, S_IFDIR } = fs.constants;

function errorOf(e: unknown): JailError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') return code;
  if (code === 'EACCES' || code === 'EPERM') return 'EACCES';
  if (code === 'ELOOP') return 'ESCAPE';
  if (code === 'ENAMETOOLONG' || code === 'EINVAL') return 'EINVAL';
  return 'EIO';
}

/** True when a path segment could not be a plain file name (separators, NUL, dot names). */
export function badSegment(seg: string): boolean {
  return typeof seg !== 'string' || seg === '' || seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\0');
}

// A path of more segments than this cannot fit in PATH_MAX (each takes a name
// and a '/'). Checked before anything walks the list: a sparse array of length
// 2**32-1 would otherwise take minutes to scan.
const MAX_SEGMENTS = 2048;

function badPath(segments: readonly string[]): boolean {
  if (!Array.isArray(segments) || segments.length > MAX_SEGMENTS) return true;
  for (let i = 0; i < segments.length; i++) if (badSegment(segments[i])) return true; // a hole too
  return false;
}

export class Jail {
  /** The root after realpath, without a trailing slash ('/' only if the root is '/'). */
  readonly root: string;
  readonly #prefix: string;

  constructor(root: string) {
    this.root = fs.realpathSync.native(root);
    if (!fs.statSync(this.root).isDirectory()) throw invalidArgValue('root', root, 'must be a directory');
    this.#prefix = this.root === '/' ? '/' : this.root + '/';
  }

  /** True when a real (symlink-free) path is the root or below it. */
  contains(real: string): boolean {
    return real === this.root || real.startsWith(this.#prefix);
  }

  /** Resolves path segments below the root, following symlinks only while they stay inside. */
  resolve(segments: readonly string[]): Resolved {
    if (badPath(segments)) return { ok: false, error: 'EINVAL' };
    // Fast path: lstat each component below the (already real) root. Without a
    // symlink on the way, the joined path is the real path and the last lstat
    // is its stat: depth syscalls instead of realpath(3)'s readlink per
    // component of the whole absolute path.
    let cur = this.root;
    let st: fs.Stats | null = null;
    try {
      if (segments.length === 0) st = fs.statSync(cur);
      for (let i = 0; i < segments.length; i++) {
        cur = cur === '/' ? '/' + segments[i] : cur + '/' + segments[i];
        // throwIfNoEntry: a 404 must not pay for an exception and its stack trace.
        st = fs.lstatSync(cur, { throwIfNoEntry: false }) ?? null;
        if (st === null) return { ok: false, error: 'ENOENT' };
        if (st.isSymbolicLink()) { st = null; break; }
        if (i < segments.length - 1 && !st.isDirectory()) return { ok: false, error: 'ENOTDIR' };
      }
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
    if (st) return { ok: true, real: cur, stat: st };
    const joined = nodePath.join(this.root, ...segments);
    let real: string;
    try {
      real = fs.realpathSync.native(joined);
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
    if (!this.contains(real)) return { ok: false, error: 'ESCAPE' };
    try {
      return { ok: true, real, stat: fs.statSync(real) };
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
  }

  /**
   * Checks the inode behind an open fd is still under the root. /proc/self/fd
   * names the file as the kernel opened it, after every symlink and rename.
   */
  fdInside(fd: number): boolean {
    let where: string;
    try {
      where = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return false; // no /proc: refuse rather than trust an unchecked open
    }
    return this.contains(where);
  }

  /** Opens a regular file for reading. Refuses symlinks out, FIFOs and devices. */
  openRead(segments: readonly string[]): { ok: true; file: OpenedFile } | { ok: false; error: JailError } {
    const r = this.lookup(segments);
    if (!r.ok) return r;
    if (r.fd < 0) return { ok: false, error: 'EISDIR' };
    return { ok: true, file: { fd: r.fd, real: r.real, stat: r.stat } };
  }

  /**
   * Opens what a request names: a regular file comes back open, a directory
   * resolved (fd -1), anything else is EACCES. A path with no symlink on it
   * costs one openat2(2) and one fstat: under RESOLVE_NO_SYMLINKS the kernel
   * refuses every symlink during the lookup itself, so a path of plain names
   * below the (real) root is its own real path and cannot leave the root, and
   * no swap between check and open exists to race. A symlink on the way
   * (ELOOP) takes resolve() and its checks. Like nginx, a file is opened
   * before its type is known; O_NONBLOCK keeps a FIFO from blocking the open.
   */
  lookup(segments: readonly string[]): LookedUp {
    if (badPath(segments)) return { ok: false, error: 'EINVAL' };
    if (openat2Works && segments.length > 0) {
      const real = this.#prefix + segments.join('/');
      const fd = openat2_raw(AT_FDCWD, real, O_RDONLY | O_NONBLOCK, RESOLVE_NO_SYMLINKS);
      if (fd >= 0) return this.#typed(fd, real);
      const known = fastRefusal(fd);
      if (known) return known;
    }
    return this.#walk(segments);
  }

  /**
   * lookup() that, without a symlink on the path, also reads a regular file
   * of at most `maxBytes` (and at most `into.length`) whole into `into` at 0
   * and closes it: one native call (openat2, fstat, pread, close), no Stats
   * object. A path through a symlink takes lookup()'s walk and comes back
   * open, unread.
   */
  lookupSmall(segments: readonly string[], maxBytes: number, into: Buffer): SmallLookup {
    if (badPath(segments)) return { ok: false, error: 'EINVAL' };
    if (openat2Works && segments.length > 0) {
      const real = this.#prefix + segments.join('/');
      const n = openat2_read_raw(AT_FDCWD, real, RESOLVE_NO_SYMLINKS, maxBytes, into, META);
      if (n >= 0) {
        const mode = META[2];
        const type = mode & S_IFMT;
        if (type !== S_IFREG && type !== S_IFDIR) return { ok: false, error: 'EACCES' };
        return { ok: true, real, size: META[0], mtimeMs: META[1], mode, directory: type === S_IFDIR, fd: META[3], read: n };
      }
      const known = fastRefusal(n);
      if (known) return known;
    }
    // The walk opens and checks; the caller reads what comes back open.
    return unread(this.#walk(segments));
  }

  /** lookup() by resolve(): a symlink on the way, or no openat2. */
  #walk(segments: readonly string[]): LookedUp {
    const r = this.resolve(segments);
    if (!r.ok) return r;
    if (r.stat.isDirectory()) return { ok: true, real: r.real, stat: r.stat, fd: -1 };
    const o = this.openResolved(r);
    return o.ok ? { ok: true, real: r.real, stat: o.file.stat, fd: o.file.fd } : o;
  }

  #typed(fd: number, real: string): LookedUp {
    let stat: fs.Stats;
    try {
      stat = fs.fstatSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      return { ok: false, error: errorOf(e) };
    }
    if (stat.isFile()) return { ok: true, real, stat, fd };
    fs.closeSync(fd);
    return stat.isDirectory() ? { ok: true, real, stat, fd: -1 } : { ok: false, error: 'EACCES' };
  }

  /** openRead() for a path resolve() already returned: saves the second realpath and stat. */
  openResolved(r: Extract<Resolved, { ok: true }>): { ok: true; file: OpenedFile } | { ok: false; error: JailError } {
    if (r.stat.isDirectory()) return { ok: false, error: 'EISDIR' };
    if (!r.stat.isFile()) return { ok: false, error: 'EACCES' };
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO swapped in after the stat must not block the worker on open.
      fd = fs.openSync(r.real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!this.fdInside(fd)) { fs.closeSync(fd); return { ok: false, error: 'ESCAPE' }; }
      if (!stat.isFile()) { fs.closeSync(fd); return { ok: false, error: 'EACCES' }; }
      return { ok: true, file: { fd, real: r.real, stat } };
    } catch (e) {
      fs.closeSync(fd);
      return { ok: false, error: errorOf(e) };
    }
  }

  /**
   * Creates `name` exclusively in the directory `dirSegments` (O_EXCL, so an
   * existing file or a planted symlink is never written through).
   */
  createExclusive(dirSegments: readonly string[], name: string, mode: number):
    { ok: true; fd: number; real: string } | { ok: false; error: JailError } {
    if (badSegment(name)) return { ok: false, error: 'EINVAL' };
    const dir = this.resolve(dirSegments);
    if (!dir.ok) return dir;
    if (!dir.stat.isDirectory()) return { ok: false, error: 'ENOTDIR' };
    const real = nodePath.join(dir.real, name);
    let fd: number;
    try {
      fd = fs.openSync(real, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
    if (!this.fdInside(fd)) {
      fs.closeSync(fd);
      try { fs.unlinkSync(real); } catch { /* raced away */ }
      return { ok: false, error: 'ESCAPE' };
    }
    return { ok: true, fd, real };
  }
}
