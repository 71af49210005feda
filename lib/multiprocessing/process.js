"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Process = void 0;
exports.activeChildren = activeChildren;
exports.currentProcess = currentProcess;
exports.cpuCount = cpuCount;
// Process: Python's multiprocessing.Process on a real fork(2).
//
// start() forks; the child runs run() (target(...args) by default) on the
// stack of start() and leaves with _exit: 0 after a normal return, 1 after a
// throw (the error is printed, as Python prints the traceback). It never
// returns into the caller's code, so the parent's program does not go on in
// the child. The parent learns of the exit through a sentinel pipe (the child
// holds its write end, so end of file = the child is gone) for the timed
// join, waitpid(2) for the status, and pidfd + libuv for joinAsync().
const node_os_1 = require("node:os");
const node_util_1 = require("node:util");
const errors_1 = require("../errors");
const os = __importStar(require("../os"));
const _fork_1 = require("./_fork");
const _wait_1 = require("./_wait");
const errors_2 = require("./errors");
const SIGTERM = node_os_1.constants.signals.SIGTERM;
const SIGKILL = node_os_1.constants.signals.SIGKILL;
// Per-process state; a forked child resets it (see onForkChild below).
let current;
let children = new Set();
let counter = 0;
let identity = [];
let daemonic = false;
let exitHookInstalled = false;
class Process {
    #target;
    #args;
    #name;
    #daemon;
    #state = 'initial';
    #pid = null;
    #exitCode = null;
    #sentinel = -1;
    #creator;
    #identity;
    #joinPromise = null;
    #main = false;
    constructor(options = {}) {
        if (options === null || typeof options !== 'object')
            throw (0, errors_1.invalidArgType)('options', 'of type object', options);
        const { target, args = [], name, daemon } = options;
        if (target !== undefined)
            (0, errors_1.validateFunction)(target, 'options.target');
        if (!Array.isArray(args))
            throw (0, errors_1.invalidArgType)('options.args', 'an array', args);
        if (name !== undefined && typeof name !== 'string')
            throw (0, errors_1.invalidArgType)('options.name', 'of type string', name);
        if (daemon !== undefined && typeof daemon !== 'boolean')
            throw (0, errors_1.invalidArgType)('options.daemon', 'of type boolean', daemon);
        this.#target = target;
        this.#args = [...args];
        this.#identity = [...identity, ++counter];
        this.#name = name ?? `Process-${this.#identity.join(':')}`;
        this.#daemon = daemon ?? daemonic;
        this.#creator = os.getpid();
    }
    /** The child's work; override it in a subclass, or pass `target`. */
    run() {
        if (this.#target)
            return this.#target(...this.#args);
        return undefined;
    }
    get name() {
        return this.#name;
    }
    set name(v) {
        if (typeof v !== 'string')
            throw (0, errors_1.invalidArgType)('name', 'of type string', v);
        this.#name = v;
    }
    get daemon() {
        return this.#daemon;
    }
    set daemon(v) {
        if (typeof v !== 'boolean')
            throw (0, errors_1.invalidArgType)('daemon', 'of type boolean', v);
        if (this.#state !== 'initial')
            throw (0, errors_2.stateError)('ERR_PROCESS_STARTED', 'process has already started');
        this.#daemon = v;
    }
    /** The child's pid once started (this process's pid for currentProcess()). */
    get pid() {
        if (this.#main || current === this)
            return os.getpid();
        return this.#pid;
    }
    get ident() {
        return this.pid;
    }
    /**
     * null before start and while running; the exit code after, or minus the
     * signal number that killed it (-15 after terminate(), -9 after kill()).
     * Reading it reaps a child that has finished (as Python's poll()).
     */
    get exitCode() {
        if (this.#state === 'started' && this.#exitCode === null && this.#pid !== null && this.#isParent())
            this.#poll(os.WNOHANG);
        return this.#exitCode;
    }
    /**
     * An fd that becomes readable (end of file) when the child ends, for
     * select/poll/epoll. It is closed once the child is reaped (join,
     * isAlive or exitCode saw the end); then -1.
     */
    get sentinel() {
        this.#checkNotClosed();
        if (this.#state === 'initial')
            throw (0, errors_2.stateError)('ERR_PROCESS_NOT_STARTED', 'process not started');
        return this.#sentinel;
    }
    start() {
        this.#checkNotClosed();
        if (this.#main || current === this)
            throw (0, errors_2.stateError)('ERR_PROCESS_STARTED', 'cannot start the current process');
        if (this.#state !== 'initial')
            throw (0, errors_2.stateError)('ERR_PROCESS_STARTED', 'cannot start a process twice');
        if (this.#creator !== os.getpid()) {
            throw (0, errors_2.stateError)('ERR_PROCESS_NOT_CREATOR', 'can only start a process object created by the current process');
        }
        if (daemonic)
            throw (0, errors_2.stateError)('ERR_DAEMON_CHILDREN', 'daemonic processes are not allowed to have children');
        cleanup();
        installExitHook();
        const [r, w] = os.pipe();
        let pid;
        try {
            pid = os.fork();
        }
        catch (e) {
            os.close(r);
            os.close(w);
            throw e;
        }
        if (pid === 0) {
            os.close(r);
            (0, _fork_1.addPrivateFd)(w); // a grandchild must not keep this process looking alive
            this.#bootstrap();
        }
        os.close(w);
        this.#pid = pid;
        this.#sentinel = r;
        (0, _fork_1.addPrivateFd)(r);
        this.#state = 'started';
        children.add(this);
    }
    // In the child: never returns.
    #bootstrap() {
        current = this;
        children = new Set();
        counter = 0;
        identity = this.#identity;
        daemonic = this.#daemon;
        let code = 0;
        try {
            const r = this.run();
            if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
                throw (0, errors_2.stateError)('ERR_ASYNC_TARGET', 'run()/target returned a Promise: a forked child runs its target synchronously and cannot return into ' +
                    "the parent's code to run the event loop; make the target synchronous");
            }
        }
        catch (e) {
            code = 1;
            try {
                process.stderr.write(`Process ${this.#name}:\n${(0, node_util_1.inspect)(e)}\n`);
            }
            catch { /* nowhere to report */ }
        }
        try {
            exitFunction();
        }
        catch { /* leaving anyway */ }
        return os._exit(code);
    }
    /**
     * Waits for the child to end: without a timeout in waitpid(2); with one, in
     * poll(2) on the sentinel (no sleeping loop). Returns either way; check
     * exitCode (null means it is still running).
     */
    join(timeout) {
        this.#checkNotClosed();
        if (this.#main || current === this)
            throw (0, errors_2.stateError)('ERR_JOIN_SELF', 'cannot join the current process');
        if (this.#state !== 'started')
            throw (0, errors_2.stateError)('ERR_PROCESS_NOT_STARTED', 'can only join a started process');
        if (!this.#isParent())
            throw (0, errors_2.stateError)('ERR_NOT_PARENT', 'can only join a child process');
        if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
            throw (0, errors_1.invalidArgType)('timeout', 'a number, null or undefined', timeout);
        }
        if (this.#exitCode === null) {
            if (timeout === undefined || timeout === null) {
                this.#poll(0);
            }
            else if (timeout <= 0) {
                this.#poll(os.WNOHANG);
            }
            else if ((0, _wait_1.readable)(this.#sentinel, timeout)) {
                this.#poll(0);
            }
        }
        if (this.#exitCode !== null)
            children.delete(this);
    }
    /** join() for the event loop: resolves when the child has ended and is reaped. */
    joinAsync() {
        this.#checkNotClosed();
        if (this.#state !== 'started')
            return Promise.reject((0, errors_2.stateError)('ERR_PROCESS_NOT_STARTED', 'can only join a started process'));
        if (!this.#isParent())
            return Promise.reject((0, errors_2.stateError)('ERR_NOT_PARENT', 'can only join a child process'));
        if (this.#exitCode !== null) {
            children.delete(this);
            return Promise.resolve();
        }
        this.#joinPromise ??= os.waitpidAsync(this.#pid).then(([, status]) => this.#setStatus(status), (e) => {
            // A synchronous join()/exitCode reaped it first: the status is already known.
            if (this.#exitCode === null)
                throw e;
        }).then(() => { children.delete(this); }).finally(() => { this.#joinPromise = null; });
        return this.#joinPromise;
    }
    isAlive() {
        if (this.#main || current === this)
            return true;
        this.#checkNotClosed();
        if (this.#state !== 'started' || !this.#isParent())
            return false;
        if (this.#exitCode !== null)
            return false;
        this.#poll(os.WNOHANG);
        if (this.#exitCode === null)
            return true;
        children.delete(this);
        return false;
    }
    /** SIGTERM to a running child (exitCode then -15). */
    terminate() {
        this.#signal(SIGTERM);
    }
    /** SIGKILL to a running child (exitCode then -9). */
    kill() {
        this.#signal(SIGKILL);
    }
    /** Releases the sentinel; refused while the child runs. Most methods then throw. */
    close() {
        if (this.#state === 'closed')
            return;
        if (this.#state === 'started') {
            if (this.exitCode === null) {
                throw (0, errors_2.stateError)('ERR_PROCESS_RUNNING', 'cannot close a process while it is still running; call join() or terminate() first');
            }
            this.#dropSentinel();
            children.delete(this);
        }
        this.#state = 'closed';
    }
    [node_util_1.inspect.custom]() {
        let status;
        if (this.#main || current === this)
            status = 'started';
        else if (this.#state === 'closed')
            status = 'closed';
        else if (this.#state === 'initial')
            status = 'initial';
        else
            status = this.#exitCode === null ? 'started' : `stopped exitcode=${this.#exitCode}`;
        return `<${this.constructor.name} name='${this.#name}' pid=${this.pid} ${status}${this.#daemon ? ' daemon' : ''}>`;
    }
    #signal(sig) {
        this.#checkNotClosed();
        if (this.#state !== 'started' || this.#exitCode !== null || this.#pid === null)
            return;
        try {
            os.kill(this.#pid, sig);
        }
        catch (e) {
            if (e.code !== 'ESRCH')
                throw e;
        }
    }
    #poll(flags) {
        try {
            const [p, status] = os.waitpid(this.#pid, flags);
            if (p !== 0)
                this.#setStatus(status);
        }
        catch (e) {
            // Reaped behind our back (a stray waitpid(-1)): the status is lost.
            if (e.code !== 'ECHILD')
                throw e;
            if (this.#exitCode === null)
                this.#exitCode = -1;
            this.#dropSentinel();
        }
    }
    #setStatus(status) {
        if (this.#exitCode !== null)
            return;
        this.#exitCode = os.waitstatus_to_exitcode(status);
        // Reaped: the sentinel has told all it can. Closing it now (Python waits
        // for close() or the garbage collector) keeps finished Process objects
        // from holding fds.
        this.#dropSentinel();
    }
    #dropSentinel() {
        if (this.#sentinel >= 0)
            (0, _fork_1.closePrivateFd)(this.#sentinel);
        this.#sentinel = -1;
    }
    #isParent() {
        return this.#creator === os.getpid();
    }
    #checkNotClosed() {
        if (this.#state === 'closed')
            throw (0, errors_2.stateError)('ERR_PROCESS_CLOSED', 'process object is closed');
    }
    /** @internal the main process's stand-in for currentProcess(). */
    static _main() {
        const p = new Process({ name: 'MainProcess' });
        p.#main = true;
        counter = 0;
        return p;
    }
}
exports.Process = Process;
current = Process._main();
(0, _fork_1.onForkChild)(() => {
    // A child made by a bare os.fork() is not a Process; it owns no children yet.
    children = new Set();
});
function cleanup() {
    for (const p of [...children]) {
        if (p.exitCode !== null)
            children.delete(p);
    }
}
/** The live children started by this process (reaping those that ended). */
function activeChildren() {
    cleanup();
    return [...children];
}
/** The Process object of the calling process ('MainProcess' in the main one). */
function currentProcess() {
    return current;
}
/** Python's cpu_count(): CPUs this process may run on. */
function cpuCount() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeOs = require('node:os');
    return typeof nodeOs.availableParallelism === 'function' ? nodeOs.availableParallelism() : nodeOs.cpus().length;
}
// As Python's util._exit_function: at exit, daemonic children are terminated,
// then every child is joined (reaped), so none is left as a zombie or orphan.
function exitFunction() {
    for (const p of activeChildren())
        if (p.daemon)
            p.terminate();
    for (const p of activeChildren())
        p.join();
}
function installExitHook() {
    if (exitHookInstalled)
        return;
    exitHookInstalled = true;
    process.on('exit', () => {
        try {
            exitFunction();
        }
        catch (e) {
            process.stderr.write(`multiprocessing exit handler: ${(0, node_util_1.inspect)(e)}\n`);
        }
    });
}
