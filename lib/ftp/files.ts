// The FTP session's view of the file system: virtual paths (a chroot-like
// '/' at the root, '..' stops there), listings, and the upload commit
// (temp file -> final name only when complete).
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { randomBytes } from 'node:crypto';
import { Jail, JailError } from '../server/jail';
import { ListEntry, listLine } from './commands';

export const MAX_PATH_ARG = 1024;

export type VPath = { ok: true; segments: string[]; path: string } | { ok: false; code: 501 | 550 | 553 };

/**
 * Resolves an FTP path argument against the current directory, lexically:
 * '/../etc' is '/etc' under the root, as in a chroot. NUL, backslash and
 * control characters and overlong arguments are refused; dot-names too when
 * `noDotfiles` is set.
 */
export function virtualPath(cwd: string, arg: string, noDotfiles: boolean): VPath {
  if (arg.length > MAX_PATH_ARG) return { ok: false, code: 553 };
  if (arg.includes('\0')) return { ok: false, code: 501 };
  if (arg.includes('\\')) return { ok: false, code: 550 };
  // Control characters (a bare CR, ESC sequences) never make a file name: they would reach listings and logs.
  if (/[\x01-\x1f\x7f]/.test(arg)) return { ok: false, code: 553 };
  const segments: string[] = [];
  const full = arg.startsWith('/') ? arg : cwd + '/' + arg;
  for (const seg of full.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') { segments.pop(); continue; }
    if (noDotfiles && seg.startsWith('.')) return { ok: false, code: 550 };
    segments.push(seg);
  }
  return { ok: true, segments, path: '/' + segments.join('/') };
}

function entryOf(name: string, st: fs.Stats): ListEntry {
  return { name, isDir: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, nlink: st.nlink };
}

export type Listing = { ok: true; bytes: Buffer; entries: number } | { ok: false; error: JailError };

/**
 * A LIST (`ls -l` lines) or NLST (names) of a directory or a single file.
 * Entries whose symlinks lead out of the root, names with CR/LF, and (for
 * anonymous sessions) dot-files are left out. At most `max` entries.
 */
