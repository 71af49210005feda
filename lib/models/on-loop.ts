// An event model on Node's event loop instead of in a blocking loop of its
// own. libuv watches one fd (uv_poll): the model's epoll fd, or for poll and
// select, which have none, an epoll set that mirrors their interest. When it
// is readable, the model's own wait runs at timeout 0 (epoll_wait(2), poll(2)
// or select(2), as in serve()) and the same Loop services the connections.
// Session deadlines are a Node timer and the stop handle's pipe is in the
// watched set, so a stop() from a timer, an I/O callback or a promise works.
import { Epoll, EPOLLET, EPOLLIN, EPOLLOUT } from '../select';
import { native } from '../select/native';
import { isStop, listenInfo } from './common';
import { EventOptions, Loop, openEvents, Ready, Waiter } from './event';
import type { LoopServer, ServeStats } from '../server/types';

/**
 * poll and select wait on no fd of their own: an epoll set with the same
 * interest wakes Node's loop, and the model's poll(2)/select(2) at timeout 0
 * then says what is ready. An fd the epoll set reports but the model's wait
 * does not (a hang-up with no interest in that direction) turns
 * edge-triggered until its interest next changes, so it cannot spin the loop.
 */
class Mirrored implements Waiter {
  readonly edge = false;
  readonly ep: Epoll;
  readonly #mask = new Map<number, number>();
  readonly #quiet = new Set<number>();
  #reported = 0;
  readonly #count: Ready;
  #ready: Ready | null = null;

  constructor(readonly inner: Waiter) {
    try {
      this.ep = new Epoll();
    } catch (e) {
      inner.close();
      throw e;
    }
    this.#count = (fd, r, w) => {
      this.#reported++;
      this.#ready!(fd, r, w);
    };
  }
  get fd(): number {
    return this.ep.fileno();
  }
  add(fd: number, read: boolean, write: boolean): void {
    this.inner.add(fd, read, write);
    this.#mirror(fd, read, write);
  }
  set(fd: number, read: boolean, write: boolean): void {
    this.inner.set(fd, read, write);
    this.#mirror(fd, read, write);
  }
  remove(fd: number): void {
    this.inner.remove(fd);
    this.#mirror(fd, false, false);
  }
  wait(timeoutMs: number, ready: Ready): void {
    this.#reported = 0;
    this.#ready = ready;
    this.inner.wait(timeoutMs, this.#count);
    if (this.#reported === 0) this.#silence();
  }
  close(): void {
    this.inner.close();
    this.ep.close();
  }

  #mirror(fd: number, read: boolean, write: boolean): void {
    const m = (read ? EPOLLIN : 0) | (write ? EPOLLOUT : 0);
    const cur = this.#mask.get(fd);
    const quiet = this.#quiet.delete(fd);
    if (m === 0) {
      if (cur === undefined) return;
      this.#mask.delete(fd);
      try { this.ep.unregister(fd); } catch { /* closed already: the kernel dropped it */ }
    } else if (cur === undefined) {
      this.ep.register(fd, m);
      this.#mask.set(fd, m);
    } else if (cur !== m || quiet) {
      this.ep.modify(fd, m);
      this.#mask.set(fd, m);
    }
  }

  #silence(): void {
    for (const [fd] of this.ep.poll(0)) {
      const m = this.#mask.get(fd);
      if (m === undefined || this.#quiet.has(fd)) continue;
      this.#quiet.add(fd);
      this.ep.modify(fd, (m | EPOLLET) >>> 0);
    }
  }
}

/** serveEvents() on Node's loop: returns once listening; see LoopServer. */
export function serveEventsOnLoop(name: string, o: EventOptions, makeWaiter: () => Waiter): LoopServer {
  let watched = -1;
  const loop: Loop = openEvents(name, o, () => {
    const w = makeWaiter();
    const outer = w.fd === undefined ? new Mirrored(w) : w;
    watched = outer.fd!;
    return outer;
  }, true);
  let watch: object;
  try {
    watch = native.fd_watch_new(watched, (err) => turn(err));
    native.fd_watch_start(watch);
  } catch (e) {
    loop.close();
    throw e;
  }
  const info = listenInfo(name, loop.listener);
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let immediate: NodeJS.Immediate | undefined;
  let resolve!: (s: ServeStats) => void;
  let reject!: (e: unknown) => void;
  const closed = new Promise<ServeStats>((res, rej) => { resolve = res; reject = rej; });

  const end = (err: unknown): void => {
    done = true;
    clearTimeout(timer);
    clearImmediate(immediate);
    native.fd_watch_close(watch); // out of libuv's set before any watched fd closes
    try { loop.close(); } catch (e) { err ??= e; }
    if (err === null) resolve(loop.stats);
    else reject(err);
  };
  const turn = (err?: Error | null): void => {
    if (done) return;
    try {
      if (err) throw err;
      loop.stop.check();
      loop.w.wait(0, loop.ready);
      loop.afterWait();
      loop.stop.check();
    } catch (e) {
      return end(isStop(e) ? null : e);
    }
    const at = loop.deadline();
    if (at === timerAt) return;
    clearTimeout(timer);
    timerAt = at;
    timer = at === Infinity ? undefined : setTimeout(() => {
      timerAt = Infinity;
      turn();
    }, Math.max(0, at - Date.now()));
  };
  loop.onWake = () => {
    immediate ??= setImmediate(() => {
      immediate = undefined;
      turn();
    });
  };
  try {
    o.onListening?.(info);
  } catch (e) {
    end(e);
    throw e;
  }
  return {
    info,
    closed,
    stop(): Promise<ServeStats> {
      if (!done) loop.stop.handle.stop(); // the pipe wakes the watch; the next turn ends the loop
      return closed;
    },
  };
}
