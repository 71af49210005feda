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
exports.Pool = exports.IMapIterator = exports.MapResult = exports.AsyncResult = void 0;
exports.registerFunction = registerFunction;
// Pool: Python's multiprocessing.Pool on forked workers, without threads.
//
// Each worker has its own task pipe (parent -> worker) and result pipe
// (worker -> parent) and runs one task (or one chunk of a map) at a time, so
// the parent always knows which task a worker holds: when a worker dies, its
// result pipe reaches end of file, the parent reaps it, fails exactly that
// task with WorkerLostError and forks a replacement (MP-10: nothing hangs).
//
// There is no result-handler thread: results are pumped from the result pipes
// by whoever waits. Synchronous waits (get, wait, map, imap's next, join)
// block in poll(2) over the result fds; the async forms (await an
// AsyncResult, mapAsync, for await over imap) let libuv watch an epoll fd
// holding the same result fds, so the event loop is never blocked.
const node_path_1 = require("node:path");
const node_v8_1 = require("node:v8");
const _codec_1 = require("./_codec");
const node_util_1 = require("node:util");
const node_os_1 = require("node:os");
const errors_1 = require("../errors");
const os = __importStar(require("../os"));
const select_1 = require("../select");
const _fork_1 = require("./_fork");
const _wait_1 = require("./_wait");
const connection_1 = require("./connection");
const errors_2 = require("./errors");
const process_1 = require("./process");
const SIGTERM = node_os_1.constants.signals.SIGTERM;
const SIGKILL = node_os_1.constants.signals.SIGKILL;
const registry = [];
const ids = new Map();
/** Registers functions ahead, so pools forked afterwards need no refork for them. */
function registerFunction(...fns) {
    for (const fn of fns) {
        (0, errors_1.validateFunction)(fn, 'fn');
        fnRef(fn);
    }
}
function fnRef(fn) {
    if (typeof fn === 'function') {
        let id = ids.get(fn);
        if (id === undefined) {
            id = registry.length;
            registry.push(fn);
            ids.set(fn, id);
        }
        return id;
    }
    let module, name;
    if (typeof fn === 'string') {
        const i = fn.lastIndexOf('#');
        if (i <= 0 || i === fn.length - 1)
            throw (0, errors_1.invalidArgValue)('func', fn, "must look like 'path/to/module.js#exportName'");
        module = fn.slice(0, i);
        name = fn.slice(i + 1);
    }
    else if (fn !== null && typeof fn === 'object') {
        ({ module, name } = fn);
    }
    if (typeof module !== 'string' || typeof name !== 'string') {
        throw (0, errors_1.invalidArgType)('func', "a function, 'module#export' or { module, name }", fn);
    }
    const abs = module.startsWith('.') || module.startsWith('/') ? (0, node_path_1.resolve)(module) : module;
    return { module: abs, name };
}
function lookup(ref) {
    if (typeof ref === 'number') {
        const fn = registry[ref];
        if (!fn)
            throw (0, errors_2.stateError)('ERR_UNKNOWN_FUNCTION', `function #${ref} is unknown in this worker`);
        return fn;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(ref.module);
    const fn = mod[ref.name];
    if (typeof fn !== 'function')
        throw (0, errors_2.stateError)('ERR_UNKNOWN_FUNCTION', `${ref.module} has no function export '${ref.name}'`);
    return fn;
}
function runCallback(cb, v) {
    if (!cb)
        return;
    try {
        cb(v);
    }
    catch (e) {
        // As Python's result handler: a failing callback is reported, the pool goes on.
        process.stderr.write(`Exception in pool callback: ${(0, node_util_1.inspect)(e)}\n`);
    }
}
/**
 * The handle of a task (Python's ApplyResult). get/wait/ready/successful as
 * Python; also a thenable: `await pool.applyAsync(f, [x])`.
 */
class AsyncResult {
    pool;
    #done = false;
    #ok = false;
    #value;
    #cb;
    #promise = null;
    #settle = null;
    /** @internal */
    constructor(pool, options = {}) {
        this.pool = pool;
        this.#cb = options;
    }
    /** @internal */
    _set(_index, ok, value) {
        this._finish(ok, value);
    }
    _finish(ok, value) {
        if (this.#done)
            return;
        this.#done = true;
        this.#ok = ok;
        this.#value = value;
        if (ok)
            runCallback(this.#cb.callback, value);
        else
            runCallback(this.#cb.errorCallback, value);
        if (this.#settle) {
            if (ok)
                this.#settle[0](value);
            else
                this.#settle[1](value);
        }
    }
    /** Whether the result is in (collects results that arrived, never blocks). */
    ready() {
        if (!this.#done)
            this.pool._pump(0);
        return this.#done;
    }
    /** Whether it completed without error; throws if not ready yet (as Python). */
    successful() {
        if (!this.ready())
            throw (0, errors_2.stateError)('ERR_RESULT_NOT_READY', 'result is not ready');
        return this.#ok;
    }
    /** Blocks until ready or `timeout` seconds pass (null/undefined: forever). */
    wait(timeout) {
        const deadline = deadlineOf(timeout);
        while (!this.#done) {
            const left = remaining(deadline);
            if (left === 0 && deadline !== null) {
                this.pool._pump(0);
                return;
            }
            this.pool._pump(left);
        }
    }
    /** The value, or throws the task's error; TimeoutError after `timeout` seconds. */
    get(timeout) {
        this.wait(timeout);
        if (!this.#done)
            throw new errors_2.TimeoutError();
        if (!this.#ok)
            throw this.#value;
        return this.#value;
    }
    then(onfulfilled, onrejected) {
        if (!this.#promise) {
            this.#promise = new Promise((res, rej) => { this.#settle = [res, rej]; });
            if (this.#done) {
                if (this.#ok)
                    this.#settle[0](this.#value);
                else
                    this.#settle[1](this.#value);
            }
            else {
                this.pool._watch();
            }
        }
        return this.#promise.then(onfulfilled, onrejected);
    }
}
exports.AsyncResult = AsyncResult;
/** mapAsync's result: get() is the list of all results in order. */
class MapResult extends AsyncResult {
    #values;
    #chunk;
    #left;
    /** @internal */
    constructor(pool, length, chunksize, chunks, options = {}) {
        super(pool, options);
        this.#values = new Array(length);
        this.#chunk = chunksize;
        this.#left = chunks;
        if (chunks === 0)
            this._finish(true, this.#values);
    }
    _set(index, ok, value) {
        if (!ok) {
            this._finish(false, value);
            return;
        }
        const vals = value;
        for (let i = 0; i < vals.length; i++)
            this.#values[index * this.#chunk + i] = vals[i];
        if (--this.#left === 0)
            this._finish(true, this.#values);
    }
}
exports.MapResult = MapResult;
/** imap / imapUnordered: an iterator whose next(timeout) blocks, and an async iterator. */
class IMapIterator {
    #pool;
    #ordered;
    #chunk;
    #length;
    #slots;
    #arrived = [];
    #next = 0;
    #waiters = [];
    /** @internal */
    constructor(pool, length, chunksize, ordered) {
        this.#pool = pool;
        this.#ordered = ordered;
        this.#chunk = chunksize;
        this.#length = length;
        this.#slots = new Array(length);
    }
    /** @internal */
    _set(index, ok, value) {
        const base = index * this.#chunk;
        const n = Math.min(this.#chunk, this.#length - base);
        for (let i = 0; i < n; i++) {
            const item = ok ? { ok, value: value[i] } : { ok, value };
            if (this.#ordered)
                this.#slots[base + i] = item;
            else
                this.#arrived.push(item);
        }
        for (const w of this.#waiters.splice(0))
            w();
    }
    #take() {
        if (this.#ordered) {
            const it = this.#slots[this.#next];
            if (it)
                this.#slots[this.#next] = undefined;
            return it;
        }
        return this.#arrived.shift();
    }
    /** The next result; blocks (TimeoutError after `timeout` seconds). */
    next(timeout) {
        if (this.#next >= this.#length)
            return { done: true, value: undefined };
        const deadline = deadlineOf(timeout);
        for (;;) {
            const it = this.#take();
            if (it)
                return this.#yield(it);
            const left = remaining(deadline);
            if (left === 0 && deadline !== null) {
                this.#pool._pump(0);
                const again = this.#take();
                if (again)
                    return this.#yield(again);
                throw new errors_2.TimeoutError();
            }
            this.#pool._pump(left);
        }
    }
    #yield(it) {
        this.#next++;
        if (!it.ok)
            throw it.value;
        return { done: false, value: it.value };
    }
    [Symbol.iterator]() {
        return this;
    }
    [Symbol.asyncIterator]() {
        const self = this;
        return {
            async next() {
                for (;;) {
                    if (self.#next >= self.#length)
                        return { done: true, value: undefined };
                    const it = self.#take();
                    if (it)
                        return self.#yield(it);
                    await new Promise((res) => {
                        self.#waiters.push(res);
                        self.#pool._watch();
                    });
                }
            },
            [Symbol.asyncIterator]() {
                return this;
            },
        };
    }
}
exports.IMapIterator = IMapIterator;
function deadlineOf(timeout) {
    if (timeout === undefined || timeout === null)
        return null;
    if (typeof timeout !== 'number' || Number.isNaN(timeout))
        throw (0, errors_1.invalidArgType)('timeout', 'a number or null', timeout);
    return performance.now() + Math.max(0, timeout) * 1000;
}
function remaining(deadline) {
    if (deadline === null)
        return null;
    return Math.max(0, (deadline - performance.now()) / 1000);
}
// In the worker (never returns): read a task, run it, write its result.
function workerMain(taskFd, resultFd, initializer, initargs, maxtasks) {
    const tasks = new connection_1.Connection(taskFd, -1, { writable: false });
    let code = 0;
    try {
        if (initializer)
            initializer(...initargs);
        for (let done = 0; maxtasks === 0 || done < maxtasks; done++) {
            let msg;
            try {
                msg = tasks.recv();
            }
            catch {
                break; // the pool closed our pipe (or died): leave
            }
            if (msg === null)
                break;
            const [id, ref, kind, args] = msg;
            let reply;
            try {
                const fn = lookup(ref);
                let value;
                if (kind === 0 /* Kind.Apply */)
                    value = checkSync(fn(...args));
                else if (kind === 1 /* Kind.Map */)
                    value = args.map((x) => checkSync(fn(x)));
                else
                    value = args.map((a) => checkSync(fn(...a)));
                try {
                    reply = (0, _codec_1.encode)([id, true, value]);
                }
                catch (e) {
                    throw (0, errors_2.stateError)('ERR_RESULT_NOT_CLONEABLE', `the result could not be sent to the parent: ${e.message}`);
                }
            }
            catch (e) {
                reply = packError(id, e);
            }
            (0, connection_1.sendFrame)(resultFd, reply);
        }
    }
    catch (e) {
        code = 1;
        try {
            process.stderr.write(`Pool worker ${process.pid}: ${(0, node_util_1.inspect)(e)}\n`);
        }
        catch { /* nowhere to report */ }
    }
    return os._exit(code);
}
function checkSync(v) {
    if (v !== null && typeof v === 'object' && typeof v.then === 'function') {
        throw (0, errors_2.stateError)('ERR_ASYNC_TARGET', 'the function returned a Promise: pool workers run functions synchronously (a forked worker cannot run the event loop)');
    }
    return v;
}
function packError(id, e) {
    const extra = {};
    if (e instanceof Error) {
        for (const [k, v] of Object.entries(e)) {
            try {
                (0, node_v8_1.serialize)(v);
                extra[k] = v;
            }
            catch { /* not cloneable: dropped */ }
        }
    }
    try {
        return (0, node_v8_1.serialize)([id, false, e, extra]);
    }
    catch {
        return (0, node_v8_1.serialize)([id, false, new Error(`task threw an uncloneable value: ${(0, node_util_1.inspect)(e)}`), {}]);
    }
}
const livePools = new Set();
const WAKE = Buffer.from([1]);
let exitHook = false;
let nextTaskId = 1;
class Pool {
    #n;
    #init;
    #initargs;
    #maxtasks;
    #state = 'run';
    #workers = [];
    #byFd = new Map();
    #pending = [];
    #inflight = 0;
    #ep;
    #watching = false;
    // Self-pipe in the epoll set: wakes a pending pollAsync when the last
    // result was collected synchronously, so no idle watch keeps the loop alive.
    #wakeR;
    #wakeW;
    #idleWaiters = [];
    #scratch = Buffer.allocUnsafe(64 * 1024);
    #owner = os.getpid();
    constructor(processes, options = {}) {
        if (processes !== null && typeof processes === 'object') {
            options = processes;
            processes = options.processes;
        }
        if (options === null || typeof options !== 'object')
            throw (0, errors_1.invalidArgType)('options', 'of type object', options);
        const n = processes ?? options.processes ?? (0, process_1.cpuCount)();
        this.#n = (0, errors_1.validateInteger)(n, 'processes', 1, 4096);
        if (options.initializer !== undefined)
            (0, errors_1.validateFunction)(options.initializer, 'options.initializer');
        if (options.initargs !== undefined && !Array.isArray(options.initargs))
            throw (0, errors_1.invalidArgType)('options.initargs', 'an array', options.initargs);
        this.#init = options.initializer;
        this.#initargs = options.initargs ?? [];
        this.#maxtasks = (0, errors_1.validateInteger)(options.maxtasksperchild ?? 0, 'options.maxtasksperchild', 0);
        if (options.functions !== undefined) {
            if (!Array.isArray(options.functions))
                throw (0, errors_1.invalidArgType)('options.functions', 'an array of functions', options.functions);
            registerFunction(...options.functions);
        }
        this.#ep = (0, select_1.epoll)();
        (0, _fork_1.addPrivateFd)(this.#ep.fileno());
        [this.#wakeR, this.#wakeW] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
        (0, _fork_1.addPrivateFd)(this.#wakeR);
        (0, _fork_1.addPrivateFd)(this.#wakeW);
        this.#ep.register(this.#wakeR, select_1.EPOLLIN);
        livePools.add(this);
        if (!exitHook) {
            exitHook = true;
            process.on('exit', () => {
                for (const p of [...livePools]) {
                    try {
                        if (p.#owner === os.getpid())
                            p.terminate();
                    }
                    catch { /* exiting anyway */ }
                }
            });
        }
        try {
            for (let i = 0; i < this.#n; i++)
                this.#spawn();
        }
        catch (e) {
            this.terminate();
            throw e;
        }
    }
    /** The pids of the current workers (replacements included). */
    get pids() {
        return this.#workers.map((w) => w.pid);
    }
    get processes() {
        return this.#n;
    }
    #spawn() {
        const [tr, tw] = os.pipe();
        const [rr, rw] = os.pipe();
        let pid;
        try {
            pid = os.fork();
        }
        catch (e) {
            for (const fd of [tr, tw, rr, rw])
                os.close(fd);
            throw e;
        }
        if (pid === 0) {
            os.close(tw);
            os.close(rr);
            (0, _fork_1.addPrivateFd)(tr);
            (0, _fork_1.addPrivateFd)(rw);
            workerMain(tr, rw, this.#init, this.#initargs, this.#maxtasks);
        }
        os.close(tr);
        os.close(rw);
        os.set_blocking(rr, false);
        (0, _fork_1.addPrivateFd)(tw);
        (0, _fork_1.addPrivateFd)(rr);
        const w = { pid, taskFd: tw, resultFd: rr, known: registry.length, task: null, buf: Buffer.alloc(0), len: 0, dead: false, given: 0 };
        this.#workers.push(w);
        this.#byFd.set(rr, w);
        this.#ep.register(rr, select_1.EPOLLIN);
    }
    // Stops an idle worker: a null task, then it exits and is reaped.
    #retire(w) {
        this.#remove(w);
        try {
            (0, connection_1.sendFrame)(w.taskFd, (0, _codec_1.encode)(null));
        }
        catch { /* already gone */ }
        (0, _fork_1.closePrivateFd)(w.taskFd);
        this.#reap(w, 0);
    }
    #remove(w) {
        if (w.dead)
            return;
        w.dead = true;
        const i = this.#workers.indexOf(w);
        if (i >= 0)
            this.#workers.splice(i, 1);
        this.#byFd.delete(w.resultFd);
        try {
            this.#ep.unregister(w.resultFd);
        }
        catch { /* epoll closed */ }
        (0, _fork_1.closePrivateFd)(w.resultFd);
    }
    #reap(w, flags) {
        try {
            const [p, status] = os.waitpid(w.pid, flags);
            return p === 0 ? null : os.waitstatus_to_exitcode(status);
        }
        catch {
            return null;
        }
    }
    // ---- submitting ------------------------------------------------------------
    #checkRunning() {
        if (this.#owner !== os.getpid())
            throw (0, errors_2.stateError)('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
        if (this.#state !== 'run')
            throw (0, errors_2.stateError)('ERR_POOL_NOT_RUNNING', 'Pool not running');
    }
    #submit(job, index, fn, kind, args, what) {
        const id = nextTaskId++;
        let payload;
        try {
            payload = (0, _codec_1.encode)([id, fn, kind, args]);
        }
        catch (e) {
            throw (0, errors_1.invalidArgValue)('args', args, `could not be cloned for the worker (${e.message})`);
        }
        this.#pending.push({ id, job, index, fn, payload, what });
        this.#inflight++;
    }
    /** Runs fn(...args) in a worker and returns its value (blocks). */
    apply(fn, args = []) {
        return this.applyAsync(fn, args).get();
    }
    /** Starts fn(...args) in a worker; the AsyncResult gets (or awaits) its value. */
    applyAsync(fn, args = [], options = {}) {
        this.#checkRunning();
        if (!Array.isArray(args))
            throw (0, errors_1.invalidArgType)('args', 'an array', args);
        const ref = fnRef(fn);
        const r = new AsyncResult(this, options);
        this.#submit(r, 0, ref, 0 /* Kind.Apply */, args, `apply(${fnName(fn)})`);
        this.#dispatch();
        return r;
    }
    /** [fn(x) for x of iterable], in order; chunks of `chunksize` items per task. */
    map(fn, iterable, chunksize) {
        return this.mapAsync(fn, iterable, chunksize).get();
    }
    mapAsync(fn, iterable, chunksize, options = {}) {
        return this.#mapAsync(fn, iterable, chunksize, 1 /* Kind.Map */, options);
    }
    /** fn(...args) for each args array, in order. */
    starmap(fn, iterable, chunksize) {
        return this.starmapAsync(fn, iterable, chunksize).get();
    }
    starmapAsync(fn, iterable, chunksize, options = {}) {
        return this.#mapAsync(fn, iterable, chunksize, 2 /* Kind.Starmap */, options);
    }
    #mapAsync(fn, iterable, chunksize, kind, options) {
        this.#checkRunning();
        const ref = fnRef(fn);
        const items = toArray(iterable, kind);
        let size;
        if (chunksize === undefined) {
            // Python's default: about four chunks per worker.
            size = Math.ceil(items.length / (this.#n * 4)) || 1;
        }
        else {
            size = (0, errors_1.validateInteger)(chunksize, 'chunksize', 1);
        }
        const chunks = Math.ceil(items.length / size);
        const r = new MapResult(this, items.length, size, chunks, options);
        const name = fnName(fn);
        for (let c = 0; c < chunks; c++) {
            this.#submit(r, c, ref, kind, items.slice(c * size, (c + 1) * size), `${kind === 1 /* Kind.Map */ ? 'map' : 'starmap'}(${name}) chunk ${c}`);
        }
        this.#dispatch();
        return r;
    }
    /** Lazy map: an iterator of results in order (next(timeout) blocks; for await works). */
    imap(fn, iterable, chunksize = 1) {
        return this.#imap(fn, iterable, chunksize, true);
    }
    /** As imap, results in completion order. */
    imapUnordered(fn, iterable, chunksize = 1) {
        return this.#imap(fn, iterable, chunksize, false);
    }
    #imap(fn, iterable, chunksize, ordered) {
        this.#checkRunning();
        const ref = fnRef(fn);
        const items = toArray(iterable, 1 /* Kind.Map */);
        const size = (0, errors_1.validateInteger)(chunksize, 'chunksize', 1);
        const it = new IMapIterator(this, items.length, size, ordered);
        const name = fnName(fn);
        for (let c = 0; c * size < items.length; c++) {
            this.#submit(it, c, ref, 1 /* Kind.Map */, items.slice(c * size, (c + 1) * size), `imap(${name}) chunk ${c}`);
        }
        this.#dispatch();
        return it;
    }
    // ---- running ---------------------------------------------------------------
    #dispatch() {
        if (this.#state === 'terminate')
            return;
        for (const w of [...this.#workers]) {
            if (this.#pending.length === 0)
                break;
            if (w.dead || w.task || (this.#maxtasks > 0 && w.given >= this.#maxtasks))
                continue;
            const t = this.#pending[0];
            if (typeof t.fn === 'number' && t.fn >= w.known) {
                // This worker was forked before the function existed: fork one that has it.
                this.#retire(w);
                this.#spawn();
                continue;
            }
            this.#pending.shift();
            w.task = t;
            w.given++;
            try {
                (0, connection_1.sendFrame)(w.taskFd, t.payload);
            }
            catch {
                // EPIPE: the worker is dead; its result pipe will say so.
            }
        }
        // Replacements forked above are idle: give them work too.
        if (this.#pending.length > 0 && this.#workers.some((w) => !w.task && !w.dead && w.given === 0 && (typeof this.#pending[0].fn !== 'number' || this.#pending[0].fn < w.known))) {
            this.#dispatch();
        }
    }
    /**
     * @internal Collects results: waits up to `timeout` seconds (null: until
     * something arrives) in poll(2) on the result fds, reads what is there,
     * replaces dead workers and hands out pending tasks.
     */
    _pump(timeout) {
        if (this.#owner !== os.getpid())
            throw (0, errors_2.stateError)('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
        this.#dispatch();
        if (this.#inflight === 0)
            return;
        const fds = this.#workers.map((w) => w.resultFd);
        if (fds.length === 0)
            return;
        const ready = (0, _wait_1.waitReadable)(fds, timeout);
        this.#drainFds(ready);
    }
    #drainFds(fds) {
        for (const fd of fds) {
            const w = this.#byFd.get(fd);
            if (w)
                this.#drain(w);
        }
        this.#maintain();
        this.#dispatch();
    }
    // Reads everything the worker's result pipe holds; parses whole frames.
    #drain(w) {
        for (;;) {
            let n;
            try {
                n = os.readinto(w.resultFd, this.#scratch);
            }
            catch (e) {
                if (e.code === 'EAGAIN')
                    break;
                throw e;
            }
            if (n === 0) {
                this.#parse(w);
                this.#died(w);
                return;
            }
            if (w.len + n > w.buf.length) {
                const next = Buffer.allocUnsafe(Math.max(w.buf.length * 2, w.len + n, 4096));
                w.buf.copy(next, 0, 0, w.len);
                w.buf = next;
            }
            this.#scratch.copy(w.buf, w.len, 0, n);
            w.len += n;
            if (n < this.#scratch.length)
                break;
        }
        this.#parse(w);
    }
    #parse(w) {
        let off = 0;
        while (w.len - off >= 4) {
            let size = w.buf.readInt32BE(off);
            let hlen = 4;
            if (size === -1) {
                if (w.len - off < 12)
                    break;
                size = Number(w.buf.readBigUInt64BE(off + 4));
                hlen = 12;
            }
            if (w.len - off - hlen < size)
                break;
            const body = w.buf.subarray(off + hlen, off + hlen + size);
            off += hlen + size;
            this.#deliver(w, (0, _codec_1.decode)(body));
        }
        if (off > 0) {
            w.buf.copy(w.buf, 0, off, w.len);
            w.len -= off;
        }
    }
    #deliver(w, msg) {
        const [id, ok, value, extra] = msg;
        const t = w.task;
        if (!t || t.id !== id)
            return;
        w.task = null;
        this.#inflight--;
        this.#idleWake();
        if (!ok && extra && value !== null && typeof value === 'object')
            Object.assign(value, extra);
        t.job._set(t.index, ok, value);
    }
    #died(w) {
        this.#remove(w);
        (0, _fork_1.closePrivateFd)(w.taskFd);
        // End of file on the result pipe: the worker has exited (or is exiting).
        const code = this.#reap(w, 0);
        const t = w.task;
        if (t) {
            w.task = null;
            this.#inflight--;
            this.#idleWake();
            t.job._set(t.index, false, new errors_2.WorkerLostError(w.pid, code, t.what));
        }
    }
    // Keeps the number of workers while there is work (or the pool runs).
    #maintain() {
        if (this.#state === 'terminate')
            return;
        const want = this.#state === 'run' || this.#pending.length > 0;
        while (want && this.#workers.length < this.#n)
            this.#spawn();
    }
    #idleWake() {
        if (this.#inflight !== 0)
            return;
        for (const res of this.#idleWaiters.splice(0))
            res();
        if (this.#watching && this.#wakeW >= 0) {
            try {
                os.write(this.#wakeW, WAKE);
            }
            catch { /* full: a wake-up is pending anyway */ }
        }
    }
    /** @internal Starts (once) the libuv watch that pumps results for the async forms. */
    _watch() {
        if (this.#watching || this.#inflight === 0 || this.#state === 'terminate')
            return;
        this.#watching = true;
        const loop = () => {
            if (this.#inflight === 0 || this.#state === 'terminate' || this.#ep.closed) {
                this.#watching = false;
                return;
            }
            this.#ep.pollAsync(null).then((events) => {
                const fds = events.map(([fd]) => fd);
                if (fds.includes(this.#wakeR))
                    this.#drainWake();
                this.#drainFds(fds);
                loop();
            }, (e) => {
                this.#watching = false;
                if (!this.#ep.closed)
                    process.stderr.write(`pool result watch failed: ${(0, node_util_1.inspect)(e)}\n`);
            });
        };
        loop();
    }
    // ---- stopping ----------------------------------------------------------------
    /** No more tasks; the workers leave once the submitted ones are done (join() waits). */
    close() {
        if (this.#state === 'run')
            this.#state = 'close';
    }
    /**
     * Kills the workers now (SIGTERM, SIGKILL after 1 s); pending and running
     * tasks fail with a ProcessError 'ERR_POOL_TERMINATED'.
     */
    terminate() {
        if (this.#owner !== os.getpid())
            return;
        if (this.#state === 'terminate' && this.#workers.length === 0)
            return;
        this.#state = 'terminate';
        livePools.delete(this);
        const workers = [...this.#workers];
        for (const w of workers) {
            try {
                os.kill(w.pid, SIGTERM);
            }
            catch { /* gone */ }
        }
        // Each worker's result pipe reaches EOF when it is gone: wait for that, not a sleep.
        const deadline = performance.now() + 1000;
        let alive = workers.filter((w) => this.#reap(w, os.WNOHANG) === null);
        while (alive.length > 0 && performance.now() < deadline) {
            (0, _wait_1.waitReadable)(alive.map((w) => w.resultFd), (deadline - performance.now()) / 1000);
            alive = alive.filter((w) => {
                try {
                    while (os.readinto(w.resultFd, this.#scratch) > 0) { /* discard */ }
                }
                catch (e) {
                    if (e.code === 'EAGAIN')
                        return true;
                }
                return false;
            });
        }
        for (const w of alive) {
            try {
                os.kill(w.pid, SIGKILL);
            }
            catch { /* gone */ }
        }
        const err = () => new errors_2.ProcessError('the pool was terminated before the task completed', 'ERR_POOL_TERMINATED');
        const failed = [];
        for (const w of workers) {
            this.#remove(w);
            (0, _fork_1.closePrivateFd)(w.taskFd);
            this.#reap(w, 0);
            if (w.task)
                failed.push(w.task);
            w.task = null;
        }
        failed.push(...this.#pending.splice(0));
        this.#inflight = 0;
        this.#closeEpoll();
        for (const res of this.#idleWaiters.splice(0))
            res();
        for (const t of failed)
            t.job._set(t.index, false, err());
    }
    #drainWake() {
        try {
            while (os.readinto(this.#wakeR, this.#scratch) > 0) { /* discard */ }
        }
        catch { /* EAGAIN: drained */ }
    }
    #closeEpoll() {
        if (this.#ep.closed)
            return;
        (0, _fork_1.forgetPrivateFd)(this.#ep.fileno());
        this.#ep.close();
        (0, _fork_1.closePrivateFd)(this.#wakeR);
        (0, _fork_1.closePrivateFd)(this.#wakeW);
        this.#wakeR = this.#wakeW = -1;
    }
    /** Waits for the workers to finish every task and leave; after close() or terminate(). */
    join() {
        if (this.#owner !== os.getpid())
            throw (0, errors_2.stateError)('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
        if (this.#state === 'run')
            throw (0, errors_2.stateError)('ERR_POOL_RUNNING', 'call close() or terminate() before join()');
        if (this.#state === 'terminate')
            return;
        while (this.#inflight > 0)
            this._pump(null);
        for (const w of [...this.#workers])
            this.#retire(w);
        livePools.delete(this);
        this.#state = 'terminate';
        this.#closeEpoll();
    }
    /** join() for the event loop (after close()). */
    async joinAsync() {
        if (this.#state === 'run')
            throw (0, errors_2.stateError)('ERR_POOL_RUNNING', 'call close() or terminate() before join()');
        if (this.#inflight > 0 && this.#state !== 'terminate') {
            await new Promise((res) => {
                this.#idleWaiters.push(res);
                this._watch();
            });
        }
        this.join();
    }
    [Symbol.dispose]() {
        this.terminate();
    }
}
exports.Pool = Pool;
function toArray(iterable, kind) {
    if (iterable === null || typeof iterable?.[Symbol.iterator] !== 'function') {
        throw (0, errors_1.invalidArgType)('iterable', 'an iterable', iterable);
    }
    const items = [...iterable];
    if (kind === 2 /* Kind.Starmap */) {
        for (const a of items)
            if (!Array.isArray(a))
                throw (0, errors_1.invalidArgType)('iterable item', 'an array of arguments', a);
    }
    return items;
}
function fnName(fn) {
    if (typeof fn === 'function')
        return fn.name || '<anonymous>';
    return typeof fn === 'string' ? fn : `${fn.module}#${fn.name}`;
}
