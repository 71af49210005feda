// socket.makefile(): Python's file objects over a socket (SocketIO under a
// BufferedReader/BufferedWriter/BufferedRWPair, or a TextIOWrapper on top),
// plus a Node stream adapter. Every read is a recv(2) on the socket, every
// flush a send(2) loop (sendall), under the socket's timeout.
import { Duplex, DuplexOptions } from 'node:stream';
import {
  codedError, errno as E, errnoError, invalidArgType, invalidArgValue, OSError, TimeoutError, validateInteger,
} from '../errors';
import { Epoll } from '../select/epoll';
import { K } from './native';
import { LONE_SURROGATE } from './names';
import { K as selectK } from '../select/native';
import type { Socket } from './sock';

/** Python's io.DEFAULT_BUFFER_SIZE. */
export const DEFAULT_BUFFER_SIZE = 8192;

/** The socket side of a file object: counts the files that keep the fd open (Python's _io_refs). */
export const IOREF = Symbol('posixkit.socket.ioref');
interface Counted { [IOREF](delta: 1 | -1): void }

const { MSG_DONTWAIT } = K;
const { EPOLLIN, EPOLLOUT } = selectK;

function closedFile(): Error {
  return codedError('ERR_IO_CLOSED', 'I/O operation on closed file');
}
function unsupported(what: 'readable' | 'writable'): Error {
  return codedError('ERR_IO_UNSUPPORTED', `File or stream is not ${what}`);
}
function sizeArg(size: unknown, name = 'size'): number {
  if (size === undefined || size === null) return -1;
  return validateInteger(size, name, Number.MIN_SAFE_INTEGER, 2 ** 31 - 1);
}
/** The lines readline() gives until the end of the stream (an empty line). */
function* lines<T extends { length: number }>(readline: () => T): Generator<T, void, undefined> {
  for (;;) {
    const line = readline();
    if (line.length === 0) return;
    yield line;
  }
}
/** Python's readlines(hint): the lines to the end, or until their total length reaches hint (> 0). */
function readlines<T extends { length: number }>(readline: () => T, hint: unknown): T[] {
  const h = sizeArg(hint, 'hint');
  const out: T[] = [];
  let total = 0;
  for (const line of lines(readline)) {
    out.push(line);
    total += line.length;
    if (h > 0 && total >= h) break;
  }
  return out;
}
const isWouldBlock = (e: unknown): boolean =>
  e instanceof OSError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK');

/**
 * A binary file object over a socket: Python's BufferedReader (mode 'rb'),
 * BufferedWriter ('wb'), BufferedRWPair ('rwb'), or with buffering 0 the raw
 * SocketIO (each read is one recv, each write one send). Reads return
 * Buffers; an empty Buffer is the end of the stream. On a non-blocking
 * socket a read that finds nothing returns null, as Python's returns None.
 */
export class SocketFile implements Disposable, Iterable<Buffer> {
  readonly #sock: Socket;
  readonly #reading: boolean;
  readonly #writing: boolean;
  readonly #size: number; // 0 = unbuffered (raw)
  #rbuf: Buffer = Buffer.alloc(0);
  #wbuf: Buffer[] = [];
  #wlen = 0;
  #closed = false;
  #timedOut = false;
  /** 'rb', 'wb' or 'rwb'. */
  readonly mode: string;

  /** @internal use Socket.makefile(). */
  constructor(sock: Socket, reading: boolean, writing: boolean, bufferSize: number) {
    this.#sock = sock;
    this.#reading = reading;
    this.#writing = writing;
    this.#size = bufferSize;
    this.mode = (reading ? 'r' : '') + (writing ? 'w' : '') + 'b';
    (sock as unknown as Counted)[IOREF](1);
  }

  /** The socket's fd (Python's SocketIO.name), -1 once closed. */
  get name(): number {
    return this.#closed ? -1 : this.#sock.fileno();
  }
  get closed(): boolean {
    return this.#closed;
  }
  fileno(): number {
    this.#live();
    return this.#sock.fileno();
  }
  readable(): boolean {
    this.#live();
    return this.#reading;
  }
  writable(): boolean {
    this.#live();
    return this.#writing;
  }
  seekable(): boolean {
    this.#live();
    return false;
  }
  isatty(): boolean {
    this.#live();
    return false;
  }

