// posixkit/select: select(2), poll(2) and epoll(7) in the shapes of Python's
// select module. Each wait is the named syscall; the async forms never block
// the event loop (libuv watches an epoll fd, then the real call runs with a
// zero timeout to build the answer; see docs/api/select.md).
import {
  errno, errnoError, FileLike, INT32_MAX, INT32_MIN, invalidArgType, OSError, outOfRange, toFd, validateInteger,
} from './errors';
import { family } from './native';
import { close as osClose } from './os';

interface SelectNative {
  select(r: Int32Array, w: Int32Array, x: Int32Array, timeoutSec: number, ready: Uint8Array): number;
  poll(table: Int32Array, nfds: number, timeoutSec: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, events: number): number;
  epoll_wait(epfd: number, out: Int32Array, maxevents: number, timeoutSec: number): number;
  fd_watch_new(fd: number, cb: (err: Error | null) => void): object;
  fd_watch_start(w: object): void;
  fd_watch_stop(w: object): void;
  fd_watch_close(w: object): void;
  selectConstants: Record<string, number>;
}
const native = family<SelectNative>();
const K = native.selectConstants;

export { OSError as error };

/** select() refuses fds at or above this (the size of an fd_set). */
export const FD_SETSIZE: number = K.FD_SETSIZE;
export const PIPE_BUF: number = K.PIPE_BUF;

export const POLLIN: number = K.POLLIN;
export const POLLPRI: number = K.POLLPRI;
export const POLLOUT: number = K.POLLOUT;
export const POLLERR: number = K.POLLERR;
export const POLLHUP: number = K.POLLHUP;
export const POLLNVAL: number = K.POLLNVAL;
export const POLLRDNORM: number = K.POLLRDNORM;
export const POLLRDBAND: number = K.POLLRDBAND;
export const POLLWRNORM: number = K.POLLWRNORM;
export const POLLWRBAND: number = K.POLLWRBAND;
export const POLLMSG: number = K.POLLMSG;
export const POLLRDHUP: number = K.POLLRDHUP;

export const EPOLLIN: number = K.EPOLLIN;
export const EPOLLPRI: number = K.EPOLLPRI;
export const EPOLLOUT: number = K.EPOLLOUT;
export const EPOLLERR: number = K.EPOLLERR;
export const EPOLLHUP: number = K.EPOLLHUP;
export const EPOLLRDHUP: number = K.EPOLLRDHUP;
export const EPOLLRDNORM: number = K.EPOLLRDNORM;
export const EPOLLRDBAND: number = K.EPOLLRDBAND;
export const EPOLLWRNORM: number = K.EPOLLWRNORM;
export const EPOLLWRBAND: number = K.EPOLLWRBAND;
export const EPOLLMSG: number = K.EPOLLMSG;
/** 2147483648 (1 << 31, unsigned). `EPOLLIN | EPOLLET` is negative in JS; masks accept both forms. */
export const EPOLLET: number = K.EPOLLET;
export const EPOLLONESHOT: number = K.EPOLLONESHOT;
export const EPOLLEXCLUSIVE: number = K.EPOLLEXCLUSIVE;
export const EPOLLWAKEUP: number = K.EPOLLWAKEUP;
export const EPOLL_CLOEXEC: number = K.EPOLL_CLOEXEC;

const EPOLL_CTL_ADD = K.EPOLL_CTL_ADD;
const EPOLL_CTL_MOD = K.EPOLL_CTL_MOD;
const EPOLL_CTL_DEL = K.EPOLL_CTL_DEL;
const UINT32_MAX = 2 ** 32 - 1;
const { EBADF, ENOENT, EPERM } = errno;

/** A timeout in seconds: undefined/null/negative block (-1), else >= 0, finite. */
function blockingSeconds(value: unknown, name: string, scale = 1): number {
  if (value === undefined || value === null) return -1;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (Number.isNaN(value)) throw outOfRange(name, 'a number', value);
  if (value < 0) return -1;
  if (!Number.isFinite(value) || value / scale > INT32_MAX / 1000) {
    throw outOfRange(name, `<= ${Math.floor((INT32_MAX / 1000) * scale)}`, value);
  }
  return value / scale;
}

// ---- select ---------------------------------------------------------------

