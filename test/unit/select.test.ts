// select(): Python's test_select.py as the bar.
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import { constants } from 'node:os';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import { error } from '../helpers/checks';
import { trackFds } from '../helpers/fds';

const SIGUSR2 = constants.signals.SIGUSR2;

const { pipe, closeFd, track } = trackFds();

describe('select(): arguments (IO-19, IO-22)', () => {
  it('refuses non-iterables, items without fileno() and bad fileno() results', () => {
    const [r] = pipe();
    expect(error(() => select.select(1 as never, [], [])).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => select.select({} as never, [], [])).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => select.select([{}] as never, [], [])).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => select.select([], [{ fileno: () => 'x' }] as never, [])).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => select.select([], [], [-1])).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => select.select([r], [], [], -1)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => select.select([r], [], [], NaN)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => select.select([r], [], [], 'x' as never)).code).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('refuses an fd >= FD_SETSIZE before the syscall; poll and epoll take it', () => {
    const [r, w] = pipe();
    const high = os.dup2(r, 2000, false);
    track(high);
    expect(select.FD_SETSIZE).toBe(1024);
    const e = error(() => select.select([high], [], [], 0));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe('ERR_OUT_OF_RANGE');
    expect(e.message).toMatch(/filedescriptor out of range in select\(\)/);
    expect(error(() => select.select([], [{ fileno: () => 1024 }], [], 0))).toBeInstanceOf(RangeError);
    os.write(w, 'x');
    const p = select.poll();
    p.register(high, select.POLLIN);
    expect(p.poll(0)).toEqual([[high, select.POLLIN]]);
    using ep = select.epoll();
    ep.register(high, select.EPOLLIN);
    expect(ep.poll(0)).toEqual([[high, select.EPOLLIN]]);
  });

  it('fails with EBADF on a closed fd (IO-20)', () => {
    const [r] = pipe();
    closeFd(r);
    const e = error(() => select.select([r], [], [], 0));
    expect(e).toBeInstanceOf(select.error);
    expect(e).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'select' });
  });
});

describe('select(): readiness', () => {
  it('times out with three empty lists after about the timeout (IO-27)', () => {
    const [r] = pipe();
    for (const timeout of [0, 0.15]) {
      const t = performance.now();
      const res = select.select([r], [], [], timeout);
      const took = performance.now() - t;
      expect(res).toEqual([[], [], []]);
      expect(took).toBeGreaterThanOrEqual(timeout * 1000 - 10);
      expect(took).toBeLessThan(2000);
    }
    expect(select.select([], [], [], 0)).toEqual([[], [], []]);
  });

  it('reports readable after a write, writable at once, and EOF as readable', () => {
    const [r, w] = pipe();
    expect(select.select([r], [w], [], 0)).toEqual([[], [w], []]);
    os.write(w, 'x');
    expect(select.select([r], [w], [r], 1)).toEqual([[r], [w], []]);
    os.read(r, 1);
    closeFd(w);
    expect(select.select([r], [], [], 1)).toEqual([[r], [], []]);
    expect(os.read(r, 1).length).toBe(0);
  });

  it('returns the same objects, in input order, in three distinct lists (IO-21)', () => {
    const [r1, w1] = pipe();
    const [r2, w2] = pipe();
    const a = { fileno: () => r1, name: 'a' };
    const b = { fileno: () => r2, name: 'b' };
    os.write(w1, 'x');
    os.write(w2, 'y');
    const [rs, ws, xs] = select.select([b, a], [w2], [], 0);
    expect(rs[0]).toBe(b);
    expect(rs[1]).toBe(a);
    expect(ws).toEqual([w2]);
    expect(rs).not.toBe(ws);
    expect(ws).not.toBe(xs);
    // Iterables work too (a Set of objects).
    expect(select.select(new Set([a]), [], [], 0)[0]).toEqual([a]);
    void w1;
  });

  it('walks a list live as CPython does: a fileno() that shrinks or grows it is safe (IO-23)', () => {
    const [r, w] = pipe();
    os.write(w, 'x');
    const list: unknown[] = [];
    const evil = { fileno: () => { list.length = 0; return r; } };
    list.push(evil, evil, evil, evil, evil);
    // Python 3.11: the walk stops once the list is empty, after the first entry.
    const [rs] = select.select(list as never[], [], [], 0);
    expect(rs).toEqual([evil]);
    const grow = { fileno: () => { list.push(grow); return r; } };
    list.splice(0, list.length, grow);
    const e = error(() => select.select(list as never[], [], [], 0));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('too many file descriptors in select()');
    expect(list).toHaveLength(select.FD_SETSIZE + 2); // as in Python: fileno() ran for entry FD_SETSIZE too
    // Plain fds: the same bound.
    expect(error(() => select.select(new Array(select.FD_SETSIZE + 1).fill(r), [], [], 0)).message)
      .toBe('too many file descriptors in select()');
    expect(select.select(new Array(select.FD_SETSIZE).fill(r), [], [], 0)[0]).toHaveLength(select.FD_SETSIZE);
  });

  it('maps answers back across mixed lists of fds and objects', () => {
    const [r1] = pipe();
    const [r2, w2] = pipe();
    const [r3, w3] = pipe();
    os.write(w2, 'x');
    os.write(w3, 'x');
    const a = { fileno: () => r2 };
    const wo = { fileno: () => w3 };
    const [rs, ws, xs] = select.select([r1, a, r3, r1], [wo, w2], [r1, r2], 0);
    expect(rs).toEqual([a, r3]);
    expect(rs[0]).toBe(a);
    expect(ws).toEqual([wo, w2]);
    expect(xs).toEqual([]);
    // Duplicates come back once per entry, as in Python.
    expect(select.select([r2, r2, a], [], [], 0)[0]).toEqual([r2, r2, a]);
  });

  it('survives a fileno() that calls select() itself', () => {
    const [r, w] = pipe();
    const [r2, w2] = pipe();
    os.write(w, 'x');
    const inner: unknown[] = [];
    const reentrant = { fileno: () => { inner.push(select.select([r2, r2], [w2], [], 0)); return r2; } };
    const [rs, ws] = select.select([r, reentrant], [w], [], 0);
    expect(rs).toEqual([r]);  // the nested call must not overwrite the outer call's fd table
    expect(ws).toEqual([w]);
    expect(inner).toEqual([[[], [w2], []]]);
  });

  it('handles up to FD_SETSIZE - 1 across all three sets', () => {
    const [r, w] = pipe();
    const high = os.dup2(w, 1023, false);
    track(high);
    const [rs, ws] = select.select([r], [high], [], 0);
    expect(rs).toEqual([]);
    expect(ws).toEqual([1023]);
  });
});