  #live(): void {
    if (this.#closed) throw closedFile();
  }
  #canRead(): void {
    this.#live();
    if (!this.#reading) throw unsupported('readable');
  }
  #canWrite(): void {
    this.#live();
    if (!this.#writing) throw unsupported('writable');
  }

  // ---- the raw layer (Python's SocketIO) ---------------------------------------

  /** One recv of up to n bytes: data, an empty Buffer at the end, null when it would block. */
  #recv(n: number): Buffer | null {
    if (this.#timedOut) {
      throw new OSError('ETIMEDOUT', -E.ETIMEDOUT, 'recv', 'cannot read from timed out object');
    }
    try {
      return this.#sock.recv(n);
    } catch (e) {
      // A timeout may have cut a message in half: Python refuses further reads.
      if (e instanceof TimeoutError) this.#timedOut = true;
      if (isWouldBlock(e)) return null;
      throw e;
    }
  }

  #take(n: number): Buffer {
    const out = this.#rbuf.subarray(0, n);
    this.#rbuf = this.#rbuf.subarray(n);
    return out;
  }

  // ---- reading -------------------------------------------------------------------

  /**
   * read(size = -1): up to `size` bytes, fewer only at the end of the stream
   * (unbuffered: one recv); all bytes until the end when size < 0.
   */
  read(size?: number | null): Buffer | null {
    this.#canRead();
    let n = sizeArg(size);
    if (this.#size === 0 && n >= 0) return n === 0 ? Buffer.alloc(0) : this.#recv(n);
    const parts: Buffer[] = [];
    let have = 0;
    if (this.#rbuf.length) {
      const first = this.#take(n < 0 ? this.#rbuf.length : Math.min(n, this.#rbuf.length));
      parts.push(first);
      have = first.length;
    }
    if (n < 0) n = Infinity;
    while (have < n) {
      const want = n === Infinity ? Math.max(this.#size, DEFAULT_BUFFER_SIZE) : Math.max(n - have, this.#size);
      const chunk = this.#recv(want);
      if (chunk === null) {
        if (have === 0) return null;
        break;
      }
      if (chunk.length === 0) break;
      const use = Math.min(chunk.length, n - have);
      parts.push(chunk.subarray(0, use));
      have += use;
      if (use < chunk.length) this.#rbuf = Buffer.concat([this.#rbuf, chunk.subarray(use)]);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** read1(size = -1): buffered bytes if there are any, else at most one recv. */
  read1(size?: number | null): Buffer | null {
    this.#canRead();
    const n = sizeArg(size);
    if (n === 0) return Buffer.alloc(0);
    if (this.#rbuf.length) return this.#take(n < 0 ? this.#rbuf.length : Math.min(n, this.#rbuf.length));
    return this.#recv(n < 0 ? Math.max(this.#size, DEFAULT_BUFFER_SIZE) : n);
  }

  /** readinto(b): fills b (up to the end of the stream); returns the byte count, null when it would block. */
  readinto(b: ArrayBufferView): number | null {
    this.#canRead();
    if (!ArrayBuffer.isView(b)) throw invalidArgType('b', 'a bytes-like object (Buffer, TypedArray or DataView)', b);
    const dst = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const got = this.#size === 0 ? this.#recv(dst.length) : this.read(dst.length);
    if (got === null) return null;
    got.copy(dst);
    return got.length;
  }

  /** readline(size = -1): up to and including the next b'\n' (at most `size` bytes); empty at the end. */
  readline(size?: number | null): Buffer {
    this.#canRead();
    const limit = sizeArg(size);
    const parts: Buffer[] = [];
    let have = 0;
    for (;;) {
      const room = limit < 0 ? Infinity : limit - have;
      if (room <= 0) break;
      if (this.#rbuf.length === 0) {
        // Unbuffered: one byte per recv, so nothing past the line is consumed.
        const chunk = this.#recv(this.#size === 0 ? 1 : Math.max(this.#size, 1));
        if (chunk === null || chunk.length === 0) break;
        this.#rbuf = chunk;
      }
      const nl = this.#rbuf.indexOf(0x0a);
      const end = Math.min(nl < 0 ? this.#rbuf.length : nl + 1, room);
      const piece = this.#take(end);
      parts.push(piece);
      have += piece.length;
      if (nl >= 0 && nl < end) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** readlines(hint = -1): the lines to the end, or until their total length reaches `hint`. */
  readlines(hint?: number | null): Buffer[] {
    return readlines(() => this.readline(), hint);
  }

  [Symbol.iterator](): Iterator<Buffer> {
    return lines(() => this.readline());
  }

  // ---- writing -------------------------------------------------------------------

  /**
   * write(b) -> bytes accepted: all of them (buffered; sent when the buffer
   * fills, on flush() and on close()), or for an unbuffered file what one
   * send took (null when it would block).
   */
  write(b: ArrayBufferView): number | null {
    this.#canWrite();
    if (!ArrayBuffer.isView(b)) throw invalidArgType('b', 'a bytes-like object (Buffer, TypedArray or DataView)', b);
    const data = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (this.#size === 0) {
      try {
        return this.#sock.send(data);
      } catch (e) {
        if (isWouldBlock(e)) return null;
        throw e;
      }
    }
    // A copy: the caller may reuse its buffer before the flush.
    this.#wbuf.push(Buffer.from(data));
    this.#wlen += data.length;
    if (this.#wlen >= this.#size) this.flush();
    return data.length;
  }

  writelines(lines: Iterable<ArrayBufferView>): void {
    for (const line of lines) this.write(line);
  }

  /** Sends what write() buffered (sendall). On failure the unsent rest stays buffered. */
  flush(): void {
    this.#live();
    if (this.#wlen === 0) return;
    const data = this.#wbuf.length === 1 ? this.#wbuf[0] : Buffer.concat(this.#wbuf);
    this.#wbuf = [data];
    try {
      this.#sock.sendall(data);
      this.#wbuf = [];
      this.#wlen = 0;
    } catch (e) {
      const sent = (e as { bytesSent?: number }).bytesSent ?? 0;
      this.#wbuf = [data.subarray(sent)];
      this.#wlen = data.length - sent;
      throw e;
    }
  }

  /**
   * Flushes and closes the file object (not the socket: the socket's fd is
   * closed here only if socket.close() was called while this file was open).
   */
  close(): void {
    if (this.#closed) return;
    try {
      if (this.#writing) this.flush();
    } finally {
      this.#closed = true;
      this.#rbuf = Buffer.alloc(0);
      this.#wbuf = [];
      this.#wlen = 0;
      (this.#sock as unknown as Counted)[IOREF](-1);
    }
  }
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- Node stream adapter -----------------------------------------------------

  /**
   * A Node Duplex over this file that never blocks the event loop: reads
   * start with what this file buffered, then recv(MSG_DONTWAIT) and, when
   * nothing is there, wait for readiness on a private epoll set watched by
   * libuv; writes go out with send(MSG_DONTWAIT) the same way. The side the
   * mode lacks is already ended. Ending the writable side flushes but does
   * not shut the socket down (call sock.shutdown(SHUT_WR) for the peer to
   * see the end); destroying the stream closes this file and its epoll sets
   * (a pending wait ends with it). Use the file or the stream, not both.
   */
  stream(): Duplex {
    this.#live();
    const file = this;
    const waiters: Epoll[] = [];
    // One epoll set per direction, made on first need: a read waiting on a
    // set that also watched EPOLLOUT would wake at once, over and over.
    const waiter = (events: number): (() => Promise<unknown>) => {
      let ep: Epoll | null = null;
      return () => {
        if (!ep) {
          ep = new Epoll();
          waiters.push(ep);
          ep.register(file.#sock.fileno(), events);
        }
        return ep.pollAsync(-1, 1);
      };
    };
    const readable = waiter(EPOLLIN);
    const writable = waiter(EPOLLOUT);
    let reading = false;
    // `readable`/`writable` are Duplex options Node has, missing from its type declarations.
    return new Duplex({
      readable: this.#reading,
      writable: this.#writing,
      read(size: number): void {
        if (reading) return;
        reading = true;
        void (async () => {
          try {
            for (;;) {
              if (file.#closed) throw closedFile();
              if (file.#rbuf.length) {
                if (!this.push(file.#take(file.#rbuf.length))) return;
                continue;
              }
              const buf = Buffer.allocUnsafe(Math.max(size, DEFAULT_BUFFER_SIZE));
              const n = file.#sock.recv_into_raw(buf, MSG_DONTWAIT);
              if (n === -E.EAGAIN || n === -E.EWOULDBLOCK) {
                await readable();
                continue;
              }
              if (n < 0) throw errnoError(-n, 'recv');
              if (n === 0) {
                this.push(null);
                return;
              }
              if (!this.push(buf.subarray(0, n))) return;
            }
          } catch (e) {
            if (!this.destroyed) this.destroy(e as Error);
          } finally {
            reading = false;
          }
        })();
      },
      write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
        void (async () => {
          try {
            if (file.#closed) throw closedFile();
            file.flush();
            let off = 0;
            while (off < chunk.length) {
              const n = file.#sock.send_raw(chunk, off, chunk.length - off, MSG_DONTWAIT);
              if (n === -E.EAGAIN || n === -E.EWOULDBLOCK) {
                await writable();
                continue;
              }
              if (n < 0) throw errnoError(-n, 'send');
              off += n;
            }
            cb();
          } catch (e) {
            cb(e as Error);
          }
        })();
      },
      final(cb: (e?: Error | null) => void): void {
        try {
          if (!file.#closed) file.flush();
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      destroy(err: Error | null, cb: (e?: Error | null) => void): void {
        for (const ep of waiters) ep.close();
        try {
          file.close();
        } catch (e) {
          err ??= e as Error;
        }
        cb(err);
      },
    } as DuplexOptions);
  }
}

// ---- text --------------------------------------------------------------------------

interface Codec {
  decode(bytes: Buffer, final: boolean): string;
  encode(text: string): Buffer;
}

function decodeError(encoding: string, byte: number): TypeError {
  return Object.assign(new TypeError(`'${encoding}' codec can't decode byte 0x${byte.toString(16).padStart(2, '0')}`),
    { code: 'ERR_ENCODING_INVALID_ENCODED_DATA' });
}
function encodeError(encoding: string, ch: string): TypeError {
  return Object.assign(new TypeError(`'${encoding}' codec can't encode character U+${ch.codePointAt(0)!.toString(16)
    .padStart(4, '0')}`), { code: 'ERR_ENCODING_NOT_SUPPORTED' });
}

// The encodings both TextDecoder/Buffer and Python spell the same way.
// NOTE: latin-1 and ascii are done by hand: WHATWG's TextDecoder reads both
// labels as windows-1252, which is not what Python means by them.
function codec(encoding: string, errors: 'strict' | 'replace'): Codec {
  const strict = errors === 'strict';
  const name = encoding.toLowerCase().replace(/_/g, '-');
  if (name === 'utf-8' || name === 'utf8' || name === 'utf-16-le' || name === 'utf-16le') {
    const utf8 = name.startsWith('utf-8') || name === 'utf8';
    const dec = new TextDecoder(utf8 ? 'utf-8' : 'utf-16le', { fatal: strict, ignoreBOM: true });
    return {
      decode: (bytes, final) => dec.decode(bytes, { stream: !final }),
      encode: (text) => {
        const lone = strict ? LONE_SURROGATE.exec(text) : null;
        if (lone) throw encodeError(encoding, lone[0]);
        return Buffer.from(text, utf8 ? 'utf8' : 'utf16le');
      },
    };
  }
  const max = name === 'ascii' || name === 'us-ascii' ? 0x7f
    : name === 'latin-1' || name === 'latin1' || name === 'iso-8859-1' || name === 'iso8859-1' ? 0xff : -1;
  if (max < 0) throw invalidArgValue('encoding', encoding, "must be one of 'utf-8', 'utf-16-le', 'latin-1', 'ascii'");
  return {
    decode: (bytes) => {
      if (max === 0xff) return bytes.toString('latin1');
      const bad = bytes.findIndex((b) => b > 0x7f);
      if (bad >= 0 && strict) throw decodeError(encoding, bytes[bad]);
      return bad < 0 ? bytes.toString('latin1') : [...bytes].map((b) => (b > 0x7f ? '\ufffd' : String.fromCharCode(b))).join('');
    },
    encode: (text) => {
      let out = text;
      for (const ch of text) {
        if (ch.codePointAt(0)! <= max) continue;
        if (strict) throw encodeError(encoding, ch);
        out = [...text].map((c) => (c.codePointAt(0)! <= max ? c : '?')).join('');
        break;
      }
      return Buffer.from(out, 'latin1');
    },
  };
}

export interface TextOptions {
  /** 'utf-8' (default), 'utf-16-le', 'latin-1' or 'ascii'. */
  encoding?: string | null;
  /** 'strict' (default: a decode error throws) or 'replace' (U+FFFD in, '?' out). */
  errors?: string | null;
  /**
   * Python's newline: null (default) reads '\r\n' and '\r' as '\n' and
   * writes '\n'; '' splits lines at any of them and translates nothing;
   * '\n', '\r', '\r\n' split lines at that string only, and the last two
   * also replace '\n' with it on output.
   */
  newline?: string | null;
}

/**
 * A text file object over a socket: Python's TextIOWrapper around a
 * SocketFile (`buffer`). Reads return strings; '' is the end of the stream.
 * On a non-blocking socket a read that finds nothing throws BlockingIOError.
 */
export class SocketTextFile implements Disposable, Iterable<string> {
  /** The binary file underneath. */
  readonly buffer: SocketFile;
  readonly encoding: string;
  readonly errors: string;
  readonly newline: string | null;
  /** The mode makefile() was given ('r', 'w', 'rw'). */
  readonly mode: string;
  readonly line_buffering = false;
  readonly #codec: Codec;
  #cbuf = '';
  #carry = '';
  #eof = false;

  /** @internal use Socket.makefile(). */
  constructor(buffer: SocketFile, mode: string, options: TextOptions) {
    const encoding = options.encoding ?? 'utf-8';
    const errors = options.errors ?? 'strict';
    const newline = options.newline ?? null;
    if (typeof encoding !== 'string') throw invalidArgType('encoding', 'of type string or null', encoding);
    if (errors !== 'strict' && errors !== 'replace') {
      throw invalidArgValue('errors', errors, "must be 'strict' or 'replace'");
    }
    if (newline !== null && !['', '\n', '\r', '\r\n'].includes(newline)) {
      throw invalidArgValue('newline', newline, "must be null, '', '\\n', '\\r' or '\\r\\n'");
    }
    this.#codec = codec(encoding, errors);
    this.buffer = buffer;
    this.encoding = encoding;
    this.errors = errors;
    this.newline = newline;
    this.mode = mode;
  }

  get name(): number {
    return this.buffer.name;
  }
  get closed(): boolean {
    return this.buffer.closed;
  }
  fileno(): number {
    return this.buffer.fileno();
  }
  readable(): boolean {
    return this.buffer.readable();
  }
  writable(): boolean {
    return this.buffer.writable();
  }
  seekable(): boolean {
    return this.buffer.seekable();
  }
  isatty(): boolean {
    return this.buffer.isatty();
  }

  /** Decodes one more chunk into #cbuf; false at the end of the stream. */
  #fill(): boolean {
    if (this.#eof) return false;
    const chunk = this.buffer.read1(DEFAULT_BUFFER_SIZE);
    if (chunk === null) {
      if (this.#cbuf.length) return false;
      throw errnoError(E.EAGAIN, 'recv');
    }
    const final = chunk.length === 0;
    let text = this.#carry + this.#codec.decode(chunk, final);
    this.#carry = '';
    if (final) this.#eof = true;
    if (this.newline === null) {
      // A '\r' at the end of a chunk may be half of '\r\n': keep it for the next one.
      if (!final && text.endsWith('\r')) {
        this.#carry = '\r';
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, '\n');
    }
    this.#cbuf += text;
    return !final || text.length > 0;
  }

  /** read(size = -1): up to `size` characters (fewer only at the end); everything to the end when size < 0. */
  read(size?: number | null): string {
    this.#readable();
    const n = sizeArg(size);
    if (n < 0) {
      while (this.#fill());
      const all = this.#cbuf;
      this.#cbuf = '';
      return all;
    }
    while (this.#cbuf.length < n && this.#fill());
    const out = this.#cbuf.slice(0, n);
    this.#cbuf = this.#cbuf.slice(out.length);
    return out;
  }

  // Where the first line of s ends (past its terminator), or -1. With
  // newline '' a '\r' at the very end is undecided until more text comes.
  #lineEnd(s: string, final: boolean): number {
    const nl = this.newline;
    if (nl === null || nl === '\n') {
      const i = s.indexOf('\n');
      return i < 0 ? -1 : i + 1;
    }
    if (nl === '') {
      const m = /\r\n|\r|\n/.exec(s);
      if (!m) return -1;
      if (m[0] === '\r' && m.index === s.length - 1 && !final) return -1;
      return m.index + m[0].length;
    }
    const i = s.indexOf(nl);
    return i < 0 ? -1 : i + nl.length;
  }

  /** readline(size = -1): the next line with its terminator (at most `size` characters); '' at the end. */
  readline(size?: number | null): string {
    this.#readable();
    const limit = sizeArg(size);
    for (;;) {
      const end = this.#lineEnd(this.#cbuf, this.#eof);
      if (end >= 0 || (limit >= 0 && this.#cbuf.length >= limit) || !this.#fill()) {
        let take = end >= 0 ? end : this.#cbuf.length;
        if (limit >= 0) take = Math.min(take, limit);
        const out = this.#cbuf.slice(0, take);
        this.#cbuf = this.#cbuf.slice(take);
        return out;
      }
    }
  }

  readlines(hint?: number | null): string[] {
    return readlines(() => this.readline(), hint);
  }

  [Symbol.iterator](): Iterator<string> {
    return lines(() => this.readline());
  }

  #readable(): void {
    if (this.buffer.closed) throw closedFile();
    if (!this.buffer.readable()) throw unsupported('readable');
  }

  /** write(s) -> characters written (encoded and buffered; sent on flush/close or when the buffer fills). */
  write(s: string): number {
    if (this.buffer.closed) throw closedFile();
    if (!this.buffer.writable()) throw unsupported('writable');
    if (typeof s !== 'string') throw invalidArgType('s', 'of type string', s);
    const nl = this.newline;
    const out = nl === '\r' || nl === '\r\n' ? s.replace(/\n/g, nl) : s;
    this.buffer.write(this.#codec.encode(out));
    return s.length;
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  flush(): void {
    this.buffer.flush();
  }

  close(): void {
    this.buffer.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

export interface MakefileOptions extends TextOptions {}

/** Python's socket.makefile() argument handling: the file object for `mode`. */
export function makefile(sock: Socket, mode: string, buffering: number | null | undefined,
  options: MakefileOptions): SocketFile | SocketTextFile {
  if (typeof mode !== 'string') throw invalidArgType('mode', 'of type string', mode);
  if (![...mode].every((c) => c === 'r' || c === 'w' || c === 'b')) {
    throw invalidArgValue('mode', mode, 'is an invalid mode (only r, w, b allowed)');
  }
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const writing = mode.includes('w');
  const reading = mode.includes('r') || !writing;
  const binary = mode.includes('b');
  let size = buffering === undefined || buffering === null ? -1 : validateInteger(buffering, 'buffering', -1, 2 ** 30);
  if (size < 0) size = DEFAULT_BUFFER_SIZE;
  if (size === 0 && !binary) throw invalidArgValue('buffering', 0, 'may be 0 (unbuffered) only in binary mode');
  if (binary) {
    if (options.encoding != null || options.errors != null || options.newline != null) {
      throw invalidArgValue('options', options, 'may not set encoding, errors or newline in binary mode');
    }
    return new SocketFile(sock, reading, writing, size);
  }
  const file = new SocketFile(sock, reading, writing, size);
  try {
    return new SocketTextFile(file, mode, options);
  } catch (e) {
    file.close();
    throw e;
  }
}
