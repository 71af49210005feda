// Connection and Pipe: messages over fds shared by forked processes.
// Framing is Python's (a signed 32-bit big-endian length, or -1 then a 64-bit
// length for huge messages), so sendBytes/recvBytes talk to a Python
// Connection on the same pipe; objects travel as V8 structured clones
// (node:v8 serialize), where Python would pickle. Every read and write is
// posixkit's os.read/os.write: blocking calls that honour the EINTR rule.
import { decode, encode } from './_codec';
import { errno as E, errnoError, invalidArgType, validateBytes, validateInteger } from '../errors';
import { timeoutSeconds } from '../internal/deadline';
import * as os from '../os';
import { AF_UNIX, SOCK_STREAM, socketpair } from '../socket';
import { readable } from './_wait';
import { BufferTooShort, EOFError, stateError } from './errors';

const SMALL = 64 * 1024; // frames up to this size go out in one write(2)
const INT32_MAX = 0x7fffffff;

export interface ConnectionOptions {
  readable?: boolean;
  writable?: boolean;
}

/**
 * One end of a Pipe. `readFd` and `writeFd` may be the same fd (a socket) or
 * two pipe fds (the duplex form over two pipes); -1 for a direction it lacks.
 */
export class Connection {
  #rfd: number;
  #wfd: number;
  #readable: boolean;
  #writable: boolean;
  readonly #hdr = Buffer.alloc(8);

  constructor(readFd: number, writeFd: number = readFd, options: ConnectionOptions = {}) {
    validateInteger(readFd, 'readFd', -1, INT32_MAX);
    validateInteger(writeFd, 'writeFd', -1, INT32_MAX);
    this.#readable = (options.readable ?? true) && readFd >= 0;
    this.#writable = (options.writable ?? true) && writeFd >= 0;
    if (!this.#readable && !this.#writable) {
      throw stateError('ERR_INVALID_ARG_VALUE', 'at least one of readable and writable must be true');
    }
    this.#rfd = readFd;
    this.#wfd = writeFd;
  }

  get closed(): boolean {
    return this.#rfd < 0 && this.#wfd < 0;
  }
  get readable(): boolean {
    return this.#readable;
  }
  get writable(): boolean {
    return this.#writable;
  }

  /** The fd to wait on for reading (the write fd for a write-only end). */
  fileno(): number {
    this.#check('fileno');
    return this.#readable ? this.#rfd : this.#wfd;
  }

