"use strict";
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
exports.SO_PEERCRED = exports.SO_PASSCRED = exports.SO_OOBINLINE = exports.SO_LINGER = exports.SO_KEEPALIVE = exports.SO_ERROR = exports.SO_DONTROUTE = exports.SO_DOMAIN = exports.SO_DEBUG = exports.SO_BROADCAST = exports.SO_ACCEPTCONN = exports.SOMAXCONN = exports.SOL_UDP = exports.SOL_TCP = exports.SOL_IP = exports.SOL_SOCKET = exports.SOCK_CLOEXEC = exports.SOCK_NONBLOCK = exports.SOCK_RDM = exports.SOCK_SEQPACKET = exports.SOCK_RAW = exports.SOCK_DGRAM = exports.SOCK_STREAM = exports.AF_NETLINK = exports.AF_PACKET = exports.AF_UNIX = exports.AF_INET6 = exports.AF_INET = exports.AF_UNSPEC = exports.constants = exports.timeout = exports.ntohl = exports.htonl = exports.ntohs = exports.htons = exports.inet_ntop = exports.inet_pton = exports.inet_ntoa = exports.inet_aton = exports.getservbyport = exports.getservbyname = exports.getnameinfo = exports.getaddrinfoAsync = exports.getaddrinfo = exports.gethostbyaddr = exports.gethostbyname_ex = exports.gethostbyname = exports.gethostname = exports.herror = exports.gaierror = void 0;
exports.MSG_CTRUNC = exports.MSG_DONTROUTE = exports.MSG_PEEK = exports.MSG_OOB = exports.TCP_NOTSENT_LOWAT = exports.TCP_CONGESTION = exports.TCP_FASTOPEN = exports.TCP_DEFER_ACCEPT = exports.TCP_USER_TIMEOUT = exports.TCP_INFO = exports.TCP_QUICKACK = exports.TCP_KEEPCNT = exports.TCP_KEEPINTVL = exports.TCP_KEEPIDLE = exports.TCP_CORK = exports.TCP_MAXSEG = exports.TCP_NODELAY = exports.IPV6_LEAVE_GROUP = exports.IPV6_JOIN_GROUP = exports.IPV6_MULTICAST_HOPS = exports.IPV6_UNICAST_HOPS = exports.IPV6_V6ONLY = exports.IP_DROP_MEMBERSHIP = exports.IP_ADD_MEMBERSHIP = exports.IP_MULTICAST_IF = exports.IP_MULTICAST_LOOP = exports.IP_MULTICAST_TTL = exports.IP_TTL = exports.IP_TOS = exports.IPPROTO_SCTP = exports.IPPROTO_RAW = exports.IPPROTO_ICMPV6 = exports.IPPROTO_ICMP = exports.IPPROTO_UDP = exports.IPPROTO_TCP = exports.IPPROTO_IPV6 = exports.IPPROTO_IP = exports.SO_MARK = exports.SO_BINDTODEVICE = exports.SO_TYPE = exports.SO_SNDTIMEO = exports.SO_SNDLOWAT = exports.SO_SNDBUF = exports.SO_REUSEPORT = exports.SO_REUSEADDR = exports.SO_RCVTIMEO = exports.SO_RCVLOWAT = exports.SO_RCVBUF = exports.SO_PROTOCOL = exports.SO_PRIORITY = void 0;
exports.TimeoutError = exports.OSError = exports.has_ipv6 = exports.Socket = exports.CMSG_SPACE = exports.CMSG_LEN = exports.INADDR_NONE = exports.INADDR_LOOPBACK = exports.INADDR_BROADCAST = exports.INADDR_ANY = exports.NI_MAXSERV = exports.NI_MAXHOST = exports.NI_NOFQDN = exports.NI_DGRAM = exports.NI_NAMEREQD = exports.NI_NUMERICSERV = exports.NI_NUMERICHOST = exports.AI_ADDRCONFIG = exports.AI_ALL = exports.AI_V4MAPPED = exports.AI_NUMERICSERV = exports.AI_NUMERICHOST = exports.AI_CANONNAME = exports.AI_PASSIVE = exports.SCM_CREDENTIALS = exports.SCM_RIGHTS = exports.SHUT_RDWR = exports.SHUT_WR = exports.SHUT_RD = exports.MSG_CONFIRM = exports.MSG_ERRQUEUE = exports.MSG_CMSG_CLOEXEC = exports.MSG_MORE = exports.MSG_NOSIGNAL = exports.MSG_WAITALL = exports.MSG_EOR = exports.MSG_DONTWAIT = exports.MSG_TRUNC = void 0;
exports.setdefaulttimeout = setdefaulttimeout;
exports.getdefaulttimeout = getdefaulttimeout;
exports.socket = socket;
exports.socketpair = socketpair;
exports.fromfd = fromfd;
exports.send_fds = send_fds;
exports.recv_fds = recv_fds;
exports.create_server = create_server;
exports.create_connection = create_connection;
// posixkit/socket: the BSD socket API on real fds, in the shapes of Python's
// socket module. Every call is the syscall its name says (strace shows it);
// blocking calls block the thread, as in C and Python.
const errors_1 = require("./errors");
Object.defineProperty(exports, "OSError", { enumerable: true, get: function () { return errors_1.OSError; } });
Object.defineProperty(exports, "timeout", { enumerable: true, get: function () { return errors_1.TimeoutError; } });
Object.defineProperty(exports, "TimeoutError", { enumerable: true, get: function () { return errors_1.TimeoutError; } });
const os_1 = require("./os");
const native_1 = require("./socket/native");
const names_1 = require("./socket/names");
var names_2 = require("./socket/names");
Object.defineProperty(exports, "gaierror", { enumerable: true, get: function () { return names_2.gaierror; } });
Object.defineProperty(exports, "herror", { enumerable: true, get: function () { return names_2.herror; } });
Object.defineProperty(exports, "gethostname", { enumerable: true, get: function () { return names_2.gethostname; } });
Object.defineProperty(exports, "gethostbyname", { enumerable: true, get: function () { return names_2.gethostbyname; } });
Object.defineProperty(exports, "gethostbyname_ex", { enumerable: true, get: function () { return names_2.gethostbyname_ex; } });
Object.defineProperty(exports, "gethostbyaddr", { enumerable: true, get: function () { return names_2.gethostbyaddr; } });
Object.defineProperty(exports, "getaddrinfo", { enumerable: true, get: function () { return names_2.getaddrinfo; } });
Object.defineProperty(exports, "getaddrinfoAsync", { enumerable: true, get: function () { return names_2.getaddrinfoAsync; } });
Object.defineProperty(exports, "getnameinfo", { enumerable: true, get: function () { return names_2.getnameinfo; } });
Object.defineProperty(exports, "getservbyname", { enumerable: true, get: function () { return names_2.getservbyname; } });
Object.defineProperty(exports, "getservbyport", { enumerable: true, get: function () { return names_2.getservbyport; } });
Object.defineProperty(exports, "inet_aton", { enumerable: true, get: function () { return names_2.inet_aton; } });
Object.defineProperty(exports, "inet_ntoa", { enumerable: true, get: function () { return names_2.inet_ntoa; } });
Object.defineProperty(exports, "inet_pton", { enumerable: true, get: function () { return names_2.inet_pton; } });
Object.defineProperty(exports, "inet_ntop", { enumerable: true, get: function () { return names_2.inet_ntop; } });
Object.defineProperty(exports, "htons", { enumerable: true, get: function () { return names_2.htons; } });
Object.defineProperty(exports, "ntohs", { enumerable: true, get: function () { return names_2.ntohs; } });
Object.defineProperty(exports, "htonl", { enumerable: true, get: function () { return names_2.htonl; } });
Object.defineProperty(exports, "ntohl", { enumerable: true, get: function () { return names_2.ntohl; } });
// ---- constants (values from the kernel headers, via the addon) -------------------
/** Every AF_/SOCK_/SOL_/SO_/IPPROTO_/IP_/IPV6_/TCP_/MSG_/SHUT_/SCM_/AI_/NI_/EAI_ constant this system has. */
exports.constants = Object.freeze({ ...native_1.K });
exports.AF_UNSPEC = native_1.K.AF_UNSPEC, exports.AF_INET = native_1.K.AF_INET, exports.AF_INET6 = native_1.K.AF_INET6, exports.AF_UNIX = native_1.K.AF_UNIX, exports.AF_PACKET = native_1.K.AF_PACKET, exports.AF_NETLINK = native_1.K.AF_NETLINK, exports.SOCK_STREAM = native_1.K.SOCK_STREAM, exports.SOCK_DGRAM = native_1.K.SOCK_DGRAM, exports.SOCK_RAW = native_1.K.SOCK_RAW, exports.SOCK_SEQPACKET = native_1.K.SOCK_SEQPACKET, exports.SOCK_RDM = native_1.K.SOCK_RDM, exports.SOCK_NONBLOCK = native_1.K.SOCK_NONBLOCK, exports.SOCK_CLOEXEC = native_1.K.SOCK_CLOEXEC, exports.SOL_SOCKET = native_1.K.SOL_SOCKET, exports.SOL_IP = native_1.K.SOL_IP, exports.SOL_TCP = native_1.K.SOL_TCP, exports.SOL_UDP = native_1.K.SOL_UDP, exports.SOMAXCONN = native_1.K.SOMAXCONN, exports.SO_ACCEPTCONN = native_1.K.SO_ACCEPTCONN, exports.SO_BROADCAST = native_1.K.SO_BROADCAST, exports.SO_DEBUG = native_1.K.SO_DEBUG, exports.SO_DOMAIN = native_1.K.SO_DOMAIN, exports.SO_DONTROUTE = native_1.K.SO_DONTROUTE, exports.SO_ERROR = native_1.K.SO_ERROR, exports.SO_KEEPALIVE = native_1.K.SO_KEEPALIVE, exports.SO_LINGER = native_1.K.SO_LINGER, exports.SO_OOBINLINE = native_1.K.SO_OOBINLINE, exports.SO_PASSCRED = native_1.K.SO_PASSCRED, exports.SO_PEERCRED = native_1.K.SO_PEERCRED, exports.SO_PRIORITY = native_1.K.SO_PRIORITY, exports.SO_PROTOCOL = native_1.K.SO_PROTOCOL, exports.SO_RCVBUF = native_1.K.SO_RCVBUF, exports.SO_RCVLOWAT = native_1.K.SO_RCVLOWAT, exports.SO_RCVTIMEO = native_1.K.SO_RCVTIMEO, exports.SO_REUSEADDR = native_1.K.SO_REUSEADDR, exports.SO_REUSEPORT = native_1.K.SO_REUSEPORT, exports.SO_SNDBUF = native_1.K.SO_SNDBUF, exports.SO_SNDLOWAT = native_1.K.SO_SNDLOWAT, exports.SO_SNDTIMEO = native_1.K.SO_SNDTIMEO, exports.SO_TYPE = native_1.K.SO_TYPE, exports.SO_BINDTODEVICE = native_1.K.SO_BINDTODEVICE, exports.SO_MARK = native_1.K.SO_MARK, exports.IPPROTO_IP = native_1.K.IPPROTO_IP, exports.IPPROTO_IPV6 = native_1.K.IPPROTO_IPV6, exports.IPPROTO_TCP = native_1.K.IPPROTO_TCP, exports.IPPROTO_UDP = native_1.K.IPPROTO_UDP, exports.IPPROTO_ICMP = native_1.K.IPPROTO_ICMP, exports.IPPROTO_ICMPV6 = native_1.K.IPPROTO_ICMPV6, exports.IPPROTO_RAW = native_1.K.IPPROTO_RAW, exports.IPPROTO_SCTP = native_1.K.IPPROTO_SCTP, exports.IP_TOS = native_1.K.IP_TOS, exports.IP_TTL = native_1.K.IP_TTL, exports.IP_MULTICAST_TTL = native_1.K.IP_MULTICAST_TTL, exports.IP_MULTICAST_LOOP = native_1.K.IP_MULTICAST_LOOP, exports.IP_MULTICAST_IF = native_1.K.IP_MULTICAST_IF, exports.IP_ADD_MEMBERSHIP = native_1.K.IP_ADD_MEMBERSHIP, exports.IP_DROP_MEMBERSHIP = native_1.K.IP_DROP_MEMBERSHIP, exports.IPV6_V6ONLY = native_1.K.IPV6_V6ONLY, exports.IPV6_UNICAST_HOPS = native_1.K.IPV6_UNICAST_HOPS, exports.IPV6_MULTICAST_HOPS = native_1.K.IPV6_MULTICAST_HOPS, exports.IPV6_JOIN_GROUP = native_1.K.IPV6_JOIN_GROUP, exports.IPV6_LEAVE_GROUP = native_1.K.IPV6_LEAVE_GROUP, exports.TCP_NODELAY = native_1.K.TCP_NODELAY, exports.TCP_MAXSEG = native_1.K.TCP_MAXSEG, exports.TCP_CORK = native_1.K.TCP_CORK, exports.TCP_KEEPIDLE = native_1.K.TCP_KEEPIDLE, exports.TCP_KEEPINTVL = native_1.K.TCP_KEEPINTVL, exports.TCP_KEEPCNT = native_1.K.TCP_KEEPCNT, exports.TCP_QUICKACK = native_1.K.TCP_QUICKACK, exports.TCP_INFO = native_1.K.TCP_INFO, exports.TCP_USER_TIMEOUT = native_1.K.TCP_USER_TIMEOUT, exports.TCP_DEFER_ACCEPT = native_1.K.TCP_DEFER_ACCEPT, exports.TCP_FASTOPEN = native_1.K.TCP_FASTOPEN, exports.TCP_CONGESTION = native_1.K.TCP_CONGESTION, exports.TCP_NOTSENT_LOWAT = native_1.K.TCP_NOTSENT_LOWAT, exports.MSG_OOB = native_1.K.MSG_OOB, exports.MSG_PEEK = native_1.K.MSG_PEEK, exports.MSG_DONTROUTE = native_1.K.MSG_DONTROUTE, exports.MSG_CTRUNC = native_1.K.MSG_CTRUNC, exports.MSG_TRUNC = native_1.K.MSG_TRUNC, exports.MSG_DONTWAIT = native_1.K.MSG_DONTWAIT, exports.MSG_EOR = native_1.K.MSG_EOR, exports.MSG_WAITALL = native_1.K.MSG_WAITALL, exports.MSG_NOSIGNAL = native_1.K.MSG_NOSIGNAL, exports.MSG_MORE = native_1.K.MSG_MORE, exports.MSG_CMSG_CLOEXEC = native_1.K.MSG_CMSG_CLOEXEC, exports.MSG_ERRQUEUE = native_1.K.MSG_ERRQUEUE, exports.MSG_CONFIRM = native_1.K.MSG_CONFIRM, exports.SHUT_RD = native_1.K.SHUT_RD, exports.SHUT_WR = native_1.K.SHUT_WR, exports.SHUT_RDWR = native_1.K.SHUT_RDWR, exports.SCM_RIGHTS = native_1.K.SCM_RIGHTS, exports.SCM_CREDENTIALS = native_1.K.SCM_CREDENTIALS, exports.AI_PASSIVE = native_1.K.AI_PASSIVE, exports.AI_CANONNAME = native_1.K.AI_CANONNAME, exports.AI_NUMERICHOST = native_1.K.AI_NUMERICHOST, exports.AI_NUMERICSERV = native_1.K.AI_NUMERICSERV, exports.AI_V4MAPPED = native_1.K.AI_V4MAPPED, exports.AI_ALL = native_1.K.AI_ALL, exports.AI_ADDRCONFIG = native_1.K.AI_ADDRCONFIG, exports.NI_NUMERICHOST = native_1.K.NI_NUMERICHOST, exports.NI_NUMERICSERV = native_1.K.NI_NUMERICSERV, exports.NI_NAMEREQD = native_1.K.NI_NAMEREQD, exports.NI_DGRAM = native_1.K.NI_DGRAM, exports.NI_NOFQDN = native_1.K.NI_NOFQDN, exports.NI_MAXHOST = native_1.K.NI_MAXHOST, exports.NI_MAXSERV = native_1.K.NI_MAXSERV, exports.INADDR_ANY = native_1.K.INADDR_ANY, exports.INADDR_BROADCAST = native_1.K.INADDR_BROADCAST, exports.INADDR_LOOPBACK = native_1.K.INADDR_LOOPBACK, exports.INADDR_NONE = native_1.K.INADDR_NONE;
const CMSG_LEN = (length) => native_1.native.CMSG_LEN(length);
exports.CMSG_LEN = CMSG_LEN;
const CMSG_SPACE = (length) => native_1.native.CMSG_SPACE(length);
exports.CMSG_SPACE = CMSG_SPACE;
// ---- default timeout -------------------------------------------------------------
let defaultTimeout = null;
function checkTimeout(value) {
    if (value === null || value === undefined)
        return null;
    if (typeof value !== 'number')
        throw (0, errors_1.invalidArgType)('timeout', 'of type number or null', value);
    if (Number.isNaN(value))
        throw (0, errors_1.invalidArgValue)('timeout', value, 'must not be NaN');
    if (value < 0)
        throw (0, errors_1.outOfRange)('timeout', '>= 0 or null', value);
    return value;
}
/** Python's setdefaulttimeout: the timeout new sockets start with (null: blocking). */
function setdefaulttimeout(timeout) {
    defaultTimeout = checkTimeout(timeout);
}
function getdefaulttimeout() {
    return defaultTimeout;
}
const TYPE_FLAGS = (native_1.K.SOCK_NONBLOCK ?? 0) | (native_1.K.SOCK_CLOEXEC ?? 0);
function intArg(v, name) {
    return (0, errors_1.validateInteger)(v, name, -(2 ** 31), 2 ** 31 - 1);
}
function bytesArg(data, name = 'data') {
    if (ArrayBuffer.isView(data))
        return data;
    throw (0, errors_1.invalidArgType)(name, 'a bytes-like object (Buffer, TypedArray or DataView)', data);
}
function sizeArg(n, name, syscall) {
    if (typeof n !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', n);
    if (!Number.isInteger(n))
        throw (0, errors_1.outOfRange)(name, 'an integer', n);
    if (n < 0)
        throw (0, errors_1.outOfRange)(name, `>= 0 (negative buffersize in ${syscall})`, n);
    if (n > 2 ** 31 - 1)
        throw (0, errors_1.outOfRange)(name, '<= 2147483647', n);
    return n;
}
/**
 * A socket: one fd. Python's socket.socket with the same methods, defaults
 * and errors. fds are close-on-exec; after close() every method throws an
 * EBADF-coded OSError and never touches a reused fd number.
 */
class Socket {
    #fd;
    /** Seconds; -1 = blocking (null), 0 = non-blocking, > 0 = timeout. Passed to native as is. */
    #t;
    family;
    type;
    proto;
    /**
     * new Socket(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno?)
     * With `fileno` the fd is adopted (not duplicated); family, type and proto
     * left undefined are read from it (SO_DOMAIN, SO_TYPE, SO_PROTOCOL).
     */
    constructor(family, type, proto, fileno) {
        if (fileno !== undefined && fileno !== null) {
            const fd = (0, errors_1.toFd)(fileno, 'fileno');
            family ??= native_1.native.getsockopt(fd, native_1.K.SOL_SOCKET, native_1.K.SO_DOMAIN, 0);
            type ??= native_1.native.getsockopt(fd, native_1.K.SOL_SOCKET, native_1.K.SO_TYPE, 0);
            proto ??= native_1.native.getsockopt(fd, native_1.K.SOL_SOCKET, native_1.K.SO_PROTOCOL, 0);
            this.#fd = fd;
            this.family = intArg(family, 'family');
            this.type = intArg(type, 'type') & ~TYPE_FLAGS;
            this.proto = intArg(proto, 'proto');
            // NOTE: CPython leaves the timeout at the default whatever the fd's
            // flags are; here it follows O_NONBLOCK so gettimeout() never lies.
            this.#t = (0, os_1.get_blocking)(fd) ? -1 : 0;
            if (this.#t === -1 && defaultTimeout !== null)
                this.settimeout(defaultTimeout);
            return;
        }
        this.family = intArg(family ?? native_1.K.AF_INET, 'family');
        const t = intArg(type ?? native_1.K.SOCK_STREAM, 'type');
        this.proto = intArg(proto ?? 0, 'proto');
        this.#fd = native_1.native.socket(this.family, t, this.proto);
        this.type = t & ~TYPE_FLAGS;
        this.#t = -1;
        if (t & native_1.K.SOCK_NONBLOCK)
            this.#t = 0;
        else if (defaultTimeout !== null)
            this.settimeout(defaultTimeout);
    }
    #ok(syscall) {
        if (this.#fd < 0)
            throw (0, errors_1.errnoError)(errors_1.errno.EBADF, syscall);
        return this.#fd;
    }
    /** The fd, or -1 once closed or detached. */
    fileno() {
        return this.#fd;
    }
    get closed() {
        return this.#fd < 0;
    }
    // ---- lifecycle --------------------------------------------------------------
    /** Closes the fd; a second close() is a no-op. EBADF if the fd was closed underneath. */
    close() {
        const fd = this.#fd;
        if (fd < 0)
            return;
        this.#fd = -1;
        native_1.native.close(fd);
    }
    [Symbol.dispose]() {
        this.close();
    }
    /** Gives up the fd without closing it; the object is closed afterwards. */
    detach() {
        const fd = this.#fd;
        this.#fd = -1;
        return fd;
    }
    /** A new Socket on a duplicate (F_DUPFD_CLOEXEC) of the fd. */
    dup() {
        const fd = native_1.native.dup(this.#ok('dup'));
        try {
            const s = new _a(this.family, this.type, this.proto, fd);
            s.settimeout(this.gettimeout());
            return s;
        }
        catch (e) {
            native_1.native.close(fd);
            throw e;
        }
    }
    // ---- blocking mode and timeouts --------------------------------------------
    /** setblocking(false) == settimeout(0); setblocking(true) == settimeout(null). */
    setblocking(flag) {
        this.settimeout(flag ? null : 0);
    }
    getblocking() {
        this.#ok('getblocking');
        return this.#t !== 0;
    }
    /**
     * settimeout(seconds | null). Any non-null timeout sets O_NONBLOCK and the
     * blocking calls wait with poll(); past the deadline they throw a
     * TimeoutError with code 'ETIMEDOUT'. 0 is non-blocking (BlockingIOError,
     * 'EAGAIN'); null blocks in the syscall.
     */
    settimeout(value) {
        const t = checkTimeout(value);
        native_1.native.setblocking(this.#ok('settimeout'), t === null);
        this.#t = t === null ? -1 : t;
    }
    gettimeout() {
        return this.#t < 0 ? null : this.#t;
    }
    // ---- connection setup --------------------------------------------------------
    bind(address) {
        const fd = this.#ok('bind');
        (0, names_1.withGai)(() => native_1.native.bind(fd, this.family, this.#addr(address)));
    }
    /** listen(backlog = min(SOMAXCONN, 128)); a negative backlog counts as 0, as in Python. */
    listen(backlog) {
        const b = backlog === undefined ? Math.min(native_1.K.SOMAXCONN, 128) : (0, errors_1.validateInteger)(backlog, 'backlog', -(2 ** 31), 2 ** 31 - 1);
        native_1.native.listen(this.#ok('listen'), Math.max(b, 0));
    }
    /** accept() -> [Socket, address]. The new socket is blocking (or has the default timeout), whatever the listener's mode. */
    accept() {
        const [fd, addr] = native_1.native.accept(this.#ok('accept'), this.#t);
        return [this.#adopt(fd), addr];
    }
    /**
     * Hot path: one accept4(SOCK_CLOEXEC) returning the new fd, or -errno
     * (-EAGAIN when nothing is pending on a non-blocking listener) without
     * throwing. Wrap the fd with `new Socket(undefined, undefined, undefined, fd)`.
     */
    accept_raw() {
        return native_1.native.accept_raw(this.#ok('accept'));
    }
    #adopt(fd) {
        try {
            return new _a(this.family, this.type, this.proto, fd);
        }
        catch (e) {
            native_1.native.close(fd);
            throw e;
        }
    }
    connect(address) {
        const fd = this.#ok('connect');
        (0, names_1.withGai)(() => native_1.native.connect(fd, this.family, this.#addr(address), this.#t, false));
    }
    /** connect() that returns the errno (0 on success) instead of throwing; a timeout gives EAGAIN as in CPython. */
    connect_ex(address) {
        const fd = this.#ok('connect_ex');
        return (0, names_1.withGai)(() => native_1.native.connect(fd, this.family, this.#addr(address), this.#t, true));
    }
    // ---- receiving ------------------------------------------------------------------
    /** recv(bufsize, flags = 0) -> Buffer; an empty Buffer means the peer closed (stream sockets). */
    recv(bufsize, flags = 0) {
        return native_1.native.recv(this.#ok('recv'), sizeArg(bufsize, 'bufsize', 'recv'), flags, this.#t);
    }
    /** recv_into(buffer, nbytes = 0 (all of it), flags = 0) -> bytes received, into the caller's buffer. */
    recv_into(buffer, nbytes = 0, flags = 0) {
        const fd = this.#ok('recv_into');
        if (nbytes > buffer.byteLength)
            throw (0, errors_1.outOfRange)('nbytes', `<= buffer.byteLength (${buffer.byteLength})`, nbytes);
        return native_1.native.recv_into(fd, buffer, nbytes, flags, this.#t);
    }
    /**
     * Hot path: one recv(2) into `buffer`, returning the byte count or -errno
     * (-EAGAIN on an empty non-blocking socket) without throwing. Ignores the
     * timeout. Signals still follow the EINTR rule.
     */
    recv_into_raw(buffer, flags = 0) {
        return native_1.native.recv_into_raw(this.#ok('recv_into'), buffer, flags);
    }
    /** recvfrom(bufsize, flags = 0) -> [Buffer, address]; a datagram longer than bufsize is truncated. */
    recvfrom(bufsize, flags = 0) {
        return native_1.native.recvfrom(this.#ok('recvfrom'), sizeArg(bufsize, 'bufsize', 'recvfrom'), flags, this.#t);
    }
    recvfrom_into(buffer, nbytes = 0, flags = 0) {
        const fd = this.#ok('recvfrom_into');
        if (nbytes > buffer.byteLength)
            throw (0, errors_1.outOfRange)('nbytes', `<= buffer.byteLength (${buffer.byteLength})`, nbytes);
        return native_1.native.recvfrom_into(fd, buffer, nbytes, flags, this.#t);
    }
    /** recvmsg(bufsize, ancbufsize = 0, flags = 0) -> [data, ancdata [level, type, data][], msg_flags, address]. */
    recvmsg(bufsize, ancbufsize = 0, flags = 0) {
        const fd = this.#ok('recvmsg');
        return native_1.native.recvmsg(fd, sizeArg(bufsize, 'bufsize', 'recvmsg'), sizeArg(ancbufsize, 'ancbufsize', 'recvmsg'), flags, this.#t);
    }
    // ---- sending (MSG_NOSIGNAL always: EPIPE, never SIGPIPE) ------------------------
    /** send(data, flags = 0) -> bytes sent (maybe fewer than data.length). */
    send(data, flags = 0) {
        return native_1.native.send(this.#ok('send'), bytesArg(data), flags, this.#t);
    }
    /** Hot path: one send(2) of data[offset, offset+length) returning bytes or -errno, never throwing on EAGAIN/EPIPE. */
    send_raw(data, offset = 0, length = data.byteLength - offset, flags = 0) {
        return native_1.native.send_raw(this.#ok('send'), data, offset, length, flags);
    }
    /**
     * Sends all of data or throws; the error's `bytesSent` says how much went.
     * With a timeout, the timeout bounds the whole call.
     */
    sendall(data, flags = 0) {
        native_1.native.sendall(this.#ok('sendall'), bytesArg(data), flags, this.#t);
    }
    /** sendto(data, address) or sendto(data, flags, address) -> bytes sent. */
    sendto(data, flagsOrAddress, address) {
        let flags = 0;
        let addr = flagsOrAddress;
        if (arguments.length === 3) {
            flags = intArg(flagsOrAddress, 'flags');
            addr = address;
        }
        else if (arguments.length !== 2) {
            throw (0, errors_1.invalidArgValue)('arguments', arguments.length, 'must be (data, address) or (data, flags, address)');
        }
        const fd = this.#ok('sendto');
        const d = bytesArg(data);
        if (addr === null || addr === undefined)
            throw (0, errors_1.invalidArgType)('address', 'a socket address', addr);
        return (0, names_1.withGai)(() => native_1.native.sendto(fd, d, flags, this.family, this.#addr(addr), this.#t));
    }
    /** sendmsg(buffers, ancdata = [], flags = 0, address?) -> bytes sent. */
    sendmsg(buffers, ancdata = [], flags = 0, address) {
        const fd = this.#ok('sendmsg');
        if (!Array.isArray(buffers))
            throw (0, errors_1.invalidArgType)('buffers', 'an array of bytes-like objects', buffers);
        buffers.forEach((b, i) => bytesArg(b, `buffers[${i}]`));
        if (!Array.isArray(ancdata))
            throw (0, errors_1.invalidArgType)('ancdata', 'an array of [level, type, data]', ancdata);
        const a = address === undefined || address === null ? null : this.#addr(address);
        return (0, names_1.withGai)(() => native_1.native.sendmsg(fd, buffers, ancdata, flags, this.family, a, this.#t));
    }
    // ---- state and options ----------------------------------------------------------
    /** shutdown(SHUT_RD | SHUT_WR | SHUT_RDWR). */
    shutdown(how) {
        native_1.native.shutdown(this.#ok('shutdown'), intArg(how, 'how'));
    }
    /** setsockopt(level, optname, value): an int, or raw bytes for struct options. */
    setsockopt(level, optname, value) {
        const fd = this.#ok('setsockopt');
        const v = typeof value === 'boolean' ? Number(value) : value;
        if (typeof v !== 'number' && !ArrayBuffer.isView(v)) {
            throw (0, errors_1.invalidArgType)('value', 'of type number or a bytes-like object', value);
        }
        native_1.native.setsockopt(fd, intArg(level, 'level'), intArg(optname, 'optname'), v);
    }
    getsockopt(level, optname, buflen = 0) {
        const fd = this.#ok('getsockopt');
        const n = (0, errors_1.validateInteger)(buflen, 'buflen', 0, 1024);
        return native_1.native.getsockopt(fd, intArg(level, 'level'), intArg(optname, 'optname'), n);
    }
    /** The local address; '' for an unbound AF_UNIX socket, a Buffer for an abstract name. */
    getsockname() {
        return native_1.native.getsockname(this.#ok('getsockname'));
    }
    getpeername() {
        return native_1.native.getpeername(this.#ok('getpeername'));
    }
    #addr(address) {
        if (this.family === native_1.K.AF_UNIX) {
            if (typeof address === 'string') {
                if (address.indexOf('\0', 1) > 0 && address[0] !== '\0') {
                    throw (0, errors_1.invalidArgValue)('address', address, 'must not contain null bytes (only an abstract name starts with one)');
                }
                return address;
            }
            if (ArrayBuffer.isView(address)) {
                return new Uint8Array(address.buffer, address.byteOffset, address.byteLength);
            }
            throw (0, errors_1.invalidArgType)('address', 'a string or Buffer (AF_UNIX)', address);
        }
        if (this.family === native_1.K.AF_INET || this.family === native_1.K.AF_INET6) {
            const max = this.family === native_1.K.AF_INET ? 2 : 4;
            if (!Array.isArray(address) || address.length < 2 || address.length > max) {
                throw (0, errors_1.invalidArgType)('address', max === 2 ? 'an array [host, port]' : 'an array [host, port, flowinfo?, scope_id?]', address);
            }
            if (typeof address[0] !== 'string')
                throw (0, errors_1.invalidArgType)('address[0] (host)', 'of type string', address[0]);
            (0, errors_1.validateInteger)(address[1], 'address[1] (port)', 0, 65535);
        }
        return address;
    }
    toString() {
        return `<posixkit.socket fd=${this.#fd}, family=${this.family}, type=${this.type}, proto=${this.proto}>`;
    }
}
exports.Socket = Socket;
_a = Socket;
/** socket(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno?) -> Socket. */
function socket(family, type, proto, fileno) {
    return new Socket(family, type, proto, fileno);
}
/** socketpair(family = AF_UNIX, type = SOCK_STREAM, proto = 0) -> [Socket, Socket], both close-on-exec. */
function socketpair(family = native_1.K.AF_UNIX, type = native_1.K.SOCK_STREAM, proto = 0) {
    const [a, b] = native_1.native.socketpair(intArg(family, 'family'), intArg(type, 'type'), intArg(proto, 'proto'));
    return [new Socket(family, type, proto, a), new Socket(family, type, proto, b)];
}
/** fromfd(fd, family?, type?, proto?) -> a Socket on a duplicate of fd (the original stays yours). */
function fromfd(fd, family, type, proto) {
    const d = native_1.native.dup((0, errors_1.toFd)(fd));
    try {
        return new Socket(family, type, proto, d);
    }
    catch (e) {
        native_1.native.close(d);
        throw e;
    }
}
// ---- fd passing (SCM_RIGHTS) ---------------------------------------------------------
/** send_fds(sock, buffers, fds, flags = 0, address?) -> bytes sent; the fds travel as SCM_RIGHTS. */
function send_fds(sock, buffers, fds, flags = 0, address) {
    if (!Array.isArray(fds))
        throw (0, errors_1.invalidArgType)('fds', 'an array of fds', fds);
    const arr = Int32Array.from(fds, (f) => (0, errors_1.toFd)(f, 'fds[]'));
    return sock.sendmsg(buffers, [[native_1.K.SOL_SOCKET, native_1.K.SCM_RIGHTS, arr]], flags, address);
}
/**
 * recv_fds(sock, bufsize, maxfds, flags = 0) -> [data, fds, msg_flags, address].
 * Received fds are close-on-exec (MSG_CMSG_CLOEXEC) and yours to close. When
 * more fds arrive than maxfds, msg_flags has MSG_CTRUNC and the kernel has
 * closed the extra ones.
 */
function recv_fds(sock, bufsize, maxfds, flags = 0) {
    (0, errors_1.validateInteger)(maxfds, 'maxfds', 0, 253 * 64);
    // CMSG_LEN, not CMSG_SPACE (as CPython): the padding of CMSG_SPACE could admit one fd more than maxfds.
    const [data, anc, msgFlags, addr] = sock.recvmsg(bufsize, native_1.native.CMSG_LEN(maxfds * 4), flags);
    const fds = [];
    for (const [level, type, d] of anc) {
        if (level !== native_1.K.SOL_SOCKET || type !== native_1.K.SCM_RIGHTS)
            continue;
        for (let i = 0; i + 4 <= d.length; i += 4)
            fds.push(d.readInt32LE(i));
    }
    return [data, fds, msgFlags, addr];
}
/**
 * create_server(address, { family = AF_INET, backlog, reuse_port, dualstack_ipv6 })
 * -> a listening Socket. SO_REUSEADDR is on (POSIX), so a restarted server can
 * bind while old connections sit in TIME_WAIT.
 */
function create_server(address, opts = {}) {
    const family = opts.family ?? native_1.K.AF_INET;
    if (opts.dualstack_ipv6 && family !== native_1.K.AF_INET6) {
        throw (0, errors_1.invalidArgValue)('opts.dualstack_ipv6', true, 'requires family AF_INET6');
    }
    const sock = new Socket(family, native_1.K.SOCK_STREAM);
    try {
        if (family !== native_1.K.AF_UNIX)
            sock.setsockopt(native_1.K.SOL_SOCKET, native_1.K.SO_REUSEADDR, 1);
        if (opts.reuse_port)
            sock.setsockopt(native_1.K.SOL_SOCKET, native_1.K.SO_REUSEPORT, 1);
        if (family === native_1.K.AF_INET6)
            sock.setsockopt(native_1.K.IPPROTO_IPV6, native_1.K.IPV6_V6ONLY, opts.dualstack_ipv6 ? 0 : 1);
        try {
            sock.bind(address);
        }
        catch (e) {
            if (e instanceof errors_1.OSError)
                e.message = `${e.message} (while attempting to bind on address ${JSON.stringify(address)})`;
            throw e;
        }
        sock.listen(opts.backlog);
        return sock;
    }
    catch (e) {
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
function create_connection(address, timeout, source_address) {
    if (!Array.isArray(address) || address.length !== 2)
        throw (0, errors_1.invalidArgType)('address', 'an array [host, port]', address);
    const [host, port] = address;
    const t = timeout === undefined ? defaultTimeout : checkTimeout(timeout);
    let last = null;
    for (const [fam, type, proto, , sa] of (0, names_1.getaddrinfo)(host, port, 0, native_1.K.SOCK_STREAM)) {
        let sock = null;
        try {
            sock = new Socket(fam, type, proto);
            sock.settimeout(t);
            if (source_address)
                sock.bind(source_address);
            sock.connect(sa);
            return sock;
        }
        catch (e) {
            last = e;
            sock?.close();
        }
    }
    throw last ?? (0, errors_1.errnoError)(errors_1.errno.EADDRNOTAVAIL, 'create_connection');
}
/** Python's socket.has_ipv6: IPv6 support is built in (whether ::1 is configured is another matter). */
exports.has_ipv6 = native_1.K.AF_INET6 !== undefined;
