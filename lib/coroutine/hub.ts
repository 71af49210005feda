// A gevent-style hub: tasks (generator functions) scheduled by one loop that
// waits in the kernel with epoll_wait(2) (posixkit/select's pollInto), with
// the nearest timer as its timeout. No libuv on this path: while the hub
// runs, it blocks the thread exactly as gevent's hub blocks in its loop.
//
// A task suspends only at `yield*` of an operation (sleep, join, a
// cooperative socket call); any other call runs to completion, so a
// blocking posixkit call inside a task blocks every task, as an unpatched
// blocking call does under gevent.
import { register_at_fork, close as osClose, pipe2, read as osRead, write as osWrite, O_NONBLOCK } from '../os';
import { Epoll, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../select';
import { codedError, errno as E, errnoError, invalidArgType, outOfRange, toFd, FileLike } from '../errors';

/** What a task yields to the hub (internal; tasks only ever `yield*` operations). */
export type Effect =
  | { k: 'sleep'; at: number }
  | { k: 'wait'; fd: number; write: boolean; at: number }
  | { k: 'join'; tasks: Task<unknown>[]; at: number };

/** An operation: a generator a task delegates to with `yield*`. */
export type Op<T> = Generator<Effect, T, unknown>;

/** A task body: a generator function (or a plain function, which runs to completion at once). */
export type TaskFn<A extends unknown[], R> = (...args: A) => Generator<Effect, R, unknown> | R;

/** Thrown inside a task by kill(); a task that lets it escape ends normally (value undefined). */
export class TaskExit extends Error {
  constructor(message = 'TaskExit') {
    super(message);
    this.name = 'TaskExit';
  }
}

// The value a timed-out wait resumes with.
const TIMEOUT: unique symbol = Symbol('timeout');

function deadlineOf(timeout: number | null | undefined, name = 'timeout'): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw invalidArgType(name, 'of type number or null', timeout);
  if (timeout < 0) throw outOfRange(name, '>= 0 or null', timeout);
  return performance.now() + timeout * 1000;
}

let taskCount = 0;

/**
 * A spawned task, gevent's Greenlet: `value`, `exception`, `dead`,
 * `ready()`, `successful()`, `join()`, `kill()`.
 */
export class Task<R = unknown> {
  readonly hub: Hub;
  readonly name: string;
  /** The return value, once the task ended normally. */
  value: R | undefined = undefined;
  /** What the task threw (undefined if it has not, or ended by kill()). */
  exception: unknown = undefined;
  #fn: TaskFn<any[], R>;
  #args: unknown[];
  /** @internal */ _gen: Generator<Effect, R, unknown> | null = null;
  /** @internal */ _dead = false;
  /** @internal bumped on every suspension and wake, so stale timers and fd events are ignored. */
  _token = 0;
  /** @internal */ _joiners = new Set<Task<unknown>>();
  /** @internal the fd wait in progress, for clean-up when woken otherwise. */
  _fdWait: { fd: number; write: boolean } | null = null;
  /** @internal */ _joinWait: Task<unknown>[] | null = null;
  /** @internal kill() called while the task itself runs. */
  _pendingKill: unknown = undefined;

  /** @internal use spawn() or hub.spawn(). */
  constructor(hub: Hub, fn: TaskFn<any[], R>, args: unknown[], name?: string) {
    this.hub = hub;
    this.#fn = fn;
    this.#args = args;
    this.name = name ?? `Task-${++taskCount}`;
  }

  /** True once the task ended (returned, threw or was killed). */
  get dead(): boolean {
    return this._dead;
  }

  ready(): boolean {
    return this._dead;
  }

  /** Ended without an exception. */
  successful(): boolean {
    return this._dead && this.exception === undefined;
  }

  /** @internal first resume: call the function. */
  _start(): Generator<Effect, R, unknown> | { done: R } {
    const r = this.#fn(...this.#args);
    if (r && typeof (r as Generator).next === 'function' && typeof (r as Generator).throw === 'function') {
      return r as Generator<Effect, R, unknown>;
    }
    return { done: r as R };
  }

  /**
   * Operation: waits until this task ends or `timeout` seconds pass (then
   * check `dead`). Never throws the task's exception; read `exception`.
   */
  *join(timeout?: number | null): Op<void> {
    yield* joinOp([this as Task<unknown>], timeout, 1);
  }