  close(): void {
    const r = this.#rfd;
    const w = this.#wfd;
    this.#rfd = -1;
    this.#wfd = -1;
    if (r >= 0) os.close(r);
    if (w >= 0 && w !== r) os.close(w);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ---- sending -----------------------------------------------------------

  /** Sends a structured-cloneable value; blocks while the pipe is full. */
  send(value: unknown): void {
    this.#checkWritable('send');
    this.#sendFrame(encode(value));
  }

  /** Sends `data[offset, offset + size)` as one message. */
  sendBytes(data: ArrayBufferView, offset = 0, size?: number): void {
    this.#checkWritable('sendBytes');
    validateBytes(data, 'data');
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    validateInteger(offset, 'offset', 0, bytes.length);
    const n = size === undefined ? bytes.length - offset : validateInteger(size, 'size', 0, bytes.length - offset);
    this.#sendFrame(bytes.subarray(offset, offset + n));
  }

  #sendFrame(body: Buffer): void {
    sendFrame(this.#wfd, body);
  }

  // ---- receiving ---------------------------------------------------------

  /** Receives one value sent with send(); blocks until it arrives. */
  recv(): unknown {
    this.#checkReadable('recv');
    return decode(this.#recvFrame(undefined));
  }

  /**
   * Receives one message as a Buffer. A message longer than `maxlength`
   * closes the connection and throws (as Python: the stream is out of step).
   */
  recvBytes(maxlength?: number): Buffer {
    this.#checkReadable('recvBytes');
    if (maxlength !== undefined) validateInteger(maxlength, 'maxlength', 0);
    return this.#recvFrame(maxlength);
  }

  /**
   * Reads one message into `buffer` at byte `offset`; returns its length. A
   * message that does not fit throws BufferTooShort carrying the whole message.
   */
  recvBytesInto(buffer: ArrayBufferView, offset = 0): number {
    this.#checkReadable('recvBytesInto');
    validateBytes(buffer, 'buffer');
    const dst = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    validateInteger(offset, 'offset', 0, dst.length);
    const n = this.#readLength();
    if (n > dst.length - offset) {
      const whole = Buffer.allocUnsafe(n);
      this.#readExact(whole, true);
      throw new BufferTooShort(whole);
    }
    this.#readExact(dst.subarray(offset, offset + n), true);
    return n;
  }

  /**
   * Whether there is something to read (a message or end of file):
   * timeout 0 (the default) looks, seconds wait, null waits forever.
   */
  poll(timeout: number | null = 0): boolean {
    this.#checkReadable('poll');
    return readable(this.#rfd, timeoutSeconds(timeout, 'timeout', 'zero'));
  }

  #recvFrame(maxlength: number | undefined): Buffer {
    const n = this.#readLength();
    if (maxlength !== undefined && n > maxlength) {
      this.close();
      throw stateError('ERR_BAD_MESSAGE_LENGTH', `bad message length: ${n} > maxlength ${maxlength}`);
    }
    const body = Buffer.allocUnsafe(n);
    this.#readExact(body, true);
    return body;
  }

  #readLength(): number {
    const h = this.#hdr;
    this.#readExact(h.subarray(0, 4), false);
    const n = h.readInt32BE(0);
    if (n >= 0) return n;
    if (n !== -1) throw stateError('ERR_BAD_MESSAGE_LENGTH', `bad message length header: ${n}`);
    this.#readExact(h, true);
    const big = h.readBigUInt64BE(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw stateError('ERR_BAD_MESSAGE_LENGTH', `bad message length: ${big}`);
    return Number(big);
  }

  // Fills `buf` completely; EOF before the first byte of a message is the
  // peer's orderly close, EOF inside one a truncated message: both EOFError.
  #readExact(buf: Buffer, inside: boolean): void {
    let got = 0;
    while (got < buf.length) {
      const r = os.readinto(this.#rfd, got === 0 ? buf : buf.subarray(got));
      if (r === 0) {
        throw new EOFError(got === 0 && !inside
          ? 'connection closed by the peer (end of file)'
          : `end of file inside a message (${got} of ${buf.length} bytes)`);
      }
      got += r;
    }
  }

  #check(op: string): void {
    if (this.closed) throw errnoError(E.EBADF, op);
  }
  #checkReadable(op: string): void {
    this.#check(op);
    if (!this.#readable) throw stateError('ERR_CONNECTION_WRITE_ONLY', `${op}: connection is write-only`);
  }
  #checkWritable(op: string): void {
    this.#check(op);
    if (!this.#writable) throw stateError('ERR_CONNECTION_READ_ONLY', `${op}: connection is read-only`);
  }
}

/** Writes one length-prefixed message; small ones in a single write(2). */
export function sendFrame(fd: number, body: Buffer): void {
  const n = body.length;
  const hlen = n > INT32_MAX ? 12 : 4;
  if (n + hlen <= SMALL) {
    const frame = Buffer.allocUnsafe(hlen + n);
    writeHeader(frame, n);
    body.copy(frame, hlen);
    writeAll(fd, frame);
  } else {
    const h = Buffer.allocUnsafe(hlen);
    writeHeader(h, n);
    writeAll(fd, h);
    writeAll(fd, body);
  }
}

function writeHeader(buf: Buffer, n: number): void {
  if (n > INT32_MAX) {
    buf.writeInt32BE(-1, 0);
    buf.writeBigUInt64BE(BigInt(n), 4);
  } else {
    buf.writeInt32BE(n, 0);
  }
}

/** write(2) until all of `data` is out: a pipe takes a large write in parts. */
export function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += os.write(fd, off === 0 ? data : data.subarray(off));
}

/**
 * Python's Pipe(duplex): two Connections. Duplex ends are the two sockets of
 * an AF_UNIX socketpair(2) (as Python on Unix); `duplex = false` is a pipe(2),
 * `[readEnd, writeEnd]`. All fds are close-on-exec and inherited by forked
 * children; each process closes the ends it does not use.
 */
export function Pipe(duplex = true): [Connection, Connection] {
  if (typeof duplex !== 'boolean') throw invalidArgType('duplex', 'of type boolean', duplex);
  if (!duplex) {
    const [r, w] = os.pipe();
    return [new Connection(r, -1, { writable: false }), new Connection(-1, w, { readable: false })];
  }
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
  const fa = a.detach();
  const fb = b.detach();
  return [new Connection(fa, fa), new Connection(fb, fb)];
}

/**
 * Bytes read from a non-blocking fd, cut into whole messages of Connection
 * framing (for the pool's result pipes and a manager's clients, which read
 * whatever has arrived and may hold part of a message).
 */
export class FrameBuffer {
  #buf = Buffer.alloc(0);
  #len = 0;

  /** Appends `n` bytes of `chunk`. */
  push(chunk: Buffer, n: number): void {
    if (this.#len + n > this.#buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n, 4096));
      this.#buf.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    chunk.copy(this.#buf, this.#len, 0, n);
    this.#len += n;
  }

  /**
   * Calls `each` with every whole message (a copy: the caller may keep it)
   * until it returns false; keeps a partial one for later. Throws
   * ERR_BAD_MESSAGE_LENGTH on a length no sender writes.
   */
  take(each: (body: Buffer) => boolean | void): void {
    const b = this.#buf;
    let off = 0;
    while (this.#len - off >= 4) {
      let size = b.readInt32BE(off);
      let hlen = 4;
      if (size === -1) {
        if (this.#len - off < 12) break;
        size = Number(b.readBigUInt64BE(off + 4));
        hlen = 12;
      } else if (size < 0) {
        throw stateError('ERR_BAD_MESSAGE_LENGTH', `bad message length header: ${size}`);
      }
      if (this.#len - off - hlen < size) break;
      const body = Buffer.from(b.subarray(off + hlen, off + hlen + size));
      off += hlen + size;
      if (each(body) === false) break;
    }
    if (off > 0) {
      b.copy(b, 0, off, this.#len);
      this.#len -= off;
    }
  }
}
