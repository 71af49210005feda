// Request handlers: BaseRequestHandler and the stream/datagram flavours with
// file-like rfile/wfile objects over the socket (Python's makefile('rb') and
// _SocketWriter).
import { codedError, invalidArgType, validateInteger } from '../errors';
import { SockAddr, Socket, IPPROTO_TCP, TCP_NODELAY } from '../socket';

/** A request: a connected socket (stream servers) or [datagram, server socket] (datagram servers). */
export type Request = Socket | [Buffer, Socket];

/** What a handler sees of its server (the server itself, or a stand-in in a worker thread). */
export interface ServerLike {
  serverAddress: SockAddr;
  shutdown(): void;
}

function toBytes(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType('data', 'a string, Buffer or TypedArray', data);
}

/**
 * Python's BaseRequestHandler. The server constructs it with (request,
 * clientAddress, server) and then calls run(), which is setup(), handle(),
 * finish() (finish() even when handle() throws). Python does this inside
 * __init__; in TypeScript a base constructor runs before the subclass's
 * fields are initialized, so the server calls run() after construction.
 */
export class BaseRequestHandler {
  readonly request: any;
  readonly clientAddress: SockAddr;
  readonly server: any;

  constructor(request: Request, clientAddress: SockAddr, server: ServerLike) {
    this.request = request;
    this.clientAddress = clientAddress;
    this.server = server;
  }

  run(): void {
    this.setup();
    try {
      this.handle();
    } finally {
      this.finish();
    }
  }

  setup(): void {}
  handle(): void {}
  finish(): void {}
}

/**
 * A buffered reader over a socket, like the file Python's makefile('rb')
 * returns: read(n), readline(limit), readlines(), iteration by lines.
 * An empty Buffer means end of file (the peer shut down its side).
 */
export class SocketReader implements Iterable<Buffer> {
  #sock: Socket;
  // One growing store: recv_into writes after #end, lines are copied out from #start.
  #store: Buffer;
  #start = 0;
  #end = 0;
  #eof = false;
  #chunk: number;
  closed = false;

  /** bufsize: bytes asked of each recv (-1 or 0: 65536; Python's rbufsize -1 means the default buffer). */
  constructor(sock: Socket, bufsize = -1) {
    this.#sock = sock;
    this.#chunk = bufsize > 0 ? bufsize : 65536;
    this.#store = Buffer.allocUnsafe(this.#chunk);
  }

