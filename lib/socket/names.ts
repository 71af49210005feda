// Name service and address helpers of posixkit/socket, in Python's shapes.
// NOTE: every lookup here except getaddrinfoAsync blocks the calling thread
// (DNS may take seconds), exactly like Python's; use getaddrinfoAsync from
// code that shares the event loop.
import { OSError, invalidArgType, invalidArgValue, outOfRange, validateBytes, validateInteger } from '../errors';
import { AddrInfo, K, native, SockAddr } from './native';

/**
 * Python's socket.gaierror: a getaddrinfo/getnameinfo failure; `errno` is the
 * EAI_* number (negative on Linux, as in Python), `code` its name. Like
 * Python's, it can be built without arguments (empty message).
 */
export class gaierror extends OSError {}
/**
 * Python's socket.herror: a gethostbyname_ex/gethostbyaddr failure; `errno`
 * is the resolver's h_errno (1 HOST_NOT_FOUND, 2 TRY_AGAIN, 3 NO_RECOVERY,
 * 4 NO_DATA, positive as in Python), `code` its name. Buildable without
 * arguments.
 */
export class herror extends OSError {}

interface NetdbLike { gai?: boolean; herror?: boolean; code: string; errno: number; syscall: string; message: string }

/** Runs fn and turns a native resolver error into a gaierror or herror. */
export function withGai<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toGai(e);
  }
}

function toGai(e: unknown): unknown {
  const g = e as NetdbLike;
  if (g && (g.gai || g.herror)) {
    const Ctor = g.gai ? gaierror : herror;
    const err = new Ctor(g.code, g.errno, g.syscall, g.message);
    Error.captureStackTrace?.(err, withGai);
    return err;
  }
  return e;
}

export function gethostname(): string {
  return native.gethostname();
}

// A lone surrogate has no UTF-8 form: Node would send U+FFFD, Python raises
// UnicodeEncodeError (a ValueError). Refuse it rather than look up another name.
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function encodable(s: string, name: string): string {
  if (LONE_SURROGATE.test(s)) throw invalidArgValue(name, s, 'must not contain a lone surrogate (it has no UTF-8 form)');
  return s;
}

function hostArg(host: unknown, name = 'host'): string | null {
  if (host === null || host === undefined) return null;
  if (typeof host === 'string') return encodable(host, name);
  if (Buffer.isBuffer(host)) return host.toString('latin1');
  throw invalidArgType(name, 'of type string or null', host);
}

function portArg(port: unknown): string | null {
  if (port === null || port === undefined) return null;
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange('port', '>= 0 && <= 65535', port);
    return String(port);
  }
  if (typeof port === 'string') return encodable(port, 'port');
  throw invalidArgType('port', 'of type number, string or null', port);
}

function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgType(name, 'an integer', v);
  return v;
}

/**
 * getaddrinfo(host, port, family=0, type=0, proto=0, flags=0) ->
 * [family, type, proto, canonname, sockaddr][]. Blocks the thread (see
 * getaddrinfoAsync). Fails with a gaierror ('EAI_NONAME' ...).
 */
export function getaddrinfo(host: string | null, port: string | number | null, family = 0, type = 0, proto = 0,
  flags = 0): AddrInfo[] {
  const h = hostArg(host);
  const p = portArg(port);
  return withGai(() => native.getaddrinfo(h, p, int(family, 'family'), int(type, 'type'), int(proto, 'proto'),
    int(flags, 'flags')));
}

/** getaddrinfo on the libuv thread pool: same arguments and result, as a Promise. */
export async function getaddrinfoAsync(host: string | null, port: string | number | null, family = 0, type = 0,
  proto = 0, flags = 0): Promise<AddrInfo[]> {
  const h = hostArg(host);
  const p = portArg(port);
  try {
    return await native.getaddrinfo_async(h, p, int(family, 'family'), int(type, 'type'), int(proto, 'proto'),
      int(flags, 'flags'));
  } catch (e) {
    throw toGai(e);
  }
}

