// Queue, SimpleQueue, JoinableQueue: Python's multiprocessing queues on a
// pipe shared by forked processes, without Python's feeder thread: put()
// writes the message itself. The stream underneath (queue-stream.ts) is built
// so that no process, by dying or by timing out half-way, can lose another's
// message, wedge a reader or block the writers:
// - a message of up to 4092 bytes is one atomic write(2); longer ones are a
//   run of such chunks under a robust writer lock;
// - readers take whole messages out of a shared stash under a robust reader
//   lock, so get(timeout) returns by its deadline even when a message is
//   half-arrived, and leaves that half for the next reader;
// - a lock whose holder died is taken over (priority-inheritance futexes),
//   and a run of chunks its writer never finished is skipped.
import { decodeAt, encodeWithHead } from './_codec';
import { invalidArgValue, validateInteger } from '../errors';
import { Empty, Full, stateError } from './errors';
import { QueueStream } from './queue-stream';
import { blockDeadline } from './sync-core';

export class Queue<T = unknown> implements Disposable {
  readonly #maxsize: number;
  #s: QueueStream | null;

  /** maxsize <= 0: unbounded (put waits only while the pipe itself is full). */
  constructor(maxsize = 0) {
    this.#maxsize = validateInteger(maxsize, 'maxsize', Number.MIN_SAFE_INTEGER, 0x7fffffff);
    this.#s = new QueueStream();
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
    const s = this.#check();
    const deadline = blockDeadline(block, timeout);
    let frame: Buffer;
    try {
      frame = encodeWithHead(value, 4);
    } catch (e) {
      throw invalidArgValue('value', value, `could not be cloned (${(e as Error).message})`);
    }
    for (;;) {
      if (!s.lockWriter(deadline)) throw new Full();
      if (this.#maxsize > 0 && s.count() >= this.#maxsize) {
        s.unlockWriter();
        if (!s.waitRoom(this.#maxsize, deadline)) throw new Full();
        continue;
      }
      this.onPut(true);
      let ok = false;
      try {
        ok = s.writeMessage(frame, deadline);
        if (ok) s.added();
      } finally {
        if (!ok) this.onPut(false);
        s.unlockWriter();
      }
      if (!ok) throw new Full('queue is full (the pipe has no room)');
      return;
    }
  }

  /** @internal JoinableQueue counts tasks here: before a write, and back if it failed. */
  protected onPut(_before: boolean): void { /* plain queues count nothing */ }

  putNowait(value: T): void {
    this.put(value, false);
  }

  /**
   * Takes the oldest message: waits forever by default, `timeout` seconds, or
   * not at all with block = false; Empty if none came.
   */
  get(block = true, timeout?: number | null): T {
    const s = this.#check();
    const deadline = blockDeadline(block, timeout);
    if (!s.lockReader(deadline)) throw new Empty();
    let body: Buffer | null;
    try {
      body = s.readMessage(deadline);
    } finally {
      s.unlockReader();
    }
    if (body === null) throw new Empty();
    return decodeAt(body, 0) as T;
  }

  getNowait(): T {
    return this.get(false);
  }

  /** Messages put and not yet taken (approximate while others put or get). */
  qsize(): number {
    return this.#check().count();
  }

  /** Whether nothing is waiting right now (approximate, as Python). */
  empty(): boolean {
    return !this.#check().hasData();
  }

  /** Whether a bounded queue has no room right now (always false when unbounded). */
  full(): boolean {
    const s = this.#check();
    return this.#maxsize > 0 && s.count() >= this.#maxsize;
  }

  /** Closes this process's ends of the pipe; put/get then throw. Other processes keep theirs. */
  close(): void {
    const s = this.#s;
    if (s === null) return;
    this.#s = null;
    s.close();
  }

  get closed(): boolean {
    return this.#s === null;
  }

  /** Python compatibility: there is no feeder thread, so nothing to wait for. */
  joinThread(): void {
    if (this.#s !== null) throw stateError('ERR_QUEUE_NOT_CLOSED', 'Queue.joinThread() needs close() first');
  }

  /** Python compatibility: there is no feeder thread to cancel. */
  cancelJoinThread(): void { /* nothing buffered in this process */ }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  protected stream(): QueueStream {
    return this.#check();
  }

  #check(): QueueStream {
    if (this.#s === null) throw stateError('ERR_QUEUE_CLOSED', 'Queue is closed');
    return this.#s;
  }
}

// Python's snake_case spellings.
export interface Queue<T> {
  put_nowait(value: T): void;
  get_nowait(): T;
  join_thread(): void;
  cancel_join_thread(): void;
}
Queue.prototype.put_nowait = Queue.prototype.putNowait;
Queue.prototype.get_nowait = Queue.prototype.getNowait;
Queue.prototype.join_thread = Queue.prototype.joinThread;
Queue.prototype.cancel_join_thread = Queue.prototype.cancelJoinThread;

/** Python's SimpleQueue: an unbounded Queue with get/put/empty/close only. */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor() {
    super(0);
  }
}

/**
 * Python's JoinableQueue: a Queue whose consumers call taskDone() for each
 * item they got, so that join() can wait until every item put was handled.
 * The count of unfinished tasks is shared by every process holding the queue.
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  protected override onPut(before: boolean): void {
    if (before) this.stream().taskAdded();
    else this.stream().taskDone();
  }

  /** One item got from the queue is handled; throws ERR_TASK_DONE_TOO_MANY past the number put. */
  taskDone(): void {
    this.stream().taskDone();
  }

  /** Blocks until every item put has been marked done (taskDone). */
  join(): void {
    this.stream().joinTasks(Infinity);
  }
}

export interface JoinableQueue<T> {
  task_done(): void;
}
JoinableQueue.prototype.task_done = JoinableQueue.prototype.taskDone;
