// The byte stream under Queue: a pipe shared by every process that holds the
// queue, made safe against processes that die or give up half-way.
//
// - Writes are chunks of at most PIPE_BUF (4096) bytes, each one write(2) on a
//   non-blocking pipe: the kernel writes such a chunk whole or not at all,
//   even when the writer is SIGKILLed. A chunk is a 4-byte header (0xA0 |
//   FIRST | LAST | ABORT, 0, payload length u16 BE) and its payload. A message
//   of up to 4092 bytes is one FIRST|LAST chunk; a longer one is a run of
//   chunks written under the writer lock.
// - Readers move bytes from the pipe into a shared stash (a memfd mapping all
//   processes see) and take whole messages out of it under the reader lock. A
//   get() that times out leaves a half-arrived message in the stash for the
//   next reader: nothing is lost and no reader ever waits inside read(2).
// - Both locks are robust (priority-inheritance futexes, sync-core.ts): a
//   holder that dies does not wedge the others. A run of chunks whose writer
//   died (or gave up at its timeout) is ended by whoever takes the writer lock
//   next: a writer appends an ABORT chunk, or a reader that finds the pipe
//   drained drops the run from the stash. Readers skip aborted runs.
import { codedError, errno as E, errnoError } from '../errors';
import { family } from '../native';
import * as os from '../os';
import { openat2 } from '../file';
import { MemoryMap, mmap } from '../mmap';
import { allocate } from './heap';
import { POLLIN, POLLOUT, waitFd } from './_wait';
import { ALL, deadlineOf, native as sync, robustLock, robustUnlock, secondsLeft, type RobustResult } from './sync-core';

interface StashNative {
  mman_ftruncate(fd: number, length: number): void;
}
const stashNative = family<StashNative>();

const CHUNK = 4096; // PIPE_BUF on Linux
const PAYLOAD = CHUNK - 4;
const MAGIC = 0xa0;
const FIRST = 1;
const LAST = 2;
const ABORT = 4;
const STASH_MIN = 64 * 1024 + CHUNK;
const STASH_KEEP = 1024 * 1024; // an empty stash larger than this shrinks back

// Control words (Int32Array over the control mapping).
const COUNT = 0; // messages written and not yet taken (qsize)
const WLOCK = 1;
const RLOCK = 2;
const WSTATE = 3; // 1 while a run of chunks is unfinished
const HEAD = 4; // stash: first byte not yet consumed
const TAIL = 5; // stash: end of the bytes read from the pipe
const CAP = 6; // stash: its size (the memfd's length)
const PUT_WAITERS = 7;
const UNFINISHED = 8; // JoinableQueue
const JOIN_WAITERS = 9;
const WORDS = 16;

/** What take() found: a whole message (its payload bytes), or nothing yet. */
type Taken = Buffer | null;

function header(buf: Buffer, at: number, flags: number, len: number): void {
  buf[at] = MAGIC | flags;
  buf[at + 1] = 0;
  buf.writeUInt16BE(len, at + 2);
}

/** @internal the shared pipe, stash and counters of one Queue. */
export class QueueStream {
  readonly #rfd: number;
  // The read end again, as a second open file description without
  // O_NONBLOCK (-1 if /proc is not there): a get() with no timeout sleeps in
  // read(2) itself, which returns as soon as any bytes arrive (one syscall
  // where poll + read would be two).
  readonly #rfdWait: number;
  readonly #wfd: number;
  readonly w: Int32Array;
  readonly #stashFd: number;
  #stash: MemoryMap | null = null;
  #buf: Buffer = Buffer.alloc(0);
  #more = false; // the last read filled all the room it had: the pipe may hold more

