"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Poll = exports.EPOLL_CLOEXEC = exports.EPOLLWAKEUP = exports.EPOLLEXCLUSIVE = exports.EPOLLONESHOT = exports.EPOLLET = exports.EPOLLMSG = exports.EPOLLWRBAND = exports.EPOLLWRNORM = exports.EPOLLRDBAND = exports.EPOLLRDNORM = exports.EPOLLRDHUP = exports.EPOLLHUP = exports.EPOLLERR = exports.EPOLLOUT = exports.EPOLLPRI = exports.EPOLLIN = exports.POLLRDHUP = exports.POLLMSG = exports.POLLWRBAND = exports.POLLWRNORM = exports.POLLRDBAND = exports.POLLRDNORM = exports.POLLNVAL = exports.POLLHUP = exports.POLLERR = exports.POLLOUT = exports.POLLPRI = exports.POLLIN = exports.PIPE_BUF = exports.FD_SETSIZE = exports.error = exports.epoll = exports.Epoll = void 0;
exports.select = select;
exports.selectAsync = selectAsync;
exports.poll = poll;
// posixkit/select: select(2), poll(2) and epoll(7) in the shapes of Python's
// select module. Each wait is the named syscall; the async forms never block
// the event loop (libuv watches an epoll fd, then the real call runs with a
// zero timeout to build the answer; see docs/api/select.md).
const errors_1 = require("./errors");
Object.defineProperty(exports, "error", { enumerable: true, get: function () { return errors_1.OSError; } });
const epoll_1 = require("./select/epoll");
const native_1 = require("./select/native");
var epoll_2 = require("./select/epoll");
Object.defineProperty(exports, "Epoll", { enumerable: true, get: function () { return epoll_2.Epoll; } });
Object.defineProperty(exports, "epoll", { enumerable: true, get: function () { return epoll_2.epoll; } });
/** select() refuses fds at or above this (the size of an fd_set). */
exports.FD_SETSIZE = native_1.K.FD_SETSIZE;
exports.PIPE_BUF = native_1.K.PIPE_BUF;
exports.POLLIN = native_1.K.POLLIN;
exports.POLLPRI = native_1.K.POLLPRI;
exports.POLLOUT = native_1.K.POLLOUT;
exports.POLLERR = native_1.K.POLLERR;
exports.POLLHUP = native_1.K.POLLHUP;
exports.POLLNVAL = native_1.K.POLLNVAL;
exports.POLLRDNORM = native_1.K.POLLRDNORM;
exports.POLLRDBAND = native_1.K.POLLRDBAND;
exports.POLLWRNORM = native_1.K.POLLWRNORM;
exports.POLLWRBAND = native_1.K.POLLWRBAND;
exports.POLLMSG = native_1.K.POLLMSG;
exports.POLLRDHUP = native_1.K.POLLRDHUP;
exports.EPOLLIN = native_1.K.EPOLLIN;
exports.EPOLLPRI = native_1.K.EPOLLPRI;
exports.EPOLLOUT = native_1.K.EPOLLOUT;
exports.EPOLLERR = native_1.K.EPOLLERR;
exports.EPOLLHUP = native_1.K.EPOLLHUP;
exports.EPOLLRDHUP = native_1.K.EPOLLRDHUP;
exports.EPOLLRDNORM = native_1.K.EPOLLRDNORM;
exports.EPOLLRDBAND = native_1.K.EPOLLRDBAND;
exports.EPOLLWRNORM = native_1.K.EPOLLWRNORM;
exports.EPOLLWRBAND = native_1.K.EPOLLWRBAND;
exports.EPOLLMSG = native_1.K.EPOLLMSG;
/** 2147483648 (1 << 31, unsigned). `EPOLLIN | EPOLLET` is negative in JS; masks accept both forms. */
exports.EPOLLET = native_1.K.EPOLLET;
exports.EPOLLONESHOT = native_1.K.EPOLLONESHOT;
exports.EPOLLEXCLUSIVE = native_1.K.EPOLLEXCLUSIVE;
exports.EPOLLWAKEUP = native_1.K.EPOLLWAKEUP;
exports.EPOLL_CLOEXEC = native_1.K.EPOLL_CLOEXEC;
const EPOLL_CTL_ADD = native_1.K.EPOLL_CTL_ADD;
const EPOLL_CTL_MOD = native_1.K.EPOLL_CTL_MOD;
const { ENOENT, EPERM, EBADF } = errors_1.errno;
// ---- select ---------------------------------------------------------------
// One fd table for the three lists (r, then w, then x) and one for the
// answer (indices into that table), reused across calls: a select() over
// plain fds allocates only its result arrays. A call nested inside another
// (a signal handler run on EINTR) gets fresh tables.
let fdScratch = new Int32Array(1024);
let outScratch = new Int32Array(1024);
let selectDepth = 0;
function fdRangeError(fd) {
    return Object.assign(new RangeError(`filedescriptor out of range in select(): ${fd} >= FD_SETSIZE (${exports.FD_SETSIZE})`), { code: 'ERR_OUT_OF_RANGE' });
}
function room(a, need) {
    if (need <= a.fds.length)
        return;
    const fds = new Int32Array(need * 2);
    fds.set(a.fds);
    a.fds = fds;
}
// Appends one list's fds to a.fds at `off`; returns the new offset.
function gather(a, which, list, name, off) {
    if (Array.isArray(list)) {
        // Fast path: plain fds run no user code, so the array cannot change under us.
        room(a, off + list.length);
        const fds = a.fds;
        let i = 0;
        for (; i < list.length; i++) {
            const v = list[i];
            if (typeof v !== 'number' || (v | 0) !== v || v < 0 || v >= exports.FD_SETSIZE)
                break;
            fds[off + i] = v;
        }
        if (i === list.length) {
            a.len[which] = i;
            return off + i;
        }
    }
    // A copy first, as PySequence_Fast does: a fileno() that mutates the
    // caller's list cannot make us read past its end (CPython issue 16230).
    let items;
    if (Array.isArray(list))
        items = list.slice();
    else if (list !== null && typeof list === 'object' && typeof list[Symbol.iterator] === 'function') {
        items = Array.from(list);
    }
    else {
        throw (0, errors_1.invalidArgType)(name, 'an array or iterable of fds or objects with fileno()', list);
    }
    room(a, off + items.length);
    for (let i = 0; i < items.length; i++) {
        const fd = (0, errors_1.toFd)(items[i], `${name}[${i}]`);
        if (fd >= exports.FD_SETSIZE)
            throw fdRangeError(fd);
        a.fds[off + i] = fd;
    }
    a.items[which] = items;
    a.len[which] = items.length;
    return off + items.length;
}
function selectArgs(rlist, wlist, xlist, timeout, owned) {
    const shared = !owned;
    const a = {
        fds: shared ? fdScratch : new Int32Array(64), out: outScratch, len: [0, 0, 0], items: [null, null, null], t: -1,
    };
    let off = gather(a, 0, rlist, 'rlist', 0);
    off = gather(a, 1, wlist, 'wlist', off);
    off = gather(a, 2, xlist, 'xlist', off);
    if (shared)
        fdScratch = a.fds;
    if (!shared || off > outScratch.length)
        a.out = new Int32Array(Math.max(off, 64));
    if (shared)
        outScratch = a.out;
    if (timeout !== undefined && timeout !== null) {
        if (typeof timeout !== 'number')
            throw (0, errors_1.invalidArgType)('timeout', 'of type number', timeout);
        if (!(timeout >= 0))
            throw (0, errors_1.outOfRange)('timeout', 'non-negative', timeout);
        a.t = (0, native_1.blockingSeconds)(timeout, 'timeout');
    }
    return a;
}
function selectOnce(a, timeoutSec, seen) {
    const [nr, nw, nx] = a.len;
    const k = (0, native_1.sysSelect)(a.fds, nr, nw, nx, timeoutSec, a.out);
    // out[] is sorted (r, then w, then x): one monomorphic loop per list.
    const { fds, items, out } = a;
    const rs = pick(fds, items[0], out, 0, k, 0, nr);
    const ws = pick(fds, items[1], out, rs.length, k, nr, nr + nw);
    const xs = pick(fds, items[2], out, rs.length + ws.length, k, nr + nw, nr + nw + nx);
    if (seen)
        for (let j = 0; j < k; j++)
            seen.add(fds[out[j]]);
    return [rs, ws, xs];
}
function pick(fds, items, out, j, k, lo, hi) {
    const res = [];
    for (; j < k; j++) {
        const idx = out[j];
        if (idx >= hi)
            break;
        res.push(items === null ? fds[idx] : items[idx - lo]);
    }
    return res;
}
/**
 * select(2). Items are fds or objects with fileno(); the same objects come
 * back, in input order. timeout in seconds (fractions allowed); omitted or
 * null blocks, 0 polls. An fd >= FD_SETSIZE throws a RangeError before the
 * syscall. A closed fd fails with EBADF.
 */
