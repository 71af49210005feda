// The HTTP/1.1 connection state machine. A driver (any server model) feeds it
// the bytes it read and sends what takeOutput() returns, in order; the core
// never touches a socket. See docs/api/http.md for the driver contract.
import { closeSync } from 'node:fs';
import { invalidArgType, validateInteger } from '../errors';
import { Jail } from '../server/jail';
import { FileOutput, OutputItem, outputLength, releaseOutput } from '../server/output';
import {
  bodyFraming, checkHost, ChunkedDecoder, DEFAULT_LIMITS, Framing, header, headerValues, HttpLimits,
  parseHead, RequestHead,
} from './parser';
import { buildHead, encodePath, errorBody, escapeControls, headText, httpDate, parseHttpDate, parseRange, responseBuffer } from './response';
import { RouteHandler, RouteRequest, Router } from './routes';
import { decodePath, FileCache, openStatic, readRange } from './static';

export interface HttpConfig {
  /** Directory served as static files; omit for routes only. */
  root?: string;
  routes?: Router;
  limits?: Partial<HttpLimits>;
  /** Absolute deadline for a whole request head from its first byte (slowloris). Default 20 s. */
  headerTimeoutMs?: number;
  /** Absolute deadline for a request body from the end of its head. Default 60 s. */
  bodyTimeoutMs?: number;
  /** Idle keep-alive connection lifetime between requests. Default 75 s (nginx). */
  idleTimeoutMs?: number;
  /** Requests served on one connection before it is closed (nginx keepalive_requests). Default 1000. */
  maxRequestsPerConnection?: number;
  /** Files up to this size are read into memory; larger ones go out as FileOutput items. Default 64 KiB. */
  smallFileBytes?: number;
  /** Keep small files in memory this long (0, the default, disables the cache). See FileCache. */
  fileCacheMs?: number;
  /** Suggested time to drain input after an error response before closing (lingering close). Default 2 s. */
  lingerMs?: number;
  index?: string;
  /** HTML listings for directories without an index (default false: 403, as nginx without autoindex). */
  autoindex?: boolean;
  serverName?: string;
  /** Clock for deadlines and Date headers; tests inject a fake one. */
  clock?: () => number;
  /** Access log, one entry per response. Control characters in the target are already escaped. */
  log?: (entry: AccessLogEntry) => void;
}

export interface AccessLogEntry {
  method: string;
  target: string;
  status: number;
  bytes: number;
}

/** Output held back from new requests until the driver takes what is queued (pipelining backpressure). */
const HIGH_WATER = 256 * 1024;
const NO_TOKENS: readonly string[] = Object.freeze([]);
/** Bodies up to this size share one buffer (and one send) with their head. */
const COALESCE_BYTES = 64 * 1024;
const NO_BODY = Buffer.alloc(0); // what a bodiless request hands its handler (length 0: nothing to change)

/** Shared, per-server part of the core: the jail, the routes and counters. Build it once. */
export class HttpCore {
  readonly jail: Jail | null;
  readonly routes: Router;
  readonly limits: HttpLimits;
  readonly cache: FileCache | null;
  readonly cfg: Required<Omit<HttpConfig, 'root' | 'routes' | 'limits' | 'log'>> & Pick<HttpConfig, 'log'>;
  /** Responses produced by every connection of this core. */
  requests = 0;
  /** Where the lookup of a small static file reads it; a response copies the bytes out at once. */
  readonly smallRead: { maxBytes: number; into: Buffer } | undefined;

