// posixkit/socket: the BSD socket API on real fds, in the shapes of Python's
// socket module. Every call is the syscall its name says (strace shows it);
// blocking calls block the thread, as in C and Python.
import {
  errno as E, errnoError, FileLike, invalidArgType, invalidArgValue, OSError, TimeoutError, toFd, toList, validateInteger,
} from './errors';
import { dup as osDup } from './os';
import { K, native, SockAddr } from './socket/native';
import { getaddrinfo } from './socket/names';
import { Address, checkTimeout, getdefaulttimeout, intArg, Socket } from './socket/sock';

export { Socket, setdefaulttimeout, getdefaulttimeout } from './socket/sock';
export { SocketFile, SocketTextFile, DEFAULT_BUFFER_SIZE } from './socket/makefile';
export type { MakefileOptions } from './socket/makefile';
export type { Address } from './socket/sock';
export {
  gaierror, herror, gethostname, gethostbyname, gethostbyname_ex, gethostbyaddr, getfqdn, getaddrinfo, getaddrinfoAsync,
  getnameinfo, getservbyname, getservbyport, getprotobyname, sethostname, if_nameindex, if_nametoindex, if_indextoname,
  inet_aton, inet_ntoa, inet_pton, inet_ntop, htons, ntohs, htonl, ntohl,
} from './socket/names';
export type { AddrInfo, SockAddr, AncItem } from './socket/native';
/** Python's socket.timeout is TimeoutError (an OSError with code 'ETIMEDOUT'). */
export { TimeoutError as timeout };

// ---- constants (values from the kernel headers, via the addon) -------------------
/** Every constant this system has, by name (the same values as the named exports). */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...K });
export * from './socket/constants';

/** CMSG_LEN(length): the cmsg_len of an item with `length` data bytes (0 ... INT_MAX - CMSG_LEN(0), as Python). */
export const CMSG_LEN = (length: number): number => native.CMSG_LEN(length);
/** CMSG_SPACE(length): the buffer room one item with `length` data bytes takes, padding included. */
export const CMSG_SPACE = (length: number): number => native.CMSG_SPACE(length);

/** Python's socket.error: OSError itself. */
export { OSError as error };
/** Python's socket.SocketType: the socket class. */
export const SocketType = Socket;

/** socket.close(fd): closes a socket fd (close(2), never retried on EINTR). */
export function close(fd: FileLike): void {
  native.close(toFd(fd));
}

/** socket.dup(fd) -> a new fd for the same socket, close-on-exec (F_DUPFD_CLOEXEC). */
export function dup(fd: FileLike): number {
  return osDup(toFd(fd));
}

/** socket(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno?) -> Socket. */
export function socket(family?: number, type?: number, proto?: number, fileno?: number): Socket {
  return new Socket(family, type, proto, fileno);
}

/** socketpair(family = AF_UNIX, type = SOCK_STREAM, proto = 0) -> [Socket, Socket], both close-on-exec. */
export function socketpair(family: number = K.AF_UNIX, type: number = K.SOCK_STREAM, proto = 0): [Socket, Socket] {
  const [a, b] = native.socketpair(intArg(family, 'family'), intArg(type, 'type'), intArg(proto, 'proto'));
  return [new Socket(family, type, proto, a), new Socket(family, type, proto, b)];
}

/** fromfd(fd, family?, type?, proto?) -> a Socket on a duplicate of fd (the original stays yours). */
export function fromfd(fd: number | { fileno(): number }, family?: number, type?: number, proto?: number): Socket {
  const d = osDup(toFd(fd));
  try {
    return new Socket(family, type, proto, d);
  } catch (e) {
    native.close(d);
    throw e;
  }
}

// ---- fd passing (SCM_RIGHTS) ---------------------------------------------------------

// The kernel's cap on fds in one SCM_RIGHTS message (EINVAL beyond it).
const SCM_MAX_FD = 253;

/**
 * send_fds(sock, buffers, fds, flags = 0, address?) -> bytes sent; the fds
 * (any iterable of fds or fileno() objects, at most 253: the kernel's
 * SCM_MAX_FD, EINVAL beyond) travel as SCM_RIGHTS.
 */
export function send_fds(sock: Socket, buffers: Iterable<ArrayBufferView>, fds: Iterable<number | { fileno(): number }>,
  flags = 0, address?: Address): number {
  const list = toList(fds, 'fds', 'an iterable of fds', SCM_MAX_FD, (f) => toFd(f, 'fds[]'),
    () => errnoError(E.EINVAL, 'sendmsg'));
  return sock.sendmsg(buffers, [[K.SOL_SOCKET, K.SCM_RIGHTS, Int32Array.from(list)]], flags, address);
}

/**
 * recv_fds(sock, bufsize, maxfds, flags = 0) -> [data, fds, msg_flags, address].
 * Received fds are close-on-exec (MSG_CMSG_CLOEXEC) and yours to close. When
 * more fds arrive than maxfds, msg_flags has MSG_CTRUNC and the kernel has
 * closed the extra ones.
 */
