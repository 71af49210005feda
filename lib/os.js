"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.errnoError = exports.getpgrp = exports.setsid = exports.gettid = exports.getppid = exports.getpid = exports.WCOREDUMP = exports.WIFCONTINUED = exports.WSTOPSIG = exports.WIFSTOPPED = exports.WTERMSIG = exports.WIFSIGNALED = exports.WEXITSTATUS = exports.WIFEXITED = exports.EX_OK = exports.O_CLOEXEC = exports.O_NONBLOCK = exports.WCONTINUED = exports.WUNTRACED = exports.WNOHANG = void 0;
exports.register_at_fork = register_at_fork;
exports.isSingleThreaded = isSingleThreaded;
exports.fork = fork;
exports._fork_info = _fork_info;
exports._set_condvar_fix = _set_condvar_fix;
exports._exit = _exit;
exports.waitpid = waitpid;
exports.wait = wait;
exports.waitpidAsync = waitpidAsync;
exports.waitstatus_to_exitcode = waitstatus_to_exitcode;
exports.kill = kill;
exports.killpg = killpg;
exports.getsid = getsid;
exports.setpgid = setpgid;
exports.getpgid = getpgid;
exports.nice = nice;
exports.pipe = pipe;
exports.pipe2 = pipe2;
exports.read = read;
exports.readinto = readinto;
exports.write = write;
exports.close = close;
exports.dup = dup;
exports.dup2 = dup2;
exports.get_blocking = get_blocking;
exports.set_blocking = set_blocking;
exports.get_inheritable = get_inheritable;
exports.set_inheritable = set_inheritable;
exports.execv = execv;
exports.execve = execve;
// posixkit/os: process control on the real syscalls, in the shapes of
// Python's os module (waitpid -> [pid, status], WNOHANG, _exit ...).
const node_util_1 = require("node:util");
const node_worker_threads_1 = require("node:worker_threads");
const errors_1 = require("./errors");
Object.defineProperty(exports, "errnoError", { enumerable: true, get: function () { return errors_1.errnoError; } });
const native_1 = require("./native");
const native = (0, native_1.family)();
const K = native.processConstants;
exports.WNOHANG = K.WNOHANG;
exports.WUNTRACED = K.WUNTRACED;
exports.WCONTINUED = K.WCONTINUED;
exports.O_NONBLOCK = K.O_NONBLOCK;
exports.O_CLOEXEC = K.O_CLOEXEC;
exports.EX_OK = 0;
const beforeHooks = [];
const parentHooks = [];
const childHooks = [];
/**
 * Python's os.register_at_fork: `before` hooks run in reverse order of
 * registration, the `after_*` hooks in registration order. A hook that throws
 * is reported on stderr and does not stop the fork (as in Python).
 */
function register_at_fork(hooks) {
    if (hooks === null || typeof hooks !== 'object')
        throw (0, errors_1.invalidArgType)('hooks', 'of type object', hooks);
    const { before, after_in_parent, after_in_child } = hooks;
    if (before === undefined && after_in_parent === undefined && after_in_child === undefined) {
        throw (0, errors_1.invalidArgValue)('hooks', hooks, 'must name at least one of before, after_in_parent, after_in_child');
    }
    for (const [k, f] of Object.entries({ before, after_in_parent, after_in_child })) {
        if (f !== undefined)
            (0, errors_1.validateFunction)(f, `hooks.${k}`);
    }
    if (before)
        beforeHooks.push(before);
    if (after_in_parent)
        parentHooks.push(after_in_parent);
    if (after_in_child)
        childHooks.push(after_in_child);
}
function runHooks(hooks) {
    for (const h of hooks) {
        try {
            h();
        }
        catch (e) {
            process.stderr.write(`Exception ignored in fork hook ${h.name || '<anonymous>'}: ${(0, node_util_1.inspect)(e)}\n`);
        }
    }
}
/** True when V8 runs without helper threads (node --single-threaded). */
function isSingleThreaded() {
    return process.execArgv.some((a) => a === '--single-threaded' || a === '--single_threaded');
}
/**
 * fork(2). Returns the child's pid in the parent and 0 in the child, which
 * goes on running JavaScript with a copy of the parent's memory and fds.
 * Needs `node --single-threaded` (or `import 'posixkit/forkable'` first) and
 * the main thread. The child ends through process.exit(), _exit() or the
 * natural end of its event loop, and its status reaches the parent's waitpid.
 */