export function listing(jail: Jail, segments: string[], names: boolean, opts: { hideDot: boolean; max: number; nowMs: number }): Listing {
  const r = jail.resolve(segments);
  if (!r.ok) return r;
  const lines: string[] = [];
  if (!r.stat.isDirectory()) {
    const name = segments[segments.length - 1] ?? '/';
    lines.push(names ? name : listLine(entryOf(name, r.stat), opts.nowMs));
  } else {
    let dirents: string[];
    try {
      dirents = fs.readdirSync(r.real);
    } catch (e) {
      return { ok: false, error: (e as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT' };
    }
    dirents.sort();
    for (const name of dirents) {
      if (lines.length >= opts.max) break;
      if (/[\r\n]/.test(name) || (opts.hideDot && name.startsWith('.'))) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(nodePath.join(r.real, name));
        if (st.isSymbolicLink()) {
          const t = jail.resolve([...segments, name]);
          if (!t.ok) continue;
          st = t.stat;
        }
      } catch {
        continue; // vanished meanwhile
      }
      lines.push(names ? name : listLine(entryOf(name, st), opts.nowMs));
    }
  }
  const text = lines.map((l) => l + '\r\n').join('');
  return { ok: true, bytes: Buffer.from(text, 'utf8'), entries: lines.length };
}

export interface Upload {
  fd: number;
  temp: string;
  final: string;
}

export type UploadStart = { ok: true; upload: Upload } | { ok: false; code: 550 | 553 };

/** Opens a temp file next to the target (same file system, so the final rename is atomic). */
export function startUpload(jail: Jail, segments: string[], overwrite: boolean, mode: number): UploadStart {
  const name = segments[segments.length - 1];
  if (!name) return { ok: false, code: 553 };
  const dir = segments.slice(0, -1);
  const existing = jail.resolve(segments);
  if (existing.ok && (existing.stat.isDirectory() || !overwrite)) return { ok: false, code: 553 };
  if (!existing.ok && existing.error === 'ESCAPE') return { ok: false, code: 553 };
  const tempName = `.pk-upload-${randomBytes(6).toString('hex')}.part`;
  const c = jail.createExclusive(dir, tempName, mode);
  if (!c.ok) return { ok: false, code: c.error === 'ENOENT' || c.error === 'ENOTDIR' ? 550 : 553 };
  return { ok: true, upload: { fd: c.fd, temp: c.real, final: nodePath.join(nodePath.dirname(c.real), name) } };
}

/** Closes and publishes a finished upload; false (and the temp file removed) if it cannot. */
export function commitUpload(jail: Jail, u: Upload, overwrite: boolean): boolean {
  try { fs.closeSync(u.fd); } catch { /* already closed */ }
  u.fd = -1;
  try {
    // The directory may have been swapped since the temp file was created: re-check it.
    if (!jail.contains(fs.realpathSync.native(nodePath.dirname(u.final)))) throw new Error('escape');
    if (overwrite) {
      try {
        if (fs.lstatSync(u.final).isDirectory()) throw new Error('is a directory');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      fs.renameSync(u.temp, u.final);
    } else {
      // link(2) fails with EEXIST instead of replacing: a no-clobber rename.
      fs.linkSync(u.temp, u.final);
      fs.unlinkSync(u.temp);
    }
    return true;
  } catch {
    abandonUpload(u);
    return false;
  }
}

/** Drops an unfinished upload: nothing ever appears under the final name. */
export function abandonUpload(u: Upload): void {
  if (u.fd >= 0) { try { fs.closeSync(u.fd); } catch { /* closed */ } u.fd = -1; }
  try { fs.unlinkSync(u.temp); } catch { /* gone */ }
}

/** Deletes a file (a symlink itself, never its target); directories are refused. */
export function deleteFile(jail: Jail, segments: string[]): boolean {
  const name = segments[segments.length - 1];
  if (!name) return false;
  const dir = jail.resolve(segments.slice(0, -1));
  if (!dir.ok || !dir.stat.isDirectory()) return false;
  const p = nodePath.join(dir.real, name);
  try {
    if (fs.lstatSync(p).isDirectory()) return false;
    fs.unlinkSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The real directory and the entry name for a path whose last component is created, removed or renamed. */
function parentOf(jail: Jail, segments: string[]): { dir: string; name: string } | null {
  const name = segments[segments.length - 1];
  if (!name) return null;
  const dir = jail.resolve(segments.slice(0, -1));
  if (!dir.ok || !dir.stat.isDirectory()) return null;
  return { dir: dir.real, name };
}

/** MKD: the new directory gets the upload mode plus search bits (0o600 -> 0o700); re-checked after a race. */
export function makeDir(jail: Jail, segments: string[], fileMode: number): boolean {
  const p = parentOf(jail, segments);
  if (!p) return false;
  const full = nodePath.join(p.dir, p.name);
  try {
    fs.mkdirSync(full, fileMode | ((fileMode & 0o444) >> 2));
  } catch {
    return false;
  }
  if (!jail.contains(fs.realpathSync.native(full))) {
    try { fs.rmdirSync(full); } catch { /* raced away */ }
    return false;
  }
  return true;
}

/** RMD: empty directories only, never through a symlink. */
export function removeDir(jail: Jail, segments: string[]): boolean {
  const p = parentOf(jail, segments);
  if (!p) return false;
  const full = nodePath.join(p.dir, p.name);
  try {
    if (!fs.lstatSync(full).isDirectory()) return false;
    fs.rmdirSync(full);
    return true;
  } catch {
    return false;
  }
}

/** True when the entry itself exists (a symlink counts as itself, as for RNFR). */
export function entryExists(jail: Jail, segments: string[]): boolean {
  const p = parentOf(jail, segments);
  return p !== null && fs.lstatSync(nodePath.join(p.dir, p.name), { throwIfNoEntry: false }) !== undefined;
}

/** RNFR/RNTO: renames an entry inside the root; an existing target only with `overwrite` (and never a directory). */
export function renameEntry(jail: Jail, from: string[], to: string[], overwrite: boolean): boolean {
  const a = parentOf(jail, from);
  const b = parentOf(jail, to);
  if (!a || !b) return false;
  const src = nodePath.join(a.dir, a.name);
  const dst = nodePath.join(b.dir, b.name);
  try {
    const existing = fs.lstatSync(dst, { throwIfNoEntry: false });
    if (existing && (!overwrite || existing.isDirectory())) return false;
    fs.renameSync(src, dst);
    return true;
  } catch {
    return false;
  }
}
