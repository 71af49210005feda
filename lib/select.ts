// posixkit/select: select(2), poll(2) and epoll(7) in the shapes of Python's
// select module. Each wait is the named syscall; the async forms never block
// the event loop (libuv watches an epoll fd, then the real call runs with a
// zero timeout to build the answer; see docs/api/select.md).
import { errno, errnoError, FileLike, invalidArgType, KeyError, OSError, outOfRange, toFd, toList, validateInteger } from './errors';
import { Epoll } from './select/epoll';
import { blockingSeconds, K, native, sysPoll, sysSelect } from './select/native';

export { Epoll, epoll } from './select/epoll';

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
// NOTE: inside this module an exported const compiles to a load from
// `exports`; hot loops use this plain local instead.
const SETSIZE = K.FD_SETSIZE;
const { ENOENT, EPERM, EBADF } = errno;

// ---- select ---------------------------------------------------------------

// One fd table for the three lists (r, then w, then x) and one for the
// answer (indices into that table), reused across calls: a select() over
// plain fds allocates only its result arrays. A call nested inside another
// (a signal handler run on EINTR) gets fresh tables.
let fdScratch: Int32Array = new Int32Array(1024);
let outScratch: Int32Array = new Int32Array(1024);
let selectDepth = 0;

interface SelectArgs {
  fds: Int32Array;
  out: Int32Array;
  /** Per list: its length and the snapshot of its objects (null when all are plain fds). */
  len: [number, number, number];
  items: [unknown[] | null, unknown[] | null, unknown[] | null];
  t: number;
}

function fdRangeError(fd: number): RangeError {
  return Object.assign(new RangeError(`filedescriptor out of range in select(): ${fd} >= FD_SETSIZE (${FD_SETSIZE})`),
    { code: 'ERR_OUT_OF_RANGE' });
}

function room(a: SelectArgs, need: number): void {
  if (need <= a.fds.length) return;
  const fds = new Int32Array(need * 2);
  fds.set(a.fds);
  a.fds = fds;
}

function tooMany(): RangeError {
  return Object.assign(new RangeError('too many file descriptors in select()'), { code: 'ERR_OUT_OF_RANGE' });
}

// Appends one list's fds to a.fds at `off`; returns the new offset.
function gather(a: SelectArgs, which: 0 | 1 | 2, list: unknown, name: string, off: number): number {
  if (Array.isArray(list)) {
    // Fast path: plain fds run no user code, so the array cannot change under us.
    room(a, off + Math.min(list.length, SETSIZE));
    const fds = a.fds;
    let i = 0;
    for (; i < list.length && i < SETSIZE; i++) {
      const v = list[i];
      if (typeof v !== 'number' || (v | 0) !== v || v < 0 || v >= SETSIZE) break;
      fds[off + i] = v;
    }
    if (i === list.length) {
      a.len[which] = i;
      return off + i;
    }
  }
  // An array is walked live, as CPython walks a list: a fileno() that
  // shrinks it ends the walk early, one that grows it (or a sparse array of
  // length 2**32-1) stops at FD_SETSIZE entries with CPython's "too many file
  // descriptors", and no index is read past the end. Another iterable is
  // read once, first, and capped the same way (an endless generator).
  const live = Array.isArray(list) ? list
    : toList(list, name, 'an array or iterable of fds or objects with fileno()', SETSIZE, (v) => v, tooMany);
  const items: unknown[] = [];
  for (let i = 0; i < live.length; i++) {
    const item = live[i];
    const fd = toFd(item, `${name}[${i}]`);
    if (fd >= SETSIZE) throw fdRangeError(fd);
    if (i >= SETSIZE) throw tooMany();
    room(a, off + i + 1);
    a.fds[off + i] = fd;
    items.push(item);
  }
  a.items[which] = items;
  a.len[which] = items.length;
  return off + items.length;
}

