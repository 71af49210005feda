"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ItimerError = exports.SFD_NONBLOCK = exports.SFD_CLOEXEC = exports.ITIMER_PROF = exports.ITIMER_VIRTUAL = exports.ITIMER_REAL = exports.SIG_SETMASK = exports.SIG_UNBLOCK = exports.SIG_BLOCK = exports.SIGRTMAX = exports.SIGRTMIN = exports.SIGSYS = exports.SIGPWR = exports.SIGPOLL = exports.SIGIO = exports.SIGWINCH = exports.SIGPROF = exports.SIGVTALRM = exports.SIGXFSZ = exports.SIGXCPU = exports.SIGURG = exports.SIGTTOU = exports.SIGTTIN = exports.SIGTSTP = exports.SIGSTOP = exports.SIGCONT = exports.SIGCHLD = exports.SIGSTKFLT = exports.SIGTERM = exports.SIGALRM = exports.SIGPIPE = exports.SIGUSR2 = exports.SIGSEGV = exports.SIGUSR1 = exports.SIGKILL = exports.SIGFPE = exports.SIGBUS = exports.SIGIOT = exports.SIGABRT = exports.SIGTRAP = exports.SIGILL = exports.SIGQUIT = exports.SIGINT = exports.SIGHUP = exports.NSIG = exports.SIG_IGN = exports.SIG_DFL = void 0;
exports.signal = signal;
exports.getsignal = getsignal;
exports.pause = pause;
exports.alarm = alarm;
exports.raise_signal = raise_signal;
exports.setitimer = setitimer;
exports.getitimer = getitimer;
exports.strsignal = strsignal;
exports.valid_signals = valid_signals;
exports.sigpending = sigpending;
exports.pthread_sigmask = pthread_sigmask;
exports.signalfd = signalfd;
exports.signalfd_read = signalfd_read;
exports._stats = _stats;
// posixkit/signal: real sigaction handlers with Python's signal module shapes.
// The native handler only records the signal; the JS handler runs on the main
// thread, from the event loop or inside the blocking posixkit call the signal
// interrupted (the EINTR rule, PEP 475). See docs/signals.md.
const node_worker_threads_1 = require("node:worker_threads");
const errors_1 = require("./errors");
const native_1 = require("./native");
const os_1 = require("./os");
const native = native_1.binding.signal;
const K = native_1.binding.signalConstants;
native_1.binding.setSignalDispatcher(dispatch);
// ---- constants ---------------------------------------------------------------
/** Default action (Python's signal.SIG_DFL). */
exports.SIG_DFL = K.SIG_DFL;
/** Ignore the signal (Python's signal.SIG_IGN). */
exports.SIG_IGN = K.SIG_IGN;
/** One more than the largest signal number. */
exports.NSIG = K.NSIG;
exports.SIGHUP = K.SIGHUP;
exports.SIGINT = K.SIGINT;
exports.SIGQUIT = K.SIGQUIT;
exports.SIGILL = K.SIGILL;
exports.SIGTRAP = K.SIGTRAP;
exports.SIGABRT = K.SIGABRT;
exports.SIGIOT = K.SIGIOT;
exports.SIGBUS = K.SIGBUS;
exports.SIGFPE = K.SIGFPE;
exports.SIGKILL = K.SIGKILL;
exports.SIGUSR1 = K.SIGUSR1;
exports.SIGSEGV = K.SIGSEGV;
exports.SIGUSR2 = K.SIGUSR2;
exports.SIGPIPE = K.SIGPIPE;
exports.SIGALRM = K.SIGALRM;
exports.SIGTERM = K.SIGTERM;
exports.SIGSTKFLT = K.SIGSTKFLT;
exports.SIGCHLD = K.SIGCHLD;
exports.SIGCONT = K.SIGCONT;
exports.SIGSTOP = K.SIGSTOP;
exports.SIGTSTP = K.SIGTSTP;
exports.SIGTTIN = K.SIGTTIN;
exports.SIGTTOU = K.SIGTTOU;
exports.SIGURG = K.SIGURG;
exports.SIGXCPU = K.SIGXCPU;
exports.SIGXFSZ = K.SIGXFSZ;
exports.SIGVTALRM = K.SIGVTALRM;
exports.SIGPROF = K.SIGPROF;
exports.SIGWINCH = K.SIGWINCH;
exports.SIGIO = K.SIGIO;
exports.SIGPOLL = K.SIGPOLL;
exports.SIGPWR = K.SIGPWR;
exports.SIGSYS = K.SIGSYS;
/** First real-time signal usable by programs (glibc keeps two for itself). */
exports.SIGRTMIN = K.SIGRTMIN;
exports.SIGRTMAX = K.SIGRTMAX;
exports.SIG_BLOCK = K.SIG_BLOCK;
exports.SIG_UNBLOCK = K.SIG_UNBLOCK;
exports.SIG_SETMASK = K.SIG_SETMASK;
exports.ITIMER_REAL = K.ITIMER_REAL;
exports.ITIMER_VIRTUAL = K.ITIMER_VIRTUAL;
exports.ITIMER_PROF = K.ITIMER_PROF;
exports.SFD_CLOEXEC = K.SFD_CLOEXEC;
exports.SFD_NONBLOCK = K.SFD_NONBLOCK;
/** Raised for a bad timer id, as Python's signal.ItimerError. */
class ItimerError extends errors_1.OSError {
}
exports.ItimerError = ItimerError;
// ---- handlers and their dispatch ---------------------------------------------
const MODE_HANDLER = 2;
const MODE_FOREIGN = 3;
const handlers = new Map();
function validateSignum(signalnum, name = 'signalnum') {
    return (0, errors_1.validateInteger)(signalnum, name, 1, exports.NSIG - 1);
}
function kindToHandler(sig, kind) {
    if (kind === exports.SIG_DFL || kind === exports.SIG_IGN)
        return kind;
    if (kind === MODE_HANDLER)
        return handlers.get(sig) ?? null;
    return null;
}
/**
 * Runs the JS handlers of the recorded signals, once per delivery, lowest
 * signal first. Called from the event loop and by blocking calls after
 * EINTR. Signals that arrive while handlers run are handled too before it
 * returns: a blocking call re-entered with one still recorded would sleep
 * without running its handler. If a handler throws, the calls not made yet
 * stay pending (the event loop makes them later) and the error propagates.
 */
