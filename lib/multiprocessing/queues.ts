// Queue: Python's multiprocessing.Queue design (a pipe, a reader lock, a
// writer lock, a bounded semaphore for maxsize) without its feeder thread:
// put() serializes and writes the message itself.
//
// A message is a length-prefixed frame. Writers hold the writer lock across
// the whole frame, so frames never interleave even when a large one takes
// several write(2) calls; readers hold the reader lock from the header to the
// last byte, so one reader gets each frame whole. Nothing is lost or
// duplicated, and messages from one producer stay in order. The locks are
// posixkit futex locks in MAP_SHARED memory, the counter behind qsize() an
// Atomics word in the same memory; forked children inherit all of it.
import { decode, encode } from './_codec';
import { invalidArgType, invalidArgValue, validateInteger } from '../errors';
import * as os from '../os';
import { readable } from './_wait';
import { Connection, sendFrame } from './connection';
import { Empty, Full, stateError } from './errors';
import { Value } from './sharedctypes';
import { BoundedSemaphore, Lock } from './synchronize';

function checkTimeout(timeout: unknown): number | null {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw invalidArgType('timeout', 'a number or null', timeout);
  return Math.max(0, timeout);
}

export class Queue<T = unknown> implements Disposable {
  readonly #maxsize: number;
  #conn: Connection | null;
  readonly #wfd: number;
  readonly #rfd: number;
  readonly #rlock = new Lock();
  readonly #wlock = new Lock();
  readonly #sem: BoundedSemaphore | null;
  readonly #count: Int32Array;

  /** maxsize <= 0: unbounded (put blocks only while the pipe itself is full). */
  constructor(maxsize = 0) {
    this.#maxsize = validateInteger(maxsize, 'maxsize', Number.MIN_SAFE_INTEGER, 0x7fffffff);
    this.#sem = maxsize > 0 ? new BoundedSemaphore(maxsize) : null;
    this.#count = new Value('i', 0, { lock: false }).raw as Int32Array;
    const [r, w] = os.pipe();
    this.#rfd = r;
    this.#wfd = w;
    this.#conn = new Connection(r, w);
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Puts `value` (structured-cloned). With a maxsize, waits for room: forever
   * by default, `timeout` seconds, or not at all with block = false; Full if
   * there is none.
   */
  put(value: T, block = true, timeout?: number | null): void {
    this.#check();
    const t = checkTimeout(timeout);
    let body: Buffer;
    try {
      body = encode(value);
    } catch (e) {
      throw invalidArgValue('value', value, `could not be cloned (${(e as Error).message})`);
    }
    if (this.#sem && !this.#sem.acquire(Boolean(block), t)) throw new Full();
    Atomics.add(this.#count, 0, 1);
    this.#wlock.acquire();
    try {
      sendFrame(this.#wfd, body);
    } catch (e) {
      Atomics.sub(this.#count, 0, 1);
      this.#sem?.release();
      throw e;
    } finally {
      this.#wlock.release();
    }
  }

  putNowait(value: T): void {
    this.put(value, false);
  }

  /**
   * Takes the oldest message: waits forever by default, `timeout` seconds, or
   * not at all with block = false; Empty if none came.
   */
  get(block = true, timeout?: number | null): T {
    this.#check();
    const t = checkTimeout(timeout);
    let body: Buffer;
    if (block && t === null) {
      this.#rlock.acquire();
      try {
        body = this.#conn!.recvBytes();
      } finally {
        this.#rlock.release();
      }
    } else {
      const deadline = performance.now() + (block ? t! : 0) * 1000;
      if (!this.#rlock.acquire(Boolean(block), t)) throw new Empty();
      try {
        const left = block ? Math.max(0, (deadline - performance.now()) / 1000) : 0;
        if (!readable(this.#rfd, left)) throw new Empty();
        body = this.#conn!.recvBytes();
      } finally {
        this.#rlock.release();
      }
    }
    Atomics.sub(this.#count, 0, 1);
    this.#sem?.release();
    return decode(body) as T;
  }

  getNowait(): T {
    return this.get(false);
  }

  /** Messages put and not yet taken (approximate while others put or get). */
  qsize(): number {
    this.#check();
    return Math.max(0, Atomics.load(this.#count, 0));
  }

  /** Whether nothing is waiting in the pipe right now (approximate, as Python). */
  empty(): boolean {
    this.#check();
    return !readable(this.#rfd, 0);
  }

  /** Whether a bounded queue has no room right now (always false when unbounded). */
  full(): boolean {
    this.#check();
    return this.#sem !== null && this.#sem.getValue() === 0;
  }

  /** Closes this process's ends of the pipe; put/get then throw. Other processes keep theirs. */
  close(): void {
    const c = this.#conn;
    this.#conn = null;
    c?.close();
  }

  get closed(): boolean {
    return this.#conn === null;
  }

  /** Python compatibility: there is no feeder thread, so nothing to wait for. */
  joinThread(): void {
    if (this.#conn !== null) throw stateError('ERR_QUEUE_NOT_CLOSED', 'Queue.joinThread() needs close() first');
  }

  /** Python compatibility: there is no feeder thread to cancel. */
  cancelJoinThread(): void { /* nothing buffered in this process */ }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#conn === null) throw stateError('ERR_QUEUE_CLOSED', 'Queue is closed');
  }
}

/** Python's SimpleQueue: an unbounded Queue with get/put/empty/close only. */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor() {
    super(0);
  }
}
