// Barrier for processes and threads, on the same shared words and futexes as
// the other primitives (sync-core.ts).
import { invalidArgType, validateInteger } from '../errors';
import { registerErrorClass } from './errors';
import { allocate, Block, shareBlock } from './heap';
import {
  ALL, deadlineOf, mutexLock, mutexUnlock, native, registerReviver, secondsLeft, SHARE, words,
} from './sync-core';
import type { Shareable, SharedSync } from './sync-core';

/** Barrier.wait() on a broken or reset barrier (Python's threading.BrokenBarrierError). */
export class BrokenBarrierError extends Error {
  code = 'ERR_BROKEN_BARRIER';
  constructor(message = 'the barrier is broken') {
    super(message);
  }
  override get name(): string {
    return 'BrokenBarrierError';
  }
}
registerErrorClass(BrokenBarrierError);

// ---- Barrier -----------------------------------------------------------------------
// words: [mutex, waiting, generation, broken, outcome bits, parties]. Waiters
// sleep on the generation word; whoever ends a generation (the last arrival,
// abort, reset, a timeout) bumps it and wakes them all. Bit (gen & 31) of the
// outcome word says whether generation `gen` ended broken, so a waiter that
// wakes late still learns how its own generation ended.

/** A barrier for a fixed number of parties (processes or threads). */
export class Barrier implements Shareable {
  readonly #w: Int32Array;
  readonly #block: Block;
  readonly #action: (() => void) | null;
  readonly #timeout: number | null;

  /**
   * parties: how many wait() calls release each other. action: run by the
   * last arrival (in its own process) before the others are released.
   * timeout: the default for wait().
   */
  constructor(parties: number, action?: (() => void) | null, timeout?: number | null, block?: Block) {
    if (action !== undefined && action !== null && typeof action !== 'function') {
      throw invalidArgType('action', 'of type function', action);
    }
    if (timeout !== undefined && timeout !== null && typeof timeout !== 'number') {
      throw invalidArgType('timeout', 'of type number', timeout);
    }
    this.#action = action ?? null;
    this.#timeout = timeout ?? null;
    this.#block = block ?? allocate(24, 4);
    this.#w = words(this.#block, 6);
    if (!block) Atomics.store(this.#w, 5, validateInteger(parties, 'parties', 1, 0x7fffffff));
  }

  get parties(): number {
    return Atomics.load(this.#w, 5);
  }

  /** How many are waiting now. */
  get nWaiting(): number {
    return Atomics.load(this.#w, 1);
  }

  get broken(): boolean {
    return Atomics.load(this.#w, 3) === 1;
  }

  #lock(): void {
    mutexLock(this.#w, 0, true, undefined);
  }

  #unlock(): void {
    mutexUnlock(this.#w, 0);
  }

  // With the mutex held: end the current generation.
  #endGeneration(broken: boolean): void {
    const w = this.#w;
    const g = Atomics.load(w, 2);
    const bit = 1 << (g & 31);
    const next = 1 << ((g + 1) & 31);
    let bits = Atomics.load(w, 4) & ~next;
    bits = broken ? bits | bit : bits & ~bit;
    Atomics.store(w, 4, bits);
    Atomics.store(w, 1, 0);
    if (broken) Atomics.store(w, 3, 1);
    Atomics.add(w, 2, 1);
    native.futex_wake(w, 2, ALL);
  }

  /**
   * Waits for all parties. Returns this caller's arrival index (0 ..
   * parties-1). Throws BrokenBarrierError if the barrier is or becomes
   * broken (abort, reset, a timeout of any waiter, a throwing action).
   */
  wait(timeout?: number | null): number {
    const w = this.#w;
    const deadline = deadlineOf(timeout === undefined ? this.#timeout : timeout);
    this.#lock();
    if (Atomics.load(w, 3) === 1) {
      this.#unlock();
      throw new BrokenBarrierError();
    }
    const g = Atomics.load(w, 2);
    const index = Atomics.add(w, 1, 1);
    if (index + 1 === Atomics.load(w, 5)) {
      try {
        this.#action?.();
      } catch (e) {
        this.#endGeneration(true);
        this.#unlock();
        throw e;
      }
      this.#endGeneration(false);
      this.#unlock();
      return index;
    }
    this.#unlock();
    while (Atomics.load(w, 2) === g) {
      const left = secondsLeft(deadline);
      if (left === -1) {
        this.#lock();
        if (Atomics.load(w, 2) === g) this.#endGeneration(true);
        this.#unlock();
        break;
      }
      native.futex_wait(w, 2, g, left);
    }
    if (Atomics.load(w, 4) & (1 << (g & 31))) throw new BrokenBarrierError();
    return index;
  }

  /** Back to the initial state; current waiters get BrokenBarrierError. */
  reset(): void {
    this.#lock();
    if (Atomics.load(this.#w, 1) > 0) this.#endGeneration(true);
    Atomics.store(this.#w, 3, 0);
    this.#unlock();
  }

  /** Breaks the barrier: current and future wait() calls throw until reset(). */
  abort(): void {
    this.#lock();
    this.#endGeneration(true);
    this.#unlock();
  }

  [SHARE](): SharedSync {
    return { __posixkit_sync: 'Barrier', block: shareBlock(this.#block), extra: { timeout: this.#timeout } };
  }

  toString(): string {
    return `<Barrier(waiters=${this.nWaiting}/${this.parties}${this.broken ? ', broken' : ''})>`;
  }
}
registerReviver('Barrier', (b, extra) => new Barrier(0, null, (extra as { timeout: number | null }).timeout, b));