function dispatch() {
    // Bounded, so a signal flood cannot keep a blocking call from its syscall.
    for (let round = 0; round < 100; round++) {
        const pending = native.take_pending();
        if (pending.length === 0)
            return;
        for (let i = 0; i < pending.length; i += 2) {
            const sig = pending[i];
            let count = pending[i + 1];
            while (count > 0) {
                const h = handlers.get(sig);
                if (h === undefined)
                    break; // now SIG_DFL/SIG_IGN: nothing to run
                count--;
                try {
                    h(sig);
                }
                catch (e) {
                    if (count > 0)
                        native.add_pending(sig, count);
                    for (let j = i + 2; j < pending.length; j += 2)
                        native.add_pending(pending[j], pending[j + 1]);
                    throw e;
                }
            }
        }
    }
}
/**
 * Python's signal.signal: sets the action for `signalnum` and returns the
 * previous one. `handler` is a function called as handler(signum), SIG_DFL,
 * SIG_IGN, or null to put back the non-posixkit handler this call replaced.
 * SIGKILL and SIGSTOP fail with EINVAL, as the kernel says. Main thread only.
 */
function signal(signalnum, handler) {
    const sig = validateSignum(signalnum);
    let mode;
    if (typeof handler === 'function')
        mode = MODE_HANDLER;
    else if (handler === exports.SIG_DFL || handler === exports.SIG_IGN)
        mode = handler;
    else if (handler === null)
        mode = MODE_FOREIGN;
    else
        throw (0, errors_1.invalidArgType)('handler', 'a function, SIG_DFL, SIG_IGN or null', handler);
    if (!node_worker_threads_1.isMainThread) {
        throw (0, errors_1.codedError)('ERR_SIGNAL_NOT_MAIN_THREAD', 'signal() only works in the main thread: signal handlers run on the main thread (as in Python)');
    }
    if (mode === MODE_FOREIGN && !native.has_saved(sig)) {
        throw (0, errors_1.invalidArgValue)('handler', handler, 'is null, but posixkit never replaced a non-posixkit handler of this signal');
    }
    const prev = kindToHandler(sig, native.getsignal(sig));
    // The map first: a signal arriving right after the sigaction finds its handler.
    const before = handlers.get(sig);
    if (mode === MODE_HANDLER)
        handlers.set(sig, handler);
    try {
        native.signal(sig, mode);
    }
    catch (e) {
        if (before)
            handlers.set(sig, before);
        else
            handlers.delete(sig);
        throw e;
    }
    if (mode !== MODE_HANDLER)
        handlers.delete(sig);
    return prev;
}
/** The current action: a JS handler, SIG_DFL, SIG_IGN, or null (not posixkit's). */
function getsignal(signalnum) {
    const sig = validateSignum(signalnum);
    return kindToHandler(sig, native.getsignal(sig));
}
/**
 * pause(2): sleeps until a signal is handled; returns after the JS handler
 * ran, or throws what it threw. If a signal already arrived whose JS handler
 * has not run yet, that handler runs and pause returns without sleeping.
 */