function fork() {
    if (!node_worker_threads_1.isMainThread) {
        throw (0, errors_1.codedError)('ERR_FORK_NOT_MAIN_THREAD', 'fork() is only allowed on the main thread: a worker thread cannot be forked (only the calling thread survives fork)');
    }
    if (!isSingleThreaded()) {
        throw (0, errors_1.codedError)('ERR_FORK_NOT_SINGLE_THREADED', 'fork() needs V8 to run single-threaded: start node with --single-threaded ' +
            '(e.g. `node --single-threaded app.js`), or make `import "posixkit/forkable"` the first import of the program');
    }
    runHooks([...beforeHooks].reverse());
    const pid = native.fork();
    if (pid === 0) {
        setupChild();
        runHooks(childHooks);
    }
    else {
        runHooks(parentHooks);
    }
    return pid;
}
let childInstalled = false;
let fatal = null;
function setupChild() {
    // process.pid is cached at start-up; the child must not report the parent's.
    Object.defineProperty(process, 'pid', { value: native.getpid(), writable: true, configurable: true, enumerable: true });
    closeInheritedIpc();
    if (childInstalled)
        return; // a grandchild inherits the wrapper below
    childInstalled = true;
    // Node's own teardown would join V8 platform threads that do not exist in
    // the child, so every way out ends in _exit once the 'exit' listeners ran:
    // process.exit(), an uncaught exception, and the natural end of the loop.
    process.on('uncaughtExceptionMonitor', (error) => { fatal = { error }; });
    const emit = process.emit;
    process.emit = function (event, ...args) {
        const handled = emit.call(this, event, ...args);
        if (event === 'exit')
            finishChild(args[0]);
        return handled;
    };
    native.set_child_callbacks(() => { process.emit('beforeExit', exitCode(undefined)); }, () => { process.exit(); });
}
function exitCode(fallback) {
    const c = process.exitCode ?? fallback ?? 0;
    const n = Number(c);
    return Number.isInteger(n) ? n : 0;
}
function finishChild(code) {
    if (fatal && process.listenerCount('uncaughtException') === 0) {
        // Node prints the fatal error after 'exit'; the child leaves first, so say it here.
        try {
            process.stderr.write(`${(0, node_util_1.inspect)(fatal.error)}\n`);
        }
        catch { /* nothing left to report with */ }
    }
    return native._exit(exitCode(code));
}
// A process started by child_process.fork() (test runners, cluster) has an
// IPC channel to its parent. The child must neither read the parent's
// messages nor send on it: drop it silently, without the 'disconnect' event.
function closeInheritedIpc() {
    if (!process.channel)
        return;
    for (const ev of ['message', 'disconnect', 'internalMessage'])
        process.removeAllListeners(ev);
    try {
        process.disconnect?.();
    }
    catch { /* already closing */ }
}
/** Test and diagnostics hook: state of the fork machinery in this process. */
function _fork_info() {
    return native._fork_info();
}
/** Test-only: switch off the condvar release of FORK.md 2b to reproduce the hang. */
function _set_condvar_fix(on) {
    native._set_condvar_fix(Boolean(on));
}
// ---- exit and wait ---------------------------------------------------------
/** _exit(2): ends the process now; no 'exit' listeners, no flushing. */
function _exit(status) {
    (0, errors_1.validateInt32)(status, 'status');
    return native._exit(status);
}
/** waitpid(2): `[pid, status]`; `[0, 0]` under WNOHANG while the child runs. */
function waitpid(pid, options = 0) {
    (0, errors_1.validateInt32)(pid, 'pid');
    (0, errors_1.validateInt32)(options, 'options');
    return native.waitpid(pid, options);
}
/** wait(2): waits for any child; `[pid, status]`. */
function wait() {
    return native.waitpid(-1, 0);
}
/**
 * Waits for child `pid` without blocking the event loop: pidfd_open(2) makes
 * the exit a readable fd, libuv polls it, then waitpid reaps. Resolves to
 * `[pid, status]`; rejects with ECHILD for a pid that is not our child and
 * ESRCH for one that does not exist.
 */