  constructor(config: HttpConfig = {}) {
    this.jail = config.root !== undefined ? new Jail(config.root) : null;
    this.routes = config.routes ?? new Router();
    this.cache = config.fileCacheMs ? new FileCache(config.fileCacheMs) : null;
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.cfg = {
      headerTimeoutMs: config.headerTimeoutMs ?? 20_000,
      bodyTimeoutMs: config.bodyTimeoutMs ?? 60_000,
      idleTimeoutMs: config.idleTimeoutMs ?? 75_000,
      maxRequestsPerConnection: config.maxRequestsPerConnection ?? 1000,
      smallFileBytes: config.smallFileBytes === undefined ? 64 * 1024
        : validateInteger(config.smallFileBytes, 'smallFileBytes', 0, Number.MAX_SAFE_INTEGER),
      fileCacheMs: config.fileCacheMs ?? 0,
      lingerMs: config.lingerMs ?? 2000,
      index: config.index ?? 'index.html',
      autoindex: config.autoindex ?? false,
      serverName: config.serverName ?? 'posixkit',
      clock: config.clock ?? Date.now,
      log: config.log,
    };
    if (this.jail) {
      // Up to what a response copies into its head's buffer: bytes larger than that would be queued by reference.
      const maxBytes = Math.min(this.cfg.smallFileBytes, COALESCE_BYTES);
      this.smallRead = { maxBytes, into: Buffer.allocUnsafe(maxBytes) };
    }
  }

  createConnection(): HttpConnection {
    return new HttpConnection(this);
  }
}

/** One connection: `createConnection({ root })` or `core.createConnection()`. */
export function createConnection(config: HttpConfig | HttpCore = {}): HttpConnection {
  return (config instanceof HttpCore ? config : new HttpCore(config)).createConnection();
}

interface Pending {
  head: RequestHead;
  framing: Framing;
  close: boolean;
  handler: RouteHandler | null;
  path: string;
  parts: Buffer[];
  received: number;
  decoder: ChunkedDecoder | null;
  deadline: number;
}

export class HttpConnection {
  readonly #core: HttpCore;
  #in: Buffer = Buffer.alloc(0);
  #out: OutputItem[] = [];
  #outBytes = 0;
  #closing = false;
  #eof = false;
  #linger = false;
  #requests = 0;
  #headStart: number | null = null;
  #idleSince: number;
  #pending: Pending | null = null;
  #scanFrom = 0;

  constructor(core: HttpCore) {
    this.#core = core;
    this.#idleSince = core.cfg.clock();
  }