  get #buf(): Buffer {
    return this.#store.subarray(this.#start, this.#end);
  }

  #fill(): boolean {
    if (this.#eof) return false;
    const live = this.#end - this.#start;
    if (this.#store.length - this.#end < this.#chunk) {
      // Compact in place when the live bytes fit, else grow (doubling keeps long lines linear).
      const size = live + this.#chunk <= this.#store.length ? this.#store.length : Math.max(this.#store.length * 2, live + this.#chunk);
      const dst = size === this.#store.length ? this.#store : Buffer.allocUnsafe(size);
      this.#store.copy(dst, 0, this.#start, this.#end);
      this.#store = dst;
      this.#start = 0;
      this.#end = live;
    }
    const n = this.#sock.recv_into(this.#store.subarray(this.#end, this.#end + this.#chunk));
    if (n === 0) {
      this.#eof = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  #take(n: number): Buffer {
    const out = Buffer.from(this.#store.subarray(this.#start, this.#start + n)); // a copy: the store is reused
    this.#start += n;
    return out;
  }

  /** Up to n bytes (fewer only at end of file); n < 0 reads to end of file. */
  read(n = -1): Buffer {
    if (n < 0) {
      while (this.#fill()) { /* to EOF */ }
      return this.#take(this.#end - this.#start);
    }
    while (this.#end - this.#start < n && this.#fill()) { /* more */ }
    return this.#take(Math.min(n, this.#end - this.#start));
  }

  /** One line including its '\n' (without one at end of file); at most `limit` bytes when limit >= 0. */
  readline(limit = -1): Buffer {
    let scanned = 0;
    for (;;) {
      const i = this.#buf.indexOf(10, scanned);
      if (i >= 0 && (limit < 0 || i < limit)) return this.#take(i + 1);
      const have = this.#end - this.#start;
      if (limit >= 0 && have >= limit) return this.#take(limit);
      scanned = have;
      if (!this.#fill()) return this.#take(this.#end - this.#start);
    }
  }

  /**
   * The lines to end of file, or (Python's hint) stops after the line that
   * brings the total to `hint` bytes, when hint > 0.
   */
  readlines(hint: number | null = -1): Buffer[] {
    const cap = hint === null ? -1 : validateInteger(hint, 'hint', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const out: Buffer[] = [];
    let total = 0;
    // this.readline, not [...this]: a foreign `this` fails at once instead of being iterated
    for (let l = this.readline(); l.length > 0; l = this.readline()) {
      out.push(l);
      total += l.length;
      if (cap > 0 && total >= cap) break;
    }
    return out;
  }

  *[Symbol.iterator](): Iterator<Buffer> {
    for (let l = this.readline(); l.length > 0; l = this.readline()) yield l;
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Python's _SocketWriter (wbufsize 0): write() sends everything at once with
 * sendall, so a write is complete when it returns. With bufsize > 0 writes
 * are gathered until flush() or until bufsize bytes are pending.
 */
export class SocketWriter {
  #sock: Socket;
  #bufsize: number;
  #pending: Buffer[] = [];
  #size = 0;
  closed = false;

  constructor(sock: Socket, bufsize = 0) {
    this.#sock = sock;
    this.#bufsize = bufsize;
  }

  /** Sends (or buffers) data; returns its length in bytes. */
  write(data: string | ArrayBufferView): number {
    if (this.closed) throw codedError('ERR_FILE_CLOSED', 'write to closed file');
    const b = toBytes(data);
    if (this.#bufsize <= 0) {
      this.#sock.sendall(b);
      return b.length;
    }
    this.#pending.push(b);
    this.#size += b.length;
    if (this.#size >= this.#bufsize) this.flush();
    return b.length;
  }

  writelines(lines: Iterable<string | ArrayBufferView>): void {
    for (const l of lines) this.write(l);
  }

  flush(): void {
    if (this.#size === 0) return;
    const all = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#size = 0;
    this.#sock.sendall(all);
  }

  fileno(): number {
    return this.#sock.fileno();
  }

  close(): void {
    this.closed = true;
  }
}

/** An in-memory reader (the datagram's bytes) with the SocketReader interface. */
export class BytesReader implements Iterable<Buffer> {
  #buf: Buffer;
  closed = false;
  constructor(data: Buffer) {
    this.#buf = toBytes(data);
  }
  read(n = -1): Buffer {
    const k = n < 0 ? this.#buf.length : Math.min(n, this.#buf.length);
    const out = this.#buf.subarray(0, k);
    this.#buf = this.#buf.subarray(k);
    return out;
  }
  readline(limit = -1): Buffer {
    const i = this.#buf.indexOf(10);
    let k = i < 0 ? this.#buf.length : i + 1;
    if (limit >= 0) k = Math.min(k, limit);
    return this.read(k);
  }
  *[Symbol.iterator](): Iterator<Buffer> {
    for (let l = this.readline(); l.length > 0; l = this.readline()) yield l;
  }
  close(): void {
    this.closed = true;
  }
}

/** An in-memory writer; getvalue() returns what was written. */
export class BytesWriter {
  #parts: Buffer[] = [];
  closed = false;
  write(data: string | ArrayBufferView): number {
    const b = toBytes(data);
    this.#parts.push(b);
    return b.length;
  }
  flush(): void {}
  getvalue(): Buffer {
    return Buffer.concat(this.#parts);
  }
  close(): void {
    this.closed = true;
  }
}

/**
 * Python's StreamRequestHandler: `rfile` (buffered reads) and `wfile`
 * (writes sent in full) over `connection`. Fields: rbufsize (-1: buffered),
 * wbufsize (0: unbuffered), timeout (seconds on the connection, null:
 * blocking), disableNagleAlgorithm (TCP_NODELAY).
 */
export class StreamRequestHandler extends BaseRequestHandler {
  rbufsize = -1;
  wbufsize = 0;
  timeout: number | null = null;
  disableNagleAlgorithm = false;
  declare connection: Socket;
  declare rfile: SocketReader;
  declare wfile: SocketWriter;

  override setup(): void {
    this.connection = this.request as Socket;
    if (this.timeout !== null) this.connection.settimeout(this.timeout);
    if (this.disableNagleAlgorithm) this.connection.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    this.rfile = new SocketReader(this.connection, this.rbufsize);
    this.wfile = new SocketWriter(this.connection, this.wbufsize);
  }

  override finish(): void {
    if (!this.wfile.closed) {
      try {
        this.wfile.flush();
      } catch {
        // the peer is gone: nothing more can be sent (Python ignores this too)
      }
    }
    this.wfile.close();
    this.rfile.close();
  }
}

/**
 * Python's DatagramRequestHandler: `packet` in `rfile`, the reply gathered
 * in `wfile` and sent to clientAddress by finish() (nothing sent if empty
 * is not Python's rule: it sends even an empty reply; so do we).
 */
export class DatagramRequestHandler extends BaseRequestHandler {
  declare packet: Buffer;
  declare socket: Socket;
  declare rfile: BytesReader;
  declare wfile: BytesWriter;

  override setup(): void {
    const [packet, sock] = this.request as [Buffer, Socket];
    this.packet = packet;
    this.socket = sock;
    this.rfile = new BytesReader(packet);
    this.wfile = new BytesWriter();
  }

  override finish(): void {
    this.socket.sendto(this.wfile.getvalue(), this.clientAddress as never);
  }
}
