// epoll-et: one process, one thread, edge-triggered epoll. Every socket is
// non-blocking and registered once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET;
// an edge is reported once, so each ready socket is read and written until
// EAGAIN (recv_into/send into caller-owned buffers, -errno, no throw). The
// wait is pollInto(): epoll_wait(2) filling a reused Int32Array.
//
//   epoll_wait ──> [fd, events]* ──> recv until EAGAIN ──> core ──> send until EAGAIN
import { Epoll, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../select';
import { errno as E, errnoError } from '../errors';
import { EventOptions, serveEvents, Waiter } from './event';
import type { ServeStats } from './types';

export interface EpollOptions extends EventOptions {
  /** Events per epoll_wait; default 1024. */
  maxEvents?: number;
}

const R = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;

export class EpollEtWaiter implements Waiter {
  readonly edge = true;
  readonly ep = new Epoll();
  readonly events: Int32Array;
  constructor(maxEvents = 1024) {
    this.events = new Int32Array(2 * maxEvents);
  }
  add(fd: number, read: boolean, write: boolean): void {
    // The listener and the stop pipe only read; connections get both directions, once.
    this.ep.register(fd, ((read ? EPOLLIN | EPOLLRDHUP : 0) | (write ? EPOLLOUT : 0) | EPOLLET) >>> 0);
  }
  set(): void {
    // Edge-triggered interest never changes.
  }
  remove(): void {
    // close(2) takes the fd out of the interest list (no dup()s exist): no EPOLL_CTL_DEL.
  }
  wait(timeoutMs: number, ready: (fd: number, r: boolean, w: boolean) => void): void {
    const ev = this.events;
    const n = this.ep.pollInto(ev, timeoutMs < 0 ? -1 : timeoutMs / 1000);
    if (n < 0) {
      if (n === -E.EINTR) return;
      throw errnoError(-n, 'epoll_wait');
    }
    for (let i = 0; i < n; i++) {
      const m = ev[2 * i + 1];
      ready(ev[2 * i], (m & R) !== 0, (m & EPOLLOUT) !== 0);
    }
  }
  close(): void {
    this.ep.close();
  }
}

export function serve(o: EpollOptions): ServeStats {
  return serveEvents('epoll-et', o, () => new EpollEtWaiter(o.maxEvents));
}
