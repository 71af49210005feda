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
import { resolve as resolvePath } from 'node:path';
import { serialize } from 'node:v8';
import { decode, encode } from './_codec';
import { inspect } from 'node:util';
import { constants as nodeOsConstants } from 'node:os';
import { invalidArgType, invalidArgValue, validateFunction, validateInteger } from '../errors';
import * as os from '../os';
import { Epoll, EPOLLIN, epoll } from '../select';
import { addPrivateFd, closePrivateFd, forgetPrivateFd } from './_fork';
import { waitReadable } from './_wait';
import { Connection, sendFrame } from './connection';
import { ProcessError, TimeoutError, WorkerLostError, stateError } from './errors';
import { cpuCount } from './process';

const SIGTERM = nodeOsConstants.signals.SIGTERM;
const SIGKILL = nodeOsConstants.signals.SIGKILL;

// ---- functions ----------------------------------------------------------------
//
// A function cannot be structured-cloned. Workers are forked, so they hold a
// copy of every function the parent had at the time; what they lack is a way
// to name it. Functions get an id in this registry the first time a pool sees
// them; a worker knows the ids registered before it was forked. A task whose
// function is newer than an idle worker makes the pool replace that worker by
// a fresh fork (which knows it), once. A function may also be named by module
// path ('path/to/mod.js#name' or { module, name }): the worker require()s it.

export type ModuleRef = string | { module: string; name: string };
export type Callable = ((...args: any[]) => unknown) | ModuleRef;
type FnRef = number | { module: string; name: string };

const registry: Array<(...args: any[]) => unknown> = [];
const ids = new Map<(...args: any[]) => unknown, number>();

/** Registers functions ahead, so pools forked afterwards need no refork for them. */
export function registerFunction(...fns: Array<(...args: any[]) => unknown>): void {
  for (const fn of fns) {
    validateFunction(fn, 'fn');
    fnRef(fn);
  }
}

function fnRef(fn: Callable): FnRef {
  if (typeof fn === 'function') {
    let id = ids.get(fn);
    if (id === undefined) {
      id = registry.length;
      registry.push(fn);
      ids.set(fn, id);
    }
    return id;
  }
  let module: unknown, name: unknown;
  if (typeof fn === 'string') {
    const i = fn.lastIndexOf('#');
    if (i <= 0 || i === fn.length - 1) throw invalidArgValue('func', fn, "must look like 'path/to/module.js#exportName'");
    module = fn.slice(0, i);
    name = fn.slice(i + 1);
  } else if (fn !== null && typeof fn === 'object') {
    ({ module, name } = fn as { module: unknown; name: unknown });
  }
  if (typeof module !== 'string' || typeof name !== 'string') {
    throw invalidArgType('func', "a function, 'module#export' or { module, name }", fn);
  }
  const abs = module.startsWith('.') || module.startsWith('/') ? resolvePath(module) : module;
  return { module: abs, name };
}

function lookup(ref: FnRef): (...args: any[]) => unknown {
  if (typeof ref === 'number') {
    const fn = registry[ref];
    if (!fn) throw stateError('ERR_UNKNOWN_FUNCTION', `function #${ref} is unknown in this worker`);
    return fn;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ref.module) as Record<string, unknown>;
  const fn = mod[ref.name];
  if (typeof fn !== 'function') throw stateError('ERR_UNKNOWN_FUNCTION', `${ref.module} has no function export '${ref.name}'`);
  return fn as (...args: any[]) => unknown;
}

// ---- jobs: what the caller holds ---------------------------------------------------

const enum Kind { Apply = 0, Map = 1, Starmap = 2 }

interface Job {
  /** chunk `index` finished: ok with a value (an array for map chunks) or an error. */
  _set(index: number, ok: boolean, value: unknown): void;
}

interface Task {
  id: number;
  job: Job;
  index: number;
  fn: FnRef;
  payload: Buffer;
  what: string;
}

export interface ApplyOptions<T> {
  callback?: (value: T) => void;
  errorCallback?: (error: unknown) => void;
}

