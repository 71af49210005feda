// posixkit/select's epoll object: epoll_create1/epoll_ctl/epoll_wait, the
// zero-allocation poll_raw, and pollAsync on a libuv watch of the epoll fd.
import { closedObject, errnoError, FileLike, INT32_MAX, INT32_MIN, outOfRange, toFd, validateInteger } from '../errors';
import { close as osClose } from '../os';
import { blockingSeconds, K, native, sysEpollWait } from './native';

const EPOLL_CTL_ADD = K.EPOLL_CTL_ADD;
const EPOLL_CTL_MOD = K.EPOLL_CTL_MOD;
const EPOLL_CTL_DEL = K.EPOLL_CTL_DEL;
const UINT32_MAX = 2 ** 32 - 1;
const FD_SETSIZE = K.FD_SETSIZE;
const DEFAULT_MASK = K.EPOLLIN | K.EPOLLPRI | K.EPOLLOUT;

function epollMask(value: unknown): number {
  // EPOLLET is bit 31: accept both the unsigned constant and `EPOLLIN | EPOLLET` (negative).
  return validateInteger(value, 'eventmask', INT32_MIN, UINT32_MAX) >>> 0;
}

interface Waiter {
  max: number;
  resolve(v: [number, number][]): void;
  reject(e: unknown): void;
  timer?: NodeJS.Timeout;
}

// An epoll object dropped without close() gives its fd back when collected,
// as CPython's epoll does on dealloc. Not for fromfd() objects: their fd may
// be shared with the object it came from.
const ADOPT: unique symbol = Symbol('Epoll.fromfd');

const unclosed = new FinalizationRegistry<number>((fd) => {
  try {
    osClose(fd);
  } catch {
    // already gone
  }
});

/**
 * An epoll(7) instance, Python's select.epoll. Created close-on-exec. After
 * close() every method throws Python's ValueError("I/O operation on closed
 * epoll object"): a RangeError with code 'EBADF' (closedObject), and the old
 * fd number is never touched again.
 */
export class Epoll implements Disposable {
  #fd: number;
  #buf = new Int32Array(64);
  #watch: object | null = null;
  #waiters: Waiter[] = [];

  /** sizehint: -1 or > 0 (ignored by Linux); flags: 0 or EPOLL_CLOEXEC. */
  constructor(sizehint?: number, flags?: number);
  /** @internal fromfd()'s way in: ADOPT is this module's, so no caller can pass it. */
  constructor(adopt: typeof ADOPT, fd: number);
  constructor(sizehint: number | typeof ADOPT = -1, flags: number = 0) {
    if (sizehint === ADOPT) {
      this.#fd = flags;
      return;
    }
    validateInteger(sizehint, 'sizehint', INT32_MIN, INT32_MAX);
    if (sizehint === 0 || sizehint < -1) throw outOfRange('sizehint', '-1 or > 0', sizehint);
    validateInteger(flags, 'flags', INT32_MIN, INT32_MAX);
    this.#fd = native.epoll_create1(flags);
    unclosed.register(this, this.#fd, this);
  }

  /** Wraps an existing epoll fd (it now belongs to this object). */
  static fromfd(fd: number): Epoll {
    return new Epoll(ADOPT, toFd(fd));
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw closedObject('epoll object', syscall);
    return this.#fd;
  }

  fileno(): number {
    return this.#open('fileno');
  }

  /** Closes the epoll fd; idempotent. Pending pollAsync() promises reject with the closed-object error. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    unclosed.unregister(this);
    if (this.#watch) {
      native.fd_watch_close(this.#watch);  // stop libuv watching before the fd goes
      this.#watch = null;
    }
    const waiters = this.#waiters.splice(0);
    osClose(fd);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(closedObject('epoll object', 'epoll_wait'));
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #ctl(op: number, name: string, fd: FileLike, mask: number): void {
    const ep = this.#open('epoll_ctl');
    const r = native.epoll_ctl(ep, op, toFd(fd), mask);
    if (r < 0) throw errnoError(-r, name);
  }

  /** EPOLL_CTL_ADD. EEXIST if already registered, EPERM for a regular file. */
  register(fd: FileLike, eventmask: number = DEFAULT_MASK): void {
    this.#ctl(EPOLL_CTL_ADD, 'epoll_ctl', fd, epollMask(eventmask));
  }

  /** EPOLL_CTL_MOD. ENOENT if not registered. Re-arms an EPOLLONESHOT fd. */
  modify(fd: FileLike, eventmask: number): void {
    this.#ctl(EPOLL_CTL_MOD, 'epoll_ctl', fd, epollMask(eventmask));
  }

  /** EPOLL_CTL_DEL. ENOENT if not registered, EBADF if the fd was closed. */
  unregister(fd: FileLike): void {
    this.#ctl(EPOLL_CTL_DEL, 'epoll_ctl', fd, 0);
  }

  #max(maxevents: unknown): number {
    validateInteger(maxevents, 'maxevents', INT32_MIN, INT32_MAX);
    if (maxevents === -1) return FD_SETSIZE - 1;
    if ((maxevents as number) <= 0) throw outOfRange('maxevents', '-1 or > 0', maxevents);
    return maxevents as number;
  }

