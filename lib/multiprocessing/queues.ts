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
import { decodeAt, encodeWithHead } from './_codec';
import { errno as E, errnoError, invalidArgValue, validateInteger } from '../errors';
import { timeoutSeconds } from '../internal/deadline';
import * as os from '../os';
import { readable, writable } from './_wait';
import { Connection } from './connection';
import { MemoryMap, mmap } from '../mmap';
import { EOFError, Empty, Full, stateError } from './errors';
import { BoundedSemaphore, Lock } from './synchronize';

// The length ring: writers record each frame's length here (under the writer
// lock, before writing it), so a reader that finds the next length published
// reads header and body in ONE read(2) instead of two. Word 0 is the write
// sequence, word 1 the read sequence, then RING (tag, length) pairs. A slot is
// trusted only if its tag is that sequence's both before and after reading
// the length (a seqlock), so a writer lapping a slow reader only costs the
// reader the two-read path, never a wrong length.
const RING = 4096;
const MASK = RING - 1;
const FAST_MAX = 64 * 1024 - 4; // frames the writer sends in one write(2)

function tagOf(seq: number): number {
  return ((seq + 1) | 0) || 1; // 0 marks a slot being written
}

function checkTimeout(timeout: unknown): number | null {
  return timeoutSeconds(timeout, 'timeout', 'zero');
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
  readonly #ring: Int32Array;
  readonly #map: MemoryMap;
  #bodyAt = 0;

  /** maxsize <= 0: unbounded (put blocks only while the pipe itself is full). */
  constructor(maxsize = 0) {
    this.#maxsize = validateInteger(maxsize, 'maxsize', Number.MIN_SAFE_INTEGER, 0x7fffffff);
    this.#sem = maxsize > 0 ? new BoundedSemaphore(maxsize) : null;
    // The qsize counter and the length ring live in this queue's own shared
    // mapping (inherited by forked children), unmapped by close().
    this.#map = mmap(-1, 64 + 4 * (2 + 2 * RING));
    this.#count = new Int32Array(this.#map.buffer, 0, 1);
    this.#ring = new Int32Array(this.#map.buffer, 64, 2 + 2 * RING);
    let r: number, w: number;
    try {
      [r, w] = os.pipe();
    } catch (e) {
      this.#map.close();
      throw e;
    }
    this.#rfd = r;
    this.#wfd = w;
    this.#conn = new Connection(r, w);
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Puts `value` (structured-cloned). Waits for room (a free place when
   * maxsize > 0, and space in the pipe): forever by default, `timeout`
   * seconds, or not at all with block = false; Full if there is none.
   */
  put(value: T, block = true, timeout?: number | null): void {
    this.#check();
    const t = checkTimeout(timeout);
    let frame: Buffer;
    try {
      frame = encodeWithHead(value, 4);
    } catch (e) {
      throw invalidArgValue('value', value, `could not be cloned (${(e as Error).message})`);
    }
    const deadline = t === null ? 0 : performance.now() + t * 1000;
    const left = (): number => (block ? Math.max(0, (deadline - performance.now()) / 1000) : 0);
    const bounded = !block || t !== null;
    if (this.#sem && !this.#sem.acquire(Boolean(block), t)) throw new Full();
    if (bounded && !this.#wlock.acquire(Boolean(block), left())) {
      this.#sem?.release();
      throw new Full();
    }
    if (!bounded) this.#wlock.acquire();
    // A bounded put must not block in write(2) on a full pipe: wait for
    // POLLOUT for what is left of the timeout (exact for frames up to
    // PIPE_BUF; a larger frame may still wait for the rest of its bytes).
    if (bounded && !writable(this.#wfd, left())) {
      this.#wlock.release();
      this.#sem?.release();
      throw new Full('queue is full (the pipe has no room)');
    }
    Atomics.add(this.#count, 0, 1);
    let late: unknown = null;
    try {
      late = this.#writeFrame(frame);
    } catch (e) {
      Atomics.sub(this.#count, 0, 1);
      this.#sem?.release();
      throw e;
    } finally {
      this.#wlock.release();
    }
    if (late !== null) throw late;
  }

  // Under the writer lock: publish the length, then write the frame. Once the
  // length is published a reader may be reading this frame, so the frame is
  // always written whole: an error thrown by a signal handler meanwhile is
  // returned and thrown by put() after (the message is delivered, as an item
  // in Python's buffer is when an exception hits put()). Only a dead pipe
  // (EPIPE, EBADF) fails the put.
  #writeFrame(encoded: Buffer): unknown {
    const ring = this.#ring;
    const n = encoded.length - 4;
    const seq = Atomics.load(ring, 0);
    const slot = 2 + 2 * (seq & MASK);
    const fast = n <= FAST_MAX;
    let frame = encoded;
    if (n > 0x7fffffff) {
      // The 12-byte header of a huge body: one more copy does not matter at this size.
      frame = Buffer.allocUnsafe(12 + n);
      frame.writeInt32BE(-1, 0);
      frame.writeBigUInt64BE(BigInt(n), 4);
      encoded.copy(frame, 12, 4);
    } else {
      frame.writeInt32BE(n, 0);
    }
    Atomics.store(ring, slot, 0);
    Atomics.store(ring, slot + 1, fast ? n : -1);
    Atomics.store(ring, slot, tagOf(seq));
    Atomics.store(ring, 0, (seq + 1) | 0);
    let off = 0;
    let pending: unknown = null;
    while (off < frame.length) {
      try {
        off += os.write(this.#wfd, off === 0 ? frame : frame.subarray(off));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EPIPE' || code === 'EBADF') {
          if (off === 0) {
            Atomics.store(ring, slot, 0);
            Atomics.store(ring, 0, seq);
          }
          throw e;
        }
        pending ??= e;
      }
    }
    return pending;
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
        body = this.#readFrame();
      } finally {
        this.#rlock.release();
      }
    } else {
      const deadline = performance.now() + (block ? t! : 0) * 1000;
      if (!this.#rlock.acquire(Boolean(block), t)) throw new Empty();
      try {
        const left = block ? Math.max(0, (deadline - performance.now()) / 1000) : 0;
        if (!readable(this.#rfd, left)) throw new Empty();
        body = this.#readFrame();
      } finally {
        this.#rlock.release();
      }
    }
    Atomics.sub(this.#count, 0, 1);
    this.#sem?.release();
    return decodeAt(body, this.#bodyAt) as T;
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
    if (c === null) return;
    this.#conn = null;
    c.close();
    this.#map.close();
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

  // Under the reader lock: the next frame, in one read(2) when its length is
  // published, else header then body. The read sequence moves on either way.
  // The body starts at #bodyAt of the returned buffer (decoded in place).
  #readFrame(): Buffer {
    const ring = this.#ring;
    const seq = Atomics.load(ring, 1);
    const slot = 2 + 2 * (seq & MASK);
    const tag = tagOf(seq);
    let len = -1;
    if (Atomics.load(ring, slot) === tag) {
      const l = Atomics.load(ring, slot + 1);
      if (Atomics.load(ring, slot) === tag) len = l;
    }
    let body: Buffer;
    if (len >= 0) {
      const frame = Buffer.allocUnsafe(4 + len);
      let got = 0;
      while (got < frame.length) {
        const r = os.readinto(this.#rfd, got === 0 ? frame : frame.subarray(got));
        if (r === 0) throw new EOFError('end of file inside a Queue message');
        got += r;
      }
      if (frame.readInt32BE(0) !== len) throw errnoError(E.EIO, 'Queue.get');
      body = frame;
      this.#bodyAt = 4;
    } else {
      body = this.#conn!.recvBytes();
      this.#bodyAt = 0;
    }
    Atomics.store(ring, 1, (seq + 1) | 0);
    return body;
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