function pause() {
    if (!node_worker_threads_1.isMainThread) {
        throw (0, errors_1.codedError)('ERR_SIGNAL_NOT_MAIN_THREAD', 'pause() only works in the main thread: signals are delivered to the main thread');
    }
    native.pause();
}
/** alarm(2): SIGALRM in `seconds` (0 cancels); returns the seconds left of the previous alarm. */
function alarm(seconds) {
    return native.alarm((0, errors_1.validateInteger)(seconds, 'seconds', 0, 2 ** 32 - 1));
}
/** raise(3): sends `signalnum` to the calling thread; its JS handler runs before this returns. */
function raise_signal(signalnum) {
    native.raise_signal(validateSignum(signalnum));
}
function validateWhich(which, syscall) {
    (0, errors_1.validateInt32)(which, 'which');
    if (which !== exports.ITIMER_REAL && which !== exports.ITIMER_VIRTUAL && which !== exports.ITIMER_PROF) {
        const e = (0, errors_1.errnoError)(errors_1.errno.EINVAL, syscall);
        throw new ItimerError(e.code, e.errno, e.syscall, e.message);
    }
    return which;
}
function validateSeconds(v, name) {
    if (typeof v !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', v);
    if (!(v >= 0) || !Number.isFinite(v))
        throw (0, errors_1.outOfRange)(name, '>= 0 and finite', v);
    return v;
}
/**
 * setitimer(2) in seconds (fractions allowed; a tiny positive value never
 * rounds to 0). Returns the previous `[delay, interval]`.
 */
function setitimer(which, seconds, interval = 0) {
    const w = validateWhich(which, 'setitimer');
    return native.setitimer(w, validateSeconds(seconds, 'seconds'), validateSeconds(interval, 'interval'));
}
/** getitimer(2): `[delay, interval]` in seconds. */
function getitimer(which) {
    return native.getitimer(validateWhich(which, 'getitimer'));
}
/** strsignal(3): "Hangup" for SIGHUP; null for a number the system does not describe. */
function strsignal(signalnum) {
    return native.strsignal(validateSignum(signalnum));
}
/** Every signal number valid here (sigfillset(3), which omits glibc's internal ones). */
function valid_signals() {
    return new Set(native.valid_signals());
}
/** sigpending(2): signals blocked and waiting, for this thread and the process. */
function sigpending() {
    return new Set(native.sigpending());
}
function toSignalArray(signals) {
    if (signals === null || typeof signals !== 'object' || typeof signals[Symbol.iterator] !== 'function') {
        throw (0, errors_1.invalidArgType)('signals', 'an iterable of signal numbers', signals);
    }
    return Array.from(signals, (s) => validateSignum(s, 'signals[]'));
}
/**
 * pthread_sigmask(3) for the calling thread: SIG_BLOCK, SIG_UNBLOCK or
 * SIG_SETMASK; returns the previous mask. Handlers of signals it unblocks
 * run before it returns.
 */
function pthread_sigmask(how, mask) {
    (0, errors_1.validateInt32)(how, 'how');
    if (how !== exports.SIG_BLOCK && how !== exports.SIG_UNBLOCK && how !== exports.SIG_SETMASK) {
        throw (0, errors_1.outOfRange)('how', 'SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK', how);
    }
    return new Set(native.pthread_sigmask(how, toSignalArray(mask)));
}
/**
 * signalfd(2): a file descriptor that becomes readable when one of `signals`
 * is pending; select/poll/epoll can watch it. Block the signals first with
 * pthread_sigmask(SIG_BLOCK, ...), or they are delivered as usual. Created
 * close-on-exec; `flags` may add SFD_NONBLOCK. Pass an existing signalfd as
 * `fd` to change its mask.
 */
function signalfd(signals, flags = exports.SFD_CLOEXEC, fd = -1) {
    const list = toSignalArray(signals);
    (0, errors_1.validateInt32)(flags, 'flags');
    if (flags & ~(exports.SFD_CLOEXEC | exports.SFD_NONBLOCK))
        throw (0, errors_1.invalidArgValue)('flags', flags, 'may only contain SFD_CLOEXEC and SFD_NONBLOCK');
    (0, errors_1.validateInt32)(fd, 'fd', -1);
    return native.signalfd(fd, list, flags);
}
/**
 * Reads and decodes up to `max` records from a signalfd. Blocks until one
 * is pending unless the fd is non-blocking (then EAGAIN: BlockingIOError).
 */
function signalfd_read(fd, max = 16) {
    return native.signalfd_read((0, errors_1.toFd)(fd), (0, errors_1.validateInteger)(max, 'max', 1, 64));
}
function _stats() {
    return native._stats();
}
// A forked child keeps the handlers (they are memory and dispositions) but
// not the parent's undispatched signals.
(0, os_1.register_at_fork)({ after_in_child: () => native.after_fork_child() });