/** The first IPv4 address of `hostname` as a string ('' is 0.0.0.0, as in Python). Blocks. */
export function gethostbyname(hostname: string): string {
  const h = hostArg(hostname, 'hostname') as string;
  if (h === '') return '0.0.0.0';
  const r = getaddrinfo(h, null, K.AF_INET, K.SOCK_STREAM);
  return (r[0][4] as [string, number])[0];
}

/**
 * [primary name, aliases, IPv4 addresses] from gethostbyname_r(3), as
 * Python's gethostbyname_ex. Blocks; herror when the name is unknown.
 */
export function gethostbyname_ex(hostname: string): [string, string[], string[]] {
  const h = hostArg(hostname, 'hostname') as string;
  return withGai(() => native.gethostbyname_ex(h));
}

/**
 * [primary name, aliases, addresses] for an address (a name is resolved
 * first, as Python does) from gethostbyaddr_r(3). Blocks; herror
 * (HOST_NOT_FOUND, errno 1) when the address has no name, gaierror when a
 * name does not resolve.
 */
export function gethostbyaddr(ip: string): [string, string[], string[]] {
  const h = hostArg(ip, 'ip_address') as string;
  const [fam, , , , sa] = getaddrinfo(h, null, 0, K.SOCK_STREAM)[0];
  return withGai(() => native.gethostbyaddr(fam, (sa as [string, number])[0]));
}

/**
 * getfqdn(name = '') -> a fully qualified name for `name` (this host when
 * empty, '0.0.0.0' or '::'): Python's algorithm, the first of the primary
 * name and its aliases (gethostbyaddr) that contains a dot, else the primary
 * name; `name` itself when the lookup fails. Blocks.
 */
export function getfqdn(name = ''): string {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  let n = name.trim();
  if (!n || n === '0.0.0.0' || n === '::') n = gethostname();
  let hostname: string;
  let aliases: string[];
  try {
    [hostname, aliases] = gethostbyaddr(n);
  } catch (e) {
    if (e instanceof OSError) return n;
    throw e;
  }
  return [hostname, ...aliases].find((a) => a.includes('.')) ?? hostname;
}

/** getnameinfo([host, port, ...], flags) -> [host, port string]. Blocks unless NI_NUMERICHOST|NI_NUMERICSERV. */
export function getnameinfo(sockaddr: [string, number] | [string, number, number?, number?], flags: number): [string, string] {
  if (!Array.isArray(sockaddr) || sockaddr.length < 2 || sockaddr.length > 4) {
    throw invalidArgType('sockaddr', 'an array [host, port, flowinfo?, scope_id?]', sockaddr);
  }
  const host = hostArg(sockaddr[0], 'sockaddr[0]') as string;
  const [fam, , , , sa] = getaddrinfo(host, sockaddr[1], 0, K.SOCK_DGRAM, 0, K.AI_NUMERICHOST)[0];
  const full = fam === K.AF_INET6 && sockaddr.length > 2
    ? [(sa as [string, number])[0], sockaddr[1], sockaddr[2] ?? 0, sockaddr[3] ?? 0] : sa;
  return withGai(() => native.getnameinfo(fam, full, int(flags, 'flags')));
}

/** The port of a service ('http' -> 80) from /etc/services; OSError when unknown. */
export function getservbyname(servicename: string, protocolname?: string): number {
  if (typeof servicename !== 'string') throw invalidArgType('servicename', 'of type string', servicename);
  const p = native.getservbyname(servicename, protocolname ?? null);
  if (p === null) throw new OSError('ENOENT', -2, 'getservbyname', 'service/proto not found');
  return p;
}

export function getservbyport(port: number, protocolname?: string): string {
  const n = native.getservbyport(int(port, 'port'), protocolname ?? null);
  if (n === null) throw new OSError('ENOENT', -2, 'getservbyport', 'port/proto not found');
  return n;
}

/** The number of a protocol ('tcp' -> 6) from /etc/protocols; OSError when unknown. */
export function getprotobyname(protocolname: string): number {
  if (typeof protocolname !== 'string') throw invalidArgType('protocolname', 'of type string', protocolname);
  const p = native.getprotobyname(protocolname);
  if (p === null) throw new OSError('ENOENT', -2, 'getprotobyname', 'protocol not found');
  return p;
}

