"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ntohl = exports.htonl = exports.ntohs = exports.htons = exports.herror = exports.gaierror = void 0;
exports.withGai = withGai;
exports.gethostname = gethostname;
exports.getaddrinfo = getaddrinfo;
exports.getaddrinfoAsync = getaddrinfoAsync;
exports.gethostbyname = gethostbyname;
exports.gethostbyname_ex = gethostbyname_ex;
exports.gethostbyaddr = gethostbyaddr;
exports.getnameinfo = getnameinfo;
exports.getservbyname = getservbyname;
exports.getservbyport = getservbyport;
exports.inet_aton = inet_aton;
exports.inet_ntoa = inet_ntoa;
exports.inet_pton = inet_pton;
exports.inet_ntop = inet_ntop;
// Name service and address helpers of posixkit/socket, in Python's shapes.
// NOTE: every lookup here except getaddrinfoAsync blocks the calling thread
// (DNS may take seconds), exactly like Python's; use getaddrinfoAsync from
// code that shares the event loop.
const errors_1 = require("../errors");
const native_1 = require("./native");
/** Python's socket.gaierror: a getaddrinfo/getnameinfo failure; `errno` is the EAI_* number. */
class gaierror extends errors_1.OSError {
}
exports.gaierror = gaierror;
/** Python's socket.herror: an address-to-name lookup found nothing. */
class herror extends errors_1.OSError {
}
exports.herror = herror;
/** Runs fn and turns a native getaddrinfo error into a gaierror. */
function withGai(fn) {
    try {
        return fn();
    }
    catch (e) {
        throw toGai(e);
    }
}
function toGai(e) {
    const g = e;
    if (g && g.gai) {
        const err = new gaierror(g.code, g.errno, g.syscall, g.message);
        Error.captureStackTrace?.(err, withGai);
        return err;
    }
    return e;
}
function gethostname() {
    return native_1.native.gethostname();
}
function hostArg(host, name = 'host') {
    if (host === null || host === undefined)
        return null;
    if (typeof host === 'string')
        return host;
    if (Buffer.isBuffer(host))
        return host.toString('latin1');
    throw (0, errors_1.invalidArgType)(name, 'of type string or null', host);
}
function portArg(port) {
    if (port === null || port === undefined)
        return null;
    if (typeof port === 'number') {
        if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw (0, errors_1.outOfRange)('port', '>= 0 && <= 65535', port);
        return String(port);
    }
    if (typeof port === 'string')
        return port;
    throw (0, errors_1.invalidArgType)('port', 'of type number, string or null', port);
}
function int(v, name) {
    if (typeof v !== 'number' || !Number.isInteger(v))
        throw (0, errors_1.invalidArgType)(name, 'an integer', v);
    return v;
}
/**
 * getaddrinfo(host, port, family=0, type=0, proto=0, flags=0) ->
 * [family, type, proto, canonname, sockaddr][]. Blocks the thread (see
 * getaddrinfoAsync). Fails with a gaierror ('EAI_NONAME' ...).
 */
