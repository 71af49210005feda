// What every synchronization primitive shares: the futex calls, timeouts as
// monotonic deadlines, the caller's identity, the 3-state futex mutex, and
// the descriptors by which a primitive crosses to a worker thread.
// The primitives themselves: synchronize.ts (Lock ... Event), barrier.ts.
import { isMainThread } from 'node:worker_threads';
import { codedError, invalidArgType } from '../errors';
import * as deadline from '../internal/deadline';
import { family } from '../native';
import { attachBlock, Block, SharedBlock } from './heap';

interface SyncNative {
  futex_wait(view: Int32Array, index: number, expected: number, timeout?: number): number;
  futex_wake(view: Int32Array, index: number, count: number): number;
  kill(pid: number, sig: number): void;
  gettid(): number;
  mmanConstants: Record<string, number>;
}
/** @internal */
export const native = family<SyncNative>();
/** @internal */
export const ETIMEDOUT = -native.mmanConstants.ETIMEDOUT;
/** @internal */
export const ALL = 0x7fffffff;

// ---- errors ------------------------------------------------------------------

/** Raised by release() of a lock that is not held (Python: ValueError / RuntimeError). */
export function lockNotHeld(what: string): Error & { code: string } {
  return codedError('ERR_LOCK_NOT_HELD', what);
}

// ---- helpers -----------------------------------------------------------------

/** Seconds -> an absolute deadline in ms; undefined/null = never. Negative = 0, as multiprocessing. */
/** @internal */
export function deadlineOf(timeout: number | null | undefined): number {
  return deadline.deadlineOf(timeout, 'timeout', 'zero');
}

/** Python's (block, timeout) pair of get/put/acquire as a deadline: now when not blocking (timeout still checked). */
/** @internal */
export function blockDeadline(block: unknown, timeout: unknown): number {
  const d = deadline.deadlineOf(timeout, 'timeout', 'zero');
  return block === false ? 0 : d;
}

/** Seconds left until `deadline` (undefined = forever), or -1 when past. */
/** @internal */
export function secondsLeft(deadline: number): number | undefined {
  if (deadline === Infinity) return undefined;
  const left = (deadline - performance.now()) / 1000;
  return left > 0 ? left : -1;
}

// The calling thread's identity: pid plus kernel tid. The main thread's tid
// is its pid (also in a forked child, where process.pid is refreshed); a
// worker thread, which cannot fork, keeps its own tid for life.
const workerTid = isMainThread ? 0 : native.gettid();
/** @internal */
export function selfIds(): [number, number] {
  const pid = process.pid;
  return [pid, isMainThread ? pid : workerTid];
}

/** @internal */
export function words(block: Block, n: number): Int32Array {
  return new Int32Array(block.map.buffer, block.byteOffset, n);
}

/** The plain-object form of a primitive, for a worker thread (see threading.Thread). */
export interface SharedSync {
  readonly __posixkit_sync: string;
  block: SharedBlock;
  extra?: unknown;
}

export const SHARE = Symbol.for('posixkit.share');

export interface Shareable {
  [SHARE](): SharedSync;
}

type Reviver = (block: Block, extra: unknown) => object;
const revivers = new Map<string, Reviver>();

/** @internal modules whose objects may cross to a worker register here. */
export function registerReviver(kind: string, fn: Reviver): void {
  revivers.set(kind, fn);
}

/** Is `x` a descriptor made by a primitive's [SHARE]()? */
export function isSharedSync(x: unknown): x is SharedSync {
  return x !== null && typeof x === 'object' && typeof (x as SharedSync).__posixkit_sync === 'string';
}

/** Rebuilds, in this thread, the primitive a [SHARE]() descriptor describes. */
export function fromShared<T = unknown>(desc: SharedSync): T {
  if (isSharedSync(desc) && !revivers.has(desc.__posixkit_sync)) {
    // Value and SharedArray register from their own module, which the
    // receiving thread may not have loaded yet.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./sharedctypes');
  }
  const revive = isSharedSync(desc) ? revivers.get(desc.__posixkit_sync) : undefined;
  if (!revive) throw invalidArgType('desc', 'a shared primitive descriptor', desc);
  return revive(attachBlock(desc.block), desc.extra) as T;
}

/** Something with acquire()/release() (Lock, RLock, Semaphore, Condition). */
export interface Lockable {
  acquire(block?: boolean, timeout?: number | null): boolean;
  release(): void;
}

/**
 * Python's `with lock:`. Acquires, runs fn, releases even if fn throws, and
 * returns fn's result. (Or: `using _ = lock.hold();`.)
 */
