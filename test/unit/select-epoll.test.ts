// epoll: Python's test_epoll.py as the bar.
import { readFileSync, writeFileSync, openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errno } from '../../lib/errors';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as socketModule from '../../lib/socket';
import { Epoll, EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../../lib/select';
import { fdCount, runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import { code, error } from '../helpers/checks';
import { trackFds } from '../helpers/fds';

const { pipe, closeFd, track } = trackFds();

describe('epoll(): creation (IO-01, IO-11)', () => {
  it('refuses bad sizehint and flags', () => {
    expect(code(() => select.epoll('foo' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => select.epoll(null as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => select.epoll({} as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => select.epoll(0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => select.epoll(-2))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => select.epoll(1.5))).toBe('ERR_OUT_OF_RANGE');
    let err: any;
    try { select.epoll(-1, 12356); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(select.error);
    expect(err).toMatchObject({ code: 'EINVAL', errno: -22, syscall: 'epoll_create1' });
  });

  it('creates close-on-exec fds, with -1, a positive sizehint or EPOLL_CLOEXEC', () => {
    for (const ep of [select.epoll(), select.epoll(16), select.epoll(-1, select.EPOLL_CLOEXEC), new Epoll()]) {
      expect(ep.fileno()).toBeGreaterThan(2);
      expect(ep.closed).toBe(false);
      const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${ep.fileno()}`, 'utf8'))![1], 8);
      expect(flags & 0o2000000).toBe(0o2000000);
      expect(readFileSync(`/proc/self/fdinfo/${ep.fileno()}`, 'utf8')).toMatch(/^pos:/);
      ep.close();
    }
  });
});

describe('epoll: closed object (IO-02)', () => {
  it('throws Python\'s ValueError (a RangeError coded EBADF) everywhere, close is idempotent, and never touches a reused fd', async () => {
    const ep = select.epoll();
    const [r, w] = pipe();
    const old = ep.fileno();
    ep.close();
    expect(ep.closed).toBe(true);
    ep.close();
    // The old number is reused by a new pipe: the closed object must not act on it.
    const [r2, w2] = pipe();
    expect([r2, w2]).toContain(old);
    for (const fn of [() => ep.fileno(), () => ep.register(r), () => ep.modify(r, EPOLLIN), () => ep.unregister(r),
      () => ep.poll(0), () => ep.poll_raw(new Int32Array(4), 0)]) {
      const e = error(fn);
      expect(e).toBeInstanceOf(RangeError);
      expect(e).toMatchObject({ code: 'EBADF', errno: -9 });
      expect(e.message).toMatch(/I\/O operation on closed epoll object/);
    }
    const rejected = await ep.pollAsync(0).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(RangeError);
    expect(rejected).toMatchObject({ code: 'EBADF', syscall: 'epoll_wait' });
    expect(readFileSync(`/proc/self/fdinfo/${old}`, 'utf8')).not.toMatch(/tfd:/);
    void w;
  });

  it('closes on Symbol.dispose (the `with` of Python)', () => {
    let fd: number;
    {
      using ep = select.epoll();
      fd = ep.fileno();
      expect(ep.closed).toBe(false);
    }
    expect(() => readFileSync(`/proc/self/fdinfo/${fd}`)).toThrow();
  });
});

describe('epoll: register / modify / unregister (IO-03, IO-04, IO-05, IO-12)', () => {
  it('validates its arguments', () => {
    using ep = select.epoll();
    const [r] = pipe();
    expect(code(() => ep.register({} as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => ep.register(null as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => ep.register({ fileno: () => 'x' } as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => ep.register(-1))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.register(r, 2 ** 32))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.register(r, 'x' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => ep.poll('x' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => ep.poll(NaN))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.poll(0, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.poll(0, -2))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.poll_raw(new Int32Array(1), 0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => ep.poll_raw(new Uint8Array(8) as never, 0))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('maps errnos: EBADF, EEXIST, ENOENT, EPERM', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    let err: any;
    try { ep.register(10000); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'epoll_ctl' });
    ep.register({ fileno: () => r }, EPOLLIN);
    try { ep.register(r, EPOLLIN); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(select.error);
    expect(err.constructor.name).toBe('FileExistsError');
    expect(err).toMatchObject({ code: 'EEXIST', errno: -17 });
    for (const fn of [() => ep.modify(w, EPOLLOUT), () => ep.unregister(w)]) {
      try { fn(); } catch (e) { err = e; }
      expect(err.constructor.name).toBe('FileNotFoundError');
      expect(err).toMatchObject({ code: 'ENOENT', errno: -2 });
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-epoll-'));
    const file = path.join(dir, 'f');
    writeFileSync(file, 'data');
    const ffd = openSync(file, 'r');
    try {
      try { ep.register(ffd, EPOLLIN); } catch (e) { err = e; }
      expect(err.constructor.name).toBe('PermissionError');
      expect(err.code).toBe('EPERM');
    } finally {
      closeSync(ffd);
      rmSync(dir, { recursive: true });
    }
  });

  it('unregister after the fd was closed fails with EBADF', () => {
    using ep = select.epoll();
    const [r] = pipe();
    ep.register(r, EPOLLIN);
    closeFd(r);
    expect(code(() => ep.unregister(r))).toBe('EBADF');
  });

  it('accepts EPOLLET both as the unsigned constant and as a negative int32 mask', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    expect(EPOLLET).toBe(2 ** 31);
    expect(EPOLLIN | EPOLLET).toBeLessThan(0);
    ep.register(r, EPOLLIN | EPOLLET);
    ep.modify(r, (EPOLLIN | EPOLLET) >>> 0);
    os.write(w, 'x');
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    expect(ep.poll(0)).toEqual([]);
  });

  it('exports every EPOLL* constant of Linux', () => {
    for (const name of ['EPOLLIN', 'EPOLLOUT', 'EPOLLPRI', 'EPOLLERR', 'EPOLLHUP', 'EPOLLRDHUP', 'EPOLLRDNORM',
      'EPOLLRDBAND', 'EPOLLWRNORM', 'EPOLLWRBAND', 'EPOLLMSG', 'EPOLLET', 'EPOLLONESHOT', 'EPOLLEXCLUSIVE',
      'EPOLLWAKEUP', 'EPOLL_CLOEXEC']) {
      expect(typeof (select as any)[name], name).toBe('number');
    }
    expect([select.EPOLLIN, select.EPOLLOUT, select.EPOLLRDHUP, select.EPOLLONESHOT, select.EPOLLEXCLUSIVE])
      .toEqual([1, 4, 0x2000, 1 << 30, 1 << 28]);
  });
});

describe('epoll.poll (IO-06, IO-07, IO-08, IO-09)', () => {
  it('times out with [] after about the timeout, and reports ready fds at once', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    ep.register(w, EPOLLOUT);
    let t = performance.now();
    expect(ep.poll(0, 1)).toEqual([[w, EPOLLOUT]]);
    ep.unregister(w);
    t = performance.now();
    expect(ep.poll(0.2)).toEqual([]);
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
    os.write(w, 'data');
    t = performance.now();
    expect(ep.poll(5)).toEqual([[r, EPOLLIN]]);
    expect(performance.now() - t).toBeLessThan(1000); // at once, not after the 5 s timeout
  });

  it('honours maxevents', () => {
    using ep = select.epoll();
    const ws = [pipe()[1], pipe()[1], pipe()[1]];
    for (const w of ws) ep.register(w, EPOLLOUT);
    expect(ep.poll(0, 2)).toHaveLength(2);
    expect(ep.poll(0)).toHaveLength(3);
  });

  it('level-triggered keeps reporting until drained', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    os.write(w, 'abc');
    for (let i = 0; i < 3; i++) expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    os.read(r, 3);
    expect(ep.poll(0)).toEqual([]);
  });

  it('EPOLLET reports a readable fd once until new data arrives (IO-07)', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN | EPOLLET);
    os.write(w, 'first');
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    expect(ep.poll(0)).toEqual([]);        // not drained, yet no new edge
    expect(ep.poll(0.05)).toEqual([]);
    os.write(w, 'second');
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    expect(ep.poll(0)).toEqual([]);
    // Drain to EAGAIN (the edge-triggered contract), then a new write is a new edge.
    os.set_blocking(r, false);
    expect(os.read(r, 100).toString()).toBe('firstsecond');
    expect(code(() => os.read(r, 100))).toBe('EAGAIN');
    expect(ep.poll(0)).toEqual([]);
    os.write(w, 'third');
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
  });

  it('EPOLLONESHOT disarms the fd until modify() re-arms it (IO-08)', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN | EPOLLONESHOT);
    os.write(w, 'a');
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    os.write(w, 'b');
    expect(ep.poll(0)).toEqual([]);
    expect(code(() => ep.register(r, EPOLLIN))).toBe('EEXIST');  // still registered, only disarmed
    ep.modify(r, EPOLLIN | EPOLLONESHOT);
    expect(ep.poll(0)).toEqual([[r, EPOLLIN]]);
    expect(ep.poll(0)).toEqual([]);
  });

  it('after unregister(a) and modify(b, EPOLLOUT) only (b, EPOLLOUT) is reported (IO-09)', () => {
    using ep = select.epoll();
    const [a, aw] = pipe();
    const [, b] = pipe();
    ep.register(a, EPOLLIN);
    ep.register(b, EPOLLIN);
    os.write(aw, 'x');
    expect(ep.poll(0)).toEqual([[a, EPOLLIN]]);
    ep.unregister(a);
    ep.modify(b, EPOLLOUT);
    expect(ep.poll(0)).toEqual([[b, EPOLLOUT]]);
  });

  it('reports EPOLLHUP when the write end of a pipe closes, and EPOLLERR when the read end does', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    const [r2, w2] = pipe();
    ep.register(r, EPOLLIN);
    ep.register(w2, EPOLLOUT);
    closeFd(w);
    closeFd(r2);
    const got = new Map(ep.poll(0));
    expect(got.get(r)! & select.EPOLLHUP).toBe(select.EPOLLHUP);
    expect(got.get(w2)! & select.EPOLLERR).toBe(select.EPOLLERR);
    expect(os.read(r, 10).length).toBe(0);
  });

  it('fromfd shares the interest list; polling the alias after close fails with EBADF (IO-10)', () => {
    const ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    ep.register(w, EPOLLOUT);
    const alias = Epoll.fromfd(ep.fileno());
    expect(alias.fileno()).toBe(ep.fileno());
    expect(alias.poll(0)).toHaveLength(1);
    os.write(w, 'x');
    expect(alias.poll(0)).toHaveLength(2);
    ep.close();
    expect(code(() => alias.poll(0))).toBe('EBADF');
  });
});

describe('epoll.poll_raw: the zero-allocation wait', () => {
  it('fills fd/events pairs and returns the count', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    const [r2, w2] = pipe();
    ep.register(r, EPOLLIN);
    ep.register(r2, EPOLLIN);
    const evs = new Int32Array(16).fill(-7);
    expect(ep.poll_raw(evs, 0)).toBe(0);
    os.write(w, 'x');
    os.write(w2, 'y');
    expect(ep.poll_raw(evs, 1)).toBe(2);
    const pairs = [[evs[0], evs[1]], [evs[2], evs[3]]].sort((x, y) => x[0] - y[0]);
    expect(pairs).toEqual([[r, EPOLLIN], [r2, EPOLLIN]].sort((x, y) => x[0] - y[0]));
    expect(evs[4]).toBe(-7);  // nothing written past the count
    // The buffer length bounds maxevents; a view at an offset is written at its offset.
    expect(ep.poll_raw(evs.subarray(0, 2), 0)).toBe(1);
    const backing = new Int32Array(10).fill(-7);
    expect(ep.poll_raw(backing.subarray(4, 8), null)).toBe(2);
    expect([...backing.subarray(0, 4)]).toEqual([-7, -7, -7, -7]);
    expect(new Set([backing[4], backing[6]])).toEqual(new Set([r, r2]));
    expect([backing[8], backing[9]]).toEqual([-7, -7]);
    // A timeout returns 0 after about the timeout.
    os.read(r, 1); os.read(r2, 1);
    const t = performance.now();
    expect(ep.poll_raw(evs, 0.1)).toBe(0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(95);
  });

  it('returns -errno instead of throwing when epoll_wait fails', () => {
    const [r] = pipe();
    const notEpoll = Epoll.fromfd(r);  // a pipe is no epoll fd: epoll_wait gives EINVAL
    expect(notEpoll.poll_raw(new Int32Array(4), 0)).toBe(-errno.EINVAL);
    expect(code(() => notEpoll.poll(0))).toBe('EINVAL');
  });
});

describe('epoll.pollAsync: the epoll fd watched by libuv', () => {
  it('resolves when an fd becomes ready while the event loop keeps running', async () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => os.write(w, 'x'), 150);
    const t = performance.now();
    const evs = await ep.pollAsync();
    clearInterval(ticker);
    expect(evs).toEqual([[r, EPOLLIN]]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    // The fd became ready only through a timer, and the 5 ms ticker is due first: the loop ran.
    expect(ticks).toBeGreaterThanOrEqual(1);
  });

  it('resolves [] on timeout, at once when ready, and honours maxevents', async () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    let t = performance.now();
    expect(await ep.pollAsync(0.15)).toEqual([]);
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(2000);
    expect(await ep.pollAsync(0)).toEqual([]);
    ep.register(w, EPOLLOUT);
    t = performance.now();
    expect(await ep.pollAsync(5, 1)).toHaveLength(1);
    expect(await ep.pollAsync(5)).toEqual([[w, EPOLLOUT]]);
    await expect(ep.pollAsync('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(ep.pollAsync(1, 0)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  });

  it('serves several waiters; close() rejects the pending ones with EBADF', async () => {
    const ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN);
    const a = ep.pollAsync(5);
    const b = ep.pollAsync(5);
    setTimeout(() => os.write(w, 'x'), 50);
    expect(await a).toEqual([[r, EPOLLIN]]);
    expect(await b).toEqual([[r, EPOLLIN]]);  // level-triggered: still ready
    os.read(r, 1);
    const c = ep.pollAsync();
    setTimeout(() => ep.close(), 30);
    await expect(c).rejects.toMatchObject({ code: 'EBADF', syscall: 'epoll_wait' });
  });

  it('edge-triggered sets wake a pending pollAsync once per edge', async () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    ep.register(r, EPOLLIN | EPOLLET);
    setTimeout(() => os.write(w, 'a'), 30);
    expect(await ep.pollAsync(5)).toEqual([[r, EPOLLIN]]);
    expect(await ep.pollAsync(0.1)).toEqual([]);
    setTimeout(() => os.write(w, 'b'), 30);
    expect(await ep.pollAsync(5)).toEqual([[r, EPOLLIN]]);
  });
});

describe('epoll at scale and across processes', () => {
  it('accepts an fd above FD_SETSIZE (dup2 to 2000)', () => {
    using ep = select.epoll();
    const [r, w] = pipe();
    const high = os.dup2(r, 2000, false);
    track(high);
    ep.register(high, EPOLLIN);
    os.write(w, 'x');
    expect(ep.poll(0)).toEqual([[2000, EPOLLIN]]);
  });

  it('holds 10,000 registered fds and reports exactly the active ones', () => {
    using ep = select.epoll();
    const reads: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const [r, w] = pipe();
      reads.push(r);
      writes.push(w);
      ep.register(r, EPOLLIN);
      ep.register(w, EPOLLOUT | EPOLLET);
    }
    const out = new Int32Array(2 * 10000);
    expect(ep.poll_raw(out, 0)).toBe(5000);  // every writer once (edge)
    expect(ep.poll_raw(out, 0)).toBe(0);
    const active = new Set<number>();
    for (let i = 0; i < 100; i++) active.add(reads[(i * 7919) % reads.length]);
    for (const r of active) os.write(writes[reads.indexOf(r)], 'x');
    const got = ep.poll(0, 10000);
    expect(got.length).toBe(active.size);
    expect(new Set(got.map(([fd]) => fd))).toEqual(active);
    expect(got.every(([, ev]) => ev === EPOLLIN)).toBe(true);
  });

  function wokenChildren(exclusive: boolean): number {
    const [r, w] = pipe();
    const [rr, rw] = pipe();  // the children report here: 'r' when registered, 'w' when woken
    const kids: number[] = [];
    for (let i = 0; i < 3; i++) {
      kids.push(runInChild(() => {
        const ep = select.epoll();
        ep.register(r, exclusive ? EPOLLIN | select.EPOLLEXCLUSIVE : EPOLLIN);
        os.write(rw, 'r');
        if (ep.poll(20).length > 0) os.write(rw, 'w');
        sleepSync(5000);  // stay alive so no sibling is woken by our exit
        return 0;
      }));
    }
    // Wait until all three are registered (a loaded machine forks slowly),
    // then give them time to block in epoll_wait before the one write.
    let reports = '';
    const p = select.poll();
    p.register(rr, select.POLLIN);
    const end = Date.now() + 15_000;
    while ((reports.match(/r/g) ?? []).length < 3 && Date.now() < end) {
      if (p.poll(100).length > 0) reports += os.read(rr, 16).toString();
    }
    sleepSync(300);
    os.write(w, 'x');
    sleepSync(500);
    os.set_blocking(rr, false);
    try { reports += os.read(rr, 16).toString(); } catch { /* nothing more */ }
    for (const pid of kids) {
      os.kill(pid, 9);
      waitWithTimeout(pid, 5000);
    }
    for (const fd of [r, w, rr, rw]) closeFd(fd);
    expect((reports.match(/r/g) ?? []).length).toBe(3);
    return (reports.match(/w/g) ?? []).length;
  }

  it('EPOLLEXCLUSIVE wakes one of several waiting processes; without it all wake', () => {
    expect(wokenChildren(false)).toBe(3);
    expect(wokenChildren(true)).toBe(1);
  });
});

describe('epoll with socketpairs (IO-07, IO-28, IO-29)', () => {
  const sock = () => socketModule;

  it('EPOLLET on a socketpair: one event per edge, again only on new data', () => {
    const { socketpair } = sock();
    const [a, b] = socketpair();
    try {
      using ep = select.epoll();
      ep.register(a, EPOLLIN | EPOLLET);
      b.send(Buffer.from('one'));
      expect(ep.poll(0)).toEqual([[a.fileno(), EPOLLIN]]);
      expect(ep.poll(0.05)).toEqual([]);  // undrained, but no new edge
      b.send(Buffer.from('two'));
      expect(ep.poll(0)).toEqual([[a.fileno(), EPOLLIN]]);
      expect(a.recv(100).toString()).toBe('onetwo');
      expect(ep.poll(0)).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('reports EPOLLIN and EPOLLOUT in one call, and EPOLLRDHUP when the peer shuts down', () => {
    const { socketpair, SHUT_WR } = sock();
    const [a, b] = socketpair();
    try {
      using ep = select.epoll();
      ep.register(a, EPOLLIN | EPOLLOUT | select.EPOLLRDHUP);
      expect(ep.poll(0)).toEqual([[a.fileno(), EPOLLOUT]]);
      b.send(Buffer.from('x'));
      expect(ep.poll(0)).toEqual([[a.fileno(), EPOLLIN | EPOLLOUT]]);
      b.shutdown(SHUT_WR);
      const [[, ev]] = ep.poll(0);
      expect(ev & select.EPOLLRDHUP).toBe(select.EPOLLRDHUP);
      b.close();
      const [[, ev2]] = ep.poll(0);
      expect(ev2 & select.EPOLLHUP).toBe(select.EPOLLHUP);
    } finally {
      a.close();
      b.close();
    }
  });

  it('watches (RLIMIT_NOFILE - 32) / 2 socketpairs and reports every writer', () => {
    const { socketpair } = sock();
    const limit = Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)![1]);
    const pairs = Math.min(5000, Math.floor((limit - fdCount() - 32) / 2));
    const socks: Array<ReturnType<typeof socketpair>> = [];
    try {
      using ep = select.epoll();
      for (let i = 0; i < pairs; i++) {
        const p = socketpair();
        socks.push(p);
        ep.register(p[0], EPOLLOUT);
      }
      const evs = new Int32Array(2 * pairs);
      expect(ep.poll_raw(evs, 0)).toBe(pairs);
      const fds = new Set(socks.map(([s]) => s.fileno()));
      for (let i = 0; i < pairs; i++) expect(fds.delete(evs[2 * i])).toBe(true);
      expect(fds.size).toBe(0);
    } finally {
      for (const [x, y] of socks) { x.close(); y.close(); }
    }
  });
});

describe('epoll objects and the garbage collector', () => {
  it('an epoll object dropped without close() gives its fd back', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const before = fdCount();
    (() => { for (let i = 0; i < 20; i++) select.epoll(); })();
    expect(fdCount()).toBe(before + 20);
    for (let i = 0; i < 20 && fdCount() > before; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fdCount()).toBe(before);
  });
});

describe('epoll in a worker thread', () => {
  it('pollAsync works on the worker loop, and a worker ending with a pending pollAsync exits cleanly', async () => {
    const { Worker } = await import('node:worker_threads');
    const path = await import('node:path');
    const { ROOT } = await import('../helpers/proc');
    const code = `
      const { parentPort } = require('node:worker_threads');
      const select = require(${JSON.stringify(path.join(ROOT, 'dist/select.js'))});
      const os = require(${JSON.stringify(path.join(ROOT, 'dist/os.js'))});
      (async () => {
        const [r, w] = os.pipe();
        const ep = select.epoll();
        ep.register(r, select.EPOLLIN);
        setTimeout(() => os.write(w, 'x'), 30);
        const got = await ep.pollAsync(5);
        parentPort.postMessage({ ok: JSON.stringify(got) === JSON.stringify([[r, select.EPOLLIN]]), fds: [r, w, ep.fileno()] });
        os.read(r, 1);
        ep.pollAsync();            // left pending: the env teardown must close its watcher
        setTimeout(() => process.exit(0), 20);
      })();`;
    const worker = new Worker(code, { eval: true });
    const msg = await new Promise<{ ok: boolean; fds: number[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(msg.ok).toBe(true);
    expect(await new Promise((resolve) => worker.once('exit', resolve))).toBe(0);
    for (const fd of msg.fds) os.close(fd);  // fds belong to the process; the worker left them open
  });
});
