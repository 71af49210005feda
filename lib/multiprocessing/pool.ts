// Pool: Python's multiprocessing.Pool on forked workers, without threads.
//
// Each worker has its own task pipe (parent -> worker) and result pipe
// (worker -> parent) and runs one task (or one chunk of a map) at a time, so
// the parent always knows which task a worker holds. Before running a task
// the worker writes its id into a word of shared memory: when a worker dies,
// its result pipe reaches end of file, the parent reaps it and forks a
// replacement; the task it held fails with WorkerLostError only if the word
// says it had started it. A task sent to a worker that was already dead
// (killed while idle) never ran, and goes to another worker.
//
// There is no result-handler thread: results are pumped from the result pipes
// by whoever waits. Synchronous waits (get, wait, map, imap's next, join)
// block in poll(2) over the result fds; the async forms (await an
// AsyncResult, mapAsync, for await over imap) let libuv watch an epoll fd
// holding the same result fds, so the event loop is never blocked.
import { constants as nodeOsConstants } from 'node:os';
import { inspect } from 'node:util';
import { decode, encode, encodeParts } from './_codec';
import { invalidArgType, invalidArgValue, outOfRange, toList, validateFunction, validateInteger } from '../errors';
import * as os from '../os';
import { getrlimit, RLIM_INFINITY, RLIMIT_NOFILE, RLIMIT_NPROC } from '../resource';
import { Epoll, EPOLLIN, epoll } from '../select';
import { WakePipe } from '../internal/wake';
import { addPrivateFd, closePrivateFd, forgetPrivateFd } from './_fork';
import { waitReadable } from './_wait';
import { FrameBuffer, sendFrame } from './connection';
import { errorFromParts, ProcessError, WorkerLostError, stateError } from './errors';
import { cpuCount } from './process';
import { allocate } from './heap';
import { type Callable, type FnRef, fnName, fnRef, knownFunctions, registerFunction } from './pool-functions';
import { type ApplyOptions, AsyncResult, IMapIterator, type Job, Kind, MapResult, type Task } from './pool-results';
import { workerMain } from './pool-worker';

export { registerFunction } from './pool-functions';
export type { Callable, ModuleRef } from './pool-functions';
export { AsyncResult, IMapIterator, MapResult } from './pool-results';
export type { ApplyOptions } from './pool-results';

const SIGTERM = nodeOsConstants.signals.SIGTERM;
const SIGKILL = nodeOsConstants.signals.SIGKILL;

// ---- workers (parent side) ---------------------------------------------------------