export function withLock<T>(lock: Lockable, fn: () => T): T {
  lock.acquire();
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** @internal */
export function holder(lock: Lockable): Disposable {
  lock.acquire();
  let held = true;
  return {
    [Symbol.dispose]() {
      if (held) {
        held = false;
        lock.release();
      }
    },
  };
}

// ---- the futex mutex (Drepper, "Futexes Are Tricky", mutex 3) ------------------
// word: 0 unlocked, 1 locked, 2 locked and maybe waiters.

/** @internal */
export function mutexLockSlow(w: Int32Array, i: number, c: number, deadline: number): boolean {
  if (c !== 2) c = Atomics.exchange(w, i, 2);
  while (c !== 0) {
    const left = secondsLeft(deadline);
    if (left === -1) return false;
    native.futex_wait(w, i, 2, left);
    c = Atomics.exchange(w, i, 2);
  }
  return true;
}

/** @internal */
export function mutexLock(w: Int32Array, i: number, block: boolean, timeout: number | null | undefined): boolean {
  const c = Atomics.compareExchange(w, i, 0, 1);
  if (c === 0) return true;
  if (!block) return false;
  return mutexLockSlow(w, i, c, deadlineOf(timeout));
}

/** false if it was not locked. */
/** @internal */
export function mutexUnlock(w: Int32Array, i: number): boolean {
  const c = Atomics.compareExchange(w, i, 1, 0);
  if (c === 1) return true;
  if (c === 0) return false;
  Atomics.store(w, i, 0);
  native.futex_wake(w, i, 1);
  return true;
}

// ---- the robust mutex ----------------------------------------------------------
// word: 0 free, else the owner's kernel tid, | WAITERS once someone sleeps on
// it. Like the mutex above it lets a running thread take a just-released lock
// (no hand-off to a sleeper, so no convoy), and a sleeper is woken by
// futex_wake. Because the word names its owner, a holder that died (SIGKILL
// included) cannot wedge the others: a sleeper wakes at least every
// DEAD_CHECK seconds, and if the owner's tid no longer exists it takes the
// lock over. (A tid reused by an unrelated thread in the meantime looks
// alive, as with any pid-based check.) Only the owning thread may unlock it.
// Used where one process dying must not block the others: the Queue's locks.

const WAITERS = 0x80000000 | 0;
const TID_MASK = 0x3fffffff;
const DEAD_CHECK = 0.2;

/** The calling thread's kernel tid. */
/** @internal */
export function selfTid(): number {
  return isMainThread ? process.pid : workerTid;
}

function alive(tid: number): boolean {
  try {
    native.kill(tid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}

/** Outcome of robustLock: 'ok', 'died' (the previous owner died holding it; the caller owns it now), or false (timed out). */
export type RobustResult = 'ok' | 'died' | false;

/** @internal */
export function robustLock(w: Int32Array, i: number, deadline: number): RobustResult {
  const tid = selfTid();
  if (Atomics.compareExchange(w, i, 0, tid) === 0) return 'ok';
  for (;;) {
    let v = Atomics.load(w, i);
    if (v === 0) {
      // Taken as contended: others may still sleep, so our unlock must wake one.
      if (Atomics.compareExchange(w, i, 0, tid | WAITERS) === 0) return 'ok';
      continue;
    }
    if ((v & TID_MASK) === tid) throw codedError('ERR_LOCK_DEADLOCK', 'the calling thread already holds this lock');
    if (!(v & WAITERS)) {
      if (Atomics.compareExchange(w, i, v, v | WAITERS) !== v) continue;
      v |= WAITERS;
    }
    const left = secondsLeft(deadline);
    const r = left === -1 ? ETIMEDOUT : native.futex_wait(w, i, v, left === undefined || left > DEAD_CHECK ? DEAD_CHECK : left);
    if (r === ETIMEDOUT && Atomics.load(w, i) === v && ((v & TID_MASK) === 0 || !alive(v & TID_MASK))) {
      if (Atomics.compareExchange(w, i, v, tid | WAITERS) === v) return 'died';
      continue;
    }
    if (left === -1) return false;
  }
}

/** Is `w[i]` held by the calling thread? */
/** @internal */
export function robustOwned(w: Int32Array, i: number): boolean {
  return (Atomics.load(w, i) & TID_MASK) === selfTid();
}

/** @internal */
export function robustUnlock(w: Int32Array, i: number): void {
  const tid = selfTid();
  const c = Atomics.compareExchange(w, i, tid, 0);
  if (c === tid) return;
  if ((c & TID_MASK) !== tid) throw lockNotHeld('cannot release a lock held by another thread');
  Atomics.store(w, i, 0);
  native.futex_wake(w, i, 1);
}
