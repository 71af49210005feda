// epoll-et: one process, one thread, edge-triggered epoll. Every socket is
// non-blocking and registered once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET;
// an edge is reported once, so each ready socket is read until EAGAIN or a
// short read (fewer bytes than asked: the socket is drained, and EOF would
// come as EPOLLRDHUP, as nginx reads with EPOLLRDHUP), and written until
// EAGAIN (recv_into/send into caller-owned buffers, -errno, no throw). The
// wait is poll_raw(): epoll_wait(2) filling a reused Int32Array.
//
//   epoll_wait ──> [fd, events]* ──> recv until short/EAGAIN ──> core ──> send until EAGAIN
import { EPOLLET, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../select';
import { EpollOptions, EpollWaiter } from './epoll';
import { serveEvents } from './event';
import { serveEventsOnLoop } from './on-loop';
import type { LoopServer, ServeStats } from '../server/types';

export type { EpollOptions };

/** The level-triggered waiter with edge-triggered interest that never changes. */
export class EpollEtWaiter extends EpollWaiter {
  override readonly edge = true;
  override add(fd: number, read: boolean, write: boolean): void {
    // The listener and the stop pipe only read; connections get both directions, once.
    this.ep.register(fd, ((read ? EPOLLIN | EPOLLRDHUP : 0) | (write ? EPOLLOUT : 0) | EPOLLET) >>> 0);
  }
  override set(): void {
    // Edge-triggered interest never changes.
  }
}

export function serve(o: EpollOptions): ServeStats {
  return serveEvents('epoll-et', o, () => new EpollEtWaiter(o.maxEvents));
}

/** serve() on Node's event loop: returns once listening; stop() from any callback. */
export function serveOnLoop(o: EpollOptions): LoopServer {
  return serveEventsOnLoop('epoll-et', o, () => new EpollEtWaiter(o.maxEvents));
}