function selectArgs(rlist: unknown, wlist: unknown, xlist: unknown, timeout: unknown, owned: boolean): SelectArgs {
  const shared = !owned;
  const a: SelectArgs = {
    fds: shared ? fdScratch : new Int32Array(64), out: outScratch, len: [0, 0, 0], items: [null, null, null], t: -1,
  };
  let off = gather(a, 0, rlist, 'rlist', 0);
  off = gather(a, 1, wlist, 'wlist', off);
  off = gather(a, 2, xlist, 'xlist', off);
  if (shared) fdScratch = a.fds;
  if (!shared || off > outScratch.length) a.out = new Int32Array(Math.max(off, 64));
  if (shared) outScratch = a.out;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number') throw invalidArgType('timeout', 'of type number', timeout);
    if (!(timeout >= 0)) throw outOfRange('timeout', 'non-negative', timeout);
    a.t = blockingSeconds(timeout, 'timeout');
  }
  return a;
}

function selectOnce<R, W, X>(a: SelectArgs, timeoutSec: number, seen?: Set<number>): [R[], W[], X[]] {
  const [nr, nw, nx] = a.len;
  const k = sysSelect(a.fds, nr, nw, nx, timeoutSec, a.out);
  // out[] is sorted (r, then w, then x): one monomorphic loop per list.
  const { fds, items, out } = a;
  const rs = pick(fds, items[0], out, 0, k, 0, nr);
  const ws = pick(fds, items[1], out, rs.length, k, nr, nr + nw);
  const xs = pick(fds, items[2], out, rs.length + ws.length, k, nr + nw, nr + nw + nx);
  if (seen) for (let j = 0; j < k; j++) seen.add(fds[out[j]]);
  return [rs, ws, xs] as [R[], W[], X[]];
}

function pick(fds: Int32Array, items: unknown[] | null, out: Int32Array, j: number, k: number, lo: number,
  hi: number): unknown[] {
  const res: unknown[] = [];
  for (; j < k; j++) {
    const idx = out[j];
    if (idx >= hi) break;
    res.push(items === null ? fds[idx] : items[idx - lo]);
  }
  return res;
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
  // The shared tables serve the outermost call only: a fileno() or a signal
  // handler may call select() again while this one is using them.
  const owned = selectDepth > 0;
  selectDepth++;
  try {
    const a = selectArgs(rlist, wlist, xlist, timeout, owned);
    return selectOnce<R, W, X>(a, a.t);
  } finally {
    selectDepth--;
  }
}

/**
 * select() for the event loop: the same answer as select(), made by the
 * real select(2) with a zero timeout once libuv reports one of the fds ready
 * (through a private epoll set; see docs/api/select.md).
 */
export function selectAsync<R = FileLike, W = FileLike, X = FileLike>(
  rlist: Iterable<R>, wlist: Iterable<W>, xlist: Iterable<X>, timeout?: number | null,
): Promise<[R[], W[], X[]]> {
  let a: SelectArgs;
  try {
    a = selectArgs(rlist, wlist, xlist, timeout, true);
  } catch (e) {
    return Promise.reject(e);
  }
  const interest = new Map<number, number>();
  const [nr, nw, nx] = a.len;
  for (let i = 0; i < nr + nw + nx; i++) {
    const mask = i < nr ? EPOLLIN : i < nr + nw ? EPOLLOUT : EPOLLPRI;
    interest.set(a.fds[i], (interest.get(a.fds[i]) ?? 0) | mask);
  }
  let seen = new Set<number>();
  return readinessAsync(interest, a.t, () => selectOnce<R, W, X>(a, 0, (seen = new Set())), () => seen);
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
   * Removes `fd` (a closed fd too). An fd that is not registered throws
   * KeyError (posixkit/errors), as in Python: the poll object's own table
   * has no such key, no syscall failed.
   */
  unregister(fd: FileLike): void {
    const f = toFd(fd);
    const i = this.#index.get(f);
    if (i === undefined) throw new KeyError(f, `${f}: fd not registered with this poll object`);
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
      count = sysPoll(table, n, timeoutSec);
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