  constructor() {
    // The control words come from the shared heap (no fd of their own); a
    // queue's words are never reused, as every heap block.
    const block = allocate(4 * WORDS, 64);
    this.w = new Int32Array(block.map.buffer, block.byteOffset, WORDS);
    const stash = mmap(-1, STASH_MIN);
    // Only the fd is kept: each process maps the stash at its current size.
    this.#stashFd = os.dup(stash.fileno());
    stash.close();
    Atomics.store(this.w, CAP, STASH_MIN);
    let r = -1;
    let w = -1;
    try {
      [r, w] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
    } catch (e) {
      os.close(this.#stashFd);
      throw e;
    }
    this.#rfd = r;
    this.#wfd = w;
    let wait = -1;
    try {
      wait = openat2(`/proc/self/fd/${r}`, os.O_RDONLY);
    } catch { /* no /proc: poll + read */ }
    this.#rfdWait = wait;
  }

  get readFd(): number {
    return this.#rfd;
  }

  close(): void {
    os.close(this.#rfd);
    if (this.#rfdWait >= 0) os.close(this.#rfdWait);
    os.close(this.#wfd);
    os.close(this.#stashFd);
    this.#stash?.close();
    this.#stash = null;
  }

  // ---- writing ------------------------------------------------------------------

  /**
   * Takes the writer lock (by `deadline`), ending first a run of chunks that
   * a dead or timed-out writer left unfinished. false: timed out.
   */
  lockWriter(deadline: number): boolean {
    const r: RobustResult = robustLock(this.w, WLOCK, deadline);
    if (r === false) return false;
    if (Atomics.load(this.w, WSTATE) === 1) {
      const abort = Buffer.allocUnsafe(4);
      header(abort, 0, ABORT, 0);
      if (!this.#writeChunk(abort, deadline)) {
        robustUnlock(this.w, WLOCK);
        return false;
      }
      Atomics.store(this.w, WSTATE, 0);
    }
    return true;
  }

  unlockWriter(): void {
    robustUnlock(this.w, WLOCK);
  }

  /**
   * With the writer lock held: writes the message whose payload is
   * frame[4..] (the first 4 bytes are room for a header). false: the
   * deadline passed; then nothing of it is readable (a run cut short stays
   * marked unfinished and is aborted by the next lock holder).
   */
  writeMessage(frame: Buffer, deadline: number): boolean {
    const n = frame.length - 4;
    if (n <= PAYLOAD) {
      header(frame, 0, FIRST | LAST, n);
      return this.#writeChunk(frame, deadline);
    }
    const chunks = Math.ceil(n / PAYLOAD);
    Atomics.store(this.w, WSTATE, 1);
    const out = Buffer.allocUnsafe(CHUNK);
    for (let c = 0; c < chunks; c++) {
      const from = 4 + c * PAYLOAD;
      const len = Math.min(PAYLOAD, frame.length - from);
      const piece = len === PAYLOAD ? out : out.subarray(0, 4 + len);
      header(piece, 0, (c === 0 ? FIRST : 0) | (c === chunks - 1 ? LAST : 0), len);
      frame.copy(piece, 4, from, from + len);
      if (!this.#writeChunk(piece, deadline)) return false; // WSTATE stays 1: abandoned
    }
    Atomics.store(this.w, WSTATE, 0);
    return true;
  }

  // One chunk, whole or not at all. A full pipe with no reader at work is
  // emptied into the stash by the writer itself (so put() does not wait for
  // a consumer, as Python's put does not); with a reader at work, it waits
  // for room in poll(2) until `deadline`.
  #writeChunk(chunk: Buffer, deadline: number): boolean {
    for (;;) {
      try {
        os.write(this.#wfd, chunk); // <= PIPE_BUF on a non-blocking pipe: all of it, or EAGAIN
        return true;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      }
      if (robustLock(this.w, RLOCK, deadlineOf(0)) !== false) {
        try {
          this.#fill();
        } finally {
          robustUnlock(this.w, RLOCK);
        }
        continue;
      }
      const left = secondsLeft(deadline);
      if (left === -1) return false;
      waitFd(this.#wfd, POLLOUT, left);
    }
  }

  // ---- reading ------------------------------------------------------------------

  /** Takes the reader lock by `deadline`; false: timed out. */
  lockReader(deadline: number): boolean {
    return robustLock(this.w, RLOCK, deadline) !== false;
  }

  unlockReader(): void {
    robustUnlock(this.w, RLOCK);
  }

  /**
   * With the reader lock held: the payload of the next whole message,
   * waiting for it until `deadline`; null when none came in time.
   */
  readMessage(deadline: number): Taken {
    const w = this.w;
    for (;;) {
      const got = this.#take();
      if (got !== null) {
        Atomics.sub(w, COUNT, 1);
        if (Atomics.load(w, PUT_WAITERS) > 0) sync.futex_wake(w, COUNT, ALL);
        return got;
      }
      // Messages counted but not in the stash are in the pipe: read them. A
      // read(2) that finds nothing costs a thrown EAGAIN (~3 us), so an empty
      // queue is waited on: in read(2) on the blocking descriptor when there
      // is no timeout, else in poll(2) (which returns at once if bytes came).
      if (this.#more || Atomics.load(w, COUNT) > 0) {
        if (this.#fill(this.#rfd) > 0) continue;
      }
      if (this.#partialAtHead() && !waitFd(this.#rfd, POLLIN, 0) && this.#dropDeadRun()) continue;
      const left = secondsLeft(deadline);
      if (left === undefined && this.#rfdWait >= 0) {
        this.#fill(this.#rfdWait);
        continue;
      }
      if (!waitFd(this.#rfd, POLLIN, left === -1 ? 0 : left)) {
        if (secondsLeft(deadline) === -1) return null;
        continue;
      }
      this.#fill(this.#rfd);
    }
  }

  /** Whether bytes wait in the stash or the pipe (approximate, as Python's empty()). */
  hasData(): boolean {
    return Atomics.load(this.w, HEAD) < Atomics.load(this.w, TAIL) || waitFd(this.#rfd, POLLIN, 0);
  }

  // The stash mapped at its current shared size (it grows for long messages).
  #view(): Buffer {
    const cap = Atomics.load(this.w, CAP);
    if (this.#stash === null || this.#stash.length !== cap) {
      this.#stash?.close();
      this.#stash = mmap(this.#stashFd, cap);
      this.#buf = Buffer.from(this.#stash.buffer, 0, cap);
    }
    return this.#buf;
  }

  // Moves what the pipe holds into the stash (through `fd`: the non-blocking
  // read end, or the blocking one to sleep until bytes come); returns the
  // bytes moved (0: none).
  #fill(fd: number = this.#rfd): number {
    const w = this.w;
    let buf = this.#view();
    let head = Atomics.load(w, HEAD);
    let tail = Atomics.load(w, TAIL);
    if (head === tail && head !== 0) {
      head = tail = 0;
      Atomics.store(w, HEAD, 0);
      Atomics.store(w, TAIL, 0);
      if (buf.length > STASH_KEEP) buf = this.#resize(STASH_MIN);
    }
    if (buf.length - tail < CHUNK) {
      if (head > 0) {
        buf.copyWithin(0, head, tail);
        tail -= head;
        head = 0;
        Atomics.store(w, HEAD, 0);
        Atomics.store(w, TAIL, tail);
      }
      if (buf.length - tail < CHUNK) buf = this.#resize(buf.length * 2);
    }
    let n: number;
    const room = buf.length - tail;
    try {
      n = os.readinto(fd, buf.subarray(tail));
    } catch (e) {
      this.#more = false;
      if ((e as { code?: string }).code === 'EAGAIN') return 0;
      throw e;
    }
    this.#more = n === room;
    Atomics.store(w, TAIL, tail + n);
    return n;
  }

  #resize(size: number): Buffer {
    stashNative.mman_ftruncate(this.#stashFd, size);
    Atomics.store(this.w, CAP, size);
    return this.#view();
  }

  // Parses chunks from the head: returns the first whole message and moves the
  // head past it, skipping aborted runs and leftovers of runs whose start a
  // dead reader took. null: no whole message in the stash yet.
  #take(): Taken {
    const w = this.w;
    const head0 = Atomics.load(w, HEAD);
    const tail = Atomics.load(w, TAIL);
    if (head0 === tail) return null;
    const buf = this.#view();
    let p = head0;
    let start = -1; // offset of the FIRST chunk of the run being assembled
    let total = 0;
    while (p + 4 <= tail) {
      const tag = buf[p];
      const len = buf.readUInt16BE(p + 2);
      if ((tag & 0xf8) !== MAGIC || buf[p + 1] !== 0 || len > PAYLOAD) {
        // Cannot happen unless a process died inside get(); drop what is stashed.
        Atomics.store(w, HEAD, tail);
        throw errnoError(E.EIO, 'Queue.get (the queue stream is corrupt)');
      }
      const end = p + 4 + len;
      if (end > tail) break;
      if (tag & ABORT) {
        start = -1;
        total = 0;
        Atomics.store(w, HEAD, end);
        p = end;
        continue;
      }
      if (tag & FIRST) {
        if (start >= 0) Atomics.store(w, HEAD, p); // an unfinished run before this one: drop it
        start = p;
        total = 0;
      } else if (start < 0) {
        Atomics.store(w, HEAD, end); // the rest of a run nobody can finish
        p = end;
        continue;
      }
      total += len;
      p = end;
      if (tag & LAST) {
        let out: Buffer;
        if (p - start === total + 4) {
          out = Buffer.from(buf.subarray(start + 4, p)); // one chunk
        } else {
          out = Buffer.allocUnsafe(total);
          let o = 0;
          for (let q = start; q < p;) {
            const l = buf.readUInt16BE(q + 2);
            buf.copy(out, o, q + 4, q + 4 + l);
            o += l;
            q += 4 + l;
          }
        }
        Atomics.store(w, HEAD, p);
        return out;
      }
    }
    return null;
  }

  #partialAtHead(): boolean {
    const head = Atomics.load(this.w, HEAD);
    return head < Atomics.load(this.w, TAIL) && (this.#view()[head] & FIRST) !== 0;
  }

  // The pipe is drained and the stash starts with an unfinished run. If no
  // live writer holds the writer lock, that run can never finish: drop it.
  // Returns whether something changed (drop, or new bytes arrived meanwhile).
  #dropDeadRun(): boolean {
    if (robustLock(this.w, WLOCK, deadlineOf(0)) === false) return false; // a live writer is at it
    try {
      if (this.#fill() > 0) return true;
      Atomics.store(this.w, HEAD, Atomics.load(this.w, TAIL));
      Atomics.store(this.w, WSTATE, 0);
      return true;
    } finally {
      robustUnlock(this.w, WLOCK);
    }
  }

  // ---- counters ---------------------------------------------------------------

  count(): number {
    return Math.max(0, Atomics.load(this.w, COUNT));
  }

  /** After a message was written. */
  added(): void {
    Atomics.add(this.w, COUNT, 1);
  }

  /** Sleeps until the count is below `max` or `deadline`; false: timed out. */
  waitRoom(max: number, deadline: number): boolean {
    const w = this.w;
    Atomics.add(w, PUT_WAITERS, 1);
    try {
      for (;;) {
        const c = Atomics.load(w, COUNT);
        if (c < max) return true;
        const left = secondsLeft(deadline);
        if (left === -1) return false;
        sync.futex_wait(w, COUNT, c, left);
      }
    } finally {
      Atomics.sub(w, PUT_WAITERS, 1);
    }
  }

  // JoinableQueue's unfinished-task counter.
  taskAdded(): void {
    Atomics.add(this.w, UNFINISHED, 1);
  }

  taskDone(): void {
    const w = this.w;
    for (;;) {
      const v = Atomics.load(w, UNFINISHED);
      if (v <= 0) throw codedError('ERR_TASK_DONE_TOO_MANY', 'task_done() called too many times');
      if (Atomics.compareExchange(w, UNFINISHED, v, v - 1) === v) {
        if (v === 1 && Atomics.load(w, JOIN_WAITERS) > 0) sync.futex_wake(w, UNFINISHED, ALL);
        return;
      }
    }
  }

  /** Blocks until every task put was marked done; false on timeout. */
  joinTasks(deadline: number): boolean {
    const w = this.w;
    Atomics.add(w, JOIN_WAITERS, 1);
    try {
      for (;;) {
        const v = Atomics.load(w, UNFINISHED);
        if (v <= 0) return true;
        const left = secondsLeft(deadline);
        if (left === -1) return false;
        sync.futex_wait(w, UNFINISHED, v, left);
      }
    } finally {
      Atomics.sub(w, JOIN_WAITERS, 1);
    }
  }
}
