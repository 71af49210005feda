"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Epoll = void 0;
exports.epoll = epoll;
// posixkit/select's epoll object: epoll_create1/epoll_ctl/epoll_wait, the
// zero-allocation pollInto, and pollAsync on a libuv watch of the epoll fd.
const errors_1 = require("../errors");
const os_1 = require("../os");
const native_1 = require("./native");
const { EBADF } = errors_1.errno;
const EPOLL_CTL_ADD = native_1.K.EPOLL_CTL_ADD;
const EPOLL_CTL_MOD = native_1.K.EPOLL_CTL_MOD;
const EPOLL_CTL_DEL = native_1.K.EPOLL_CTL_DEL;
const UINT32_MAX = 2 ** 32 - 1;
const FD_SETSIZE = native_1.K.FD_SETSIZE;
const DEFAULT_MASK = native_1.K.EPOLLIN | native_1.K.EPOLLPRI | native_1.K.EPOLLOUT;
function epollMask(value) {
    // EPOLLET is bit 31: accept both the unsigned constant and `EPOLLIN | EPOLLET` (negative).
    return (0, errors_1.validateInteger)(value, 'eventmask', errors_1.INT32_MIN, UINT32_MAX) >>> 0;
}
// An epoll object dropped without close() gives its fd back when collected,
// as CPython's epoll does on dealloc. Not for fromfd() objects: their fd may
// be shared with the object it came from.
const unclosed = new FinalizationRegistry((fd) => {
    try {
        (0, os_1.close)(fd);
    }
    catch {
        // already gone
    }
});
/**
 * An epoll(7) instance, Python's select.epoll. Created close-on-exec. After
 * close() every method throws an EBADF-coded OSError and the old fd number
 * is never touched again.
 */