function snapshot(list: unknown, name: string): unknown[] {
  // A copy first, as PySequence_Fast does: a fileno() that mutates the
  // caller's list cannot make us read past its end (CPython issue 16230).
  if (Array.isArray(list)) return list.slice();
  if (list !== null && typeof list === 'object' && typeof (list as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return Array.from(list as Iterable<unknown>);
  }
  throw invalidArgType(name, 'an array or iterable of fds or objects with fileno()', list);
}

function selectFds(items: unknown[], name: string): Int32Array {
  const fds = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const fd = toFd(items[i], `${name}[${i}]`);
    if (fd >= FD_SETSIZE) {
      throw Object.assign(new RangeError(`filedescriptor out of range in select(): ${fd} >= FD_SETSIZE (${FD_SETSIZE})`),
        { code: 'ERR_OUT_OF_RANGE' });
    }
    fds[i] = fd;
  }
  return fds;
}

let readyScratch = new Uint8Array(64);

function selectArgs(rlist: unknown, wlist: unknown, xlist: unknown, timeout: unknown) {
  const r = snapshot(rlist, 'rlist');
  const w = snapshot(wlist, 'wlist');
  const x = snapshot(xlist, 'xlist');
  let t = -1;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number') throw invalidArgType('timeout', 'of type number', timeout);
    if (!(timeout >= 0)) throw outOfRange('timeout', 'non-negative', timeout);
    t = blockingSeconds(timeout, 'timeout');
  }
  return { r, w, x, rf: selectFds(r, 'rlist'), wf: selectFds(w, 'wlist'), xf: selectFds(x, 'xlist'), t };
}

function selectOnce<R, W, X>(a: ReturnType<typeof selectArgs>, timeoutSec: number): [R[], W[], X[]] {
  const total = a.r.length + a.w.length + a.x.length;
  if (readyScratch.length < total) readyScratch = new Uint8Array(total * 2);
  const ready = readyScratch;  // a handler run on EINTR may swap the scratch
  const n = native.select(a.rf, a.wf, a.xf, timeoutSec, ready);
  const out: [R[], W[], X[]] = [[], [], []];
  if (n > 0) {
    let k = 0;
    for (const item of a.r) if (ready[k++]) out[0].push(item as R);
    for (const item of a.w) if (ready[k++]) out[1].push(item as W);
    for (const item of a.x) if (ready[k++]) out[2].push(item as X);
  }
  return out;
}

/**
 * select(2). Items are fds or objects with fileno(); the same objects come
 * back, in input order. timeout in seconds (fractions allowed); omitted or
 * null blocks, 0 polls. An fd >= FD_SETSIZE throws a RangeError before the
 * syscall. A closed fd fails with EBADF.
 */
export function select<R = FileLike, W = FileLike, X = FileLike>(
  rlist: Iterable<R>, wlist: Iterable<W>, xlist: Iterable<X>, timeout?: number | null,
): [R[], W[], X[]] {
  const a = selectArgs(rlist, wlist, xlist, timeout);
  return selectOnce<R, W, X>(a, a.t);
}

/**
 * select() for the event loop: the same answer as select(), made by the
 * real select(2) with a zero timeout once libuv reports one of the fds ready
 * (through a private epoll set; see docs/api/select.md).
 */
export function selectAsync<R = FileLike, W = FileLike, X = FileLike>(
  rlist: Iterable<R>, wlist: Iterable<W>, xlist: Iterable<X>, timeout?: number | null,
): Promise<[R[], W[], X[]]> {
  let a: ReturnType<typeof selectArgs>;
  try {
    a = selectArgs(rlist, wlist, xlist, timeout);
  } catch (e) {
    return Promise.reject(e);
  }
  const interest = new Map<number, number>();
  const add = (fds: Int32Array, mask: number) => {
    for (const fd of fds) interest.set(fd, (interest.get(fd) ?? 0) | mask);
  };
  add(a.rf, EPOLLIN); add(a.wf, EPOLLOUT); add(a.xf, EPOLLPRI);
  return readinessAsync(interest, a.t, () => selectOnce<R, W, X>(a, 0),
    (res) => { const s = new Set<number>(); for (const [i, l] of res.entries()) for (const o of l) s.add(toFd(o, ['r', 'w', 'x'][i])); return s; });
}

// ---- the async engine of selectAsync and Poll.pollAsync ------------------