function waitpidAsync(pid, options = {}) {
    (0, errors_1.validateInteger)(pid, 'pid', 1, errors_1.INT32_MAX);
    return new Promise((resolve, reject) => {
        // A pid that is not our child fails now with ECHILD instead of waiting for
        // a stranger's exit; one that already exited resolves at once.
        const [p, status] = native.waitpid(pid, exports.WNOHANG);
        if (p === pid)
            return resolve([p, status]);
        native.waitpid_watch(pid, (err, q, st) => (err ? reject(err) : resolve([q, st])), options.ref !== false);
    });
}
function statusArg(status) {
    return (0, errors_1.validateInt32)(status, 'status');
}
const WIFEXITED = (status) => native.WIFEXITED(statusArg(status));
exports.WIFEXITED = WIFEXITED;
const WEXITSTATUS = (status) => native.WEXITSTATUS(statusArg(status));
exports.WEXITSTATUS = WEXITSTATUS;
const WIFSIGNALED = (status) => native.WIFSIGNALED(statusArg(status));
exports.WIFSIGNALED = WIFSIGNALED;
const WTERMSIG = (status) => native.WTERMSIG(statusArg(status));
exports.WTERMSIG = WTERMSIG;
const WIFSTOPPED = (status) => native.WIFSTOPPED(statusArg(status));
exports.WIFSTOPPED = WIFSTOPPED;
const WSTOPSIG = (status) => native.WSTOPSIG(statusArg(status));
exports.WSTOPSIG = WSTOPSIG;
const WIFCONTINUED = (status) => native.WIFCONTINUED(statusArg(status));
exports.WIFCONTINUED = WIFCONTINUED;
const WCOREDUMP = (status) => native.WCOREDUMP(statusArg(status));
exports.WCOREDUMP = WCOREDUMP;
/** Exit code from a wait status: the code, or -signal for a killed child. */
function waitstatus_to_exitcode(status) {
    statusArg(status);
    if (native.WIFEXITED(status))
        return native.WEXITSTATUS(status);
    if (native.WIFSIGNALED(status))
        return -native.WTERMSIG(status);
    throw Object.assign(new RangeError(`invalid wait status: ${status}`), { code: 'ERR_INVALID_ARG_VALUE' });
}
// ---- ids, signals to processes, sessions ------------------------------------
const getpid = () => native.getpid();
exports.getpid = getpid;
const getppid = () => native.getppid();
exports.getppid = getppid;
/** The calling thread's id (gettid(2)). */
const gettid = () => native.gettid();
exports.gettid = gettid;
function kill(pid, signal) {
    native.kill((0, errors_1.validateInt32)(pid, 'pid'), (0, errors_1.validateInt32)(signal, 'signal'));
}
function killpg(pgid, signal) {
    native.killpg((0, errors_1.validateInt32)(pgid, 'pgid'), (0, errors_1.validateInt32)(signal, 'signal'));
}
const setsid = () => native.setsid();
exports.setsid = setsid;
function getsid(pid) {
    return native.getsid((0, errors_1.validateInt32)(pid, 'pid'));
}
function setpgid(pid, pgid) {
    native.setpgid((0, errors_1.validateInt32)(pid, 'pid'), (0, errors_1.validateInt32)(pgid, 'pgid'));
}
function getpgid(pid) {
    return native.getpgid((0, errors_1.validateInt32)(pid, 'pid'));
}
const getpgrp = () => native.getpgrp();
exports.getpgrp = getpgrp;
/** nice(2): adds `increment` to the niceness and returns the new value. */
function nice(increment) {
    return native.nice((0, errors_1.validateInt32)(increment, 'increment', -40, 40));
}
// ---- file descriptors ------------------------------------------------------
/** pipe(2) -> `[readFd, writeFd]`, both close-on-exec (PEP 446). */
function pipe() {
    return native.pipe2(exports.O_CLOEXEC);
}
/** pipe2(2) with O_NONBLOCK and/or O_CLOEXEC. */
function pipe2(flags) {
    (0, errors_1.validateInt32)(flags, 'flags');
    if (flags & ~(exports.O_NONBLOCK | exports.O_CLOEXEC))
        throw (0, errors_1.invalidArgValue)('flags', flags, 'may only contain O_NONBLOCK and O_CLOEXEC');
    return native.pipe2(flags);
}
/** read(2) of at most `n` bytes; an empty Buffer means end of file. Blocks. */
function read(fd, n) {
    const f = (0, errors_1.toFd)(fd);
    (0, errors_1.validateInteger)(n, 'n', 0, 2 ** 31 - 1);
    const buf = Buffer.allocUnsafe(n);
    const got = native.read(f, buf);
    return got === n ? buf : buf.subarray(0, got);
}
/** read(2) into a caller-owned buffer; returns the byte count. */
function readinto(fd, buffer) {
    return native.read((0, errors_1.toFd)(fd), (0, errors_1.validateBytes)(buffer, 'buffer'));
}
/** write(2): one call, may write less than given; returns the byte count. */
function write(fd, data) {
    const f = (0, errors_1.toFd)(fd);
    const bytes = typeof data === 'string' ? Buffer.from(data) : (0, errors_1.validateBytes)(data, 'data');
    return native.write(f, bytes);
}
function close(fd) {
    native.close((0, errors_1.toFd)(fd));
}
/** dup(2), the new fd close-on-exec (as Python's os.dup). */
function dup(fd) {
    return native.dup((0, errors_1.toFd)(fd));
}
/** dup2(2); `inheritable` false makes fd2 close-on-exec (dup3). Returns fd2. */
function dup2(fd, fd2, inheritable = true) {
    return native.dup2((0, errors_1.toFd)(fd), (0, errors_1.validateInt32)(fd2, 'fd2', 0), Boolean(inheritable));
}
function get_blocking(fd) {
    return native.get_blocking((0, errors_1.toFd)(fd));
}
function set_blocking(fd, blocking) {
    native.set_blocking((0, errors_1.toFd)(fd), Boolean(blocking));
}
function get_inheritable(fd) {
    return native.get_inheritable((0, errors_1.toFd)(fd));
}
function set_inheritable(fd, inheritable) {
    native.set_inheritable((0, errors_1.toFd)(fd), Boolean(inheritable));
}
// ---- exec --------------------------------------------------------------------
function execArgs(path, args) {
    if (typeof path !== 'string')
        throw (0, errors_1.invalidArgType)('path', 'of type string', path);
    if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
        throw (0, errors_1.invalidArgType)('args', 'an array of strings', args);
    }
    if (args.length === 0)
        throw (0, errors_1.invalidArgValue)('args', args, 'must not be empty');
    if (args[0] === '')
        throw (0, errors_1.invalidArgValue)('args', args, 'must start with a non-empty program name');
    return [path, args];
}
/** execv(3): replaces the process image; returns only by throwing. */
function execv(path, args) {
    return execve(path, args, process.env);
}
/**
 * execve(2). SIGPIPE, which Node ignores, is reset to its default first (as
 * libuv does for spawned programs), and the signal mask is cleared.
 */
function execve(path, args, env) {
    const [p, a] = execArgs(path, args);
    if (env === null || typeof env !== 'object')
        throw (0, errors_1.invalidArgType)('env', 'of type object', env);
    const envp = [];
    for (const [k, v] of Object.entries(env)) {
        if (v === undefined)
            continue;
        if (k.includes('=') || k === '')
            throw (0, errors_1.invalidArgValue)('env', k, 'has an illegal variable name');
        envp.push(`${k}=${v}`);
    }
    return native.execve(p, a, envp, true);
}
