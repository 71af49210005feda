// Tasks (gevent's Greenlet) and the operations' shared pieces: the effects a
// task yields to its hub, the timeout marker, and the join operation.
import { invalidArgType, toList } from '../errors';
import { deadlineOf } from '../internal/deadline';
import type { Hub } from './hub';

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
/** @internal the value a timed-out wait resumes with. */
export const TIMEOUT: unique symbol = Symbol('timeout');

let taskCount = 0;
/** The most arguments a task takes (V8 refuses far longer calls anyway). */
const MAX_ARGS = 65536;

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
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    this.#fn = fn;
    // A copy, read once and capped at what a call can take: a 2**32-1 sparse
    // array would otherwise be spread into fn() on the first resume, for minutes.
    this.#args = toList(args, 'args', 'an array of arguments', MAX_ARGS, (a) => a);
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

/** @internal */
export function* joinOp(tasks: Task<unknown>[], timeout: number | null | undefined, need: number): Op<Task<unknown>[]> {
  const at = deadlineOf(timeout, 'timeout', 'error');
  for (;;) {
    const done = tasks.filter((t) => t._dead);
    if (done.length >= need) return done;
    const pending = tasks.filter((t) => !t._dead);
    if ((yield { k: 'join', tasks: pending, at }) === TIMEOUT) return tasks.filter((t) => t._dead);
  }
}
