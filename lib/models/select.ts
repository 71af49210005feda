// select: one process, one thread, select(2). The read and write sets are
// rebuilt from two fd sets before every call, and the kernel scans every fd
// up to the highest: O(connections) per wait, and a hard ceiling at
// FD_SETSIZE (1024) fds, which this model refuses to pass with a clear error
// (ERR_FD_SETSIZE) instead of corrupting memory as C's FD_SET would.
//
//   select(rlist, wlist) ──> ready fds ──> one recv ──> core ──> send (wlist while queued)
import { codedError } from '../errors';
import { FD_SETSIZE, select } from '../select';
import { EventOptions, serveEvents, Waiter } from './event';
import { serveEventsOnLoop } from './on-loop';
import type { LoopServer, ServeStats } from '../server/types';

export class SelectWaiter implements Waiter {
  readonly edge = false;
  readonly r = new Set<number>();
  readonly w = new Set<number>();
  #rl: number[] = [];
  #wl: number[] = [];
  #dirty = true;
  add(fd: number, read: boolean, write: boolean): void {
    if (fd >= FD_SETSIZE) {
      throw codedError('ERR_FD_SETSIZE',
        `select model: fd ${fd} is at or above FD_SETSIZE (${FD_SETSIZE}); select(2) cannot watch it. ` +
        'The connection was closed; use the poll or epoll model for more connections');
    }
    this.set(fd, read, write);
  }
  set(fd: number, read: boolean, write: boolean): void {
    if (read) this.r.add(fd); else this.r.delete(fd);
    if (write) this.w.add(fd); else this.w.delete(fd);
    this.#dirty = true;
  }
  remove(fd: number): void {
    this.r.delete(fd);
    this.w.delete(fd);
    this.#dirty = true;
  }
  wait(timeoutMs: number, ready: (fd: number, r: boolean, w: boolean) => void): void {
    if (this.#dirty) {
      this.#rl = [...this.r];
      this.#wl = [...this.w];
      this.#dirty = false;
    }
    const [rs, ws] = select(this.#rl, this.#wl, [], timeoutMs < 0 ? null : timeoutMs / 1000);
    for (let i = 0; i < rs.length; i++) ready(rs[i], true, false);
    for (let i = 0; i < ws.length; i++) ready(ws[i], false, true);
  }
  close(): void {
    this.r.clear();
    this.w.clear();
  }
}

export function serve(o: EventOptions): ServeStats {
  return serveEvents('select', o, () => new SelectWaiter());
}

/** serve() on Node's event loop: returns once listening; stop() from any callback. */
export function serveOnLoop(o: EventOptions): LoopServer {
  return serveEventsOnLoop('select', o, () => new SelectWaiter());
}
