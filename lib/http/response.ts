// Response heads and bodies. Every header value passes one guard, so no
// caller (routes included) can inject CR/LF into the response head.

export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue', 200: 'OK', 204: 'No Content', 206: 'Partial Content',
  301: 'Moved Permanently', 304: 'Not Modified',
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 411: 'Length Required', 413: 'Content Too Large', 414: 'URI Too Long',
  416: 'Range Not Satisfiable', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
});

export class HeaderInjectionError extends Error {
  readonly code = 'ERR_HTTP_INVALID_HEADER';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Throws HeaderInjectionError for a name that is not a token or a value with CR, LF, NUL or other controls. */
export function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new HeaderInjectionError(`invalid header name ${JSON.stringify(name)}`);
  if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
    throw new HeaderInjectionError(`invalid characters in the value of header ${name}`);
  }
}

/** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, RFC 9110 §5.6.7). */
export function httpDate(ms: number): string {
  // One-entry memo: a hot file's Last-Modified is formatted once, not per request.
  if (ms !== lastDateMs) { lastDateMs = ms; lastDate = new Date(ms).toUTCString(); }
  return lastDate;
}
let lastDateMs = NaN;
let lastDate = '';

let dateCacheSec = -1;
let dateCache = '';
/** Date header value, formatted at most once per second. */
export function currentDate(nowMs: number): string {
  const sec = Math.floor(nowMs / 1000);
  if (sec !== dateCacheSec) { dateCacheSec = sec; dateCache = httpDate(sec * 1000); }
  return dateCache;
}

/** Parses the three date formats of RFC 9110 §5.6.7; NaN when invalid. */
export function parseHttpDate(s: string): number {
  if (!/^[A-Za-z]{3},? [0-9A-Za-z :-]+( GMT)?$/.test(s.trim())) return NaN;
  return Date.parse(s);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HeadOptions {
  status: number;
  /** Extra headers in order; Content-Length, Date, Server and Connection are added here. */
  headers?: Array<[string, string]>;
  /**
   * Header lines the core built from values it controls (content types from its table, dates it
   * formatted), each ending in CRLF: sent after `headers` without the per-header check.
   */
  trusted?: string;
  /** Content-Length to announce; omitted for 1xx, 204 and 304. */
  contentLength?: number;
  close: boolean;
  /** The request's minor version: an HTTP/1.0 client asking for keep-alive is told it is on. */
  minor: number;
  nowMs: number;
  serverName: string;
}

const statusLines = new Map<number, string>();
/** `HTTP/1.1 200 OK\r\n`, built once per status. */
function statusLine(status: number): string {
  let l = statusLines.get(status);
  if (l === undefined) {
    l = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, l);
  }
  return l;
}

/** The response head as a latin1 string (buildHead without the Buffer), for writing into a response buffer. */
export function headText(o: HeadOptions): string {
  let s = statusLine(o.status) + 'Date: ' + currentDate(o.nowMs) + '\r\nServer: ' + o.serverName + '\r\n';
  const hs = o.headers;
  if (hs !== undefined) {
    for (let i = 0; i < hs.length; i++) {
      const [k, v] = hs[i];
      checkHeader(k, v);
      s += k + ': ' + v + '\r\n';
    }
  }
  if (o.trusted !== undefined) s += o.trusted;
  const bodiless = o.status < 200 || o.status === 204 || o.status === 304;
  if (!bodiless && o.contentLength !== undefined) s += 'Content-Length: ' + o.contentLength + '\r\n';
  if (o.close) s += 'Connection: close\r\n';
  else if (o.minor === 0) s += 'Connection: keep-alive\r\n';
  return s + '\r\n';
}

export function buildHead(o: HeadOptions): Buffer {
  return Buffer.from(headText(o), 'latin1');
}

/**
 * One buffer holding the head and then `bodyLength` bytes for the caller to
 * fill (or `body` copied in): a response that goes out in one send(2).
 */
export function responseBuffer(head: string, bodyLength: number, body?: Uint8Array): { buf: Buffer; bodyAt: number } {
  const buf = Buffer.allocUnsafe(head.length + bodyLength);
  const at = buf.write(head, 0, 'latin1');
  if (body !== undefined) buf.set(body, at);
  return { buf, bodyAt: at };
}

/** A small HTML error page; `detail` is escaped, so reflected input cannot inject markup. */
export function errorBody(status: number, detail?: string): Buffer {
  const title = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
  const p = detail ? `<p>${escapeHtml(detail)}</p>\n` : '';
  return Buffer.from(
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
      `<body><h1>${title}</h1>\n${p}</body></html>\n`,
    'utf8',
  );
}

/** Percent-encodes a decoded path for a Location header (never CR/LF, never a leading '//'). */
export function encodePath(path: string): string {
  const enc = encodeURI(path).replace(/[?#]/g, (c) => encodeURIComponent(c));
  return enc.replace(/^\/{2,}/, '/');
}

/** Escapes control and non-ASCII bytes so a log line cannot be forged (H-17). */
export function escapeControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\uffff]/g, (ch) => '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** One `bytes=` range (RFC 9110 §14.1.2); null means "ignore Range" (malformed or several ranges). */
export function parseRange(value: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
