// poll: one process, one thread, poll(2) over a pollfd table kept by
// posixkit/select's Poll object (reused between calls). Like select without
// the FD_SETSIZE ceiling, but still O(connections) per wait: the kernel scans
// the whole table every time.
//
//   poll([pollfd...]) ──> revents ──> one recv ──> core ──> send (POLLOUT while queued)
import { Poll, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT } from '../select';
import { EventOptions, serveEvents, Waiter } from './event';
import { serveEventsOnLoop } from './on-loop';
import type { LoopServer, ServeStats } from '../server/types';

const R = POLLIN | POLLHUP | POLLERR | POLLNVAL;

export class PollWaiter implements Waiter {
  readonly edge = false;
  readonly p = new Poll();
  add(fd: number, read: boolean, write: boolean): void {
    this.p.register(fd, (read ? POLLIN : 0) | (write ? POLLOUT : 0));
  }
  set(fd: number, read: boolean, write: boolean): void {
    this.p.modify(fd, (read ? POLLIN : 0) | (write ? POLLOUT : 0));
  }
  remove(fd: number): void {
    this.p.unregister(fd);
  }
  wait(timeoutMs: number, ready: (fd: number, r: boolean, w: boolean) => void): void {
    const res = this.p.poll(timeoutMs < 0 ? -1 : timeoutMs);
    for (let i = 0; i < res.length; i++) {
      const [fd, ev] = res[i];
      ready(fd, (ev & R) !== 0, (ev & POLLOUT) !== 0);
    }
  }
  close(): void {
    // A Poll object holds no fd.
  }
}

export function serve(o: EventOptions): ServeStats {
  return serveEvents('poll', o, () => new PollWaiter());
}

/** serve() on Node's event loop: returns once listening; stop() from any callback. */
export function serveOnLoop(o: EventOptions): LoopServer {
  return serveEventsOnLoop('poll', o, () => new PollWaiter());
}
