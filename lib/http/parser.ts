// Incremental HTTP/1.1 request-head parser (RFC 9112) with hard limits.
// Pure: bytes in, a parsed head or an error status out. It never throws on
// input; every refusal is a status code the core turns into a response.
import { invalidArgType } from '../errors';

export interface HttpLimits {
  /** Longest request line, CRLF excluded (414 past it). RFC 9112 asks for >= 8,000. */
  maxRequestLine: number;
  /** Longest single header line (431 past it). */
  maxHeaderLine: number;
  /** Most header lines (431 past it). */
  maxHeaders: number;
  /** Whole head, request line and headers (431 past it). */
  maxHeadBytes: number;
  /** Largest request body accepted (413 past it). */
  maxBody: number;
}

export const DEFAULT_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxRequestLine: 8192,
  maxHeaderLine: 8192,
  maxHeaders: 100,
  maxHeadBytes: 32768,
  maxBody: 1 << 20,
});

/** Methods this server knows (RFC 9110 §9 plus PATCH); anything else is 501. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
]);

export interface RequestHead {
  method: string;
  /** The request target exactly as sent. */
  target: string;
  /** The path part of the target (origin-form, or taken from absolute-form), still percent-encoded. */
  rawPath: string;
  /** The query string without '?', or '' when absent. */
  query: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and any later 1.x). */
  minor: number;
  /** Header names lower-cased, in arrival order (duplicates kept). */
  headers: Array<[string, string]>;
}

export type HeadResult =
  | { kind: 'incomplete' }
  | { kind: 'error'; status: number; reason: string }
  | { kind: 'head'; head: RequestHead; consumed: number };

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field-value: visible chars, SP, HTAB and obs-text; no CTLs.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const LF = 0x0a;
const CR = 0x0d;

/** Header value by lower-case name; null when absent. Callers that care about duplicates use headerValues. */
export function header(head: RequestHead, name: string): string | null {
  for (const [k, v] of head.headers) if (k === name) return v;
  return null;
}

export function headerValues(head: RequestHead, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of head.headers) if (k === name) out.push(v);
  return out;
}

/**
 * Finds and parses one request head at the start of `buf`.
 * `incomplete` means "feed more bytes"; the limits are applied to partial
 * input too, so a client that never sends a line end is refused at the limit
 * instead of growing the buffer.
 */
export function parseHead(buf: Uint8Array, limits: HttpLimits = DEFAULT_LIMITS): HeadResult {
  let pos = 0;
  // RFC 9112 §2.2: ignore at least one empty line before the request line (bounded).
  for (let skipped = 0; skipped < 4; skipped++) {
    if (buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
    else if (buf[pos] === LF) pos += 1;
    else break;
  }
  if (pos === buf.length || (buf.length - pos === 1 && buf[pos] === CR)) return { kind: 'incomplete' };
  const fast = completeHead(buf, pos, limits);
  if (fast) return fast;
  const lines: string[] = [];
  const start = pos;
  for (;;) {
    const lineStart = pos;
    const isFirst = lines.length === 0;
    const max = isFirst ? limits.maxRequestLine : limits.maxHeaderLine;
    let end = -1;
    const scanEnd = Math.min(buf.length, lineStart + max + 2);
    for (let i = lineStart; i < scanEnd; i++) {
      if (buf[i] === LF) { end = i; break; }
    }
    if (end < 0) {
      if (buf.length - lineStart > max + 1) {
        return isFirst
          ? { kind: 'error', status: 414, reason: 'Request-URI Too Long' }
          : { kind: 'error', status: 431, reason: 'Request Header Fields Too Large' };
      }
      if (buf.length - start > limits.maxHeadBytes) {
        return { kind: 'error', status: 431, reason: 'Request Header Fields Too Large' };
      }
      return { kind: 'incomplete' };
    }
    let lineEnd = end;
    if (lineEnd > lineStart && buf[lineEnd - 1] === CR) lineEnd--;
    const len = lineEnd - lineStart;
    if (len > max) {
      return isFirst
        ? { kind: 'error', status: 414, reason: 'Request-URI Too Long' }
        : { kind: 'error', status: 431, reason: 'Request Header Fields Too Large' };
    }
    pos = end + 1;
    if (pos - start > limits.maxHeadBytes) {
      return { kind: 'error', status: 431, reason: 'Request Header Fields Too Large' };
    }
    // latin1 keeps every byte as one char, so obs-text survives and nothing throws.
    const line = Buffer.from(buf.buffer, buf.byteOffset + lineStart, len).toString('latin1');
    if (line.includes('\r')) return { kind: 'error', status: 400, reason: 'Bare CR in request head' };
    if (line === '') {
      if (isFirst) return { kind: 'error', status: 400, reason: 'Empty request line' };
      break;
    }
    if (!isFirst && lines.length - 1 >= limits.maxHeaders) {
      return { kind: 'error', status: 431, reason: 'Too many header fields' };
    }
    lines.push(line);
  }
  return parseLines(lines, pos);
}

/**
 * The common case in one pass: the whole head is buffered and within the
 * limits. Finds its end with native indexOf, converts it to a string once and
 * splits it. Returns null to let the line-by-line scan above decide (an
 * incomplete head, or one that breaks a limit and needs the exact status).
 */
function completeHead(buf: Uint8Array, pos: number, limits: HttpLimits): HeadResult | null {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let end = -1;
  for (let search = pos; ;) {
    const lf = b.indexOf(LF, search);
    if (lf < 0 || lf - pos > limits.maxHeadBytes) return null;
    if (b[lf + 1] === LF) { end = lf + 2; break; }
    if (b[lf + 1] === CR && b[lf + 2] === LF) { end = lf + 3; break; }
    search = lf + 1;
  }
  if (end - pos > limits.maxHeadBytes) return null;
  const text = b.toString('latin1', pos, end);
  const lines = text.split('\n');
  lines.length -= 2; // the empty line and what follows the final LF
  if (lines.length - 1 > limits.maxHeaders) return null;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (l.endsWith('\r')) lines[i] = l = l.slice(0, -1);
    if (l.length > (i === 0 ? limits.maxRequestLine : limits.maxHeaderLine) || l === '') return null;
    if (l.includes('\r')) return { kind: 'error', status: 400, reason: 'Bare CR in request head' };
  }
  return parseLines(lines, end);
}

