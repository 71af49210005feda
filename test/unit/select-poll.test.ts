// poll objects: Python's test_poll.py as the bar.
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import { POLLHUP, POLLIN, POLLNVAL, POLLOUT } from '../../lib/select';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import { KeyError } from '../../lib/errors';
import { error } from '../helpers/checks';
import { trackFds } from '../helpers/fds';

const { pipe, closeFd, track } = trackFds();

describe('poll(): arguments and errors (IO-14)', () => {
  it('validates fds, masks and timeouts', () => {
    const p = select.poll();
    const [r] = pipe();
    expect(error(() => p.register({} as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => p.register('3' as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => p.register(-1)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.register(r, -1)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.register(r, 0x10000)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.register(r, 1.5)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.poll('1' as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error(() => p.poll(NaN)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.poll(Infinity)).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => p.poll(2 ** 64)).code).toBe('ERR_OUT_OF_RANGE');
  });

  it('modify of an unknown fd throws FileNotFoundError (ENOENT), unregister a KeyError, as in Python', () => {
    const p = select.poll();
    const [r] = pipe();
    const e = error(() => p.modify(r, POLLIN));
    expect(e).toBeInstanceOf(select.error);
    expect(e.constructor.name).toBe('FileNotFoundError');
    expect(e).toMatchObject({ code: 'ENOENT', errno: -2 });
    const k = error(() => p.unregister({ fileno: () => r }));
    expect(k).toBeInstanceOf(KeyError);
    expect(k).not.toBeInstanceOf(select.error);
    expect(k).toMatchObject({ name: 'KeyError', code: 'ERR_KEY_NOT_FOUND', key: r });
    p.register(r, POLLIN);
    p.unregister(r);
    expect(error(() => p.unregister(r))).toBeInstanceOf(KeyError);
    // The failed calls left the table alone: r registers again and polls.
    p.register(r, POLLIN);
    expect(p.poll(0)).toEqual([]);
  });
});

describe('poll(): readiness', () => {
  it('times out with [] after about the timeout (ms) and reports ready fds', () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(r, POLLIN);
    let t = performance.now();
    expect(p.poll(150)).toEqual([]);
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(2000);
    expect(p.poll(0)).toEqual([]);
    expect(p.poll(0.2)).toEqual([]);  // fractions round up, never spin
    os.write(w, 'x');
    t = performance.now();
    expect(p.poll()).toEqual([[r, POLLIN]]);
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('register() twice replaces the mask; modify() changes it', () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(w, POLLIN);
    expect(p.poll(0)).toEqual([]);
    p.register(w, POLLOUT);
    expect(p.poll(0)).toEqual([[w, POLLOUT]]);
    p.modify(w, POLLIN);
    expect(p.poll(0)).toEqual([]);
    p.register(r);  // default POLLIN|POLLPRI|POLLOUT
    os.write(w, 'x');
    expect(p.poll(0)).toEqual([[r, POLLIN]]);
  });

  it('12 pipe pairs: writers POLLOUT, readers POLLIN, every message intact (IO-16)', () => {
    const p = select.poll();
    const readers = new Map<number, number>();
    const writers: number[] = [];
    for (let i = 0; i < 12; i++) {
      const [r, w] = pipe();
      p.register(r, POLLIN);
      p.register(w, POLLOUT);
      readers.set(r, w);
      writers.push(w);
    }
    const msg = Buffer.from('This is a test.');
    let rounds = 0;
    while (writers.length > 0 && rounds++ < 1000) {
      for (const [fd, ev] of p.poll()) {
        if (ev & POLLOUT) {
          const i = writers.indexOf(fd);
          if (i < 0) continue;
          os.write(fd, msg);
          writers.splice(i, 1);
          p.unregister(fd);
        } else if (ev & POLLIN) {
          expect(os.read(fd, msg.length + 1)).toEqual(msg);
          p.unregister(fd);
          readers.delete(fd);
        } else {
          throw new Error(`unexpected event ${ev} on ${fd}`);
        }
      }
    }
    while (readers.size > 0 && rounds++ < 1000) {
      for (const [fd] of p.poll(1000)) {
        expect(os.read(fd, msg.length + 1)).toEqual(msg);
        p.unregister(fd);
        readers.delete(fd);
      }
    }
    expect(writers).toEqual([]);
    expect(readers.size).toBe(0);
  });

  it('unregister keeps every other registration intact', () => {
    const p = select.poll();
    const ws = Array.from({ length: 6 }, () => pipe()[1]);
    for (const w of ws) p.register(w, POLLOUT);
    p.unregister(ws[1]);
    p.unregister(ws[5]);
    p.unregister(ws[0]);
    expect(p.poll(0).map(([fd]) => fd).sort()).toEqual([ws[2], ws[3], ws[4]].sort());
    p.register(ws[0], POLLOUT);
    expect(p.poll(0)).toHaveLength(4);
  });

  it('reports POLLNVAL for a never-valid fd and for one closed after register (IO-13)', () => {
    const p = select.poll();
    p.register(10000, POLLIN);
    const [r] = pipe();
    p.register(r, POLLIN);
    closeFd(r);
    const got = new Map(p.poll(0));
    expect(got.get(10000)).toBe(POLLNVAL);
    expect(got.get(r)).toBe(POLLNVAL);
    p.unregister(r);  // unregister works after close
  });

  it('reports POLLHUP at pipe EOF and read returns empty (IO-18)', () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(r, POLLIN);
    os.write(w, 'last');
    closeFd(w);
    expect(p.poll(0)).toEqual([[r, POLLIN | POLLHUP]]);
    expect(os.read(r, 10).toString()).toBe('last');
    expect(p.poll(0)).toEqual([[r, POLLHUP]]);
    expect(os.read(r, 10).length).toBe(0);
  });

  it('negative and null timeouts block until an fd is ready (IO-15)', () => {
    for (const timeout of [undefined, null, -1, -1000, -0.1, -1e-100]) {
      const p = select.poll();
      const [r, w] = pipe();
      p.register(r, POLLIN);
      const pid = runInChild(() => {
        sleepSync(100);
        os.write(w, 'x');
        return 0;
      });
      const t = performance.now();
      expect(p.poll(timeout)).toEqual([[r, POLLIN]]);
      expect(performance.now() - t).toBeGreaterThanOrEqual(90);
      expect(waitWithTimeout(pid).status).toBe(0);
      closeFd(r);
      closeFd(w);
    }
  });

  it('accepts an fd above FD_SETSIZE (dup2 to 2000)', () => {
    const p = select.poll();
    const [r, w] = pipe();
    track(os.dup2(r, 2000, false));
    p.register(2000, POLLIN);
    os.write(w, 'x');
    expect(p.poll(0)).toEqual([[2000, POLLIN]]);
  });
});

describe('poll.pollAsync', () => {
  it('resolves when an fd is ready without blocking the event loop', async () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(r, POLLIN);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => os.write(w, 'x'), 120);
    const t = performance.now();
    expect(await p.pollAsync()).toEqual([[r, POLLIN]]);
    clearInterval(ticker);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    // The fd became ready only through a timer, and the 5 ms ticker is due first: the loop ran.
    expect(ticks).toBeGreaterThanOrEqual(1);
  });

  it('times out with [], reports POLLNVAL and hang-ups at once, and rejects bad timeouts', async () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(r, POLLIN);
    const t = performance.now();
    expect(await p.pollAsync(120)).toEqual([]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    closeFd(w);
    expect(await p.pollAsync(5000)).toEqual([[r, POLLHUP]]);
    p.register(10000, POLLIN);
    expect(new Map(await p.pollAsync(5000)).get(10000)).toBe(POLLNVAL);
    await expect(p.pollAsync('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('wakes on a hang-up of an fd registered without POLLIN (POLLHUP is always reported)', async () => {
    const p = select.poll();
    const [r, w] = pipe();
    p.register(r, POLLOUT);
    setTimeout(() => closeFd(w), 50);
    expect(await p.pollAsync(2000)).toEqual([[r, POLLHUP]]);
  });
});
