// Cooperative sockets: gevent's socket module for posixkit sockets. The fd is
// put in non-blocking mode; each call tries the syscall once and, on EAGAIN,
// registers the fd with the hub's epoll and suspends the task until it is
// ready. The hot calls use the -errno forms (recv_into_raw, send_raw,
// accept_raw) so EAGAIN costs no exception.
import { errno as E, errnoError, invalidArgType, OSError } from '../errors';
import {
  Address, AF_INET, getaddrinfo, SO_ERROR, SO_REUSEADDR, SOCK_STREAM, SockAddr, Socket, SOL_SOCKET,
} from '../socket';
import { getHub, wait_read, wait_write } from './api';
import { Hub } from './hub';
import type { Op } from './task';

const EAGAIN = -E.EAGAIN;

/**
 * A socket whose blocking calls are hub operations: `yield* s.recv(1024)`
 * inside a task. The wrapped Socket (`sock`) becomes non-blocking; `timeout`
 * (seconds, null = none) bounds each wait with a TimeoutError ('ETIMEDOUT').
 */
export class CoSocket implements Disposable {
  readonly sock: Socket;
  readonly hub: Hub;
  timeout: number | null = null;

  constructor(sock: Socket, hub: Hub = getHub()) {
    if (!(sock instanceof Socket)) throw invalidArgType('sock', 'a posixkit Socket', sock);
    this.sock = sock;
    this.hub = hub;
    sock.setblocking(false);
  }

  fileno(): number {
    return this.sock.fileno();
  }

  get closed(): boolean {
    return this.sock.closed;
  }

  get family(): number {
    return this.sock.family;
  }

