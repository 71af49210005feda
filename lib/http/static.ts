// Static files under a root: target decoding, traversal refusal, index.html,
// directory redirects and content types. File system calls are synchronous on
// purpose: a blocking model makes them anyway, and an event model serving
// small static files pays one open+fstat per request (documented).
import { closeSync, readdirSync, readSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Jail, JailError, SmallLookup, unread } from '../server/jail';
import { escapeHtml } from './response';

export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.mp4': 'video/mp4', '.webm': 'video/webm',
  '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.zip': 'application/zip', '.gz': 'application/gzip',
});

export function contentType(file: string): string {
  return CONTENT_TYPES[nodePath.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type DecodedPath =
  | { ok: true; segments: readonly string[]; trailingSlash: boolean; path: string }
  | { ok: false; status: number; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Refusal = { ok: false; status: number; reason: string };

function checkAscii(rawPath: string): string | Refusal {
  return /^[\x21-\x7e]*$/.test(rawPath) ? rawPath : { ok: false, status: 400, reason: 'Invalid character in path' };
}

function percentDecode(rawPath: string): string | Refusal {
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25) {
      const h = parseInt(rawPath.slice(i + 1, i + 3), 16);
      if (!/^[0-9a-fA-F]{2}$/.test(rawPath.slice(i + 1, i + 3))) {
        return { ok: false, status: 400, reason: 'Malformed percent-encoding' };
      }
      bytes.push(h);
      i += 2;
    } else if (c > 0x7e || c < 0x21) {
      return { ok: false, status: 400, reason: 'Invalid character in path' };
    } else {
      bytes.push(c);
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return { ok: false, status: 400, reason: 'Invalid UTF-8 in path' };
  }
}

/**
 * Percent-decodes a raw path exactly once and splits it into segments.
 * Refused (400): encoded '/' or '\', any backslash, NUL, invalid or overlong
 * UTF-8 (%c0%ae), and '..' that would climb above the root. '.' and empty
 * segments vanish ('//x' is '/x'); 'a/../b' is 'b'.
 */
export function decodePath(rawPath: string): DecodedPath {
  // The core decodes each request's path twice (routing, then the file): a
  // one-entry memo. Results are frozen, so sharing them is safe.
  if (rawPath === lastRaw) return lastDecoded;
  lastDecoded = Object.freeze(decodeUncached(rawPath));
  lastRaw = rawPath;
  return lastDecoded;
}
let lastRaw = '';
let lastDecoded: DecodedPath = { ok: false, status: 400, reason: 'Path must start with /' };

function decodeUncached(rawPath: string): DecodedPath {
  if (rawPath[0] !== '/') return { ok: false, status: 400, reason: 'Path must start with /' };
  if (/%(2f|5c)/i.test(rawPath)) return { ok: false, status: 400, reason: 'Encoded slash in path' };
  // Without '%' the path is its own decoding (the request line allows visible ASCII only).
  const decoded = rawPath.includes('%') ? percentDecode(rawPath) : checkAscii(rawPath);
  if (typeof decoded !== 'string') return decoded;
  if (decoded.includes('\0')) return { ok: false, status: 400, reason: 'NUL in path' };
  if (decoded.includes('\\')) return { ok: false, status: 400, reason: 'Backslash in path' };
  const segments: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) return { ok: false, status: 400, reason: 'Path climbs above the root' };
      segments.pop();
      continue;
    }
    segments.push(seg);
  }
  const trailingSlash = decoded.endsWith('/') || /\/\.{1,2}$/.test(decoded);
  const path = '/' + segments.join('/') + (trailingSlash && segments.length > 0 ? '/' : '');
  Object.freeze(segments);
  return { ok: true, segments, trailingSlash, path };
}

export type StaticResult =
  // bytes: the file read whole (StaticOptions.read), fd then -1; fewer bytes than size: it shrank while read.
  | { kind: 'file'; fd: number; size: number; mtimeMs: number; real: string; contentType: string; bytes: Buffer | null }
  | { kind: 'redirect'; path: string }
  | { kind: 'listing'; html: Buffer }
  | { kind: 'error'; status: number; reason: string };

function statusOf(error: JailError): { status: number; reason: string } {
  switch (error) {
    case 'ENOENT': case 'ENOTDIR': return { status: 404, reason: 'Not found' };
    case 'ESCAPE': return { status: 403, reason: 'Symbolic link leads outside the root' };
    case 'EACCES': return { status: 403, reason: 'Permission denied' };
    case 'EINVAL': return { status: 400, reason: 'Invalid path' };
    default: return { status: 500, reason: 'File system error' };
  }
}

export interface StaticOptions {
  index: string;
  /** Directories without an index get an HTML listing instead of 403. */
  autoindex: boolean;
  /** Read a regular file of at most `maxBytes` whole into `into` (a scratch buffer, valid until the next call). */
  read?: { maxBytes: number; into: Buffer };
}