  /** Bytes read from the peer. Never throws on any input. */
  feed(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) throw invalidArgType('chunk', 'an instance of Buffer or Uint8Array', chunk);
    if (this.#closing || chunk.length === 0) return; // lingering: input is drained and dropped
    // With nothing buffered, parse straight from the driver's chunk and copy only what is left over at the
    // end (the driver reuses its buffer); everything kept past this call (strings, body parts) is a copy.
    const borrowed = this.#in.length === 0;
    this.#in = borrowed ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.#in, chunk]);
    // A driver that keeps feeding while wantsRead is false (a client pipelining without reading
    // its responses) would grow this buffer without bound: cut the connection instead.
    const lim = this.#core.limits;
    if (this.#in.length > 4 * (lim.maxHeadBytes + lim.maxBody)) {
      this.close();
      return;
    }
    if (this.#headStart === null && this.#pending === null) this.#headStart = this.#core.cfg.clock();
    this.#process();
    if (borrowed && this.#in.length > 0 && this.#in.buffer === chunk.buffer) this.#in = Buffer.from(this.#in);
  }

  /** The peer shut down its side: finish what is complete, then close. */
  onEof(): void {
    this.#eof = true;
    this.#process();
  }

  /** Everything to send now, in order, or null. File items carry an fd the taker must release. */
  takeOutput(): OutputItem[] | null {
    if (this.#out.length === 0) {
      this.#process();
      if (this.#out.length === 0) return null;
    }
    const out = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    return out;
  }

  /** True once nothing more will be produced: close after sending what takeOutput returned. */
  get wantsClose(): boolean {
    return this.#out.length === 0 && (this.#closing || (this.#eof && this.#pending === null && !this.#hasLine()));
  }

  /** False while output is backed up or the connection is closing: an event driver may stop reading. */
  get wantsRead(): boolean {
    return !this.#closing && !this.#eof && this.#outBytes < HIGH_WATER;
  }

  /** When closing after an error with input possibly unread: shut down writing, drain this long, then close. */
  get lingerMs(): number {
    return this.#linger ? this.#core.cfg.lingerMs : 0;
  }

  /** Requests answered on this connection. */
  get requestCount(): number {
    return this.#requests;
  }

  /** Absolute ms of the next timeout, or null. The driver calls tick() at or after it. */
  nextDeadline(): number | null {
    if (this.#closing) return null;
    const c = this.#core.cfg;
    if (this.#pending) return this.#pending.deadline;
    if (this.#headStart !== null) return this.#headStart + c.headerTimeoutMs;
    return this.#idleSince + c.idleTimeoutMs;
  }

  /** Applies timeouts: a partial request gets 408 and close, an idle connection just closes. */
  tick(nowMs: number = this.#core.cfg.clock()): void {
    const d = this.nextDeadline();
    if (d === null || nowMs < d) return;
    if (this.#pending || (this.#headStart !== null && this.#in.length > 0)) {
      this.#pending = null;
      this.#error(408, 'Request timeout', 0, true);
    } else {
      this.#closing = true;
    }
  }

  /** Releases fds held by untaken output (the driver calls it when tearing the connection down). */
  close(): void {
    for (const it of this.#out) releaseOutput(it);
    this.#out = [];
    this.#closing = true;
    this.#pending = null;
    this.#in = Buffer.alloc(0);
  }

  #hasLine(): boolean {
    return this.#in.length > 0;
  }

  #process(): void {
    while (!this.#closing && this.#outBytes < HIGH_WATER) {
      if (this.#pending) {
        if (!this.#readBody()) break;
        continue;
      }
      if (this.#in.length === 0) break;
      // Only reparse when a line end arrived or the buffer passed a limit, so a
      // byte-at-a-time client costs O(n) scans, not O(n^2).
      const lf = this.#in.indexOf(0x0a, this.#scanFrom);
      const lim = this.#core.limits;
      if (lf < 0 && this.#in.length <= Math.min(lim.maxRequestLine, lim.maxHeaderLine) + 1) {
        this.#scanFrom = this.#in.length;
        if (this.#eof) { this.#in = Buffer.alloc(0); this.#closing = true; }
        break;
      }
      const r = parseHead(this.#in, lim);
      if (r.kind === 'incomplete') {
        this.#scanFrom = this.#in.length;
        if (this.#eof) { this.#in = Buffer.alloc(0); this.#closing = true; }
        break;
      }
      this.#scanFrom = 0;
      if (r.kind === 'error') {
        this.#in = Buffer.alloc(0);
        this.#error(r.status, r.reason, 0, true);
        break;
      }
      this.#in = this.#in.subarray(r.consumed);
      this.#headStart = this.#in.length > 0 ? this.#core.cfg.clock() : null;
      try {
        this.#onHead(r.head);
      } catch {
        // Last resort, so feed() never throws: a fixed 500 that depends on nothing configurable.
        this.#out.push(Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1'));
        this.#closing = true;
        this.#pending = null;
      }
    }
  }

  #onHead(head: RequestHead): void {
    const c = this.#core;
    this.#requests++;
    const tokens = header(head, 'connection') === null ? NO_TOKENS
      : headerValues(head, 'connection').join(',').toLowerCase().split(',').map((s) => s.trim());
    let close = tokens.includes('close') || (head.minor === 0 && !tokens.includes('keep-alive')) ||
      this.#requests >= c.cfg.maxRequestsPerConnection;
    const log = { method: head.method, target: head.target };
    const hostErr = checkHost(head);
    if (hostErr) return this.#error(400, hostErr, head.minor, true, log);
    const framing = bodyFraming(head, c.limits);
    if (framing.kind === 'error') return this.#error(framing.status, framing.reason, head.minor, true, log);
    const hasBody = framing.kind !== 'none';
    let expectContinue = false;
    const expect = header(head, 'expect');
    if (expect !== null && head.minor >= 1) {
      if (expect.toLowerCase() !== '100-continue') return this.#error(417, 'Unsupported expectation', 1, true, log);
      expectContinue = hasBody;
    }
    // A refusal before the body is read closes the connection: the unread body must not be parsed as a request.
    const refuse = (status: number, reason: string, allow?: string) => {
      this.#error(status, reason, head.minor, close || hasBody, log, allow);
    };
    if (head.rawPath === '*') return refuse(405, 'Method not allowed', 'GET, HEAD');
    const p = decodePath(head.rawPath);
    if (!p.ok) return refuse(p.status, p.reason);
    let handler: RouteHandler | null = null;
    if (c.routes.has(p.path)) {
      handler = c.routes.lookup(head.method, p.path);
      if (!handler) return refuse(405, 'Method not allowed', c.routes.allowed(p.path).join(', '));
    } else if (c.jail === null) {
      return refuse(404, `Not found: ${p.path}`);
    } else if (head.method !== 'GET' && head.method !== 'HEAD') {
      return refuse(405, 'Method not allowed', 'GET, HEAD');
    }
    if (hasBody && expectContinue) {
      this.#push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1'));
    }
    if (!hasBody) return this.#dispatch(head, p.path, handler, NO_BODY, close);
    this.#pending = {
      head, framing, close, handler, path: p.path, parts: [], received: 0,
      decoder: framing.kind === 'chunked' ? new ChunkedDecoder(c.limits.maxBody) : null,
      deadline: c.cfg.clock() + c.cfg.bodyTimeoutMs,
    };
  }

  /** Moves body bytes from input into the pending request; true when it completed. */
  #readBody(): boolean {
    const r = this.#pending!;
    if (r.decoder) {
      const used = r.decoder.push(this.#in);
      this.#in = this.#in.subarray(used);
      if (r.decoder.error) {
        this.#pending = null;
        this.#error(r.decoder.error.status, r.decoder.error.reason, r.head.minor, true);
        return false;
      }
      if (!r.decoder.done) return this.#eofInBody();
      this.#pending = null;
      this.#dispatch(r.head, r.path, r.handler, r.decoder.body(), r.close);
      return true;
    }
    const want = (r.framing as { length: number }).length - r.received;
    const n = Math.min(want, this.#in.length);
    if (n > 0) {
      r.parts.push(Buffer.from(this.#in.subarray(0, n)));
      r.received += n;
      this.#in = this.#in.subarray(n);
    }
    if (n < want) return this.#eofInBody();
    this.#pending = null;
    this.#dispatch(r.head, r.path, r.handler, Buffer.concat(r.parts), r.close);
    return true;
  }

  #eofInBody(): false {
    if (this.#eof) { this.#pending = null; this.#closing = true; }
    return false;
  }

  #dispatch(head: RequestHead, path: string, handler: RouteHandler | null, body: Buffer, close: boolean): void {
    if (this.#in.length === 0) this.#headStart = null;
    const log = { method: head.method, target: head.target };
    try {
      if (handler) this.#route(head, path, handler, body, close, log);
      else this.#static(head, close, log);
    } catch (e) {
      // A handler bug or a header injection attempt: answer 500, keep the server alive.
      this.#error(500, 'Internal server error', head.minor, true, log);
    }
  }

  #route(head: RequestHead, path: string, handler: RouteHandler, body: Buffer, close: boolean, log: LogBase): void {
    const res = handler(new RouteRequestImpl(head, path, body, this.#requests));
    const status = res.status ?? 200;
    const headers = res.headers;
    let payload: Uint8Array;
    let trusted = 'Cache-Control: no-store\r\n';
    if (res.json !== undefined) {
      payload = Buffer.from(JSON.stringify(res.json) + '\n', 'utf8');
      if (headers === undefined || !headers.some(([k]) => k.toLowerCase() === 'content-type')) trusted = 'Content-Type: application/json\r\n' + trusted;
    } else {
      const b = res.body;
      // A small body is copied into the head's buffer at once; a large one is copied here, as the handler may reuse it.
      payload = typeof b === 'string' ? Buffer.from(b, 'utf8')
        : b instanceof Uint8Array && b.byteLength <= COALESCE_BYTES ? b : Buffer.from(b ?? NO_BODY);
    }
    this.#respond(status, headers ?? null, payload, head, close, log, trusted);
  }

  #static(head: RequestHead, close: boolean, log: LogBase): void {
    const c = this.#core;
    const p = decodePath(head.rawPath);
    if (!p.ok) return this.#error(p.status, p.reason, head.minor, close, log);
    const now = c.cfg.clock();
    // A file is either cached bytes (fd -1) or an open fd this method must close or hand on.
    const hit = c.cache?.get(p.path, now) ?? null;
    let f: { bytes: Buffer | null; fd: number; size: number; mtimeMs: number; contentType: string; real: string } | null =
      hit ? { ...hit, fd: -1 } : null;
    if (!f) {
      // A small file is read by the lookup itself (one native call), into the scratch buffer; the response copies it.
      const r = openStatic(c.jail!, p, { index: c.cfg.index, autoindex: c.cfg.autoindex, read: head.method === 'HEAD' ? undefined : c.smallRead });
      if (r.kind === 'listing') {
        return this.#respond(200, [['Content-Type', 'text/html; charset=utf-8']], r.html, head, close, log);
      }
      if (r.kind === 'redirect') {
        const location = encodePath(r.path) + (head.query ? '?' + head.query : '');
        return this.#respond(301, [['Location', location], ['Content-Type', 'text/html; charset=utf-8']],
          errorBody(301, `Moved to ${r.path}`), head, close, log);
      }
      if (r.kind === 'error') {
        return this.#error(r.status, r.status === 404 ? `Not found: ${p.path}` : r.reason, head.minor, close, log);
      }
      f = { bytes: r.bytes, fd: r.fd, size: r.size, mtimeMs: r.mtimeMs, contentType: r.contentType, real: r.real };
      // A file that shrank between fstat and read: never send a short body under a longer Content-Length.
      if (r.bytes && r.bytes.length < r.size) return this.#error(500, 'File changed while reading', head.minor, true, log);
      if (c.cache && r.bytes) {
        f.bytes = Buffer.from(r.bytes); // the scratch buffer is reused by the next lookup
        c.cache.put(p.path, { ...f, bytes: f.bytes, at: now });
      } else if (c.cache && r.size <= c.cfg.smallFileBytes) {
        try { f.bytes = readRange(r.fd, 0, r.size); } finally { closeSync(r.fd); f.fd = -1; }
        if (!f.bytes) return this.#error(500, 'File changed while reading', head.minor, true, log);
        c.cache.put(p.path, { ...f, bytes: f.bytes, at: now });
      }
    }
    const fd = f.fd;
    const release = () => { if (fd >= 0) closeSync(fd); };
    const lastModified = httpDate(Math.floor(f.mtimeMs / 1000) * 1000);
    // Values from the content-type table and our own date format: no per-header check needed.
    let trusted = 'Content-Type: ' + f.contentType + '\r\nLast-Modified: ' + lastModified + '\r\nAccept-Ranges: bytes\r\n';
    // RFC 9110 §13.1.3: If-None-Match present means If-Modified-Since is ignored.
    const ims = header(head, 'if-modified-since');
    if (ims !== null && header(head, 'if-none-match') === null) {
      const t = parseHttpDate(ims);
      if (!Number.isNaN(t) && Math.floor(f.mtimeMs / 1000) * 1000 <= t) {
        release();
        return this.#respond(304, null, null, head, close, log, trusted);
      }
    }
    let start = 0;
    let length = f.size;
    let status = 200;
    const range = header(head, 'range');
    if (range !== null) {
      const ifRange = header(head, 'if-range');
      const rr = ifRange === null || ifRange === lastModified ? parseRange(range, f.size) : null;
      if (rr === 'unsatisfiable') {
        release();
        const t416 = 'Last-Modified: ' + lastModified + '\r\nAccept-Ranges: bytes\r\nContent-Range: bytes */' + f.size +
          '\r\nContent-Type: text/html; charset=utf-8\r\n';
        return this.#respond(416, null, errorBody(416), head, close, log, t416);
      }
      if (rr) {
        [start, length, status] = [rr.start, rr.end - rr.start + 1, 206];
        trusted += 'Content-Range: bytes ' + rr.start + '-' + rr.end + '/' + f.size + '\r\n';
      }
    }
    if (head.method === 'HEAD') {
      release();
      return this.#respond(status, null, length, head, close, log, trusted);
    }
    if (f.bytes) return this.#respond(status, null, f.bytes.subarray(start, start + length), head, close, log, trusted);
    if (length <= c.cfg.smallFileBytes) {
      // Head and file bytes in one buffer, read in place: one send(2) per response, no copy, no sendfile.
      const text = headText({ status, trusted, contentLength: length, close, minor: head.minor, nowMs: c.cfg.clock(), serverName: c.cfg.serverName });
      const { buf, bodyAt } = responseBuffer(text, length);
      let ok: boolean;
      try { ok = readRange(fd, start, length, buf, bodyAt) !== null; } finally { release(); }
      // A file that shrank between fstat and read: never send a short body under a longer Content-Length.
      if (!ok) return this.#error(500, 'File changed while reading', head.minor, true, log);
      this.#push(buf);
      return this.#finish(status, close, log, length);
    }
    const file: FileOutput = { kind: 'file', fd, offset: start, length, path: f.real };
    this.#respond(status, null, file, head, close, log, trusted);
  }

  /** Sends a head and a body; a small byte body goes in the head's buffer (one send). */
  #respond(status: number, headers: Array<[string, string]> | null, body: Uint8Array | FileOutput | number | null,
    head: RequestHead, close: boolean, log: LogBase, trusted?: string): void {
    const c = this.#core;
    const length = body === null ? 0 : typeof body === 'number' ? body : outputLength(body);
    let text: string;
    try {
      text = headText({ status, headers: headers ?? undefined, trusted, contentLength: length, close, minor: head.minor, nowMs: c.cfg.clock(), serverName: c.cfg.serverName });
    } catch (e) {
      if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) releaseOutput(body);
      throw e;
    }
    const sendBody = head.method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
    if (body instanceof Uint8Array && sendBody && length <= COALESCE_BYTES) {
      this.#push(responseBuffer(text, length, body).buf);
    } else {
      this.#push(Buffer.from(text, 'latin1'));
      if (body !== null && typeof body !== 'number') {
        if (sendBody) this.#push(body);
        else releaseOutput(body);
      }
    }
    this.#finish(status, close, log, sendBody ? length : 0);
  }

  #error(status: number, reason: string, minor: number, close: boolean, log?: LogBase, allow?: string): void {
    const body = errorBody(status, reason);
    const headers: Array<[string, string]> = [['Content-Type', 'text/html; charset=utf-8']];
    if (allow) headers.push(['Allow', allow]);
    const head = buildHead({ status, headers, contentLength: body.length, close, minor, nowMs: this.#core.cfg.clock(), serverName: this.#core.cfg.serverName });
    this.#push(head);
    const isHead = log?.method === 'HEAD';
    if (!isHead) this.#push(body);
    if (close && this.#in.length > 0) this.#linger = true;
    if (close && !log) this.#linger = true;
    this.#finish(status, close, log ?? { method: '-', target: '-' }, isHead ? 0 : body.length);
  }

  #finish(status: number, close: boolean, log: LogBase, bytes: number): void {
    const c = this.#core;
    c.requests++;
    if (close) { this.#closing = true; this.#pending = null; }
    this.#idleSince = c.cfg.clock();
    if (c.cfg.log) {
      try {
        c.cfg.log({ method: log.method, target: escapeControls(log.target), status, bytes });
      } catch { /* a broken logger must not break the connection */ }
    }
  }

  #push(item: OutputItem): void {
    this.#out.push(item);
    this.#outBytes += outputLength(item);
  }
}

type LogBase = { method: string; target: string };

/** What a route handler gets; the query is parsed only when a handler reads it. */
class RouteRequestImpl implements RouteRequest {
  readonly method: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  #query: URLSearchParams | null = null;
  readonly #raw: string;
  constructor(head: RequestHead, readonly path: string, readonly body: Buffer, readonly requestNumber: number) {
    this.method = head.method;
    this.headers = head.headers;
    this.#raw = head.query;
  }
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#raw));
  }
}