class Epoll {
    #fd;
    #buf = new Int32Array(64);
    #watch = null;
    #waiters = [];
    static #adopt = -1;
    /** sizehint: -1 or > 0 (ignored by Linux); flags: 0 or EPOLL_CLOEXEC. */
    constructor(sizehint = -1, flags = 0) {
        if (Epoll.#adopt >= 0) {
            this.#fd = Epoll.#adopt;
            Epoll.#adopt = -1;
            return;
        }
        (0, errors_1.validateInteger)(sizehint, 'sizehint', errors_1.INT32_MIN, errors_1.INT32_MAX);
        if (sizehint === 0 || sizehint < -1)
            throw (0, errors_1.outOfRange)('sizehint', '-1 or > 0', sizehint);
        (0, errors_1.validateInteger)(flags, 'flags', errors_1.INT32_MIN, errors_1.INT32_MAX);
        this.#fd = native_1.native.epoll_create1(flags);
        unclosed.register(this, this.#fd, this);
    }
    /** Wraps an existing epoll fd (it now belongs to this object). */
    static fromfd(fd) {
        Epoll.#adopt = (0, errors_1.toFd)(fd);
        return new Epoll();
    }
    get closed() {
        return this.#fd < 0;
    }
    #open(syscall) {
        if (this.#fd < 0)
            throw (0, errors_1.errnoError)(EBADF, syscall);
        return this.#fd;
    }
    fileno() {
        return this.#open('fileno');
    }
    /** Closes the epoll fd; idempotent. Pending pollAsync() promises reject with EBADF. */
    close() {
        if (this.#fd < 0)
            return;
        const fd = this.#fd;
        this.#fd = -1;
        unclosed.unregister(this);
        if (this.#watch) {
            native_1.native.fd_watch_close(this.#watch); // stop libuv watching before the fd goes
            this.#watch = null;
        }
        const waiters = this.#waiters.splice(0);
        (0, os_1.close)(fd);
        for (const w of waiters) {
            clearTimeout(w.timer);
            w.reject((0, errors_1.errnoError)(EBADF, 'epoll_wait'));
        }
    }
    [Symbol.dispose]() {
        this.close();
    }
    #ctl(op, name, fd, mask) {
        const ep = this.#open('epoll_ctl');
        const r = native_1.native.epoll_ctl(ep, op, (0, errors_1.toFd)(fd), mask);
        if (r < 0)
            throw (0, errors_1.errnoError)(-r, name);
    }
    /** EPOLL_CTL_ADD. EEXIST if already registered, EPERM for a regular file. */
    register(fd, eventmask = DEFAULT_MASK) {
        this.#ctl(EPOLL_CTL_ADD, 'epoll_ctl', fd, epollMask(eventmask));
    }
    /** EPOLL_CTL_MOD. ENOENT if not registered. Re-arms an EPOLLONESHOT fd. */
    modify(fd, eventmask) {
        this.#ctl(EPOLL_CTL_MOD, 'epoll_ctl', fd, epollMask(eventmask));
    }
    /** EPOLL_CTL_DEL. ENOENT if not registered, EBADF if the fd was closed. */
    unregister(fd) {
        this.#ctl(EPOLL_CTL_DEL, 'epoll_ctl', fd, 0);
    }
    #max(maxevents) {
        (0, errors_1.validateInteger)(maxevents, 'maxevents', errors_1.INT32_MIN, errors_1.INT32_MAX);
        if (maxevents === -1)
            return FD_SETSIZE - 1;
        if (maxevents <= 0)
            throw (0, errors_1.outOfRange)('maxevents', '-1 or > 0', maxevents);
        return maxevents;
    }
    #waitList(timeoutSec, max) {
        const ep = this.#open('epoll_wait');
        if (this.#buf.length < 2 * max)
            this.#buf = new Int32Array(2 * max);
        const buf = this.#buf;
        const n = (0, native_1.sysEpollWait)(ep, buf, max, timeoutSec);
        if (n < 0)
            throw (0, errors_1.errnoError)(-n, 'epoll_wait');
        const out = new Array(n);
        for (let i = 0; i < n; i++)
            out[i] = [buf[2 * i], buf[2 * i + 1] >>> 0];
        return out;
    }
    /**
     * epoll_wait(2) -> `[fd, events][]`. timeout in seconds (rounded up to
     * ms); -1, null or any negative blocks. maxevents -1 means FD_SETSIZE - 1.
     */
    poll(timeout = -1, maxevents = -1) {
        const t = (0, native_1.blockingSeconds)(timeout, 'timeout');
        return this.#waitList(t, this.#max(maxevents));
    }
    /**
     * The zero-allocation wait for event loops: epoll_wait(2) writing
     * `events.length / 2` fd/events pairs into `events` (events[2i] = fd,
     * events[2i+1] = mask). Returns the count, or -errno on a failed syscall
     * (never throws for an errno). timeout in seconds, negative blocks.
     */
    pollInto(events, timeout = -1) {
        if (this.#fd < 0)
            throw (0, errors_1.errnoError)(EBADF, 'epoll_wait');
        return (0, native_1.sysEpollWait)(this.#fd, events, events.length >> 1, timeout);
    }
    /**
     * poll() for the event loop: libuv watches the epoll fd itself; when it is
     * readable, epoll_wait(2) runs with timeout 0 and the promise resolves.
     * A timeout resolves `[]` (after one last epoll_wait at 0).
     */
    pollAsync(timeout = -1, maxevents = -1) {
        let t, max, now;
        try {
            t = (0, native_1.blockingSeconds)(timeout, 'timeout');
            max = this.#max(maxevents);
            now = this.#waitList(0, max);
        }
        catch (e) {
            return Promise.reject(e);
        }
        if (now.length > 0 || t === 0)
            return Promise.resolve(now);
        return new Promise((resolve, reject) => {
            const w = { max, resolve, reject };
            if (t > 0)
                w.timer = setTimeout(() => this.#expire(w), Math.ceil(t * 1000));
            this.#waiters.push(w);
            if (!this.#watch)
                this.#watch = native_1.native.fd_watch_new(this.#fd, (err) => this.#onReadable(err));
            native_1.native.fd_watch_start(this.#watch);
        });
    }
    #settle(w) {
        let evs;
        try {
            evs = this.#waitList(0, w.max);
        }
        catch (e) {
            clearTimeout(w.timer);
            w.reject(e);
            return true;
        }
        if (evs.length === 0)
            return false;
        clearTimeout(w.timer);
        w.resolve(evs);
        return true;
    }
    #idle() {
        if (this.#waiters.length === 0 && this.#watch)
            native_1.native.fd_watch_stop(this.#watch);
    }
    #onReadable(err) {
        if (err) {
            for (const w of this.#waiters.splice(0)) {
                clearTimeout(w.timer);
                w.reject(err);
            }
        }
        while (this.#waiters.length > 0 && this.#settle(this.#waiters[0]))
            this.#waiters.shift();
        this.#idle();
    }
    #expire(w) {
        const i = this.#waiters.indexOf(w);
        if (i < 0)
            return;
        this.#waiters.splice(i, 1);
        if (!this.#settle(w))
            w.resolve([]);
        this.#idle();
    }
}
exports.Epoll = Epoll;
/** Python's select.epoll(sizehint=-1, flags=0). */
function epoll(sizehint = -1, flags = 0) {
    return new Epoll(sizehint, flags);
}
