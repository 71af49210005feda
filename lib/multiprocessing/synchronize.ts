// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition (and Barrier,
// from barrier.ts): the multiprocessing synchronization primitives on int32
// words in shared memory (heap.ts). The uncontended paths are Atomics on
// those words; a contended caller sleeps in the kernel with futex_wait, never
// by sleeping and polling. They work across forked processes (the pages are
// inherited) and across worker threads (the words cross as a descriptor, see
// threading.ts).
import { codedError, invalidArgType, outOfRange, validateInteger } from '../errors';
import { allocate, Block, shareBlock } from './heap';
import {
  ALL, deadlineOf, ETIMEDOUT, fromShared, holder, lockNotHeld, mutexLock, mutexLockSlow, mutexUnlock,
  native, registerReviver, secondsLeft, selfIds, SHARE, words,
} from './sync-core';
import type { Lockable, Shareable, SharedSync } from './sync-core';

export { fromShared, isSharedSync, lockNotHeld, registerReviver, SHARE, withLock } from './sync-core';
export type { Lockable, Shareable, SharedSync } from './sync-core';
export { Barrier, BrokenBarrierError } from './barrier';

// ---- Lock --------------------------------------------------------------------

/**
 * A non-recursive lock shared by processes and threads. Any process may
 * release it (as multiprocessing.Lock, a semaphore underneath).
 */
export class Lock implements Lockable, Shareable {
  readonly #w: Int32Array;
  readonly #block: Block;

  constructor(block?: Block) {
    this.#block = block ?? allocate(4, 4);
    this.#w = words(this.#block, 1);
  }