export function recv_fds(sock: Socket, bufsize: number, maxfds: number, flags = 0): [Buffer, number[], number, SockAddr] {
  validateInteger(maxfds, 'maxfds', 0, 253 * 64);
  // CMSG_LEN, not CMSG_SPACE (as CPython): the padding of CMSG_SPACE could admit one fd more than maxfds.
  const [data, anc, msgFlags, addr] = sock.recvmsg(bufsize, native.CMSG_LEN(maxfds * 4), flags);
  const fds: number[] = [];
  for (const [level, type, d] of anc) {
    if (level !== K.SOL_SOCKET || type !== K.SCM_RIGHTS) continue;
    for (let i = 0; i + 4 <= d.length; i += 4) fds.push(d.readInt32LE(i));
  }
  return [data, fds, msgFlags, addr];
}

// ---- convenience constructors -----------------------------------------------------

export interface CreateServerOptions {
  family?: number;
  backlog?: number;
  /** SO_REUSEPORT: several sockets (processes) share the port. */
  reuse_port?: boolean;
  /** AF_INET6 only: accept IPv4 too (IPV6_V6ONLY off). */
  dualstack_ipv6?: boolean;
}

/**
 * create_server(address, { family = AF_INET, backlog, reuse_port, dualstack_ipv6 })
 * -> a listening Socket. SO_REUSEADDR is on (POSIX), so a restarted server can
 * bind while old connections sit in TIME_WAIT.
 */
export function create_server(address: Address, opts: CreateServerOptions = {}): Socket {
  const family = opts.family ?? K.AF_INET;
  if (opts.dualstack_ipv6 && family !== K.AF_INET6) {
    throw invalidArgValue('opts.dualstack_ipv6', true, 'requires family AF_INET6');
  }
  const sock = new Socket(family, K.SOCK_STREAM);
  try {
    if (family !== K.AF_UNIX) sock.setsockopt(K.SOL_SOCKET, K.SO_REUSEADDR, 1);
    if (opts.reuse_port) sock.setsockopt(K.SOL_SOCKET, K.SO_REUSEPORT, 1);
    if (family === K.AF_INET6) sock.setsockopt(K.IPPROTO_IPV6, K.IPV6_V6ONLY, opts.dualstack_ipv6 ? 0 : 1);
    try {
      sock.bind(address);
    } catch (e) {
      if (e instanceof OSError) e.message = `${e.message} (while attempting to bind on address ${JSON.stringify(address)})`;
      throw e;
    }
    sock.listen(opts.backlog);
    return sock;
  } catch (e) {
    sock.close();
    throw e;
  }
}

export interface CreateConnectionOptions {
  /**
   * When every address fails: false (default) throws the last error, true
   * throws an AggregateError (message 'create_connection failed') whose
   * `errors` are all of them in order (Python's ExceptionGroup).
   */
  all_errors?: boolean;
}

/**
 * create_connection([host, port], timeout?, source_address?, { all_errors })
 * -> a connected TCP Socket. Tries every address getaddrinfo gives (blocking
 * lookup) until one connects. timeout undefined = the default timeout, null
 * = blocking; it applies to the connect and stays set on the socket. Only
 * OSErrors move on to the next address; anything else (a TypeError from a
 * bad source_address) is thrown at once.
 */
export function create_connection(address: [string, number], timeout?: number | null,
  source_address?: [string, number] | null, options: CreateConnectionOptions = {}): Socket {
  if (!Array.isArray(address) || address.length !== 2) throw invalidArgType('address', 'an array [host, port]', address);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const allErrors = Boolean(options.all_errors);
  const [host, port] = address;
  const t = timeout === undefined ? getdefaulttimeout() : checkTimeout(timeout);
  const errors: OSError[] = [];
  for (const [fam, type, proto, , sa] of getaddrinfo(host, port, 0, K.SOCK_STREAM)) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(fam, type, proto);
      sock.settimeout(t);
      if (source_address) sock.bind(source_address);
      sock.connect(sa as Address);
      return sock;
    } catch (e) {
      sock?.close();
      if (!(e instanceof OSError)) throw e;
      if (!allErrors) errors.length = 0;
      errors.push(e);
    }
  }
  if (errors.length === 0) throw new OSError('EADDRNOTAVAIL', -E.EADDRNOTAVAIL, 'create_connection', 'getaddrinfo returns an empty list');
  if (!allErrors) throw errors[0];
  throw new AggregateError(errors, 'create_connection failed');
}

/** Python's socket.has_ipv6: IPv6 support is built in (whether ::1 is configured is another matter). */
export const has_ipv6 = K.AF_INET6 !== undefined;

/**
 * has_dualstack_ipv6() -> whether one AF_INET6 TCP socket can take IPv4
 * connections too (IPV6_V6ONLY can be turned off): Python's probe, a real
 * socket + setsockopt.
 */
export function has_dualstack_ipv6(): boolean {
  if (!has_ipv6 || K.IPPROTO_IPV6 === undefined || K.IPV6_V6ONLY === undefined) return false;
  let sock: Socket | null = null;
  try {
    sock = new Socket(K.AF_INET6, K.SOCK_STREAM);
    sock.setsockopt(K.IPPROTO_IPV6, K.IPV6_V6ONLY, 0);
    return true;
  } catch (e) {
    if (e instanceof OSError) return false;
    throw e;
  } finally {
    sock?.close();
  }
}

export { OSError, TimeoutError };
