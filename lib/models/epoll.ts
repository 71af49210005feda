// epoll: one process, one thread, level-triggered epoll(7). Sockets are
// registered for reading (EPOLL_CTL_ADD), and for writing only while output
// waits (EPOLL_CTL_MOD); one read per readiness report. The wait is
// poll_raw(): epoll_wait(2) filling a reused Int32Array.
//
//   epoll_wait ──> [fd, events]* ──> one recv ──> core ──> send (EPOLLOUT while queued)
import { Epoll, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../select';
import { errno as E, errnoError } from '../errors';
import { EventOptions, Ready, serveEvents, Waiter } from './event';
import { serveEventsOnLoop } from './on-loop';
import type { LoopServer, ServeStats } from '../server/types';

export interface EpollOptions extends EventOptions {
  /** Events per epoll_wait; default 1024. */
  maxEvents?: number;
}

const R = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
const HUP = EPOLLRDHUP | EPOLLHUP | EPOLLERR;

export class EpollWaiter implements Waiter {
  readonly edge: boolean = false;
  readonly ep = new Epoll();
  readonly events: Int32Array;
  constructor(maxEvents = 1024) {
    this.events = new Int32Array(2 * maxEvents);
  }
  get fd(): number {
    return this.ep.fileno();
  }
  add(fd: number, read: boolean, write: boolean): void {
    this.ep.register(fd, (read ? EPOLLIN | EPOLLRDHUP : 0) | (write ? EPOLLOUT : 0));
  }
  set(fd: number, read: boolean, write: boolean): void {
    this.ep.modify(fd, (read ? EPOLLIN | EPOLLRDHUP : 0) | (write ? EPOLLOUT : 0));
  }
  remove(): void {
    // close(2) takes the fd out of the interest list (no dup()s exist): no EPOLL_CTL_DEL.
  }
  wait(timeoutMs: number, ready: Ready): void {
    const ev = this.events;
    const n = this.ep.poll_raw(ev, timeoutMs < 0 ? -1 : timeoutMs / 1000);
    if (n < 0) {
      if (n === -E.EINTR) return;
      throw errnoError(-n, 'epoll_wait');
    }
    for (let i = 0; i < n; i++) {
      const m = ev[2 * i + 1];
      ready(ev[2 * i], (m & R) !== 0, (m & EPOLLOUT) !== 0, (m & HUP) !== 0);
    }
  }
  close(): void {
    this.ep.close();
  }
}

export function serve(o: EpollOptions): ServeStats {
  return serveEvents('epoll', o, () => new EpollWaiter(o.maxEvents));
}

/** serve() on Node's event loop: returns once listening; stop() from any callback. */
export function serveOnLoop(o: EpollOptions): LoopServer {
  return serveEventsOnLoop('epoll', o, () => new EpollWaiter(o.maxEvents));
}