// Watches `interest` (fd -> epoll mask) in a private epoll set and answers
// with probe(), the real select/poll at timeout 0. An fd that epoll reports
// but the probe does not (a hang-up on an fd select only watches for urgent
// data) moves to edge-triggered mode, so it cannot spin the loop.
async function readinessAsync<T extends unknown[] | [unknown[], unknown[], unknown[]]>(
  interest: Map<number, number>, timeoutSec: number, probe: () => T, fdsOf: (t: T) => Set<number>,
): Promise<T> {
  let result = probe();
  if (fdsOf(result).size > 0 || timeoutSec === 0) return result;
  const deadline = timeoutSec < 0 ? Infinity : performance.now() + timeoutSec * 1000;
  const ep = new Epoll();
  const edge = new Set<number>();
  try {
    for (const [fd, mask] of interest) {
      const r = native.epoll_ctl(ep.fileno(), EPOLL_CTL_ADD, fd, mask);
      // EPERM: a regular file, always ready, so the probe already answered.
      // EBADF: a closed fd, which the probe reported (POLLNVAL) or threw on.
      if (r < 0 && r !== -EPERM && r !== -EBADF) throw errnoError(-r, 'epoll_ctl');
    }
    for (;;) {
      const left = deadline === Infinity ? -1 : Math.max(0, (deadline - performance.now()) / 1000);
      const woke = await ep.pollAsync(left, 64);
      result = probe();
      const seen = fdsOf(result);
      if (seen.size > 0 || woke.length === 0 || performance.now() >= deadline) return result;
      for (const [fd] of woke) {
        // Once only: EPOLL_CTL_MOD re-evaluates readiness and queues a new event.
        if (seen.has(fd) || edge.has(fd)) continue;
        edge.add(fd);
        native.epoll_ctl(ep.fileno(), EPOLL_CTL_MOD, fd, (interest.get(fd)! | EPOLLET) >>> 0);
      }
    }
  } finally {
    ep.close();
  }
}

// ---- poll -----------------------------------------------------------------

function pollMask(value: unknown): number {
  return validateInteger(value, 'eventmask', 0, 0xffff);
}

/**
 * A poll(2) interest set, Python's select.poll(). The table passed to the
 * kernel is a struct pollfd array kept in one reused ArrayBuffer (an int32
 * fd, then 16-bit events and revents), so poll() rebuilds nothing per call.
 */
export class Poll {
  #i32 = new Int32Array(32);
  #u16 = new Uint16Array(this.#i32.buffer);
  #n = 0;
  #index = new Map<number, number>();
  #busy = 0;