  /**
   * Ends the task: raises `err` (TaskExit by default) at its suspension
   * point on the hub's next turn. A task not yet started just ends.
   * Does not wait: `yield* task.join()` for that.
   */
  kill(err: unknown = new TaskExit()): void {
    this.hub._kill(this, err);
  }

  toString(): string {
    return `<Task ${this.name}${this._dead ? ' dead' : ''}>`;
  }
}

function* joinOp(tasks: Task<unknown>[], timeout: number | null | undefined, need: number): Op<Task<unknown>[]> {
  const at = deadlineOf(timeout);
  for (;;) {
    const done = tasks.filter((t) => t._dead);
    if (done.length >= need) return done;
    const pending = tasks.filter((t) => !t._dead);
    if ((yield { k: 'join', tasks: pending, at }) === TIMEOUT) return tasks.filter((t) => t._dead);
  }
}

interface FdRec {
  r: Task<unknown> | null;
  w: Task<unknown> | null;
  /** Added to the epoll set (it may have been dropped by the kernel if the fd was closed). */
  added: boolean;
}

interface Timer {
  at: number;
  task: Task<unknown>;
  token: number;
}

// A binary min-heap of timers; stale entries (old tokens) are dropped lazily.
class TimerHeap {
  #a: Timer[] = [];
  get size(): number {
    return this.#a.length;
  }
  peek(): Timer | undefined {
    return this.#a[0];
  }
  push(t: Timer): void {
    const a = this.#a;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= a[i].at) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].at < a[m].at) m = l;
        if (r < a.length && a[r].at < a[m].at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

interface HubOptions {
  /** Events fetched per epoll_wait (default 256). */
  maxevents?: number;
}

/**
 * The scheduler. run() loops: resume ready tasks, then epoll_wait for fd
 * readiness with the nearest timer as timeout, then wake the tasks whose
 * fds or timers fired. stop() (safe from a signal handler or a task) wakes
 * the loop through a self-pipe in the epoll set.
 */
export class Hub implements Disposable {
  #ep: Epoll;
  #events: Int32Array;
  // Each entry carries the task's token when queued: a later wake (a kill) makes it stale.
  #ready: Array<{ task: Task<unknown>; value: unknown; isThrow: boolean; token: number }> = [];
  #timers = new TimerHeap();
  #fds = new Map<number, FdRec>();
  #fdWaiters = 0;
  #wakeR: number;
  #wakeW: number;
  #stopping = false;
  #running = false;
  #current: Task<unknown> | null = null;
  #closed = false;

  constructor(options: HubOptions = {}) {
    const max = options.maxevents ?? 256;
    if (!Number.isInteger(max) || max < 1) throw outOfRange('options.maxevents', 'an integer >= 1', max);
    this.#events = new Int32Array(2 * max);
    this.#ep = new Epoll();
    try {
      [this.#wakeR, this.#wakeW] = pipe2(O_NONBLOCK);
    } catch (e) {
      this.#ep.close();
      throw e;
    }
    this.#ep.register(this.#wakeR, EPOLLIN);
  }

  /** The task running now, or null when plain code runs. */
  get current(): Task<unknown> | null {
    return this.#current;
  }

  /** The epoll fd the hub waits on. */
  fileno(): number {
    return this.#ep.fileno();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Creates a task that starts on the hub's next turn. */
  spawn<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'a function or generator function', fn);
    if (this.#closed) throw codedError('ERR_HUB_CLOSED', 'the hub is closed');
    const t = new Task<R>(this, fn as TaskFn<any[], R>, args);
    this.#ready.push({ task: t as Task<unknown>, value: undefined, isThrow: false, token: 0 });
    return t;
  }

  /**
   * Runs the loop. Without an operation: until no task can make progress
   * (nothing ready, no timer, no fd wait) or stop() is called. With one
   * (`hub.run(joinall(tasks))`): until it completes; returns its value or
   * throws its exception; throws ERR_LOOP_EXIT if it could never complete.
   * Blocks the thread (epoll_wait); the Node event loop does not turn.
   */
  run(): void;
  run<T>(op: Op<T>): T;
  run<T>(op?: Op<T>): T | void {
    if (this.#running) throw codedError('ERR_HUB_RUNNING', 'the hub is already running (inside a task, use yield*)');
    if (this.#closed) throw codedError('ERR_HUB_CLOSED', 'the hub is closed');
    this.#running = true;
    try {
      if (op === undefined) {
        while (!this.#stopping && this.#turn()) { /* loop */ }
        return;
      }
      const t = this.spawn(function* () { return yield* op; });
      while (!t._dead) {
        if (this.#stopping) throw codedError('ERR_HUB_STOPPED', 'hub.stop() was called before the operation completed');
        if (!this.#turn(t) && !t._dead) {
          throw codedError('ERR_LOOP_EXIT', 'this operation would block forever: no task, timer or fd wait can make progress');
        }
      }
      if (t.exception !== undefined) throw t.exception;
      return t.value as T;
    } finally {
      this.#stopping = false;
      this.#running = false;
    }
  }

  /** Makes run() return after the current turn; async-signal-friendly (a pipe write wakes epoll_wait). */
  stop(): void {
    this.#stopping = true;
    if (this.#closed) return;
    try {
      osWrite(this.#wakeW, Buffer.of(1));
    } catch {
      // EAGAIN: the pipe is full, so a wake-up is already pending.
    }
  }

  /** Closes the epoll fd and the wake pipe. Suspended tasks stay suspended forever. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ep.close();
    osClose(this.#wakeR);
    osClose(this.#wakeW);
    this.#fds.clear();
    if (defaultHub === this) defaultHub = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Forgets `fd` before its owner closes it: drops it from the epoll set and
   * throws EBADF into the tasks waiting on it (gevent's cancel_wait).
   */
  forget(fd: FileLike): void {
    const f = toFd(fd);
    const rec = this.#fds.get(f);
    if (!rec) return;
    this.#fds.delete(f);
    if (rec.added && !this.#closed) {
      try {
        this.#ep.unregister(f);
      } catch {
        // already gone with a close
      }
    }
    for (const t of [rec.r, rec.w]) {
      if (t) this.#wake(t, errnoError(E.EBADF, 'epoll_wait'), true);
    }
  }

  /**
   * Prints a task's uncaught exception to stderr, as gevent prints a failed
   * greenlet. Override (or assign) to change; the task's `exception` keeps it.
   */
  handleError(task: Task<unknown>, err: unknown): void {
    process.stderr.write(`${task} failed with ${(err as Error)?.stack ?? String(err)}\n`);
  }

  // ---- internals ---------------------------------------------------------------

  /** @internal */
  _kill(task: Task<unknown>, err: unknown): void {
    if (task._dead) return;
    if (task === this.#current) {
      task._pendingKill = err;
      return;
    }
    if (task._gen === null) {
      // Never started: it ends now without running.
      this.#ready = this.#ready.filter((r) => r.task !== task);
      this.#finish(task, undefined, err instanceof TaskExit ? undefined : err, !(err instanceof TaskExit));
      return;
    }
    this.#wake(task, err, true);
  }

  // One turn of the loop; false when nothing can ever make progress.
  #turn(done?: Task<unknown>): boolean {
    this.#runReady();
    if (this.#stopping || done?._dead) return true;
    const timeout = this.#timeout();
    if (timeout === null) return false;
    const n = this.#ep.pollInto(this.#events, timeout);
    if (n < 0) throw errnoError(-n, 'epoll_wait');
    const ev = this.#events;
    for (let i = 0; i < n; i++) this.#dispatch(ev[2 * i], ev[2 * i + 1]);
    this.#fireTimers();
    return true;
  }

  // Seconds to wait: 0 if work is ready, the nearest timer, -1 for fd waits only, null if idle forever.
  #timeout(): number | null {
    if (this.#ready.length > 0) return 0;
    const timers = this.#timers;
    for (let t = timers.peek(); t && t.token !== t.task._token; t = timers.peek()) timers.pop();
    const top = timers.peek();
    if (top) return Math.max(0, top.at - performance.now()) / 1000;
    return this.#fdWaiters > 0 ? -1 : null;
  }

  #runReady(): void {
    // Only what is ready now: tasks made ready meanwhile wait for the next turn, after the fds are polled.
    const batch = this.#ready;
    this.#ready = [];
    for (const { task, value, isThrow, token } of batch) {
      if (!task._dead && token === task._token) this.#resume(task, value, isThrow);
    }
  }

  #resume(task: Task<unknown>, value: unknown, isThrow: boolean): void {
    this.#current = task;
    let r: IteratorResult<Effect, unknown>;
    try {
      if (task._gen === null) {
        const g = task._start();
        if (!('next' in g)) {
          this.#finish(task, g.done, undefined, false);
          return;
        }
        task._gen = g;
        r = g.next();
      } else {
        r = isThrow ? task._gen.throw(value) : task._gen.next(value);
      }
    } catch (e) {
      if (e instanceof TaskExit) this.#finish(task, undefined, undefined, false);
      else this.#finish(task, undefined, e, true);
      return;
    } finally {
      this.#current = null;
    }
    if (r.done) this.#finish(task, r.value, undefined, false);
    else this.#suspend(task, r.value);
  }

  #finish(task: Task<unknown>, value: unknown, err: unknown, failed: boolean): void {
    task._dead = true;
    task._gen = null;
    if (failed) {
      task.exception = err;
      this.handleError(task, err);
    } else {
      task.value = value;
    }
    for (const j of task._joiners) this.#wake(j, undefined, false);
    task._joiners.clear();
  }

  #suspend(task: Task<unknown>, eff: Effect): void {
    const token = ++task._token;
    if (task._pendingKill !== undefined) {
      // kill() of the running task: raised at its next suspension point.
      const err = task._pendingKill;
      task._pendingKill = undefined;
      this.#ready.push({ task, value: err, isThrow: true, token });
      return;
    }
    if (eff === null || typeof eff !== 'object' || typeof (eff as Effect).k !== 'string') {
      const what = eff && typeof (eff as unknown as Generator).next === 'function' ? 'a generator (write yield*, not yield)' : String(eff);
      this.#ready.push({ task, value: new TypeError(`${task.name} yielded ${what}; tasks yield* hub operations`), isThrow: true, token });
      return;
    }
    if (Number.isFinite(eff.at)) this.#timers.push({ at: eff.at, task, token });
    switch (eff.k) {
      case 'sleep':
        if (eff.at === -Infinity) this.#ready.push({ task, value: undefined, isThrow: false, token });
        break;
      case 'join':
        task._joinWait = eff.tasks;
        for (const t of eff.tasks) t._joiners.add(task);
        break;
      case 'wait':
        this.#waitFd(task, eff.fd, eff.write);
        break;
    }
  }

  #waitFd(task: Task<unknown>, fd: number, write: boolean): void {
    let rec = this.#fds.get(fd);
    if (!rec) {
      rec = { r: null, w: null, added: false };
      this.#fds.set(fd, rec);
    }
    const other = write ? rec.w : rec.r;
    if (other && other !== task) {
      this.#ready.push({
        task, isThrow: true, token: task._token,
        value: codedError('ERR_CONCURRENT_USE', `fd ${fd} is already waited on for ${write ? 'write' : 'read'} by ${other.name}`),
      });
      return;
    }
    if (write) rec.w = task;
    else rec.r = task;
    task._fdWait = { fd, write };
    this.#fdWaiters++;
    try {
      this.#arm(fd, rec);
    } catch (e) {
      this.#clearWaits(task);
      this.#ready.push({ task, value: e, isThrow: true, token: task._token });
    }
  }

  // One-shot interest: a fd nobody waits on cannot wake the loop (EPOLLHUP is always reported otherwise).
  #arm(fd: number, rec: FdRec): void {
    const mask = (rec.r ? EPOLLIN : 0) | (rec.w ? EPOLLOUT : 0) | EPOLLONESHOT;
    if (rec.added) {
      try {
        this.#ep.modify(fd, mask);
        return;
      } catch (e) {
        // The fd was closed and reused since (the kernel dropped it from the set): add it again.
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
    }
    this.#ep.register(fd, mask);
    rec.added = true;
  }

  #dispatch(fd: number, events: number): void {
    if (fd === this.#wakeR) {
      try {
        while (osRead(this.#wakeR, 64).length === 64) { /* drain */ }
      } catch {
        // EAGAIN: drained
      }
      return;
    }
    const rec = this.#fds.get(fd);
    if (!rec) return;
    const r = rec.r;
    const w = rec.w;
    if (r && events & (EPOLLIN | EPOLLERR | EPOLLHUP)) this.#wake(r, events, false);
    if (w && events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) this.#wake(w, events, false);
    if ((rec.r || rec.w) && this.#fds.get(fd) === rec) this.#arm(fd, rec);
  }

  #fireTimers(): void {
    const now = performance.now();
    for (let t = this.#timers.peek(); t && t.at <= now; t = this.#timers.peek()) {
      this.#timers.pop();
      if (t.token === t.task._token && !t.task._dead) this.#wake(t.task, TIMEOUT, false);
    }
  }

  #clearWaits(task: Task<unknown>): void {
    const fw = task._fdWait;
    if (fw) {
      task._fdWait = null;
      this.#fdWaiters--;
      const rec = this.#fds.get(fw.fd);
      if (rec) {
        if (fw.write && rec.w === task) rec.w = null;
        if (!fw.write && rec.r === task) rec.r = null;
      }
    }
    if (task._joinWait) {
      for (const t of task._joinWait) t._joiners.delete(task);
      task._joinWait = null;
    }
  }

  #wake(task: Task<unknown>, value: unknown, isThrow: boolean): void {
    if (task._dead) return;
    task._token++; // invalidates its timer and any other registration
    this.#clearWaits(task);
    this.#ready.push({ task, value, isThrow, token: task._token });
  }

  /** @internal used by the cooperative socket: is `value` the timeout marker? */
  static _isTimeout(value: unknown): boolean {
    return value === TIMEOUT;
  }
}

// ---- the default hub (one per thread; a forked child starts with a new one) -----

let defaultHub: Hub | null = null;

/** This thread's hub, created on first use. */
export function getHub(): Hub {
  if (!defaultHub || defaultHub.closed) defaultHub = new Hub();
  return defaultHub;
}

register_at_fork({
  after_in_child: () => {
    // The epoll instance is shared with the parent after fork: the child must not use it.
    if (defaultHub) {
      const h = defaultHub;
      defaultHub = null;
      try {
        h.close();
      } catch {
        // nothing to do
      }
    }
  },
});

/** Spawns on this thread's hub: gevent.spawn. The task starts when the hub runs. */
export function spawn<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return getHub().spawn(fn, ...args);
}

/**
 * Operation: suspends the task for `seconds` (0: just lets the other ready
 * tasks run first). From plain code: `run(sleep(1))`.
 */
export function* sleep(seconds = 0): Op<void> {
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw invalidArgType('seconds', 'of type number', seconds);
  yield { k: 'sleep', at: seconds <= 0 ? -Infinity : performance.now() + seconds * 1000 };
}

/**
 * Operation: waits until every task ended, or `timeout` seconds passed (or
 * `count` of them ended); returns the tasks that ended. With `raiseError`,
 * the first exception of an ended task is thrown.
 */
export function* joinall(tasks: Iterable<Task<any>>, timeout?: number | null, raiseError = false,
  count?: number): Op<Task<any>[]> {
  const list = Array.from(tasks);
  for (const t of list) if (!(t instanceof Task)) throw invalidArgType('tasks[]', 'a Task', t);
  const done = yield* joinOp(list, timeout, count ?? list.length);
  if (raiseError) {
    const failed = done.find((t) => t.exception !== undefined);
    if (failed) throw failed.exception;
  }
  return done;
}

/**
 * Operation: suspends until `fd` is readable (or hung up / in error);
 * returns the epoll events. With `timeout` (seconds), throws a TimeoutError
 * ('ETIMEDOUT') when it passes. gevent's wait_read.
 */
export function* wait_read(fd: FileLike, timeout?: number | null): Op<number> {
  const f = toFd(fd);
  const r = yield { k: 'wait', fd: f, write: false, at: deadlineOf(timeout) };
  if (r === TIMEOUT) throw errnoError(E.ETIMEDOUT, 'wait_read');
  return r as number;
}

/** Operation: suspends until `fd` is writable; as wait_read. */
export function* wait_write(fd: FileLike, timeout?: number | null): Op<number> {
  const f = toFd(fd);
  const r = yield { k: 'wait', fd: f, write: true, at: deadlineOf(timeout) };
  if (r === TIMEOUT) throw errnoError(E.ETIMEDOUT, 'wait_write');
  return r as number;
}

/**
 * Runs this thread's hub (see Hub.run): `run()` until idle or stop(),
 * `run(op)` until the operation completes, e.g. `run(joinall(tasks))`.
 */
export function run(): void;
export function run<T>(op: Op<T>): T;
export function run<T>(op?: Op<T>): T | void {
  return op === undefined ? getHub().run() : getHub().run(op);
}

/** The running task of this thread's hub (null in plain code): gevent.getcurrent(). */
export function getcurrent(): Task<unknown> | null {
  return defaultHub?.current ?? null;
}