/**
 * sethostname(2): sets the host name of this UTS namespace (needs
 * CAP_SYS_ADMIN there: EPERM otherwise). A string is encoded as UTF-8;
 * longer than 64 bytes is EINVAL, from the kernel.
 */
export function sethostname(name: string | ArrayBufferView): void {
  if (typeof name === 'string') {
    if (name.includes('\0')) throw invalidArgValue('name', name, 'must not contain null bytes');
    native.sethostname(Buffer.from(name, 'utf8'));
    return;
  }
  native.sethostname(validateBytes(name, 'name'));
}

// ---- network interfaces --------------------------------------------------------

/** if_nameindex() -> [index, name][] of every network interface (if_nameindex(3)). */
export function if_nameindex(): Array<[number, string]> {
  return native.if_nameindex();
}

/** The index of the interface `if_name`; ENODEV when there is none. */
export function if_nametoindex(if_name: string): number {
  if (typeof if_name !== 'string') throw invalidArgType('if_name', 'of type string', if_name);
  return native.if_nametoindex(if_name);
}

/** The name of interface number `if_index` (0 ... 2**32-1); ENXIO when there is none. */
export function if_indextoname(if_index: number): string {
  validateInteger(if_index, 'if_index', 0, 0xffffffff);
  return native.if_indextoname(if_index);
}

// ---- packed addresses ----------------------------------------------------------

function illegal(fn: string): OSError {
  return new OSError('EINVAL', -22, fn, `illegal IP address string passed to ${fn}`);
}

/** '127.0.0.1' -> 4 bytes in network order; accepts inet_aton's legacy forms ('127.1'). */
export function inet_aton(ip_string: string): Buffer {
  if (typeof ip_string !== 'string') throw invalidArgType('ip_string', 'of type string', ip_string);
  const r = native.inet_aton(ip_string);
  if (!r) throw illegal('inet_aton');
  return r;
}

export function inet_ntoa(packed_ip: ArrayBufferView): string {
  validateBytes(packed_ip, 'packed_ip');
  if (packed_ip.byteLength !== 4) throw new OSError('EINVAL', -22, 'inet_ntoa', 'packed IP wrong length for inet_ntoa');
  return native.inet_ntop(K.AF_INET, packed_ip);
}

export function inet_pton(address_family: number, ip_string: string): Buffer {
  if (typeof ip_string !== 'string') throw invalidArgType('ip_string', 'of type string', ip_string);
  const r = native.inet_pton(int(address_family, 'address_family'), ip_string);
  if (!r) throw illegal('inet_pton');
  return r;
}

export function inet_ntop(address_family: number, packed_ip: ArrayBufferView): string {
  validateBytes(packed_ip, 'packed_ip');
  const want = address_family === K.AF_INET ? 4 : address_family === K.AF_INET6 ? 16 : -1;
  if (want < 0) throw new OSError('EAFNOSUPPORT', -97, 'inet_ntop', 'EAFNOSUPPORT: unknown address family, inet_ntop');
  if (packed_ip.byteLength !== want) throw outOfRange('packed_ip.byteLength', String(want), packed_ip.byteLength);
  return native.inet_ntop(address_family, packed_ip);
}

// ---- byte order ------------------------------------------------------------------

const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function u16(x: unknown, name: string): number {
  if (typeof x !== 'number') throw invalidArgType(name, 'of type number', x);
  if (!Number.isInteger(x) || x < 0 || x > 0xffff) throw outOfRange(name, '>= 0 && <= 65535', x);
  return x;
}
function u32(x: unknown, name: string): number {
  if (typeof x !== 'number') throw invalidArgType(name, 'of type number', x);
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw outOfRange(name, '>= 0 && <= 4294967295', x);
  return x;
}
const swap16 = (x: number): number => ((x & 0xff) << 8) | (x >>> 8);
const swap32 = (x: number): number => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

export const htons = (x: number): number => (little ? swap16(u16(x, 'x')) : u16(x, 'x'));
export const ntohs = htons;
export const htonl = (x: number): number => (little ? swap32(u32(x, 'x')) : u32(x, 'x'));
export const ntohl = htonl;

export type { AddrInfo, SockAddr };
