// The self-pipe: the one way a blocked wait (poll, epoll_wait, select) is
// woken from a signal handler, another thread or a forked child. A byte
// written to the write end makes the read end readable; the waiter drains it.
// Both ends are non-blocking (a full pipe means a wake-up is pending already)
// and close-on-exec. Used by the server models' stop handle, socketserver's
// serveForever, the coroutine hub and the multiprocessing Pool.
import * as os from '../os';

const BYTE = Buffer.of(1);

/** Writes one wake-up byte to a wake pipe's write end; a full or closed pipe is not an error. Async-signal-friendly. */
export function wakeFd(fd: number): void {
  if (fd < 0) return;
  try {
    os.write(fd, BYTE);
  } catch {
    // EAGAIN: full, a wake-up is pending anyway; EBADF: the waiter closed it
  }
}

export class WakePipe implements Disposable {
  #r: number;
  #w: number;
  #scratch: Buffer | null = null;

  constructor() {
    [this.#r, this.#w] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
  }

  /** The end to wait on (POLLIN / EPOLLIN); -1 once closed. */
  get readFd(): number {
    return this.#r;
  }

  /** The end wake() writes; hand it to another thread or a child to wake this waiter. -1 once closed. */
  get writeFd(): number {
    return this.#w;
  }

  get closed(): boolean {
    return this.#r < 0;
  }

  wake(): void {
    wakeFd(this.#w);
  }

  /** Empties the pipe; true if a wake-up was pending. */
  drain(): boolean {
    if (this.#r < 0) return false;
    this.#scratch ??= Buffer.allocUnsafe(64);
    let got = false;
    try {
      while (os.readinto(this.#r, this.#scratch) > 0) got = true;
    } catch {
      // EAGAIN: empty
    }
    return got;
  }

  close(): void {
    if (this.#r < 0) return;
    os.close(this.#r);
    os.close(this.#w);
    this.#r = this.#w = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
