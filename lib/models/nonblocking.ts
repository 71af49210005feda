// nonblocking: one process, non-blocking sockets and no readiness
// API at all: a loop tries accept(2) and recv(2) on every connection, over and
// over, and most tries fail with EAGAIN. It serves many clients at once and
// burns a whole CPU core doing it, idle or not: that cost is the lesson.
//
//   for (;;) { accept -> EAGAIN?; for each conn: recv -> EAGAIN? ... }
import { outOfRange } from '../errors';
import { pthread_sigmask, SIG_BLOCK } from '../signal';
import { EventOptions, serveEvents, Waiter } from './event';
import type { ServeStats } from '../server/types';

export interface NonblockingOptions extends EventOptions {
  /** Sleep this long (ms) after a pass over all sockets; default 0: a pure spin. */
  passSleepMs?: number;
}

const NO_SIGNALS: number[] = [];

class SpinWaiter implements Waiter {
  readonly edge = false;
  readonly fds = new Map<number, boolean>();
  readonly #nap: Int32Array | null;
  constructor(readonly sleepMs: number) {
    this.#nap = sleepMs > 0 ? new Int32Array(new SharedArrayBuffer(4)) : null;
  }
  add(fd: number, _read: boolean, write: boolean): void {
    this.fds.set(fd, write);
  }
  set(fd: number, _read: boolean, write: boolean): void {
    this.fds.set(fd, write);
  }
  remove(fd: number): void {
    this.fds.delete(fd);
  }
  // No wait: every fd is "ready" on every pass; the recv/accept that follows
  // finds out, usually with EAGAIN.
  wait(_timeoutMs: number, ready: (fd: number, r: boolean, w: boolean) => void): void {
    // A loop that never blocks never sees EINTR, so signal handlers would
    // never run: an empty sigprocmask change runs the pending ones here.
    pthread_sigmask(SIG_BLOCK, NO_SIGNALS);
    for (const [fd, w] of this.fds) ready(fd, true, w);
    if (this.#nap) Atomics.wait(this.#nap, 0, 0, this.sleepMs);
  }
  close(): void {
    this.fds.clear();
  }
}

export function serve(o: NonblockingOptions): ServeStats {
  const ms = o.passSleepMs ?? 0;
  if (!(ms >= 0)) throw outOfRange('passSleepMs', '>= 0', ms);
  return serveEvents('nonblocking', o, () => new SpinWaiter(ms));
}