function getaddrinfo(host, port, family = 0, type = 0, proto = 0, flags = 0) {
    const h = hostArg(host);
    const p = portArg(port);
    return withGai(() => native_1.native.getaddrinfo(h, p, int(family, 'family'), int(type, 'type'), int(proto, 'proto'), int(flags, 'flags')));
}
/** getaddrinfo on the libuv thread pool: same arguments and result, as a Promise. */
async function getaddrinfoAsync(host, port, family = 0, type = 0, proto = 0, flags = 0) {
    const h = hostArg(host);
    const p = portArg(port);
    try {
        return await native_1.native.getaddrinfo_async(h, p, int(family, 'family'), int(type, 'type'), int(proto, 'proto'), int(flags, 'flags'));
    }
    catch (e) {
        throw toGai(e);
    }
}
/** The first IPv4 address of `hostname` as a string ('' is 0.0.0.0, as in Python). Blocks. */
function gethostbyname(hostname) {
    const h = hostArg(hostname, 'hostname');
    if (h === '')
        return '0.0.0.0';
    const r = getaddrinfo(h, null, native_1.K.AF_INET, native_1.K.SOCK_STREAM);
    return r[0][4][0];
}
/** [canonical name, aliases, IPv4 addresses] (Python's gethostbyname_ex). Blocks. */
function gethostbyname_ex(hostname) {
    const h = hostArg(hostname, 'hostname');
    const r = getaddrinfo(h, null, native_1.K.AF_INET, native_1.K.SOCK_STREAM, 0, native_1.K.AI_CANONNAME);
    const addrs = [...new Set(r.map((a) => a[4][0]))];
    return [r[0][3] || h, [], addrs];
}
/** [hostname, aliases, [ip]] for an address (or a name, resolved first). Blocks; herror when unknown. */
function gethostbyaddr(ip) {
    const h = hostArg(ip, 'ip_address');
    const [fam, , , , sa] = getaddrinfo(h, null, 0, native_1.K.SOCK_STREAM)[0];
    try {
        const [name] = withGai(() => native_1.native.getnameinfo(fam, sa, native_1.K.NI_NAMEREQD));
        return [name, [], [sa[0]]];
    }
    catch (e) {
        if (e instanceof gaierror && e.code === 'EAI_NONAME') {
            throw new herror('EAI_NONAME', -1, 'gethostbyaddr', `host not found: ${h}, gethostbyaddr`);
        }
        throw e;
    }
}
/** getnameinfo([host, port, ...], flags) -> [host, port string]. Blocks unless NI_NUMERICHOST|NI_NUMERICSERV. */
function getnameinfo(sockaddr, flags) {
    if (!Array.isArray(sockaddr) || sockaddr.length < 2 || sockaddr.length > 4) {
        throw (0, errors_1.invalidArgType)('sockaddr', 'an array [host, port, flowinfo?, scope_id?]', sockaddr);
    }
    const host = hostArg(sockaddr[0], 'sockaddr[0]');
    const [fam, , , , sa] = getaddrinfo(host, sockaddr[1], 0, native_1.K.SOCK_DGRAM, 0, native_1.K.AI_NUMERICHOST)[0];
    const full = fam === native_1.K.AF_INET6 && sockaddr.length > 2
        ? [sa[0], sockaddr[1], sockaddr[2] ?? 0, sockaddr[3] ?? 0] : sa;
    return withGai(() => native_1.native.getnameinfo(fam, full, int(flags, 'flags')));
}
/** The port of a service ('http' -> 80) from /etc/services; OSError when unknown. */
function getservbyname(servicename, protocolname) {
    if (typeof servicename !== 'string')
        throw (0, errors_1.invalidArgType)('servicename', 'of type string', servicename);
    const p = native_1.native.getservbyname(servicename, protocolname ?? null);
    if (p === null)
        throw new errors_1.OSError('ENOENT', -2, 'getservbyname', 'service/proto not found');
    return p;
}
function getservbyport(port, protocolname) {
    const n = native_1.native.getservbyport(int(port, 'port'), protocolname ?? null);
    if (n === null)
        throw new errors_1.OSError('ENOENT', -2, 'getservbyport', 'port/proto not found');
    return n;
}
// ---- packed addresses ----------------------------------------------------------
function illegal(fn) {
    return new errors_1.OSError('EINVAL', -22, fn, `illegal IP address string passed to ${fn}`);
}
/** '127.0.0.1' -> 4 bytes in network order; accepts inet_aton's legacy forms ('127.1'). */
function inet_aton(ip_string) {
    if (typeof ip_string !== 'string')
        throw (0, errors_1.invalidArgType)('ip_string', 'of type string', ip_string);
    const r = native_1.native.inet_aton(ip_string);
    if (!r)
        throw illegal('inet_aton');
    return r;
}
function inet_ntoa(packed_ip) {
    (0, errors_1.validateBytes)(packed_ip, 'packed_ip');
    if (packed_ip.byteLength !== 4)
        throw new errors_1.OSError('EINVAL', -22, 'inet_ntoa', 'packed IP wrong length for inet_ntoa');
    return native_1.native.inet_ntop(native_1.K.AF_INET, packed_ip);
}
function inet_pton(address_family, ip_string) {
    if (typeof ip_string !== 'string')
        throw (0, errors_1.invalidArgType)('ip_string', 'of type string', ip_string);
    const r = native_1.native.inet_pton(int(address_family, 'address_family'), ip_string);
    if (!r)
        throw illegal('inet_pton');
    return r;
}
function inet_ntop(address_family, packed_ip) {
    (0, errors_1.validateBytes)(packed_ip, 'packed_ip');
    const want = address_family === native_1.K.AF_INET ? 4 : address_family === native_1.K.AF_INET6 ? 16 : -1;
    if (want < 0)
        throw new errors_1.OSError('EAFNOSUPPORT', -97, 'inet_ntop', 'EAFNOSUPPORT: unknown address family, inet_ntop');
    if (packed_ip.byteLength !== want)
        throw (0, errors_1.outOfRange)('packed_ip.byteLength', String(want), packed_ip.byteLength);
    return native_1.native.inet_ntop(address_family, packed_ip);
}
// ---- byte order ------------------------------------------------------------------
const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function u16(x, name) {
    if (typeof x !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', x);
    if (!Number.isInteger(x) || x < 0 || x > 0xffff)
        throw (0, errors_1.outOfRange)(name, '>= 0 && <= 65535', x);
    return x;
}
function u32(x, name) {
    if (typeof x !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', x);
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
        throw (0, errors_1.outOfRange)(name, '>= 0 && <= 4294967295', x);
    return x;
}
const swap16 = (x) => ((x & 0xff) << 8) | (x >>> 8);
const swap32 = (x) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const htons = (x) => (little ? swap16(u16(x, 'x')) : u16(x, 'x'));
exports.htons = htons;
exports.ntohs = exports.htons;
const htonl = (x) => (little ? swap32(u32(x, 'x')) : u32(x, 'x'));
exports.htonl = htonl;
exports.ntohl = exports.htonl;