interface Worker {
  pid: number;
  taskFd: number;
  resultFd: number;
  known: number;
  /** tasks sent to it, oldest first: the one it runs, then at most one queued behind */
  tasks: Task[];
  frames: FrameBuffer;
  dead: boolean;
  /** tasks handed to it; at maxtasksperchild it leaves by itself */
  given: number;
  /** shared word: the id (| 0) of the task the worker last started */
  started: Int32Array;
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
  #wake: WakePipe;
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
    this.#n = validateInteger(n, 'processes', 1, maxProcesses());
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
    this.#wake = new WakePipe();
    addPrivateFd(this.#wake.readFd);
    addPrivateFd(this.#wake.writeFd);
    this.#ep.register(this.#wake.readFd, EPOLLIN);
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
    const block = allocate(4, 4);
    const started = new Int32Array(block.map.buffer, block.byteOffset, 1);
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
      workerMain(tr, rw, this.#init, this.#initargs, this.#maxtasks, started);
    }
    os.close(tr);
    os.close(rw);
    os.set_blocking(rr, false);
    addPrivateFd(tw);
    addPrivateFd(rr);
    const w: Worker = { pid, taskFd: tw, resultFd: rr, known: knownFunctions(), tasks: [], frames: new FrameBuffer(), dead: false, given: 0, started };
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

  // A task's message is built when it is dispatched (a long map starts its
  // first chunk at once); `eager` builds it now, so that arguments that
  // cannot be cloned throw from the call that passed them.
  #submit(job: Job, index: number, fn: FnRef, kind: Kind, args: unknown[], what: string, eager = false): void {
    const id = nextTaskId++;
    const t: Task = { id, job, index, fn, kind, args, payload: null, what };
    if (eager) this.#encode(t, true);
    this.#pending.push(t);
    this.#inflight++;
  }

  #encode(t: Task, rethrow: boolean): boolean {
    try {
      t.payload = encodeParts([[t.id, t.fn, t.kind], t.args]);
      t.args = [];
      return true;
    } catch (e) {
      const err = invalidArgValue('args', t.args, `could not be cloned for the worker (${(e as Error).message})`);
      if (rethrow) throw err;
      this.#inflight--;
      t.job._set(t.index, false, err);
      return false;
    }
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
    this.#submit(r, 0, ref, Kind.Apply, args, `apply(${fnName(fn)})`, true);
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

  // Hands pending tasks to workers: first one to each idle worker, then a
  // second map chunk to busy ones, so a worker goes on to its next chunk
  // while this process is still collecting the last one (its result pipe
  // and this process's work overlap). Single tasks (apply) never wait
  // behind another in a worker's pipe.
  #dispatch(): void {
    if (this.#state === 'terminate') return;
    for (let depth = 0; depth < 2 && this.#pending.length > 0; depth++) {
      for (const w of [...this.#workers]) {
        if (this.#pending.length === 0) break;
        if (w.dead || w.tasks.length !== depth || (this.#maxtasks > 0 && w.given >= this.#maxtasks)) continue;
        const t = this.#pending[0];
        if (depth > 0 && t.kind === Kind.Apply) return;
        if (typeof t.fn === 'number' && t.fn >= w.known) {
          if (depth > 0) continue;
          // This worker was forked before the function existed: fork one that has it.
          this.#retire(w);
          this.#spawn();
          continue;
        }
        this.#pending.shift();
        if (t.payload === null && !this.#encode(t, false)) continue;
        w.tasks.push(t);
        w.given++;
        try {
          sendFrame(w.taskFd, t.payload!);
        } catch {
          // EPIPE: the worker is dead; its result pipe will say so.
        }
      }
    }
    // Replacements forked above are idle: give them work too.
    if (this.#pending.length > 0 && this.#workers.some((w) => w.tasks.length === 0 && !w.dead && w.given === 0 && (typeof this.#pending[0].fn !== 'number' || (this.#pending[0].fn as number) < w.known))) {
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
      w.frames.push(this.#scratch, n);
      if (n < this.#scratch.length) break;
    }
    this.#parse(w);
  }

  #parse(w: Worker): void {
    w.frames.take((body) => { this.#deliver(w, decode(body, true) as [[number, boolean], unknown]); });
  }

  #deliver(w: Worker, msg: [[number, boolean], unknown]): void {
    const [[id, ok], result] = msg;
    const t = w.tasks[0];
    if (!t || t.id !== id) return;
    w.tasks.shift();
    this.#inflight--;
    this.#idleWake();
    const value = ok ? result : errorFromParts(...(result as [unknown, Record<string, unknown>, string]));
    t.job._set(t.index, ok, value);
  }

  #died(w: Worker): void {
    this.#remove(w);
    closePrivateFd(w.taskFd);
    // End of file on the result pipe: the worker has exited (or is exiting).
    const code = this.#reap(w, 0);
    const tasks = w.tasks.splice(0);
    if (tasks.length === 0) return;
    const t = tasks[0];
    // Only a task the worker had started can have been lost with it; the
    // others (one queued behind it, or any task sent to a worker that was
    // killed while idle) run elsewhere.
    const lost = Atomics.load(w.started, 0) === (t.id | 0);
    this.#pending.unshift(...(lost ? tasks.slice(1) : tasks));
    if (!lost) return;
    this.#inflight--;
    this.#idleWake();
    t.job._set(t.index, false, new WorkerLostError(w.pid, code, t.what));
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
    if (this.#watching) this.#wake.wake();
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
        if (fds.includes(this.#wake.readFd)) this.#wake.drain();
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
      failed.push(...w.tasks.splice(0));
    }
    failed.push(...this.#pending.splice(0));
    this.#inflight = 0;
    this.#closeEpoll();
    for (const res of this.#idleWaiters.splice(0)) res();
    for (const t of failed) t.job._set(t.index, false, err());
  }

  #closeEpoll(): void {
    if (this.#ep.closed) return;
    forgetPrivateFd(this.#ep.fileno());
    this.#ep.close();
    forgetPrivateFd(this.#wake.readFd);
    forgetPrivateFd(this.#wake.writeFd);
    this.#wake.close();
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

/**
 * The most workers a Pool may have: what the process and fd limits leave
 * (each worker is a process and holds two fds of ours), and never more than
 * MAX_POOL_PROCESSES. Python has no cap; here a Pool too big to start is a
 * RangeError before the first fork rather than a crawl into EAGAIN/EMFILE.
 */
const MAX_POOL_PROCESSES = 1024;
function maxProcesses(): number {
  let max = MAX_POOL_PROCESSES;
  const [nproc] = getrlimit(RLIMIT_NPROC);
  if (nproc !== RLIM_INFINITY) max = Math.min(max, nproc);
  const [nofile] = getrlimit(RLIMIT_NOFILE);
  if (nofile !== RLIM_INFINITY) max = Math.min(max, Math.floor((nofile - 32) / 4));
  return Math.max(1, max);
}

/** The most items one map/starmap takes (Python would run out of memory instead). */
const MAX_MAP_ITEMS = 2 ** 24;

function toArray(iterable: Iterable<unknown>, kind: Kind): unknown[] {
  // A plain array is only ever sliced, never changed: no copy (spreading
  // 100,000 items through the iterator protocol costs ~10 ms). Anything else
  // is read once, at most MAX_MAP_ITEMS items (an endless generator ends).
  const items = Array.isArray(iterable) && Object.getPrototypeOf(iterable) === Array.prototype
    ? iterable as unknown[] : toList(iterable, 'iterable', 'an iterable', MAX_MAP_ITEMS, (x) => x);
  if (items.length > MAX_MAP_ITEMS) throw outOfRange('iterable.length', `<= ${MAX_MAP_ITEMS}`, items.length);
  if (kind === Kind.Starmap) {
    for (const a of items) if (!Array.isArray(a)) throw invalidArgType('iterable item', 'an array of arguments', a);
  }
  return items;
}