function runCallback(cb: ((v: any) => void) | undefined, v: unknown): void {
  if (!cb) return;
  try {
    cb(v);
  } catch (e) {
    // As Python's result handler: a failing callback is reported, the pool goes on.
    process.stderr.write(`Exception in pool callback: ${inspect(e)}\n`);
  }
}

/**
 * The handle of a task (Python's ApplyResult). get/wait/ready/successful as
 * Python; also a thenable: `await pool.applyAsync(f, [x])`.
 */
export class AsyncResult<T = unknown> implements Job, PromiseLike<T> {
  protected pool: Pool;
  #done = false;
  #ok = false;
  #value: unknown;
  #cb: ApplyOptions<T>;
  #promise: Promise<T> | null = null;
  #settle: [(v: T) => void, (e: unknown) => void] | null = null;

  /** @internal */
  constructor(pool: Pool, options: ApplyOptions<T> = {}) {
    this.pool = pool;
    this.#cb = options;
  }

  /** @internal */
  _set(_index: number, ok: boolean, value: unknown): void {
    this._finish(ok, value);
  }

  protected _finish(ok: boolean, value: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#ok = ok;
    this.#value = value;
    if (ok) runCallback(this.#cb.callback, value);
    else runCallback(this.#cb.errorCallback, value);
    if (this.#settle) {
      if (ok) this.#settle[0](value as T);
      else this.#settle[1](value);
    }
  }

  /** Whether the result is in (collects results that arrived, never blocks). */
  ready(): boolean {
    if (!this.#done) this.pool._pump(0);
    return this.#done;
  }

  /** Whether it completed without error; throws if not ready yet (as Python). */
  successful(): boolean {
    if (!this.ready()) throw stateError('ERR_RESULT_NOT_READY', 'result is not ready');
    return this.#ok;
  }

  /** Blocks until ready or `timeout` seconds pass (null/undefined: forever). */
  wait(timeout?: number | null): void {
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
  get(timeout?: number | null): T {
    this.wait(timeout);
    if (!this.#done) throw new TimeoutError();
    if (!this.#ok) throw this.#value;
    return this.#value as T;
  }

  then<R1 = T, R2 = never>(onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    if (!this.#promise) {
      this.#promise = new Promise<T>((res, rej) => { this.#settle = [res, rej]; });
      if (this.#done) {
        if (this.#ok) this.#settle![0](this.#value as T);
        else this.#settle![1](this.#value);
      } else {
        this.pool._watch();
      }
    }
    return this.#promise.then(onfulfilled, onrejected);
  }
}

/** mapAsync's result: get() is the list of all results in order. */
export class MapResult<T = unknown> extends AsyncResult<T[]> {
  #values: T[];
  #chunk: number;
  #left: number;

  /** @internal */
  constructor(pool: Pool, length: number, chunksize: number, chunks: number, options: ApplyOptions<T[]> = {}) {
    super(pool, options);
    this.#values = new Array<T>(length);
    this.#chunk = chunksize;
    this.#left = chunks;
    if (chunks === 0) this._finish(true, this.#values);
  }

  override _set(index: number, ok: boolean, value: unknown): void {
    if (!ok) {
      this._finish(false, value);
      return;
    }
    const vals = value as T[];
    for (let i = 0; i < vals.length; i++) this.#values[index * this.#chunk + i] = vals[i];
    if (--this.#left === 0) this._finish(true, this.#values);
  }
}

/** imap / imapUnordered: an iterator whose next(timeout) blocks, and an async iterator. */
export class IMapIterator<T = unknown> implements Job, IterableIterator<T>, AsyncIterable<T> {
  #pool: Pool;
  #ordered: boolean;
  #chunk: number;
  #length: number;
  #slots: Array<{ ok: boolean; value: unknown } | undefined>;
  #arrived: Array<{ ok: boolean; value: unknown }> = [];
  #next = 0;
  #waiters: Array<() => void> = [];

  /** @internal */
  constructor(pool: Pool, length: number, chunksize: number, ordered: boolean) {
    this.#pool = pool;
    this.#ordered = ordered;
    this.#chunk = chunksize;
    this.#length = length;
    this.#slots = new Array(length);
  }

  /** @internal */
  _set(index: number, ok: boolean, value: unknown): void {
    const base = index * this.#chunk;
    const n = Math.min(this.#chunk, this.#length - base);
    for (let i = 0; i < n; i++) {
      const item = ok ? { ok, value: (value as unknown[])[i] } : { ok, value };
      if (this.#ordered) this.#slots[base + i] = item;
      else this.#arrived.push(item);
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  #take(): { ok: boolean; value: unknown } | undefined {
    if (this.#ordered) {
      const it = this.#slots[this.#next];
      if (it) this.#slots[this.#next] = undefined;
      return it;
    }
    return this.#arrived.shift();
  }

  /** The next result; blocks (TimeoutError after `timeout` seconds). */
  next(timeout?: number | null): IteratorResult<T> {
    if (this.#next >= this.#length) return { done: true, value: undefined };
    const deadline = deadlineOf(timeout);
    for (;;) {
      const it = this.#take();
      if (it) return this.#yield(it);
      const left = remaining(deadline);
      if (left === 0 && deadline !== null) {
        this.#pool._pump(0);
        const again = this.#take();
        if (again) return this.#yield(again);
        throw new TimeoutError();
      }
      this.#pool._pump(left);
    }
  }

  #yield(it: { ok: boolean; value: unknown }): IteratorResult<T> {
    this.#next++;
    if (!it.ok) throw it.value;
    return { done: false, value: it.value as T };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const self = this;
    return {
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (self.#next >= self.#length) return { done: true, value: undefined };
          const it = self.#take();
          if (it) return self.#yield(it);
          await new Promise<void>((res) => {
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

function deadlineOf(timeout: number | null | undefined): number | null {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw invalidArgType('timeout', 'a number or null', timeout);
  return performance.now() + Math.max(0, timeout) * 1000;
}

function remaining(deadline: number | null): number | null {
  if (deadline === null) return null;
  return Math.max(0, (deadline - performance.now()) / 1000);
}

// ---- workers ---------------------------------------------------------------------

interface Worker {
  pid: number;
  taskFd: number;
  resultFd: number;
  known: number;
  task: Task | null;
  buf: Buffer;
  len: number;
  dead: boolean;
  /** tasks handed to it; at maxtasksperchild it leaves by itself */
  given: number;
}

// In the worker (never returns): read a task, run it, write its result.
function workerMain(taskFd: number, resultFd: number, initializer: ((...a: any[]) => unknown) | undefined,
  initargs: unknown[], maxtasks: number): never {
  const tasks = new Connection(taskFd, -1, { writable: false });
  let code = 0;
  try {
    if (initializer) initializer(...initargs);
    for (let done = 0; maxtasks === 0 || done < maxtasks; done++) {
      let msg: [number, FnRef, Kind, unknown[]] | null;
      try {
        msg = tasks.recv() as typeof msg;
      } catch {
        break; // the pool closed our pipe (or died): leave
      }
      if (msg === null) break;
      const [id, ref, kind, args] = msg;
      let reply: Buffer;
      try {
        const fn = lookup(ref);
        let value: unknown;
        if (kind === Kind.Apply) value = checkSync(fn(...args));
        else if (kind === Kind.Map) value = args.map((x) => checkSync(fn(x)));
        else value = args.map((a) => checkSync(fn(...(a as unknown[]))));
        try {
          reply = encode([id, true, value]);
        } catch (e) {
          throw stateError('ERR_RESULT_NOT_CLONEABLE', `the result could not be sent to the parent: ${(e as Error).message}`);
        }
      } catch (e) {
        reply = packError(id, e);
      }
      sendFrame(resultFd, reply);
    }
  } catch (e) {
    code = 1;
    try {
      process.stderr.write(`Pool worker ${process.pid}: ${inspect(e)}\n`);
    } catch { /* nowhere to report */ }
  }
  return os._exit(code);
}

function checkSync(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function') {
    throw stateError('ERR_ASYNC_TARGET',
      'the function returned a Promise: pool workers run functions synchronously (a forked worker cannot run the event loop)');
  }
  return v;
}

function packError(id: number, e: unknown): Buffer {
  const extra: Record<string, unknown> = {};
  if (e instanceof Error) {
    for (const [k, v] of Object.entries(e)) {
      try {
        serialize(v);
        extra[k] = v;
      } catch { /* not cloneable: dropped */ }
    }
  }
  try {
    return serialize([id, false, e, extra]);
  } catch {
    return serialize([id, false, new Error(`task threw an uncloneable value: ${inspect(e)}`), {}]);
  }
}

// ---- the pool ----------------------------------------------------------------------

export interface PoolOptions {
  /** Number of workers; default cpuCount(). */
  processes?: number;
  /** Runs in each new worker before its first task. */
  initializer?: (...args: any[]) => unknown;
  initargs?: unknown[];
  /** A worker leaves after this many tasks (chunks) and is replaced; 0 = never. */
  maxtasksperchild?: number;
  /** Functions to register before the workers fork (saves the refork on first use). */
  functions?: Array<(...args: any[]) => unknown>;
}

type State = 'run' | 'close' | 'terminate';
const livePools = new Set<Pool>();
const WAKE = Buffer.from([1]);
let exitHook = false;
let nextTaskId = 1;

export class Pool implements Disposable {
  #n: number;
  #init: ((...a: any[]) => unknown) | undefined;
  #initargs: unknown[];
  #maxtasks: number;
  #state: State = 'run';
  #workers: Worker[] = [];
  #byFd = new Map<number, Worker>();
  #pending: Task[] = [];
  #inflight = 0;
  #ep: Epoll;
  #watching = false;
  // Self-pipe in the epoll set: wakes a pending pollAsync when the last
  // result was collected synchronously, so no idle watch keeps the loop alive.
  #wakeR: number;
  #wakeW: number;
  #idleWaiters: Array<() => void> = [];
  #scratch = Buffer.allocUnsafe(64 * 1024);
  #owner = os.getpid();

  constructor(processes?: number | PoolOptions | null, options: PoolOptions = {}) {
    if (processes !== null && typeof processes === 'object') {
      options = processes;
      processes = options.processes;
    }
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const n = processes ?? options.processes ?? cpuCount();
    this.#n = validateInteger(n, 'processes', 1, 4096);
    if (options.initializer !== undefined) validateFunction(options.initializer, 'options.initializer');
    if (options.initargs !== undefined && !Array.isArray(options.initargs)) throw invalidArgType('options.initargs', 'an array', options.initargs);
    this.#init = options.initializer;
    this.#initargs = options.initargs ?? [];
    this.#maxtasks = validateInteger(options.maxtasksperchild ?? 0, 'options.maxtasksperchild', 0);
    if (options.functions !== undefined) {
      if (!Array.isArray(options.functions)) throw invalidArgType('options.functions', 'an array of functions', options.functions);
      registerFunction(...options.functions);
    }
    this.#ep = epoll();
    addPrivateFd(this.#ep.fileno());
    [this.#wakeR, this.#wakeW] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
    addPrivateFd(this.#wakeR);
    addPrivateFd(this.#wakeW);
    this.#ep.register(this.#wakeR, EPOLLIN);
    livePools.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const p of [...livePools]) {
          try {
            if (p.#owner === os.getpid()) p.terminate();
          } catch { /* exiting anyway */ }
        }
      });
    }
    try {
      for (let i = 0; i < this.#n; i++) this.#spawn();
    } catch (e) {
      this.terminate();
      throw e;
    }
  }

  /** The pids of the current workers (replacements included). */
  get pids(): number[] {
    return this.#workers.map((w) => w.pid);
  }

  get processes(): number {
    return this.#n;
  }

  #spawn(): void {
    const [tr, tw] = os.pipe();
    const [rr, rw] = os.pipe();
    let pid: number;
    try {
      pid = os.fork();
    } catch (e) {
      for (const fd of [tr, tw, rr, rw]) os.close(fd);
      throw e;
    }
    if (pid === 0) {
      os.close(tw);
      os.close(rr);
      addPrivateFd(tr);
      addPrivateFd(rw);
      workerMain(tr, rw, this.#init, this.#initargs, this.#maxtasks);
    }
    os.close(tr);
    os.close(rw);
    os.set_blocking(rr, false);
    addPrivateFd(tw);
    addPrivateFd(rr);
    const w: Worker = { pid, taskFd: tw, resultFd: rr, known: registry.length, task: null, buf: Buffer.alloc(0), len: 0, dead: false, given: 0 };
    this.#workers.push(w);
    this.#byFd.set(rr, w);
    this.#ep.register(rr, EPOLLIN);
  }

  // Stops an idle worker: a null task, then it exits and is reaped.
  #retire(w: Worker): void {
    this.#remove(w);
    try {
      sendFrame(w.taskFd, encode(null));
    } catch { /* already gone */ }
    closePrivateFd(w.taskFd);
    this.#reap(w, 0);
  }

  #remove(w: Worker): void {
    if (w.dead) return;
    w.dead = true;
    const i = this.#workers.indexOf(w);
    if (i >= 0) this.#workers.splice(i, 1);
    this.#byFd.delete(w.resultFd);
    try {
      this.#ep.unregister(w.resultFd);
    } catch { /* epoll closed */ }
    closePrivateFd(w.resultFd);
  }

  #reap(w: Worker, flags: number): number | null {
    try {
      const [p, status] = os.waitpid(w.pid, flags);
      return p === 0 ? null : os.waitstatus_to_exitcode(status);
    } catch {
      return null;
    }
  }

  // ---- submitting ------------------------------------------------------------

  #checkRunning(): void {
    if (this.#owner !== os.getpid()) throw stateError('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
    if (this.#state !== 'run') throw stateError('ERR_POOL_NOT_RUNNING', 'Pool not running');
  }

  #submit(job: Job, index: number, fn: FnRef, kind: Kind, args: unknown[], what: string): void {
    const id = nextTaskId++;
    let payload: Buffer;
    try {
      payload = encode([id, fn, kind, args]);
    } catch (e) {
      throw invalidArgValue('args', args, `could not be cloned for the worker (${(e as Error).message})`);
    }
    this.#pending.push({ id, job, index, fn, payload, what });
    this.#inflight++;
  }

  /** Runs fn(...args) in a worker and returns its value (blocks). */
  apply<T = unknown>(fn: Callable, args: unknown[] = []): T {
    return this.applyAsync<T>(fn, args).get();
  }

  /** Starts fn(...args) in a worker; the AsyncResult gets (or awaits) its value. */
  applyAsync<T = unknown>(fn: Callable, args: unknown[] = [], options: ApplyOptions<T> = {}): AsyncResult<T> {
    this.#checkRunning();
    if (!Array.isArray(args)) throw invalidArgType('args', 'an array', args);
    const ref = fnRef(fn);
    const r = new AsyncResult<T>(this, options);
    this.#submit(r, 0, ref, Kind.Apply, args, `apply(${fnName(fn)})`);
    this.#dispatch();
    return r;
  }

  /** [fn(x) for x of iterable], in order; chunks of `chunksize` items per task. */
  map<T = unknown>(fn: Callable, iterable: Iterable<unknown>, chunksize?: number): T[] {
    return this.mapAsync<T>(fn, iterable, chunksize).get();
  }

  mapAsync<T = unknown>(fn: Callable, iterable: Iterable<unknown>, chunksize?: number,
    options: ApplyOptions<T[]> = {}): MapResult<T> {
    return this.#mapAsync<T>(fn, iterable, chunksize, Kind.Map, options);
  }

  /** fn(...args) for each args array, in order. */
  starmap<T = unknown>(fn: Callable, iterable: Iterable<unknown[]>, chunksize?: number): T[] {
    return this.starmapAsync<T>(fn, iterable, chunksize).get();
  }

  starmapAsync<T = unknown>(fn: Callable, iterable: Iterable<unknown[]>, chunksize?: number,
    options: ApplyOptions<T[]> = {}): MapResult<T> {
    return this.#mapAsync<T>(fn, iterable, chunksize, Kind.Starmap, options);
  }

  #mapAsync<T>(fn: Callable, iterable: Iterable<unknown>, chunksize: number | undefined, kind: Kind,
    options: ApplyOptions<T[]>): MapResult<T> {
    this.#checkRunning();
    const ref = fnRef(fn);
    const items = toArray(iterable, kind);
    let size: number;
    if (chunksize === undefined) {
      // Python's default: about four chunks per worker.
      size = Math.ceil(items.length / (this.#n * 4)) || 1;
    } else {
      size = validateInteger(chunksize, 'chunksize', 1);
    }
    const chunks = Math.ceil(items.length / size);
    const r = new MapResult<T>(this, items.length, size, chunks, options);
    const name = fnName(fn);
    for (let c = 0; c < chunks; c++) {
      this.#submit(r, c, ref, kind, items.slice(c * size, (c + 1) * size), `${kind === Kind.Map ? 'map' : 'starmap'}(${name}) chunk ${c}`);
    }
    this.#dispatch();
    return r;
  }

  /** Lazy map: an iterator of results in order (next(timeout) blocks; for await works). */
  imap<T = unknown>(fn: Callable, iterable: Iterable<unknown>, chunksize = 1): IMapIterator<T> {
    return this.#imap<T>(fn, iterable, chunksize, true);
  }

  /** As imap, results in completion order. */
  imapUnordered<T = unknown>(fn: Callable, iterable: Iterable<unknown>, chunksize = 1): IMapIterator<T> {
    return this.#imap<T>(fn, iterable, chunksize, false);
  }

  #imap<T>(fn: Callable, iterable: Iterable<unknown>, chunksize: number, ordered: boolean): IMapIterator<T> {
    this.#checkRunning();
    const ref = fnRef(fn);
    const items = toArray(iterable, Kind.Map);
    const size = validateInteger(chunksize, 'chunksize', 1);
    const it = new IMapIterator<T>(this, items.length, size, ordered);
    const name = fnName(fn);
    for (let c = 0; c * size < items.length; c++) {
      this.#submit(it, c, ref, Kind.Map, items.slice(c * size, (c + 1) * size), `imap(${name}) chunk ${c}`);
    }
    this.#dispatch();
    return it;
  }

  // ---- running ---------------------------------------------------------------

  #dispatch(): void {
    if (this.#state === 'terminate') return;
    for (const w of [...this.#workers]) {
      if (this.#pending.length === 0) break;
      if (w.dead || w.task || (this.#maxtasks > 0 && w.given >= this.#maxtasks)) continue;
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
        sendFrame(w.taskFd, t.payload);
      } catch {
        // EPIPE: the worker is dead; its result pipe will say so.
      }
    }
    // Replacements forked above are idle: give them work too.
    if (this.#pending.length > 0 && this.#workers.some((w) => !w.task && !w.dead && w.given === 0 && (typeof this.#pending[0].fn !== 'number' || (this.#pending[0].fn as number) < w.known))) {
      this.#dispatch();
    }
  }

  /**
   * @internal Collects results: waits up to `timeout` seconds (null: until
   * something arrives) in poll(2) on the result fds, reads what is there,
   * replaces dead workers and hands out pending tasks.
   */
  _pump(timeout: number | null): void {
    if (this.#owner !== os.getpid()) throw stateError('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
    this.#dispatch();
    if (this.#inflight === 0) return;
    const fds = this.#workers.map((w) => w.resultFd);
    if (fds.length === 0) return;
    const ready = waitReadable(fds, timeout);
    this.#drainFds(ready);
  }

  #drainFds(fds: number[]): void {
    for (const fd of fds) {
      const w = this.#byFd.get(fd);
      if (w) this.#drain(w);
    }
    this.#maintain();
    this.#dispatch();
  }

  // Reads everything the worker's result pipe holds; parses whole frames.
  #drain(w: Worker): void {
    for (;;) {
      let n: number;
      try {
        n = os.readinto(w.resultFd, this.#scratch);
      } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') break;
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
      if (n < this.#scratch.length) break;
    }
    this.#parse(w);
  }

  #parse(w: Worker): void {
    let off = 0;
    while (w.len - off >= 4) {
      let size = w.buf.readInt32BE(off);
      let hlen = 4;
      if (size === -1) {
        if (w.len - off < 12) break;
        size = Number(w.buf.readBigUInt64BE(off + 4));
        hlen = 12;
      }
      if (w.len - off - hlen < size) break;
      const body = w.buf.subarray(off + hlen, off + hlen + size);
      off += hlen + size;
      this.#deliver(w, decode(body) as [number, boolean, unknown, Record<string, unknown>?]);
    }
    if (off > 0) {
      w.buf.copy(w.buf, 0, off, w.len);
      w.len -= off;
    }
  }

  #deliver(w: Worker, msg: [number, boolean, unknown, Record<string, unknown>?]): void {
    const [id, ok, value, extra] = msg;
    const t = w.task;
    if (!t || t.id !== id) return;
    w.task = null;
    this.#inflight--;
    this.#idleWake();
    if (!ok && extra && value !== null && typeof value === 'object') Object.assign(value, extra);
    t.job._set(t.index, ok, value);
  }

  #died(w: Worker): void {
    this.#remove(w);
    closePrivateFd(w.taskFd);
    // End of file on the result pipe: the worker has exited (or is exiting).
    const code = this.#reap(w, 0);
    const t = w.task;
    if (t) {
      w.task = null;
      this.#inflight--;
      this.#idleWake();
      t.job._set(t.index, false, new WorkerLostError(w.pid, code, t.what));
    }
  }

  // Keeps the number of workers while there is work (or the pool runs).
  #maintain(): void {
    if (this.#state === 'terminate') return;
    const want = this.#state === 'run' || this.#pending.length > 0;
    while (want && this.#workers.length < this.#n) this.#spawn();
  }

  #idleWake(): void {
    if (this.#inflight !== 0) return;
    for (const res of this.#idleWaiters.splice(0)) res();
    if (this.#watching && this.#wakeW >= 0) {
      try {
        os.write(this.#wakeW, WAKE);
      } catch { /* full: a wake-up is pending anyway */ }
    }
  }

  /** @internal Starts (once) the libuv watch that pumps results for the async forms. */
  _watch(): void {
    if (this.#watching || this.#inflight === 0 || this.#state === 'terminate') return;
    this.#watching = true;
    const loop = (): void => {
      if (this.#inflight === 0 || this.#state === 'terminate' || this.#ep.closed) {
        this.#watching = false;
        return;
      }
      this.#ep.pollAsync(null).then((events) => {
        const fds = events.map(([fd]) => fd);
        if (fds.includes(this.#wakeR)) this.#drainWake();
        this.#drainFds(fds);
        loop();
      }, (e) => {
        this.#watching = false;
        if (!this.#ep.closed) process.stderr.write(`pool result watch failed: ${inspect(e)}\n`);
      });
    };
    loop();
  }

  // ---- stopping ----------------------------------------------------------------

  /** No more tasks; the workers leave once the submitted ones are done (join() waits). */
  close(): void {
    if (this.#state === 'run') this.#state = 'close';
  }

  /**
   * Kills the workers now (SIGTERM, SIGKILL after 1 s); pending and running
   * tasks fail with a ProcessError 'ERR_POOL_TERMINATED'.
   */
  terminate(): void {
    if (this.#owner !== os.getpid()) return;
    if (this.#state === 'terminate' && this.#workers.length === 0) return;
    this.#state = 'terminate';
    livePools.delete(this);
    const workers = [...this.#workers];
    for (const w of workers) {
      try {
        os.kill(w.pid, SIGTERM);
      } catch { /* gone */ }
    }
    // Each worker's result pipe reaches EOF when it is gone: wait for that, not a sleep.
    const deadline = performance.now() + 1000;
    let alive = workers.filter((w) => this.#reap(w, os.WNOHANG) === null);
    while (alive.length > 0 && performance.now() < deadline) {
      waitReadable(alive.map((w) => w.resultFd), (deadline - performance.now()) / 1000);
      alive = alive.filter((w) => {
        try {
          while (os.readinto(w.resultFd, this.#scratch) > 0) { /* discard */ }
        } catch (e) {
          if ((e as { code?: string }).code === 'EAGAIN') return true;
        }
        return false;
      });
    }
    for (const w of alive) {
      try {
        os.kill(w.pid, SIGKILL);
      } catch { /* gone */ }
    }
    const err = (): ProcessError => new ProcessError('the pool was terminated before the task completed', 'ERR_POOL_TERMINATED');
    const failed: Task[] = [];
    for (const w of workers) {
      this.#remove(w);
      closePrivateFd(w.taskFd);
      this.#reap(w, 0);
      if (w.task) failed.push(w.task);
      w.task = null;
    }
    failed.push(...this.#pending.splice(0));
    this.#inflight = 0;
    this.#closeEpoll();
    for (const res of this.#idleWaiters.splice(0)) res();
    for (const t of failed) t.job._set(t.index, false, err());
  }

  #drainWake(): void {
    try {
      while (os.readinto(this.#wakeR, this.#scratch) > 0) { /* discard */ }
    } catch { /* EAGAIN: drained */ }
  }

  #closeEpoll(): void {
    if (this.#ep.closed) return;
    forgetPrivateFd(this.#ep.fileno());
    this.#ep.close();
    closePrivateFd(this.#wakeR);
    closePrivateFd(this.#wakeW);
    this.#wakeR = this.#wakeW = -1;
  }

  /** Waits for the workers to finish every task and leave; after close() or terminate(). */
  join(): void {
    if (this.#owner !== os.getpid()) throw stateError('ERR_POOL_NOT_OWNER', 'a pool can only be used by the process that created it');
    if (this.#state === 'run') throw stateError('ERR_POOL_RUNNING', 'call close() or terminate() before join()');
    if (this.#state === 'terminate') return;
    while (this.#inflight > 0) this._pump(null);
    for (const w of [...this.#workers]) this.#retire(w);
    livePools.delete(this);
    this.#state = 'terminate';
    this.#closeEpoll();
  }

  /** join() for the event loop (after close()). */
  async joinAsync(): Promise<void> {
    if (this.#state === 'run') throw stateError('ERR_POOL_RUNNING', 'call close() or terminate() before join()');
    if (this.#inflight > 0 && this.#state !== 'terminate') {
      await new Promise<void>((res) => {
        this.#idleWaiters.push(res);
        this._watch();
      });
    }
    this.join();
  }

  [Symbol.dispose](): void {
    this.terminate();
  }
}

function toArray(iterable: Iterable<unknown>, kind: Kind): unknown[] {
  if (iterable === null || typeof (iterable as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw invalidArgType('iterable', 'an iterable', iterable);
  }
  const items = [...iterable];
  if (kind === Kind.Starmap) {
    for (const a of items) if (!Array.isArray(a)) throw invalidArgType('iterable item', 'an array of arguments', a);
  }
  return items;
}

function fnName(fn: Callable): string {
  if (typeof fn === 'function') return fn.name || '<anonymous>';
  return typeof fn === 'string' ? fn : `${fn.module}#${fn.name}`;
}
