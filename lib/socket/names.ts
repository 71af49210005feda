// Name service and address helpers of posixkit/socket, in Python's shapes.
// NOTE: every lookup here except getaddrinfoAsync blocks the calling thread
// (DNS may take seconds), exactly like Python's; use getaddrinfoAsync from
// code that shares the event loop.
import { OSError, invalidArgType, outOfRange, validateBytes } from '../errors';
import { AddrInfo, K, native, SockAddr } from './native';

/** Python's socket.gaierror: a getaddrinfo/getnameinfo failure; `errno` is the EAI_* number. */
export class gaierror extends OSError {}
/** Python's socket.herror: an address-to-name lookup found nothing. */
export class herror extends OSError {}

interface GaiLike { gai?: boolean; code: string; errno: number; syscall: string; message: string }

/** Runs fn and turns a native getaddrinfo error into a gaierror. */
export function withGai<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toGai(e);
  }
}

function toGai(e: unknown): unknown {
  const g = e as GaiLike;
  if (g && g.gai) {
    const err = new gaierror(g.code, g.errno, g.syscall, g.message);
    Error.captureStackTrace?.(err, withGai);
    return err;
  }
  return e;
}

export function gethostname(): string {
  return native.gethostname();
}

function hostArg(host: unknown, name = 'host'): string | null {
  if (host === null || host === undefined) return null;
  if (typeof host === 'string') return host;
  if (Buffer.isBuffer(host)) return host.toString('latin1');
  throw invalidArgType(name, 'of type string or null', host);
}

function portArg(port: unknown): string | null {
  if (port === null || port === undefined) return null;
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange('port', '>= 0 && <= 65535', port);
    return String(port);
  }
  if (typeof port === 'string') return port;
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

/** [canonical name, aliases, IPv4 addresses] (Python's gethostbyname_ex). Blocks. */
export function gethostbyname_ex(hostname: string): [string, string[], string[]] {
  const h = hostArg(hostname, 'hostname') as string;
  const r = getaddrinfo(h, null, K.AF_INET, K.SOCK_STREAM, 0, K.AI_CANONNAME);
  const addrs = [...new Set(r.map((a) => (a[4] as [string, number])[0]))];
  return [r[0][3] || h, [], addrs];
}

/** [hostname, aliases, [ip]] for an address (or a name, resolved first). Blocks; herror when unknown. */
export function gethostbyaddr(ip: string): [string, string[], string[]] {
  const h = hostArg(ip, 'ip_address') as string;
  const [fam, , , , sa] = getaddrinfo(h, null, 0, K.SOCK_STREAM)[0];
  try {
    const [name] = withGai(() => native.getnameinfo(fam, sa, K.NI_NAMEREQD));
    return [name, [], [(sa as [string, number])[0]]];
  } catch (e) {
    if (e instanceof gaierror && e.code === 'EAI_NONAME') {
      throw new herror('EAI_NONAME', -1, 'gethostbyaddr', `host not found: ${h}, gethostbyaddr`);
    }
    throw e;
  }
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
