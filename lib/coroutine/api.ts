// The module-level API over this thread's default hub: gevent's spawn, sleep,
// joinall, wait_read/wait_write, and run for plain code.
import { register_at_fork } from '../os';
import { errno as E, errnoError, FileLike, invalidArgType, toFd } from '../errors';
import { Hub } from './hub';
import { deadlineAfter, deadlineOf, timeoutSeconds } from '../internal/deadline';
import { joinOp, Op, Task, TaskFn, TIMEOUT } from './task';

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
  if (seconds === null) throw invalidArgType('seconds', 'of type number', seconds);
  const s = timeoutSeconds(seconds, 'seconds', 'zero');
  yield { k: 'sleep', at: s === 0 ? -Infinity : deadlineAfter(s) };
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
  const r = yield { k: 'wait', fd: f, write: false, at: deadlineOf(timeout, 'timeout', 'error') };
  if (r === TIMEOUT) throw errnoError(E.ETIMEDOUT, 'wait_read');
  return r as number;
}

/** Operation: suspends until `fd` is writable; as wait_read. */
export function* wait_write(fd: FileLike, timeout?: number | null): Op<number> {
  const f = toFd(fd);
  const r = yield { k: 'wait', fd: f, write: true, at: deadlineOf(timeout, 'timeout', 'error') };
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
