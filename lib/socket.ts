// posixkit/socket: the BSD socket API on real fds, in the shapes of Python's
// socket module. Every call is the syscall its name says (strace shows it);
// blocking calls block the thread, as in C and Python.
import {
  errno as E, errnoError, invalidArgType, invalidArgValue, OSError, TimeoutError, toFd, toList, validateInteger,
} from './errors';
import { dup } from './os';
import { K, native, SockAddr } from './socket/native';
import { getaddrinfo } from './socket/names';
import { Address, checkTimeout, getdefaulttimeout, intArg, Socket } from './socket/sock';

export { Socket, setdefaulttimeout, getdefaulttimeout } from './socket/sock';
export type { Address } from './socket/sock';
export {
  gaierror, herror, gethostname, gethostbyname, gethostbyname_ex, gethostbyaddr, getaddrinfo, getaddrinfoAsync,
  getnameinfo, getservbyname, getservbyport, inet_aton, inet_ntoa, inet_pton, inet_ntop, htons, ntohs, htonl, ntohl,
} from './socket/names';
export type { AddrInfo, SockAddr, AncItem } from './socket/native';
/** Python's socket.timeout is TimeoutError (an OSError with code 'ETIMEDOUT'). */
export { TimeoutError as timeout };

// ---- constants (values from the kernel headers, via the addon) -------------------
/** Every AF_/SOCK_/SOL_/SO_/IPPROTO_/IP_/IPV6_/TCP_/MSG_/SHUT_/SCM_/AI_/NI_/EAI_ constant this system has. */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...K });
export const {
  AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX, AF_PACKET, AF_NETLINK,
  SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_RDM, SOCK_NONBLOCK, SOCK_CLOEXEC,
  SOL_SOCKET, SOL_IP, SOL_TCP, SOL_UDP, SOMAXCONN,
  SO_ACCEPTCONN, SO_BROADCAST, SO_DEBUG, SO_DOMAIN, SO_DONTROUTE, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_OOBINLINE,
  SO_PASSCRED, SO_PEERCRED, SO_PRIORITY, SO_PROTOCOL, SO_RCVBUF, SO_RCVLOWAT, SO_RCVTIMEO, SO_REUSEADDR,
  SO_REUSEPORT, SO_SNDBUF, SO_SNDLOWAT, SO_SNDTIMEO, SO_TYPE, SO_BINDTODEVICE, SO_MARK,
  IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_RAW, IPPROTO_SCTP,
  IP_TOS, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP,
  IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_MULTICAST_HOPS, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP,
  TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_QUICKACK, TCP_INFO,
  TCP_USER_TIMEOUT, TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_CONGESTION, TCP_NOTSENT_LOWAT,
  MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC, MSG_DONTWAIT, MSG_EOR, MSG_WAITALL, MSG_NOSIGNAL,
  MSG_MORE, MSG_CMSG_CLOEXEC, MSG_ERRQUEUE, MSG_CONFIRM,
  SHUT_RD, SHUT_WR, SHUT_RDWR, SCM_RIGHTS, SCM_CREDENTIALS,
  AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_V4MAPPED, AI_ALL, AI_ADDRCONFIG,
  NI_NUMERICHOST, NI_NUMERICSERV, NI_NAMEREQD, NI_DGRAM, NI_NOFQDN, NI_MAXHOST, NI_MAXSERV,
  INADDR_ANY, INADDR_BROADCAST, INADDR_LOOPBACK, INADDR_NONE,
} = K;

export const CMSG_LEN = (length: number): number => native.CMSG_LEN(length);
export const CMSG_SPACE = (length: number): number => native.CMSG_SPACE(length);

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
  const d = dup(toFd(fd));
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

/**
 * create_connection([host, port], timeout?, source_address?) -> a connected
 * TCP Socket. Tries every address getaddrinfo gives (blocking lookup) until one
 * connects; throws the last error. timeout undefined = the default timeout,
 * null = blocking; it applies to the connect and stays set on the socket.
 */
export function create_connection(address: [string, number], timeout?: number | null,
  source_address?: [string, number] | null): Socket {
  if (!Array.isArray(address) || address.length !== 2) throw invalidArgType('address', 'an array [host, port]', address);
  const [host, port] = address;
  const t = timeout === undefined ? getdefaulttimeout() : checkTimeout(timeout);
  let last: unknown = null;
  for (const [fam, type, proto, , sa] of getaddrinfo(host, port, 0, K.SOCK_STREAM)) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(fam, type, proto);
      sock.settimeout(t);
      if (source_address) sock.bind(source_address);
      sock.connect(sa as Address);
      return sock;
    } catch (e) {
      last = e;
      sock?.close();
    }
  }
  throw last ?? errnoError(E.EADDRNOTAVAIL, 'create_connection');
}

/** Python's socket.has_ipv6: IPv6 support is built in (whether ::1 is configured is another matter). */
export const has_ipv6 = K.AF_INET6 !== undefined;

export { OSError, TimeoutError };