function select(rlist, wlist, xlist, timeout) {
    // The shared tables serve the outermost call only: a fileno() or a signal
    // handler may call select() again while this one is using them.
    const owned = selectDepth > 0;
    selectDepth++;
    try {
        const a = selectArgs(rlist, wlist, xlist, timeout, owned);
        return selectOnce(a, a.t);
    }
    finally {
        selectDepth--;
    }
}
/**
 * select() for the event loop: the same answer as select(), made by the
 * real select(2) with a zero timeout once libuv reports one of the fds ready
 * (through a private epoll set; see docs/api/select.md).
 */
function selectAsync(rlist, wlist, xlist, timeout) {
    let a;
    try {
        a = selectArgs(rlist, wlist, xlist, timeout, true);
    }
    catch (e) {
        return Promise.reject(e);
    }
    const interest = new Map();
    const [nr, nw, nx] = a.len;
    for (let i = 0; i < nr + nw + nx; i++) {
        const mask = i < nr ? exports.EPOLLIN : i < nr + nw ? exports.EPOLLOUT : exports.EPOLLPRI;
        interest.set(a.fds[i], (interest.get(a.fds[i]) ?? 0) | mask);
    }
    let seen = new Set();
    return readinessAsync(interest, a.t, () => selectOnce(a, 0, (seen = new Set())), () => seen);
}
// ---- the async engine of selectAsync and Poll.pollAsync ------------------
// Watches `interest` (fd -> epoll mask) in a private epoll set and answers
// with probe(), the real select/poll at timeout 0. An fd that epoll reports
// but the probe does not (a hang-up on an fd select only watches for urgent
// data) moves to edge-triggered mode, so it cannot spin the loop.
async function readinessAsync(interest, timeoutSec, probe, fdsOf) {
    let result = probe();
    if (fdsOf(result).size > 0 || timeoutSec === 0)
        return result;
    const deadline = timeoutSec < 0 ? Infinity : performance.now() + timeoutSec * 1000;
    const ep = new epoll_1.Epoll();
    const edge = new Set();
    try {
        for (const [fd, mask] of interest) {
            const r = native_1.native.epoll_ctl(ep.fileno(), EPOLL_CTL_ADD, fd, mask);
            // EPERM: a regular file, always ready, so the probe already answered.
            // EBADF: a closed fd, which the probe reported (POLLNVAL) or threw on.
            if (r < 0 && r !== -EPERM && r !== -EBADF)
                throw (0, errors_1.errnoError)(-r, 'epoll_ctl');
        }
        for (;;) {
            const left = deadline === Infinity ? -1 : Math.max(0, (deadline - performance.now()) / 1000);
            const woke = await ep.pollAsync(left, 64);
            result = probe();
            const seen = fdsOf(result);
            if (seen.size > 0 || woke.length === 0 || performance.now() >= deadline)
                return result;
            for (const [fd] of woke) {
                // Once only: EPOLL_CTL_MOD re-evaluates readiness and queues a new event.
                if (seen.has(fd) || edge.has(fd))
                    continue;
                edge.add(fd);
                native_1.native.epoll_ctl(ep.fileno(), EPOLL_CTL_MOD, fd, (interest.get(fd) | exports.EPOLLET) >>> 0);
            }
        }
    }
    finally {
        ep.close();
    }
}
// ---- poll -----------------------------------------------------------------
function pollMask(value) {
    return (0, errors_1.validateInteger)(value, 'eventmask', 0, 0xffff);
}
/**
 * A poll(2) interest set, Python's select.poll(). The table passed to the
 * kernel is a struct pollfd array kept in one reused ArrayBuffer (an int32
 * fd, then 16-bit events and revents), so poll() rebuilds nothing per call.
 */