/** Looks a decoded path up under the jail and opens (or with `opts.read`, may read) the file; the caller owns `fd`. */
export function openStatic(jail: Jail, p: Extract<DecodedPath, { ok: true }>, opts: StaticOptions): StaticResult {
  let r = find(jail, p.segments, opts);
  if (!r.ok) return { kind: 'error', ...statusOf(r.error) };
  if (r.directory) {
    if (!p.trailingSlash && p.segments.length > 0) return { kind: 'redirect', path: p.path + '/' };
    const idx = find(jail, [...p.segments, opts.index], opts);
    if (!idx.ok) {
      if (idx.error === 'ENOENT' && opts.autoindex) return { kind: 'listing', html: listingPage(jail, p.path, r.real) };
      const e = statusOf(idx.error);
      // A directory without an index is forbidden (no listings), as nginx without autoindex.
      return { kind: 'error', ...(e.status === 404 ? { status: 403, reason: 'Directory listing is disabled' } : e) };
    }
    if (idx.directory) return { kind: 'error', status: 403, reason: 'Permission denied' }; // an index that is a directory
    r = idx;
  } else if (p.trailingSlash) {
    if (r.fd >= 0) closeSync(r.fd);
    return { kind: 'error', status: 404, reason: 'Not found' };
  }
  const { fd, real } = r;
  if (!(r.mode & 0o444)) {
    if (fd >= 0) closeSync(fd);
    return { kind: 'error', status: 403, reason: 'Permission denied' };
  }
  const bytes = fd < 0 && opts.read ? opts.read.into.subarray(0, r.read) : null;
  return { kind: 'file', fd, size: r.size, mtimeMs: r.mtimeMs, real, contentType: contentType(real), bytes };
}

function find(jail: Jail, segments: readonly string[], opts: StaticOptions): SmallLookup {
  return opts.read ? jail.lookupSmall(segments, opts.read.maxBytes, opts.read.into) : unread(jail.lookup(segments));
}

/**
 * A directory listing (H-16): names HTML-escaped, hrefs percent-encoded;
 * dot-files, symlinks leading outside the root and names that are not UTF-8
 * (decodePath refuses them, so they could not be served) left out; at most
 * 10,000 entries.
 */
export function listingPage(jail: Jail, urlPath: string, real: string): Buffer {
  const rows: string[] = [];
  let names: Buffer[] = [];
  try {
    names = readdirSync(real, { encoding: 'buffer' }).sort(Buffer.compare);
  } catch { /* unreadable: an empty listing */ }
  const base = urlPath.split('/').filter((x) => x !== '');
  for (const raw of names.slice(0, 10_000)) {
    const name = raw.toString('utf8');
    if (name.startsWith('.') || !Buffer.from(name, 'utf8').equals(raw)) continue;
    const r = jail.resolve([...base, name]);
    if (!r.ok) continue;
    const slash = r.stat.isDirectory() ? '/' : '';
    const href = encodeURIComponent(name);
    rows.push(`<li><a href="${href}${slash}">${escapeHtml(name)}${slash}</a></li>`);
  }
  const title = `Index of ${escapeHtml(urlPath)}`;
  return Buffer.from(`<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body><h1>${title}</h1>\n<ul>\n${urlPath === '/' ? '' : '<li><a href="../">../</a></li>\n'}${rows.join('\n')}\n</ul></body></html>\n`, 'utf8');
}

/**
 * Reads exactly `length` bytes at `start`, into `into` at `at` when given;
 * null if the file shrank meanwhile.
 */
export function readRange(fd: number, start: number, length: number, into?: Buffer, at = 0): Buffer | null {
  const buf = into ?? Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, at + got, length - got, start + got);
    if (n <= 0) return null;
    got += n;
  }
  return buf;
}

export interface CachedFile {
  bytes: Buffer;
  size: number;
  mtimeMs: number;
  contentType: string;
  real: string;
  at: number;
}

/**
 * Small files kept in memory for `ttlMs` (nginx open_file_cache, in spirit):
 * a hit costs no system call. The bytes were read through the jail, so a
 * stale entry can only be old content from inside the root, never outside
 * content; a changed file is seen again after at most `ttlMs`. Bounded in
 * entries and bytes; the oldest entry goes first.
 */
export class FileCache {
  #map = new Map<string, CachedFile>();
  #bytes = 0;
  constructor(readonly ttlMs: number, readonly maxBytes = 32 << 20, readonly maxEntries = 4096) {}

  get(key: string, nowMs: number): CachedFile | null {
    const e = this.#map.get(key);
    if (!e) return null;
    if (nowMs - e.at < this.ttlMs) return e;
    this.#drop(key, e);
    return null;
  }

  put(key: string, e: CachedFile): void {
    const old = this.#map.get(key);
    if (old) this.#drop(key, old);
    if (e.bytes.length > this.maxBytes) return;
    for (const [k, v] of this.#map) {
      if (this.#map.size < this.maxEntries && this.#bytes + e.bytes.length <= this.maxBytes) break;
      this.#drop(k, v);
    }
    this.#map.set(key, e);
    this.#bytes += e.bytes.length;
  }

  get size(): number {
    return this.#map.size;
  }

  #drop(key: string, e: CachedFile): void {
    this.#map.delete(key);
    this.#bytes -= e.bytes.length;
  }
}