  /** Drops the fd from the hub (waiting tasks get EBADF), then closes it. */
  close(): void {
    if (this.sock.closed) return;
    this.hub.forget(this.sock.fileno());
    this.sock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  bind(address: Address): void {
    this.sock.bind(address);
  }

  listen(backlog?: number): void {
    this.sock.listen(backlog);
  }

  getsockname(): SockAddr {
    return this.sock.getsockname();
  }

  getpeername(): SockAddr {
    return this.sock.getpeername();
  }

  setsockopt(level: number, optname: number, value: number | boolean | ArrayBufferView): void {
    this.sock.setsockopt(level, optname, value);
  }

  shutdown(how: number): void {
    this.sock.shutdown(how);
  }

  /** Operation: accept() -> [CoSocket, address] (the new socket is cooperative too). */
  *accept(): Op<[CoSocket, SockAddr]> {
    for (;;) {
      const fd = this.sock.accept_raw();
      if (fd >= 0) {
        let s: Socket;
        try {
          s = new Socket(this.sock.family, this.sock.type, this.sock.proto, fd);
        } catch (e) {
          new Socket(undefined, undefined, undefined, fd).close();
          throw e;
        }
        let addr: SockAddr = null;
        try {
          addr = s.getpeername();
        } catch {
          // the peer already left; the first recv says so
        }
        return [new CoSocket(s, this.hub), addr];
      }
      if (fd !== EAGAIN && fd !== -E.ECONNABORTED) throw errnoError(-fd, 'accept');
      yield* wait_read(this.sock, this.timeout);
    }
  }

  /** Operation: connect(address); waits for the non-blocking connect to finish, then checks SO_ERROR. */
  *connect(address: Address): Op<void> {
    const err = this.sock.connect_ex(address);
    if (err === 0) return;
    if (err !== E.EINPROGRESS && err !== E.EAGAIN) throw errnoError(err, 'connect');
    yield* wait_write(this.sock, this.timeout);
    const soerr = this.sock.getsockopt(SOL_SOCKET, SO_ERROR);
    if (soerr !== 0) throw errnoError(soerr, 'connect');
  }

  /** Operation: recv(bufsize) -> Buffer (empty: the peer closed). */
  *recv(bufsize: number, flags = 0): Op<Buffer> {
    const buf = Buffer.allocUnsafe(bufsize);
    const n = yield* this.recv_into(buf, flags);
    return n === bufsize ? buf : buf.subarray(0, n);
  }

  /** Operation: recv into the caller's buffer -> byte count. */
  *recv_into(buffer: ArrayBufferView, flags = 0): Op<number> {
    for (;;) {
      const n = this.sock.recv_into_raw(buffer, flags);
      if (n >= 0) return n;
      if (n !== EAGAIN) throw errnoError(-n, 'recv');
      yield* wait_read(this.sock, this.timeout);
    }
  }

  /** Operation: one send -> bytes sent (maybe fewer than data.length). */
  *send(data: ArrayBufferView, flags = 0): Op<number> {
    for (;;) {
      const n = this.sock.send_raw(data, 0, data.byteLength, flags);
      if (n >= 0) return n;
      if (n !== EAGAIN) throw errnoError(-n, 'send');
      yield* wait_write(this.sock, this.timeout);
    }
  }

  /** Operation: sends all of data, suspending whenever the socket buffer is full. */
  *sendall(data: ArrayBufferView, flags = 0): Op<void> {
    let off = 0;
    while (off < data.byteLength) {
      const n = this.sock.send_raw(data, off, data.byteLength - off, flags);
      if (n >= 0) off += n;
      else if (n !== EAGAIN) throw Object.assign(errnoError(-n, 'sendall'), { bytesSent: off });
      else yield* wait_write(this.sock, this.timeout);
    }
  }

  /**
   * Operation: sendfile(2) of `count` bytes of the file `fd` from `offset`,
   * yielding while the socket is full; returns the bytes sent (fewer only if
   * the file ended first).
   */
  *sendfile(fd: number, offset: number, count: number): Op<number> {
    let sent = 0;
    while (sent < count) {
      const n = this.sock.sendfile_raw(fd, offset + sent, count - sent);
      if (n > 0) sent += n;
      else if (n === 0) break;
      else if (n !== EAGAIN) throw Object.assign(errnoError(-n, 'sendfile'), { bytesSent: sent });
      else yield* wait_write(this.sock, this.timeout);
    }
    return sent;
  }

  /** Operation: recvfrom(bufsize) -> [Buffer, address]. */
  *recvfrom(bufsize: number, flags = 0): Op<[Buffer, SockAddr]> {
    for (;;) {
      try {
        return this.sock.recvfrom(bufsize, flags);
      } catch (e) {
        if (!(e instanceof OSError) || e.code !== 'EAGAIN') throw e;
      }
      yield* wait_read(this.sock, this.timeout);
    }
  }

  /** Operation: sendto(data, address) -> bytes sent. */
  *sendto(data: ArrayBufferView, address: Address): Op<number> {
    for (;;) {
      try {
        return this.sock.sendto(data, address);
      } catch (e) {
        if (!(e instanceof OSError) || e.code !== 'EAGAIN') throw e;
      }
      yield* wait_write(this.sock, this.timeout);
    }
  }
}

/** Makes a posixkit Socket cooperative: the analogue of gevent's monkey patching, one socket at a time. */
export function cooperative(sock: Socket, hub?: Hub): CoSocket {
  return new CoSocket(sock, hub);
}

/** A new cooperative socket (family = AF_INET, type = SOCK_STREAM). */
export function socket(family = AF_INET, type = SOCK_STREAM, proto = 0, hub?: Hub): CoSocket {
  const s = new Socket(family, type, proto);
  try {
    return new CoSocket(s, hub);
  } catch (e) {
    s.close();
    throw e;
  }
}

/** A listening cooperative TCP socket (SO_REUSEADDR on), like gevent's StreamServer socket. */
export function listen(address: [string, number], backlog = 128, hub?: Hub): CoSocket {
  const [fam, , , , sa] = getaddrinfo(address[0], address[1], 0, SOCK_STREAM)[0];
  const s = socket(fam, SOCK_STREAM, 0, hub);
  try {
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    s.bind(sa as Address);
    s.listen(backlog);
    return s;
  } catch (e) {
    s.close();
    throw e;
  }
}

/** Operation: a cooperative create_connection([host, port]). */
export function* create_connection(address: [string, number], timeout?: number | null, hub?: Hub): Op<CoSocket> {
  let last: unknown = null;
  for (const [fam, type, proto, , sa] of getaddrinfo(address[0], address[1], 0, SOCK_STREAM)) {
    const s = socket(fam, type, proto, hub);
    s.timeout = timeout ?? null;
    try {
      yield* s.connect(sa as Address);
      return s;
    } catch (e) {
      last = e;
      s.close();
    }
  }
  throw last ?? errnoError(E.EADDRNOTAVAIL, 'create_connection');
}
