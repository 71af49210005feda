// The Socket class of posixkit/socket (the public module is lib/socket.ts).
import {
  errno as E, errnoError, FileLike, invalidArgType, invalidArgValue, outOfRange, toFd, toList, validateInteger,
} from '../errors';
import { MAX_TIMEOUT_SECONDS, timeoutSeconds } from '../internal/deadline';
import { dup, get_blocking, get_inheritable, set_blocking, set_inheritable } from '../os';
import { AncItem, K, native, SockAddr } from './native';
import { withGai } from './names';
import { IOREF, makefile, MakefileOptions, SocketFile, SocketTextFile } from './makefile';

/** An address as the family wants it: [host, port], [host, port, flowinfo, scope_id], or a Unix path / abstract name. */
export type Address = [string, number] | [string, number, number?, number?] | string | Uint8Array;

// ---- default timeout -------------------------------------------------------------

let defaultTimeout: number | null = null;

/**
 * Python's socket timeout: seconds >= 0 up to Python's limit (its clocks count
 * int64 nanoseconds; OverflowError beyond), or null (blocking); Infinity means null.
 */
export function checkTimeout(value: unknown): number | null {
  if (value === Infinity) return null;
  return timeoutSeconds(value, 'timeout', 'error', MAX_TIMEOUT_SECONDS);
}

/** Python's setdefaulttimeout: the timeout new sockets start with (null: blocking). */
export function setdefaulttimeout(timeout: number | null): void {
  defaultTimeout = checkTimeout(timeout);
}
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

const TYPE_FLAGS = (K.SOCK_NONBLOCK ?? 0) | (K.SOCK_CLOEXEC ?? 0);
// Linux's UIO_MAXIOV: the most buffers one sendmsg takes.
const IOV_MAX = 1024;

export function intArg(v: unknown, name: string): number {
  return validateInteger(v, name, -(2 ** 31), 2 ** 31 - 1);
}

function bytesArg(data: unknown, name = 'data'): ArrayBufferView {
  if (ArrayBuffer.isView(data)) return data;
  throw invalidArgType(name, 'a bytes-like object (Buffer, TypedArray or DataView)', data);
}

function sizeArg(n: unknown, name: string, syscall: string): number {
  if (typeof n !== 'number') throw invalidArgType(name, 'of type number', n);
  if (!Number.isInteger(n)) throw outOfRange(name, 'an integer', n);
  if (n < 0) throw outOfRange(name, `>= 0 (negative buffersize in ${syscall})`, n);
  if (n > 2 ** 31 - 1) throw outOfRange(name, '<= 2147483647', n);
  return n;
}

/**
 * A socket: one fd. Python's socket.socket with the same methods, defaults
 * and errors. fds are close-on-exec; after close() every method throws an
 * EBADF-coded OSError and never touches a reused fd number.
 */
export class Socket {
  #fd: number;
  #closed = false;
  #ioRefs = 0;
  /** Seconds; -1 = blocking (null), 0 = non-blocking, > 0 = timeout. Passed to native as is. */
  #t: number;
  readonly family: number;
  readonly type: number;
  readonly proto: number;

  /**
   * new Socket(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno?)
   * With `fileno` the fd is adopted (not duplicated); family, type and proto
   * left undefined are read from it (SO_DOMAIN, SO_TYPE, SO_PROTOCOL).
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    if (fileno !== undefined && fileno !== null) {
      const fd = toFd(fileno, 'fileno');
      family ??= native.getsockopt(fd, K.SOL_SOCKET, K.SO_DOMAIN, 0) as number;
      type ??= native.getsockopt(fd, K.SOL_SOCKET, K.SO_TYPE, 0) as number;
      proto ??= native.getsockopt(fd, K.SOL_SOCKET, K.SO_PROTOCOL, 0) as number;
      this.#fd = fd;
      this.family = intArg(family, 'family');
      this.type = intArg(type, 'type') & ~TYPE_FLAGS;
      this.proto = intArg(proto, 'proto');
      // NOTE: CPython leaves the timeout at the default whatever the fd's
      // flags are; here it follows O_NONBLOCK so gettimeout() never lies.
      this.#t = get_blocking(fd) ? -1 : 0;
      if (this.#t === -1 && defaultTimeout !== null) this.settimeout(defaultTimeout);
      return;
    }
    this.family = intArg(family ?? K.AF_INET, 'family');
    const t = intArg(type ?? K.SOCK_STREAM, 'type');
    this.proto = intArg(proto ?? 0, 'proto');
    this.#fd = native.socket(this.family, t, this.proto);
    this.type = t & ~TYPE_FLAGS;
    this.#t = -1;
    if (t & K.SOCK_NONBLOCK) this.#t = 0;
    else if (defaultTimeout !== null) this.settimeout(defaultTimeout);
  }

  #ok(syscall: string): number {
    if (this.#fd < 0) throw errnoError(E.EBADF, syscall);
    return this.#fd;
  }

  /** The fd, or -1 once closed or detached. */
  fileno(): number {
    return this.#fd;
  }
  /** True after close() or detach() (the fd may live on while a makefile() object uses it). */
  get closed(): boolean {
    return this.#closed || this.#fd < 0;
  }