function parseLines(lines: string[], consumed: number): HeadResult {
  const r = parseRequestLine(lines[0]);
  if ('status' in r) return { kind: 'error', status: r.status, reason: r.reason };
  const headers = r.headers;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) return { kind: 'error', status: 400, reason: 'Obsolete line folding' };
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'error', status: 400, reason: 'Malformed header line' };
    const name = line.slice(0, colon);
    // A space before the colon is a smuggling vector (RFC 9112 §5.1): refuse it.
    if (!TCHAR.test(name)) return { kind: 'error', status: 400, reason: 'Invalid header name' };
    let a = colon + 1;
    let b = line.length;
    while (a < b && isOws(line.charCodeAt(a))) a++;
    while (b > a && isOws(line.charCodeAt(b - 1))) b--;
    const value = line.slice(a, b);
    if (!FIELD_VALUE.test(value)) return { kind: 'error', status: 400, reason: 'Invalid header value' };
    headers.push([name.toLowerCase(), value]);
  }
  return { kind: 'head', head: r, consumed };
}

const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

type LineResult = RequestHead | { status: number; reason: string };

const VISIBLE = /^[\x21-\x7e]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function parseRequestLine(line: string): LineResult {
  const parts = line.split(' ');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '' || parts[2] === '') {
    return { status: 400, reason: 'Malformed request line' };
  }
  const [method, target, version] = parts;
  // A known method is a token; only an unknown one needs the token check (400 before 501).
  const known = KNOWN_METHODS.has(method);
  if (!known && !TCHAR.test(method)) return { status: 400, reason: 'Malformed method' };
  let minor: number;
  if (version === 'HTTP/1.1') minor = 1;
  else {
    const v = /^HTTP\/(\d)\.(\d)$/.exec(version);
    if (!v) return { status: 400, reason: 'Malformed HTTP version' };
    const major = Number(v[1]);
    if (major !== 1) return { status: 505, reason: 'HTTP Version Not Supported' };
    minor = Number(v[2]) === 0 ? 0 : 1;
  }
  if (!known) return { status: 501, reason: 'Not Implemented' };
  // Visible ASCII only: no controls, no raw non-ASCII, no fragment (a client never sends '#').
  if (!VISIBLE.test(target) || target.includes('#')) {
    return { status: 400, reason: 'Invalid request target' };
  }
  if (target.includes('%') && BAD_PERCENT.test(target)) return { status: 400, reason: 'Malformed percent-encoding' };
  let pathAndQuery: string;
  if (target[0] === '/') {
    pathAndQuery = target;
  } else if (/^https?:\/\//i.test(target)) {
    // absolute-form (RFC 9112 §3.2.2): the path starts at the first '/' after the authority.
    const rest = target.slice(target.indexOf('//') + 2);
    const slash = rest.search(/[/?]/);
    if (slash === 0) return { status: 400, reason: 'Missing authority' };
    pathAndQuery = slash < 0 ? '/' : rest[slash] === '?' ? '/' + rest.slice(slash) : rest.slice(slash);
  } else if (target === '*' && method === 'OPTIONS') {
    pathAndQuery = '*';
  } else if (method === 'CONNECT' && /^[A-Za-z0-9.\-[\]:]+:\d+$/.test(target)) {
    pathAndQuery = '*';
  } else {
    return { status: 400, reason: 'Invalid request target' };
  }
  const q = pathAndQuery.indexOf('?');
  return {
    method,
    target,
    rawPath: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? '' : pathAndQuery.slice(q + 1),
    minor,
    headers: [],
  };
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d{0,5})?$/;