  // A signal handler that runs inside poll() (EINTR) may change the set:
  // give it a copy so the table the kernel is reading stays as it was.
  #writable(extra = 0): void {
    if (!this.#busy && this.#n + extra <= this.#i32.length / 2) return;
    const size = Math.max(this.#i32.length, (this.#n + extra) * 2 * 2);
    const next = new Int32Array(size);
    next.set(this.#i32.subarray(0, this.#n * 2));
    this.#i32 = next;
    this.#u16 = new Uint16Array(next.buffer);
  }

  /** Adds `fd` or changes its mask (no error if already registered, as in Python). */
  register(fd: FileLike, eventmask: number = POLLIN | POLLPRI | POLLOUT): void {
    const f = toFd(fd);
    const mask = pollMask(eventmask);
    let i = this.#index.get(f);
    if (i === undefined) {
      this.#writable(1);
      i = this.#n++;
      this.#index.set(f, i);
      this.#i32[2 * i] = f;
    } else {
      this.#writable();
    }
    this.#u16[4 * i + 2] = mask;
    this.#u16[4 * i + 3] = 0;
  }

  /** Changes the mask of a registered fd; ENOENT (FileNotFoundError) if unknown. */
  modify(fd: FileLike, eventmask: number): void {
    const f = toFd(fd);
    const mask = pollMask(eventmask);
    const i = this.#index.get(f);
    if (i === undefined) throw errnoError(ENOENT, 'poll.modify');
    this.#writable();
    this.#u16[4 * i + 2] = mask;
  }

  /**
   * Removes `fd` (a closed fd too). An unknown fd throws ENOENT
   * (FileNotFoundError), where Python raises KeyError.
   */
  unregister(fd: FileLike): void {
    const f = toFd(fd);
    const i = this.#index.get(f);
    if (i === undefined) throw errnoError(ENOENT, 'poll.unregister');
    this.#writable();
    const last = --this.#n;
    this.#index.delete(f);
    if (i !== last) {
      const moved = this.#i32[2 * last];
      this.#i32[2 * i] = moved;
      this.#i32[2 * i + 1] = this.#i32[2 * last + 1];
      this.#index.set(moved, i);
    }
  }

  #pollOnce(timeoutSec: number): [number, number][] {
    const table = this.#i32;
    const n = this.#n;
    this.#busy++;
    let count: number;
    try {
      count = native.poll(table, n, timeoutSec);
    } finally {
      this.#busy--;
    }
    const out: [number, number][] = [];
    if (count > 0) {
      const u16 = table === this.#i32 ? this.#u16 : new Uint16Array(table.buffer);
      for (let i = 0; i < n && out.length < count; i++) {
        const revents = u16[4 * i + 3];
        if (revents !== 0) out.push([table[2 * i], revents]);
      }
    }
    return out;
  }

  /**
   * poll(2) -> `[fd, revents][]`. timeout in milliseconds (fractions round
   * up); omitted, null or negative blocks. A closed fd reports POLLNVAL.
   */
  poll(timeout?: number | null): [number, number][] {
    return this.#pollOnce(blockingSeconds(timeout, 'timeout', 1000));
  }

  /** poll() for the event loop; same answer, made by poll(2) at timeout 0 once an fd is ready. */
  pollAsync(timeout?: number | null): Promise<[number, number][]> {
    let t: number;
    try {
      t = blockingSeconds(timeout, 'timeout', 1000);
    } catch (e) {
      return Promise.reject(e);
    }
    const interest = new Map<number, number>();
    for (const [fd, i] of this.#index) interest.set(fd, this.#u16[4 * i + 2]);
    return readinessAsync(interest, t, () => this.#pollOnce(0), (res) => new Set(res.map(([fd]) => fd)));
  }
}

/** Python's select.poll(): a new, empty poll object. */
export function poll(): Poll {
  return new Poll();
}

// ---- epoll ----------------------------------------------------------------

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


/**
 * An epoll(7) instance, Python's select.epoll. Created close-on-exec. After
 * close() every method throws an EBADF-coded OSError and the old fd number
 * is never touched again.
 */
export class Epoll implements Disposable {
  #fd: number;
  #buf = new Int32Array(64);
  #watch: object | null = null;
  #waiters: Waiter[] = [];
  static #adopt = -1;

  /** sizehint: -1 or > 0 (ignored by Linux); flags: 0 or EPOLL_CLOEXEC. */
  constructor(sizehint: number = -1, flags: number = 0) {
    if (Epoll.#adopt >= 0) {
      this.#fd = Epoll.#adopt;
      Epoll.#adopt = -1;
      return;
    }
    validateInteger(sizehint, 'sizehint', INT32_MIN, INT32_MAX);
    if (sizehint === 0 || sizehint < -1) throw outOfRange('sizehint', '-1 or > 0', sizehint);
    validateInteger(flags, 'flags', INT32_MIN, INT32_MAX);
    this.#fd = native.epoll_create1(flags);
  }

  /** Wraps an existing epoll fd (it now belongs to this object). */
  static fromfd(fd: number): Epoll {
    Epoll.#adopt = toFd(fd);
    return new Epoll();
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw errnoError(EBADF, syscall);
    return this.#fd;
  }

  fileno(): number {
    return this.#open('fileno');
  }

  /** Closes the epoll fd; idempotent. Pending pollAsync() promises reject with EBADF. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    if (this.#watch) {
      native.fd_watch_close(this.#watch);  // stop libuv watching before the fd goes
      this.#watch = null;
    }
    const waiters = this.#waiters.splice(0);
    osClose(fd);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(errnoError(EBADF, 'epoll_wait'));
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
  register(fd: FileLike, eventmask: number = EPOLLIN | EPOLLPRI | EPOLLOUT): void {
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
    const n = native.epoll_wait(ep, buf, max, timeoutSec);
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
  pollInto(events: Int32Array, timeout: number = -1): number {
    if (this.#fd < 0) throw errnoError(EBADF, 'epoll_wait');
    return native.epoll_wait(this.#fd, events, events.length >> 1, timeout);
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
      const w: Waiter = { max, resolve, reject };
      if (t > 0) w.timer = setTimeout(() => this.#expire(w), Math.ceil(t * 1000));
      this.#waiters.push(w);
      if (!this.#watch) this.#watch = native.fd_watch_new(this.#fd, (err) => this.#onReadable(err));
      native.fd_watch_start(this.#watch);
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