  // ---- lifecycle --------------------------------------------------------------

  /**
   * Closes the fd; a second close() is a no-op. EBADF if the fd was closed
   * underneath. As in Python, while a makefile() object is open the fd stays
   * open (the socket still works) until the last such object is closed.
   */
  close(): void {
    this.#closed = true;
    if (this.#ioRefs <= 0) this.#realClose();
  }
  [Symbol.dispose](): void {
    this.close();
  }

  #realClose(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    native.close(fd);
  }

  /** @internal makefile() objects count themselves here (Python's _io_refs). */
  [IOREF](delta: 1 | -1): void {
    this.#ioRefs += delta;
    if (this.#ioRefs <= 0 && this.#closed) this.#realClose();
  }

  /**
   * makefile(mode = 'r', buffering = -1, { encoding, errors, newline }) -> a
   * file object on this socket, as Python's: mode is made of 'r', 'w', 'b'
   * ('rwb' reads and writes); with 'b' a SocketFile of Buffers, else a
   * SocketTextFile of strings; buffering 0 (binary only) is unbuffered, < 0
   * the default 8192 bytes. The socket's timeout applies to every read and
   * flush. The file keeps the fd open after sock.close() until the file is
   * closed too.
   */
  makefile<M extends string = 'r'>(mode?: M, buffering?: number | null, options?: MakefileOptions):
    M extends `${string}b${string}` ? SocketFile : SocketTextFile;
  makefile(mode = 'r', buffering?: number | null, options: MakefileOptions = {}): SocketFile | SocketTextFile {
    this.#ok('makefile');
    return makefile(this, mode, buffering, options);
  }

  /** Gives up the fd without closing it; the object is closed afterwards. */
  detach(): number {
    const fd = this.#fd;
    this.#fd = -1;
    this.#closed = true;
    return fd;
  }

  /** Whether the fd survives exec (false for every fd posixkit makes: close-on-exec). */
  get_inheritable(): boolean {
    return get_inheritable(this.#ok('get_inheritable'));
  }
  /** set_inheritable(flag): clears or sets FD_CLOEXEC on the fd. */
  set_inheritable(inheritable: boolean): void {
    set_inheritable(this.#ok('set_inheritable'), inheritable);
  }

  /** A new Socket on a duplicate (F_DUPFD_CLOEXEC) of the fd. */
  dup(): Socket {
    const fd = dup(this.#ok('dup'));
    try {
      const s = new Socket(this.family, this.type, this.proto, fd);
      s.settimeout(this.gettimeout());
      return s;
    } catch (e) {
      native.close(fd);
      throw e;
    }
  }

  // ---- blocking mode and timeouts --------------------------------------------

  /** setblocking(false) == settimeout(0); setblocking(true) == settimeout(null). */
  setblocking(flag: boolean): void {
    this.settimeout(flag ? null : 0);
  }
  getblocking(): boolean {
    this.#ok('getblocking');
    return this.#t !== 0;
  }

  /**
   * settimeout(seconds | null). Any non-null timeout sets O_NONBLOCK and the
   * blocking calls wait with poll(); past the deadline they throw a
   * TimeoutError with code 'ETIMEDOUT'. 0 is non-blocking (BlockingIOError,
   * 'EAGAIN'); null blocks in the syscall.
   */
  settimeout(value: number | null): void {
    const t = checkTimeout(value);
    set_blocking(this.#ok('settimeout'), t === null);
    this.#t = t === null ? -1 : t;
  }
  gettimeout(): number | null {
    return this.#t < 0 ? null : this.#t;
  }
  /** Python's read-only `timeout` attribute: gettimeout(). */
  get timeout(): number | null {
    return this.gettimeout();
  }

  // ---- connection setup --------------------------------------------------------

  bind(address: Address): void {
    const fd = this.#ok('bind');
    withGai(() => native.bind(fd, this.family, this.#addr(address)));
  }

  /** listen(backlog = min(SOMAXCONN, 128)); a negative backlog counts as 0, as in Python. */
  listen(backlog?: number): void {
    const b = backlog === undefined ? Math.min(K.SOMAXCONN, 128) : validateInteger(backlog, 'backlog', -(2 ** 31), 2 ** 31 - 1);
    native.listen(this.#ok('listen'), Math.max(b, 0));
  }

  /** accept() -> [Socket, address]. The new socket is blocking (or has the default timeout), whatever the listener's mode. */
  accept(): [Socket, SockAddr] {
    const [fd, addr] = native.accept(this.#ok('accept'), this.#t);
    return [this.#adopt(fd), addr];
  }

  /**
   * Hot path: one accept4(SOCK_CLOEXEC | flags) returning the new fd, or
   * -errno (-EAGAIN when nothing is pending on a non-blocking listener)
   * without throwing. flags: 0 or SOCK_NONBLOCK. Wrap the fd with
   * `new Socket(undefined, undefined, undefined, fd)` (its timeout then
   * follows O_NONBLOCK).
   */
  accept_raw(flags = 0): number {
    return native.accept_raw(this.#ok('accept'), flags);
  }

  #adopt(fd: number): Socket {
    try {
      return new Socket(this.family, this.type, this.proto, fd);
    } catch (e) {
      native.close(fd);
      throw e;
    }
  }

  connect(address: Address): void {
    const fd = this.#ok('connect');
    withGai(() => native.connect(fd, this.family, this.#addr(address), this.#t, false));
  }

  /** connect() that returns the errno (0 on success) instead of throwing; a timeout gives EAGAIN as in CPython. */
  connect_ex(address: Address): number {
    const fd = this.#ok('connect_ex');
    return withGai(() => native.connect(fd, this.family, this.#addr(address), this.#t, true) as number);
  }

  // ---- receiving ------------------------------------------------------------------

  /** recv(bufsize, flags = 0) -> Buffer; an empty Buffer means the peer closed (stream sockets). */
  recv(bufsize: number, flags = 0): Buffer {
    return native.recv(this.#ok('recv'), sizeArg(bufsize, 'bufsize', 'recv'), flags, this.#t);
  }

  /** recv_into(buffer, nbytes = 0 (all of it), flags = 0) -> bytes received, into the caller's buffer. */
  recv_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): number {
    const fd = this.#ok('recv_into');
    if (nbytes > buffer.byteLength) throw outOfRange('nbytes', `<= buffer.byteLength (${buffer.byteLength})`, nbytes);
    return native.recv_into(fd, buffer, nbytes, flags, this.#t);
  }

  /**
   * Hot path: one recv(2) into `buffer`, returning the byte count or -errno
   * (-EAGAIN on an empty non-blocking socket) without throwing. Ignores the
   * timeout. Signals still follow the EINTR rule.
   */
  recv_into_raw(buffer: ArrayBufferView, flags = 0): number {
    return native.recv_into_raw(this.#ok('recv_into'), buffer, flags);
  }

  /** recvfrom(bufsize, flags = 0) -> [Buffer, address]; a datagram longer than bufsize is truncated. */
  recvfrom(bufsize: number, flags = 0): [Buffer, SockAddr] {
    return native.recvfrom(this.#ok('recvfrom'), sizeArg(bufsize, 'bufsize', 'recvfrom'), flags, this.#t);
  }

  recvfrom_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): [number, SockAddr] {
    const fd = this.#ok('recvfrom_into');
    if (nbytes > buffer.byteLength) throw outOfRange('nbytes', `<= buffer.byteLength (${buffer.byteLength})`, nbytes);
    return native.recvfrom_into(fd, buffer, nbytes, flags, this.#t);
  }

  /** recvmsg(bufsize, ancbufsize = 0, flags = 0) -> [data, ancdata [level, type, data][], msg_flags, address]. */
  recvmsg(bufsize: number, ancbufsize = 0, flags = 0): [Buffer, AncItem[], number, SockAddr] {
    const fd = this.#ok('recvmsg');
    return native.recvmsg(fd, sizeArg(bufsize, 'bufsize', 'recvmsg'), sizeArg(ancbufsize, 'ancbufsize', 'recvmsg'),
      flags, this.#t);
  }

  /**
   * recvmsg_into(buffers, ancbufsize = 0, flags = 0) -> [nbytes, ancdata,
   * msg_flags, address]: one recvmsg(2) scattering the data over `buffers`
   * (any iterable of Buffers/TypedArrays/DataViews, read once; one iovec
   * each, filled in order).
   */
  recvmsg_into(buffers: Iterable<ArrayBufferView>, ancbufsize = 0, flags = 0): [number, AncItem[], number, SockAddr] {
    const fd = this.#ok('recvmsg_into');
    if (buffers === null || typeof (buffers as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw invalidArgType('buffers', 'an iterable of bytes-like objects', buffers);
    }
    const views = Array.from(buffers, (b, i) => bytesArg(b, `buffers[${i}]`));
    return native.recvmsg_into(fd, views, sizeArg(ancbufsize, 'ancbufsize', 'recvmsg_into'), intArg(flags, 'flags'),
      this.#t);
  }

  // ---- sending (MSG_NOSIGNAL always: EPIPE, never SIGPIPE) ------------------------

  /** send(data, flags = 0) -> bytes sent (maybe fewer than data.length). */
  send(data: ArrayBufferView, flags = 0): number {
    return native.send(this.#ok('send'), bytesArg(data), flags, this.#t);
  }

  /** Hot path: one send(2) of data[offset, offset+length) returning bytes or -errno, never throwing on EAGAIN/EPIPE. */
  send_raw(data: ArrayBufferView, offset = 0, length = data.byteLength - offset, flags = 0): number {
    return native.send_raw(this.#ok('send'), data, offset, length, flags);
  }

  /**
   * Sends all of data or throws; the error's `bytesSent` says how much went.
   * With a timeout, the timeout bounds the whole call.
   */
  sendall(data: ArrayBufferView, flags = 0): void {
    native.sendall(this.#ok('sendall'), bytesArg(data), flags, this.#t);
  }

  /**
   * sendfile(2): `count` bytes of the file `file` (an fd or an object with
   * fileno()) from `offset` go onto this socket without passing through
   * JavaScript; all of them, or up to the end of the file when `count` is
   * omitted or the file is shorter. Returns the bytes sent. The file's own
   * offset does not move. Under the socket's timeout like sendall; a failure
   * carries `bytesSent`.
   */
  sendfile(file: FileLike, offset = 0, count?: number): number {
    const fd = this.#ok('sendfile');
    const inFd = toFd(file, 'file');
    validateInteger(offset, 'offset', 0);
    const n = count === undefined || count === null ? Number.MAX_SAFE_INTEGER : validateInteger(count, 'count', 0);
    return native.sendfile(fd, inFd, offset, n, this.#t);
  }

  /** Hot path: one sendfile(2) returning bytes or -errno (0: the file ended), never throwing on EAGAIN/EPIPE. */
  sendfile_raw(inFd: number, offset: number, count: number): number {
    return native.sendfile_raw(this.#ok('sendfile'), inFd, offset, count);
  }

  /** sendto(data, address) or sendto(data, flags, address) -> bytes sent. */
  sendto(data: ArrayBufferView, flagsOrAddress: number | Address, address?: Address): number {
    let flags = 0;
    let addr: unknown = flagsOrAddress;
    if (arguments.length === 3) {
      flags = intArg(flagsOrAddress, 'flags');
      addr = address;
    } else if (arguments.length !== 2) {
      throw invalidArgValue('arguments', arguments.length, 'must be (data, address) or (data, flags, address)');
    }
    const fd = this.#ok('sendto');
    const d = bytesArg(data);
    if (addr === null || addr === undefined) throw invalidArgType('address', 'a socket address', addr);
    return withGai(() => native.sendto(fd, d, flags, this.family, this.#addr(addr as Address), this.#t));
  }

  /**
   * sendmsg(buffers, ancdata = [], flags = 0, address?) -> bytes sent.
   * buffers: any iterable of bytes-like objects (at most IOV_MAX, 1024, as
   * the kernel: EMSGSIZE beyond); ancdata: any iterable of [level, type, data]
   * items. Each is read once, as Python reads its iterables.
   */
  sendmsg(buffers: Iterable<ArrayBufferView>, ancdata: Iterable<Iterable<unknown>> = [], flags = 0,
    address?: Address): number {
    const fd = this.#ok('sendmsg');
    const bufs = toList(buffers, 'buffers', 'an iterable of bytes-like objects', IOV_MAX,
      (b, i) => bytesArg(b, `buffers[${i}]`), () => errnoError(E.EMSGSIZE, 'sendmsg'));
    const anc = toList(ancdata, 'ancdata', 'an iterable of [level, type, data]', IOV_MAX, (item, i) => {
      // More than three elements is a TypeError, as Python's tuple unpacking.
      const notItem = (): Error => invalidArgType(`ancdata[${i}]`, 'a [level, type, data] item', item);
      const t = toList(item, `ancdata[${i}]`, 'a [level, type, data] item', 3, (v) => v, notItem);
      if (t.length !== 3) throw notItem();
      return [intArg(t[0], `ancdata[${i}][0] (level)`), intArg(t[1], `ancdata[${i}][1] (type)`),
        bytesArg(t[2], `ancdata[${i}][2] (data)`)] as [number, number, ArrayBufferView];
    });
    const a = address === undefined || address === null ? null : this.#addr(address);
    return withGai(() => native.sendmsg(fd, bufs, anc, intArg(flags, 'flags'), this.family, a, this.#t));
  }

  // ---- state and options ----------------------------------------------------------

  /** shutdown(SHUT_RD | SHUT_WR | SHUT_RDWR). */
  shutdown(how: number): void {
    native.shutdown(this.#ok('shutdown'), intArg(how, 'how'));
  }

  /** setsockopt(level, optname, value): an int, or raw bytes for struct options. */
  setsockopt(level: number, optname: number, value: number | boolean | ArrayBufferView): void {
    const fd = this.#ok('setsockopt');
    const v = typeof value === 'boolean' ? Number(value) : value;
    if (typeof v !== 'number' && !ArrayBuffer.isView(v)) {
      throw invalidArgType('value', 'of type number or a bytes-like object', value);
    }
    native.setsockopt(fd, intArg(level, 'level'), intArg(optname, 'optname'), v);
  }

  /** getsockopt(level, optname) -> int; getsockopt(level, optname, buflen) -> Buffer (up to 1024 bytes). */
  getsockopt(level: number, optname: number): number;
  getsockopt(level: number, optname: number, buflen: number): Buffer;
  getsockopt(level: number, optname: number, buflen = 0): number | Buffer {
    const fd = this.#ok('getsockopt');
    const n = validateInteger(buflen, 'buflen', 0, 1024);
    return native.getsockopt(fd, intArg(level, 'level'), intArg(optname, 'optname'), n);
  }

  /**
   * The local address (see SockAddr): '' for an unbound or unnamed AF_UNIX
   * socket, a Buffer for an abstract name, ['0.0.0.0', 0] for an unbound
   * AF_INET one. null only if the kernel reports a zero-length address.
   */
  getsockname(): SockAddr {
    return native.getsockname(this.#ok('getsockname'));
  }
  /** The peer's address (see SockAddr); '' for an unnamed AF_UNIX peer; ENOTCONN when not connected. */
  getpeername(): SockAddr {
    return native.getpeername(this.#ok('getpeername'));
  }

  #addr(address: unknown): unknown {
    if (this.family === K.AF_UNIX) {
      if (typeof address === 'string') {
        if (address.indexOf('\0', 1) > 0 && address[0] !== '\0') {
          throw invalidArgValue('address', address, 'must not contain null bytes (only an abstract name starts with one)');
        }
        return address;
      }
      if (ArrayBuffer.isView(address)) {
        return new Uint8Array(address.buffer, address.byteOffset, address.byteLength);
      }
      throw invalidArgType('address', 'a string or Buffer (AF_UNIX)', address);
    }
    if (this.family === K.AF_INET || this.family === K.AF_INET6) {
      const max = this.family === K.AF_INET ? 2 : 4;
      if (!Array.isArray(address) || address.length < 2 || address.length > max) {
        throw invalidArgType('address', max === 2 ? 'an array [host, port]' : 'an array [host, port, flowinfo?, scope_id?]',
          address);
      }
      if (typeof address[0] !== 'string') throw invalidArgType('address[0] (host)', 'of type string', address[0]);
      validateInteger(address[1], 'address[1] (port)', 0, 65535);
    }
    return address;
  }

  toString(): string {
    return `<posixkit.socket fd=${this.#fd}, family=${this.family}, type=${this.type}, proto=${this.proto}>`;
  }
}