  #waitList(timeoutSec: number, max: number): [number, number][] {
    const ep = this.#open('epoll_wait');
    if (this.#buf.length < 2 * max) this.#buf = new Int32Array(2 * max);
    const buf = this.#buf;
    const n = sysEpollWait(ep, buf, max, timeoutSec);
    if (n < 0) throw errnoError(-n, 'epoll_wait');
    const out: [number, number][] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [buf[2 * i], buf[2 * i + 1] >>> 0];
    return out;
  }

  /**
   * epoll_wait(2) -> `[fd, events][]`. timeout in seconds (rounded up to
   * ms); -1, null or any negative blocks. maxevents -1 means FD_SETSIZE - 1.
   */
  poll(timeout: number | null = -1, maxevents: number = -1): [number, number][] {
    const t = blockingSeconds(timeout, 'timeout');
    return this.#waitList(t, this.#max(maxevents));
  }

  /**
   * The zero-allocation wait for event loops: epoll_wait(2) writing
   * `events.length / 2` fd/events pairs into `events` (events[2i] = fd,
   * events[2i+1] = mask). Returns the count, or -errno on a failed syscall
   * (never throws for an errno). timeout in seconds, negative blocks.
   */
  poll_raw(events: Int32Array, timeout: number | null = -1): number {
    if (this.#fd < 0) throw closedObject('epoll object', 'epoll_wait');
    return sysEpollWait(this.#fd, events, events.length >> 1, timeout ?? -1);
  }

  /**
   * poll() for the event loop: libuv watches the epoll fd itself; when it is
   * readable, epoll_wait(2) runs with timeout 0 and the promise resolves.
   * A timeout resolves `[]` (after one last epoll_wait at 0).
   */
  pollAsync(timeout: number | null = -1, maxevents: number = -1): Promise<[number, number][]> {
    let t: number, max: number, now: [number, number][];
    try {
      t = blockingSeconds(timeout, 'timeout');
      max = this.#max(maxevents);
      now = this.#waitList(0, max);
    } catch (e) {
      return Promise.reject(e);
    }
    if (now.length > 0 || t === 0) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      // Watch first: if libuv refuses, the promise rejects with nothing left behind.
      if (!this.#watch) this.#watch = native.fd_watch_new(this.#fd, (err) => this.#onReadable(err));
      native.fd_watch_start(this.#watch);
      const w: Waiter = { max, resolve, reject };
      if (t > 0) w.timer = setTimeout(() => this.#expire(w), Math.ceil(t * 1000));
      this.#waiters.push(w);
    });
  }

  #settle(w: Waiter): boolean {
    let evs: [number, number][];
    try {
      evs = this.#waitList(0, w.max);
    } catch (e) {
      clearTimeout(w.timer);
      w.reject(e);
      return true;
    }
    if (evs.length === 0) return false;
    clearTimeout(w.timer);
    w.resolve(evs);
    return true;
  }

  #idle(): void {
    if (this.#waiters.length === 0 && this.#watch) native.fd_watch_stop(this.#watch);
  }

  #onReadable(err: Error | null): void {
    if (err) {
      for (const w of this.#waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    }
    while (this.#waiters.length > 0 && this.#settle(this.#waiters[0])) this.#waiters.shift();
    this.#idle();
  }

  #expire(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i < 0) return;
    this.#waiters.splice(i, 1);
    if (!this.#settle(w)) w.resolve([]);
    this.#idle();
  }
}

/** Python's select.epoll(sizehint=-1, flags=0). */
export function epoll(sizehint: number = -1, flags: number = 0): Epoll {
  return new Epoll(sizehint, flags);
}