describe('selectAsync', () => {
  it('resolves when an fd is ready without blocking the event loop', async () => {
    const [r, w] = pipe();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => os.write(w, 'x'), 120);
    const obj = { fileno: () => r };
    const t = performance.now();
    const [rs, ws, xs] = await select.selectAsync([obj], [], [r]);
    clearInterval(ticker);
    expect(rs[0]).toBe(obj);
    expect(ws).toEqual([]);
    expect(xs).toEqual([]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    // The fd became ready only through a timer, and the 5 ms ticker is due first: the loop ran.
    expect(ticks).toBeGreaterThanOrEqual(1);
  });

  it('times out with empty lists, answers at once when ready, and rejects bad input', async () => {
    const [r, w] = pipe();
    const t = performance.now();
    expect(await select.selectAsync([r], [], [], 0.12)).toEqual([[], [], []]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    expect(await select.selectAsync([r], [w], [], 5)).toEqual([[], [w], []]);
    await expect(select.selectAsync([r], [], [], -1)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    const [r2] = pipe();
    closeFd(r2);
    await expect(select.selectAsync([r2], [], [], 1)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('does not spin when epoll reports what select does not (a hang-up on an xlist fd)', async () => {
    const [r, w] = pipe();
    closeFd(w);  // r is now hung up: epoll reports EPOLLHUP, select's xlist stays empty
    const t = performance.now();
    const cpu = process.cpuUsage();
    expect(await select.selectAsync([], [], [r], 0.3)).toEqual([[], [], []]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(150);  // a spin would burn the whole 300 ms
  });
});

describe('the EINTR rule (PEP 475) with signals from another process', () => {
  // Node's own SIGUSR2 handler (libuv) makes the waits return EINTR; posixkit
  // must retry with what is left of the timeout. test/eintr/select.cases.ts
  // covers the same calls with posixkit's signal handlers.
  const waits: Array<[string, (r: number) => unknown, unknown]> = [
    ['select', (r) => select.select([r], [], [], 0.3), [[], [], []]],
    ['poll', (r) => { const p = select.poll(); p.register(r, select.POLLIN); return p.poll(300); }, []],
    ['epoll', (r) => { using ep = select.epoll(); ep.register(r, select.EPOLLIN); return ep.poll(0.3); }, []],
  ];
  for (const [name, wait, empty] of waits) {
    it(`${name}: interrupted every 30 ms, still waits its full timeout and no longer`, async () => {
      let seen = 0;
      const onSig = () => { seen++; };
      process.on('SIGUSR2', onSig);
      const [r] = pipe();
      const parent = process.pid;
      const pid = runInChild(() => {
        for (let i = 0; i < 20; i++) {
          sleepSync(30);
          os.kill(parent, SIGUSR2);
        }
        return 0;
      });
      sleepSync(20);
      const t = performance.now();
      const res = wait(r);
      const took = performance.now() - t;
      expect(waitWithTimeout(pid).status).toBe(0);
      await new Promise((res2) => setTimeout(res2, 50));
      process.off('SIGUSR2', onSig);
      expect(res).toEqual(empty);
      expect(seen).toBeGreaterThan(0);
      expect(took).toBeGreaterThanOrEqual(290);
      // Signals keep coming for ~600 ms: restarting from zero on each EINTR
      // would end ~300 ms after the last one, at 850 ms or later.
      expect(took).toBeLessThan(750);
    });
  }
});

describe('the native layer on its own', () => {
  it('refuses bad input with coded errors, never a crash', async () => {
    const { binding } = await import('../../lib/native');
    const b = binding as Record<string, (...a: unknown[]) => unknown>;
    const codeOf = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code?: string }).code; } return 'none'; };
    const fds = new Int32Array(4);
    expect(codeOf(() => b.select(fds, 5, 0, 0, 0, new Int32Array(8)))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.select(fds, 2, 2, 0, 0, new Int32Array(1)))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.select(Int32Array.of(5000), 1, 0, 0, 0, new Int32Array(1)))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.select(new Uint8Array(4), 0, 0, 0, 0, new Int32Array(1)))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => b.select(fds, 0, 0, 0, NaN, new Int32Array(1)))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.poll(new Int32Array(4), 3, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.epoll_wait(0, new Int32Array(4), 3, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.epoll_wait(-1, new Int32Array(4), 1, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.epoll_ctl(-1, 1, 0, 1))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.epoll_ctl(0, 1, 0, 2 ** 33))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => b.fd_watch_start({}))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => b.fd_watch_new(0, 'x'))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => b.fd_watch_close(null))).toBe('ERR_INVALID_ARG_TYPE');
  });
});