/** RFC 9112 §3.2: exactly one Host on HTTP/1.1, and a syntactically valid one. */
export function checkHost(head: RequestHead): string | null {
  let host: string | null = null;
  const hs = head.headers;
  for (let i = 0; i < hs.length; i++) {
    if (hs[i][0] !== 'host') continue;
    if (host !== null) return 'Duplicate Host header';
    host = hs[i][1];
  }
  if (host === null) return head.minor >= 1 ? 'Missing Host header' : null;
  if (!HOST.test(host)) return 'Invalid Host header';
  return null;
}

export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'error'; status: number; reason: string };

/** Body framing (RFC 9112 §6): both CL and TE, a bad CL, or an unknown coding are refused. */
const NO_FRAMING: Framing = Object.freeze({ kind: 'none' });

export function bodyFraming(head: RequestHead, limits: HttpLimits): Framing {
  // Most requests carry neither header: one pass, no arrays.
  const hs = head.headers;
  let any = false;
  for (let i = 0; i < hs.length && !any; i++) any = hs[i][0] === 'content-length' || hs[i][0] === 'transfer-encoding';
  if (!any) return NO_FRAMING;
  const te = headerValues(head, 'transfer-encoding');
  const cl = headerValues(head, 'content-length');
  if (te.length > 0) {
    if (cl.length > 0) return { kind: 'error', status: 400, reason: 'Both Content-Length and Transfer-Encoding' };
    if (head.minor === 0) return { kind: 'error', status: 400, reason: 'Transfer-Encoding in HTTP/1.0' };
    const codings = te.join(',').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
    if (codings.length !== 1 || codings[0] !== 'chunked') {
      return { kind: 'error', status: 501, reason: 'Unsupported transfer coding' };
    }
    return { kind: 'chunked' };
  }
  if (cl.length === 0) return NO_FRAMING;
  if (cl.length > 1 || !/^\d{1,15}$/.test(cl[0])) {
    return { kind: 'error', status: 400, reason: 'Invalid Content-Length' };
  }
  const length = Number(cl[0]);
  if (length > limits.maxBody) return { kind: 'error', status: 413, reason: 'Content Too Large' };
  return length === 0 ? NO_FRAMING : { kind: 'length', length };
}

/**
 * Incremental chunked-body decoder (RFC 9112 §7.1). Trailers are read and
 * dropped. push() returns the number of bytes of `buf` it consumed.
 */
export class ChunkedDecoder {
  #state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  #remaining = 0;
  #parts: Uint8Array[] = [];
  #total = 0;
  error: { status: number; reason: string } | null = null;
  constructor(private readonly maxBody: number) {}
  get done(): boolean {
    return this.#state === 'done';
  }
  body(): Buffer {
    return Buffer.concat(this.#parts);
  }
  push(buf: Uint8Array): number {
    if (!(buf instanceof Uint8Array)) throw invalidArgType('buf', 'an instance of Buffer or Uint8Array', buf);
    let pos = 0;
    while (pos < buf.length && this.#state !== 'done' && !this.error) {
      if (this.#state === 'data') {
        const n = Math.min(this.#remaining, buf.length - pos);
        // Copied: a driver may reuse its receive buffer.
        this.#parts.push(Buffer.from(buf.subarray(pos, pos + n)));
        pos += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = 'data-crlf';
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (buf.length - pos > 1024) this.error = { status: 400, reason: 'Chunk line too long' };
        return pos;
      }
      let line = Buffer.from(buf.buffer, buf.byteOffset + pos, lf - pos).toString('latin1');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      pos = lf + 1;
      if (this.#state === 'data-crlf') {
        if (line !== '') this.error = { status: 400, reason: 'Missing CRLF after chunk' };
        this.#state = 'size';
      } else if (this.#state === 'trailer') {
        if (line === '') this.#state = 'done';
      } else {
        const m = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;.*)?$/.exec(line);
        if (!m) { this.error = { status: 400, reason: 'Invalid chunk size' }; break; }
        const size = parseInt(m[1], 16);
        this.#total += size;
        if (this.#total > this.maxBody) { this.error = { status: 413, reason: 'Content Too Large' }; break; }
        if (size === 0) this.#state = 'trailer';
        else { this.#remaining = size; this.#state = 'data'; }
      }
    }
    return pos;
  }
}