  /**
   * Takes the lock. block=false: try once. timeout (seconds): give up after
   * it. Returns whether the lock was taken.
   */
  acquire(block = true, timeout?: number | null): boolean {
    const c = Atomics.compareExchange(this.#w, 0, 0, 1);
    if (c === 0) return true;
    if (!block) return false;
    return mutexLockSlow(this.#w, 0, c, deadlineOf(timeout));
  }

  /** Releases; throws ERR_LOCK_NOT_HELD if the lock is not locked. */
  release(): void {
    if (!mutexUnlock(this.#w, 0)) throw lockNotHeld('release unlocked lock');
  }

  /** Is it held (by anyone)? */
  locked(): boolean {
    return Atomics.load(this.#w, 0) !== 0;
  }

  /** `using _ = lock.hold();` acquires now and releases at the end of the scope. */
  hold(): Disposable {
    return holder(this);
  }

  [SHARE](): SharedSync {
    return { __posixkit_sync: 'Lock', block: shareBlock(this.#block) };
  }

  toString(): string {
    return `<Lock(owner=${this.locked() ? 'held' : 'None'})>`;
  }
}
registerReviver('Lock', (b) => new Lock(b));

// ---- RLock -------------------------------------------------------------------
// words: [mutex, owner pid, owner tid, count]

/** A recursive lock: its owner (process and thread) may take it again; release as often. */
export class RLock implements Lockable, Shareable {
  readonly #w: Int32Array;
  readonly #block: Block;

  constructor(block?: Block) {
    this.#block = block ?? allocate(16, 4);
    this.#w = words(this.#block, 4);
  }

  acquire(block = true, timeout?: number | null): boolean {
    const w = this.#w;
    const [pid, tid] = selfIds();
    if (Atomics.load(w, 1) === pid && Atomics.load(w, 2) === tid) {
      Atomics.add(w, 3, 1);
      return true;
    }
    if (!mutexLock(w, 0, block, timeout)) return false;
    Atomics.store(w, 1, pid);
    Atomics.store(w, 2, tid);
    Atomics.store(w, 3, 1);
    return true;
  }

  release(): void {
    if (!this.isOwned()) throw lockNotHeld('cannot release un-acquired lock');
    const w = this.#w;
    if (Atomics.sub(w, 3, 1) > 1) return;
    Atomics.store(w, 1, 0);
    Atomics.store(w, 2, 0);
    mutexUnlock(w, 0);
  }

  /** Held by the calling thread of this process? */
  isOwned(): boolean {
    const [pid, tid] = selfIds();
    return Atomics.load(this.#w, 1) === pid && Atomics.load(this.#w, 2) === tid && Atomics.load(this.#w, 3) > 0;
  }

  /** @internal Condition.wait: release every level, return the count. */
  _releaseSave(): number {
    const w = this.#w;
    const count = Atomics.load(w, 3);
    Atomics.store(w, 3, 0);
    Atomics.store(w, 1, 0);
    Atomics.store(w, 2, 0);
    mutexUnlock(w, 0);
    return count;
  }

  /** @internal Condition.wait: take the lock back with its count. */
  _acquireRestore(count: number): void {
    const w = this.#w;
    mutexLock(w, 0, true, undefined);
    const [pid, tid] = selfIds();
    Atomics.store(w, 1, pid);
    Atomics.store(w, 2, tid);
    Atomics.store(w, 3, count);
  }

  hold(): Disposable {
    return holder(this);
  }

  [SHARE](): SharedSync {
    return { __posixkit_sync: 'RLock', block: shareBlock(this.#block) };
  }

  toString(): string {
    const w = this.#w;
    const count = Atomics.load(w, 3);
    return count ? `<RLock(${Atomics.load(w, 1)}:${Atomics.load(w, 2)}, ${count})>` : '<RLock(None, 0)>';
  }
}
registerReviver('RLock', (b) => new RLock(b));

// ---- Semaphore -----------------------------------------------------------------
// words: [value, sleepers, max (BoundedSemaphore; 0 = unbounded)]

function checkValue(value: unknown): number {
  validateInteger(value, 'value', Number.MIN_SAFE_INTEGER, 0x7fffffff);
  if ((value as number) < 0) throw outOfRange('value', '>= 0', value);
  return value as number;
}

/** A counting semaphore shared by processes and threads. */
export class Semaphore implements Lockable, Shareable {
  protected readonly w: Int32Array;
  readonly #block: Block;

  constructor(value: number = 1, block?: Block) {
    this.#block = block ?? allocate(12, 4);
    this.w = words(this.#block, 3);
    if (!block) Atomics.store(this.w, 0, checkValue(value));
  }

  /** Decrements, blocking while the value is 0 (up to `timeout` seconds). */
  acquire(block = true, timeout?: number | null): boolean {
    const w = this.w;
    if (this.#tryDown()) return true;
    if (!block) return false;
    const deadline = deadlineOf(timeout);
    Atomics.add(w, 1, 1);
    try {
      for (;;) {
        const left = secondsLeft(deadline);
        if (left === -1) return this.#tryDown();
        native.futex_wait(w, 0, 0, left);
        if (this.#tryDown()) return true;
      }
    } finally {
      Atomics.sub(w, 1, 1);
    }
  }

  #tryDown(): boolean {
    const w = this.w;
    let v = Atomics.load(w, 0);
    while (v > 0) {
      const seen = Atomics.compareExchange(w, 0, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  /** Increments by n (default 1), waking up to n sleepers. */
  release(n: number = 1): void {
    validateInteger(n, 'n', 1, 0x7fffffff);
    this.up(n);
  }

  protected up(n: number): void {
    Atomics.add(this.w, 0, n);
    // A sleeper counts itself before it sleeps and futex_wait re-checks the
    // value in the kernel, so either it sees the new value or we see it.
    if (Atomics.load(this.w, 1) > 0) native.futex_wake(this.w, 0, n);
  }

  /** multiprocessing's get_value(). */
  getValue(): number {
    return Atomics.load(this.w, 0);
  }

  hold(): Disposable {
    return holder(this);
  }

  [SHARE](): SharedSync {
    return { __posixkit_sync: this.constructor.name, block: shareBlock(this.#block) };
  }

  toString(): string {
    return `<${this.constructor.name}(value=${this.getValue()})>`;
  }
}
registerReviver('Semaphore', (b) => new Semaphore(0, b));

/** A Semaphore whose release() past its initial value throws (ValueError in Python). */
export class BoundedSemaphore extends Semaphore {
  constructor(value: number = 1, block?: Block) {
    super(value, block);
    if (!block) Atomics.store(this.w, 2, value);
  }

  protected override up(n: number): void {
    const w = this.w;
    const max = Atomics.load(w, 2);
    let v = Atomics.load(w, 0);
    for (;;) {
      if (v + n > max) throw codedError('ERR_SEMAPHORE_RELEASED_TOO_MANY', 'Semaphore released too many times');
      const seen = Atomics.compareExchange(w, 0, v, v + n);
      if (seen === v) break;
      v = seen;
    }
    if (Atomics.load(w, 1) > 0) native.futex_wake(w, 0, n);
  }
}
registerReviver('BoundedSemaphore', (b) => new BoundedSemaphore(0, b));

// ---- Condition -----------------------------------------------------------------
// word: [sequence]; notify bumps it and wakes sleepers on it.

/** A condition variable over a Lock or RLock (a new RLock by default), shared by processes. */
export class Condition implements Lockable, Shareable {
  readonly #w: Int32Array;
  readonly #block: Block;
  readonly #lock: Lock | RLock;

  constructor(lock?: Lock | RLock | null, block?: Block) {
    if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw invalidArgType('lock', 'a Lock or RLock', lock);
    }
    this.#lock = lock ?? new RLock();
    this.#block = block ?? allocate(4, 4);
    this.#w = words(this.#block, 1);
  }

  acquire(block = true, timeout?: number | null): boolean {
    return this.#lock.acquire(block, timeout);
  }

  release(): void {
    this.#lock.release();
  }

  hold(): Disposable {
    return holder(this);
  }

  #checkHeld(what: string): void {
    const lock = this.#lock;
    const held = lock instanceof RLock ? lock.isOwned() : lock.locked();
    if (!held) throw lockNotHeld(`cannot ${what} on un-acquired lock`);
  }

  /**
   * Releases the lock, sleeps until notified (or `timeout` seconds), takes
   * the lock back. Returns false on timeout. Like every condition variable
   * it may wake without a notify: loop on your predicate (or use waitFor).
   */
  wait(timeout?: number | null): boolean {
    this.#checkHeld('wait');
    const deadline = deadlineOf(timeout);
    const seq = Atomics.load(this.#w, 0);
    const lock = this.#lock;
    const saved = lock instanceof RLock ? lock._releaseSave() : (lock.release(), 1);
    let r = 0;
    try {
      const left = secondsLeft(deadline);
      r = left === -1 ? ETIMEDOUT : native.futex_wait(this.#w, 0, seq, left);
    } finally {
      if (lock instanceof RLock) lock._acquireRestore(saved);
      else lock.acquire();
    }
    return r !== ETIMEDOUT;
  }

  /** Waits until predicate() is truthy or the timeout passes; returns the last predicate value. */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    const deadline = deadlineOf(timeout);
    let result = predicate();
    while (!result) {
      const left = secondsLeft(deadline);
      if (left === -1) break;
      this.wait(left);
      result = predicate();
    }
    return result;
  }

  /** Wakes up to n waiters (the lock must be held). */
  notify(n: number = 1): void {
    this.#checkHeld('notify');
    validateInteger(n, 'n', 0, Number.MAX_SAFE_INTEGER);
    Atomics.add(this.#w, 0, 1);
    if (n > 0) native.futex_wake(this.#w, 0, Math.min(n, ALL));
  }

  notifyAll(): void {
    this.notify(ALL);
  }

  [SHARE](): SharedSync {
    return {
      __posixkit_sync: 'Condition',
      block: shareBlock(this.#block),
      extra: (this.#lock as unknown as Shareable)[SHARE](),
    };
  }

  toString(): string {
    return `<Condition(${this.#lock})>`;
  }
}
registerReviver('Condition', (b, extra) => new Condition(fromShared<Lock | RLock>(extra as SharedSync), b));

// ---- Event -----------------------------------------------------------------------
// word: [flag]

/** A flag processes can wait for: set() wakes every waiter. */
export class Event implements Shareable {
  readonly #w: Int32Array;
  readonly #block: Block;

  constructor(block?: Block) {
    this.#block = block ?? allocate(4, 4);
    this.#w = words(this.#block, 1);
  }

  isSet(): boolean {
    return Atomics.load(this.#w, 0) === 1;
  }

  set(): void {
    if (Atomics.exchange(this.#w, 0, 1) === 0) native.futex_wake(this.#w, 0, ALL);
  }

  clear(): void {
    Atomics.store(this.#w, 0, 0);
  }

  /** Blocks until set (or `timeout` seconds); returns the flag (false on timeout). */
  wait(timeout?: number | null): boolean {
    if (Atomics.load(this.#w, 0) === 1) return true;
    const deadline = deadlineOf(timeout);
    for (;;) {
      const left = secondsLeft(deadline);
      if (left === -1) return Atomics.load(this.#w, 0) === 1;
      native.futex_wait(this.#w, 0, 0, left);
      if (Atomics.load(this.#w, 0) === 1) return true;
    }
  }

  [SHARE](): SharedSync {
    return { __posixkit_sync: 'Event', block: shareBlock(this.#block) };
  }

  toString(): string {
    return `<Event(${this.isSet() ? 'set' : 'unset'})>`;
  }
}
registerReviver('Event', (b) => new Event(b));
