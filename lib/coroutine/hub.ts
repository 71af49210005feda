// A gevent-style hub: tasks (generator functions) scheduled by one loop that
// waits in the kernel with epoll_wait(2) (posixkit/select's poll_raw), with
// the nearest timer as its timeout. No libuv on this path: while the hub
// runs, it blocks the thread exactly as gevent's hub blocks in its loop.
//
// A task suspends only at `yield*` of an operation (sleep, join, a
// cooperative socket call); any other call runs to completion, so a
// blocking posixkit call inside a task blocks every task, as an unpatched
// blocking call does under gevent.
import { WakePipe } from '../internal/wake';
import { Epoll, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../select';
import { codedError, errno as E, errnoError, invalidArgType, outOfRange, toFd, FileLike } from '../errors';
import { Effect, Op, Task, TaskExit, TaskFn, TIMEOUT } from './task';
import { TimerHeap } from './timers';

export { Task, TaskExit } from './task';
export type { Effect, Op, TaskFn } from './task';

interface FdRec {
  r: Task<unknown> | null;
  w: Task<unknown> | null;
  /** Added to the epoll set (it may have been dropped by the kernel if the fd was closed). */
  added: boolean;
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
  #pipe: WakePipe;
  #wakeFd: number; // #pipe.readFd, read on every event
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
      this.#pipe = new WakePipe();
      this.#wakeFd = this.#pipe.readFd;
    } catch (e) {
      this.#ep.close();
      throw e;
    }
    this.#ep.register(this.#pipe.readFd, EPOLLIN);
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
    this.#pipe.wake();
  }

  /** Closes the epoll fd and the wake pipe. Suspended tasks stay suspended forever. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ep.close();
    this.#pipe.close();
    this.#fds.clear();
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
    const n = this.#ep.poll_raw(this.#events, timeout);
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
    if (fd === this.#wakeFd) {
      this.#pipe.drain();
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