class Poll {
    #i32 = new Int32Array(32);
    #u16 = new Uint16Array(this.#i32.buffer);
    #n = 0;
    #index = new Map();
    #busy = 0;
    // A signal handler that runs inside poll() (EINTR) may change the set:
    // give it a copy so the table the kernel is reading stays as it was.
    #writable(extra = 0) {
        if (!this.#busy && this.#n + extra <= this.#i32.length / 2)
            return;
        const size = Math.max(this.#i32.length, (this.#n + extra) * 2 * 2);
        const next = new Int32Array(size);
        next.set(this.#i32.subarray(0, this.#n * 2));
        this.#i32 = next;
        this.#u16 = new Uint16Array(next.buffer);
    }
    /** Adds `fd` or changes its mask (no error if already registered, as in Python). */
    register(fd, eventmask = exports.POLLIN | exports.POLLPRI | exports.POLLOUT) {
        const f = (0, errors_1.toFd)(fd);
        const mask = pollMask(eventmask);
        let i = this.#index.get(f);
        if (i === undefined) {
            this.#writable(1);
            i = this.#n++;
            this.#index.set(f, i);
            this.#i32[2 * i] = f;
        }
        else {
            this.#writable();
        }
        this.#u16[4 * i + 2] = mask;
        this.#u16[4 * i + 3] = 0;
    }
    /** Changes the mask of a registered fd; ENOENT (FileNotFoundError) if unknown. */
    modify(fd, eventmask) {
        const f = (0, errors_1.toFd)(fd);
        const mask = pollMask(eventmask);
        const i = this.#index.get(f);
        if (i === undefined)
            throw (0, errors_1.errnoError)(ENOENT, 'poll.modify');
        this.#writable();
        this.#u16[4 * i + 2] = mask;
    }
    /**
     * Removes `fd` (a closed fd too). An unknown fd throws ENOENT
     * (FileNotFoundError), where Python raises KeyError.
     */
    unregister(fd) {
        const f = (0, errors_1.toFd)(fd);
        const i = this.#index.get(f);
        if (i === undefined)
            throw (0, errors_1.errnoError)(ENOENT, 'poll.unregister');
        this.#writable();
        const last = --this.#n;
        this.#index.delete(f);
        if (i !== last) {
            const moved = this.#i32[2 * last];
            this.#i32[2 * i] = moved;
            this.#i32[2 * i + 1] = this.#i32[2 * last + 1];
            this.#index.set(moved, i);
        }
    }
    #pollOnce(timeoutSec) {
        const table = this.#i32;
        const n = this.#n;
        this.#busy++;
        let count;
        try {
            count = (0, native_1.sysPoll)(table, n, timeoutSec);
        }
        finally {
            this.#busy--;
        }
        const out = [];
        if (count > 0) {
            const u16 = table === this.#i32 ? this.#u16 : new Uint16Array(table.buffer);
            for (let i = 0; i < n && out.length < count; i++) {
                const revents = u16[4 * i + 3];
                if (revents !== 0)
                    out.push([table[2 * i], revents]);
            }
        }
        return out;
    }
    /**
     * poll(2) -> `[fd, revents][]`. timeout in milliseconds (fractions round
     * up); omitted, null or negative blocks. A closed fd reports POLLNVAL.
     */
    poll(timeout) {
        return this.#pollOnce((0, native_1.blockingSeconds)(timeout, 'timeout', 1000));
    }
    /** poll() for the event loop; same answer, made by poll(2) at timeout 0 once an fd is ready. */
    pollAsync(timeout) {
        let t;
        try {
            t = (0, native_1.blockingSeconds)(timeout, 'timeout', 1000);
        }
        catch (e) {
            return Promise.reject(e);
        }
        const interest = new Map();
        for (const [fd, i] of this.#index)
            interest.set(fd, this.#u16[4 * i + 2]);
        return readinessAsync(interest, t, () => this.#pollOnce(0), (res) => new Set(res.map(([fd]) => fd)));
    }
}
exports.Poll = Poll;
/** Python's select.poll(): a new, empty poll object. */
function poll() {
    return new Poll();
}
