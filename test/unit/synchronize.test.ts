import { afterEach, describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import {
  Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore, withLock,
} from '../../lib/multiprocessing/synchronize';
import { RawArray, RawValue, SharedArray, Value } from '../../lib/multiprocessing/sharedctypes';
import { forkRun, runInChild, sleepSync, waitWithTimeout, zombieChildren } from '../helpers/proc';
import { timed } from '../helpers/checks';

const children: number[] = [];
function spawn(fn: () => number | void): number {
  const pid = runInChild(fn);
  children.push(pid);
  return pid;
}
/** Waits for every spawned child (10 s watchdog each) and returns their exit codes. */
function reapAll(timeoutMs = 20_000): number[] {
  const codes = children.map((pid) => {
    const { status, hung } = waitWithTimeout(pid, timeoutMs);
    return hung || status === null ? -999 : os.waitstatus_to_exitcode(status);
  });
  children.length = 0;
  return codes;
}
afterEach(() => {
  reapAll(2000);
  expect(zombieChildren()).toEqual([]);
});

describe('Lock', () => {
  it('acquires, refuses a second non-blocking acquire, releases', () => {
    const l = new Lock();
    expect(l.locked()).toBe(false);
    expect(l.acquire()).toBe(true);
    expect(l.locked()).toBe(true);
    expect(l.acquire(false)).toBe(false);
    l.release();
    expect(l.locked()).toBe(false);
    expect(l.acquire(false)).toBe(true);
    l.release();
  });

  it('release of an unheld lock is a clear error', () => {
    const l = new Lock();
    expect(() => l.release()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(l.locked()).toBe(false);
  });

  it('acquire with a timeout gives up after about that long', () => {
    const l = new Lock();
    l.acquire();
    const [r, dt] = timed(() => l.acquire(true, 0.2));
    expect(r).toBe(false);
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(dt).toBeLessThan(2);
    const [r0, dt0] = timed(() => l.acquire(true, 0));
    expect(r0).toBe(false);
    expect(dt0).toBeLessThan(0.1);
    expect(() => l.acquire(true, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    l.release();
  });

  it('hold() and withLock release at the end of the scope, even on a throw', () => {
    const l = new Lock();
    {
      using _h = l.hold();
      expect(l.locked()).toBe(true);
    }
    expect(l.locked()).toBe(false);
    expect(() => withLock(l, () => { throw new Error('boom'); })).toThrow('boom');
    expect(l.locked()).toBe(false);
    expect(withLock(l, () => 42)).toBe(42);
  });

  it('a child holding the lock blocks the parent until it releases (in the kernel)', () => {
    const l = new Lock();
    const ready = new Event();
    spawn(() => {
      l.acquire();
      ready.set();
      sleepSync(300);
      l.release();
    });
    expect(ready.wait(10)).toBe(true);
    const [r, dt] = timed(() => l.acquire(true, 10));
    expect(r).toBe(true);
    expect(dt).toBeGreaterThan(0.15);
    l.release();
    expect(reapAll()).toEqual([0]);
  });

  it('a holder killed while holding does not hang the waiter forever (timeout)', () => {
    const l = new Lock();
    const ready = new Event();
    const pid = spawn(() => {
      l.acquire();
      ready.set();
      sleepSync(30_000);
    });
    expect(ready.wait(10)).toBe(true);
    os.kill(pid, 9);
    expect(reapAll()).toEqual([-9]);
    const [r, dt] = timed(() => l.acquire(true, 0.3));
    expect(r).toBe(false);
    expect(dt).toBeLessThan(2);
  });

  it('another process may release it (a semaphore underneath, as multiprocessing.Lock)', () => {
    const l = new Lock();
    l.acquire();
    expect(forkRun(() => { l.release(); })).toBe(0);
    expect(l.locked()).toBe(false);
  });

  it('8 processes x 100,000 locked increments of a shared Value: exact total', () => {
    const N = 8, M = 100_000;
    const l = new Lock();
    const v = new Value('i', 0, { lock: false });
    const go = new Event();
    for (let k = 0; k < N; k++) {
      spawn(() => {
        go.wait(10);
        for (let j = 0; j < M; j++) {
          l.acquire();
          v.value = v.value + 1;
          l.release();
        }
      });
    }
    go.set();
    expect(reapAll(60_000)).toEqual(new Array(N).fill(0));
    expect(v.value).toBe(N * M);
  });
});

describe('cross-process atomics (the ground the primitives stand on)', () => {
  it('Atomics.add on shared memory is exact across 4 processes', () => {
    const N = 4, M = 250_000;
    const counters = new SharedArray('i', 1, { lock: false });
    const raw = counters.raw as Int32Array;
    const go = new Event();
    for (let k = 0; k < N; k++) {
      spawn(() => {
        go.wait(10);
        for (let j = 0; j < M; j++) Atomics.add(raw, 0, 1);
      });
    }
    go.set();
    expect(reapAll(60_000)).toEqual(new Array(N).fill(0));
    expect(raw[0]).toBe(N * M);
  });

  it('a plain read-modify-write loses the updates another process made in between', () => {
    // The interleaving a scheduler may or may not produce, forced with two events:
    // the child reads, the parent adds 1000, the child writes its stale value + 1.
    const counters = new SharedArray('i', 1, { lock: false });
    const raw = counters.raw as Int32Array;
    const readDone = new Event();
    const parentDone = new Event();
    spawn(() => {
      const seen = raw[0];
      readDone.set();
      if (!parentDone.wait(10)) return 3;
      raw[0] = seen + 1;
    });
    expect(readDone.wait(10)).toBe(true);
    for (let j = 0; j < 1000; j++) raw[0]++;
    parentDone.set();
    expect(reapAll(10_000)).toEqual([0]);
    expect(raw[0]).toBe(1); // 1001 increments ran, 1000 were lost
  });
});

describe('RLock', () => {
  it('counts recursive acquires; only the owner releases', () => {
    const r = new RLock();
    expect(r.acquire()).toBe(true);
    expect(r.acquire()).toBe(true);
    expect(r.isOwned()).toBe(true);
    // another process is not the owner: it can neither take nor release it
    expect(forkRun(() => {
      if (r.acquire(false)) return 1;
      try { r.release(); return 2; } catch (e) { return (e as { code?: string }).code === 'ERR_LOCK_NOT_HELD' ? 0 : 3; }
    })).toBe(0);
    r.release();
    expect(r.isOwned()).toBe(true);
    r.release();
    expect(r.isOwned()).toBe(false);
    expect(() => r.release()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(forkRun(() => (r.acquire(false) && r.isOwned() ? 0 : 1))).toBe(0);
  });

  it('times out while another process holds it', () => {
    const r = new RLock();
    const ready = new Event();
    spawn(() => { r.acquire(); ready.set(); sleepSync(400); r.release(); });
    expect(ready.wait(10)).toBe(true);
    const [got, dt] = timed(() => r.acquire(true, 0.1));
    expect(got).toBe(false);
    expect(dt).toBeGreaterThanOrEqual(0.08);
    expect(r.acquire(true, 10)).toBe(true);
    r.release();
    expect(reapAll()).toEqual([0]);
  });
});

describe('Semaphore', () => {
  it('validates its value', () => {
    expect(() => new Semaphore(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Semaphore('2' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Semaphore(1).release(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('counts; Semaphore(0).acquire(true, t) is false after about t; acquire(false) at once', () => {
    const s = new Semaphore(2);
    expect(s.getValue()).toBe(2);
    expect(s.acquire()).toBe(true);
    expect(s.acquire(false)).toBe(true);
    expect(s.acquire(false)).toBe(false);
    s.release(2);
    expect(s.getValue()).toBe(2);
    const z = new Semaphore(0);
    const [r, dt] = timed(() => z.acquire(true, 0.2));
    expect(r).toBe(false);
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(dt).toBeLessThan(2);
    const [r2, dt2] = timed(() => z.acquire(false));
    expect(r2).toBe(false);
    expect(dt2).toBeLessThan(0.05);
  });

  it('a release in a child wakes a parent blocked on it', () => {
    const s = new Semaphore(0);
    spawn(() => { sleepSync(300); s.release(); });
    const [r, dt] = timed(() => s.acquire(true, 10));
    expect(r).toBe(true);
    expect(dt).toBeGreaterThan(0.15);
    expect(reapAll()).toEqual([0]);
  });

  it('limits concurrency across processes', () => {
    const s = new Semaphore(2);
    const stats = new SharedArray('i', 2, { lock: false }); // [inside now, max seen]
    const w = stats.raw as Int32Array;
    for (let k = 0; k < 6; k++) {
      spawn(() => {
        for (let j = 0; j < 3; j++) {
          s.acquire();
          const now = Atomics.add(w, 0, 1) + 1;
          for (let m = Atomics.load(w, 1); now > m; m = Atomics.load(w, 1)) Atomics.compareExchange(w, 1, m, now);
          sleepSync(20);
          Atomics.sub(w, 0, 1);
          s.release();
        }
      });
    }
    expect(reapAll(30_000)).toEqual(new Array(6).fill(0));
    expect(w[0]).toBe(0);
    expect(w[1]).toBeGreaterThanOrEqual(1);
    expect(w[1]).toBeLessThanOrEqual(2);
    expect(s.getValue()).toBe(2);
  });

  it('BoundedSemaphore refuses a release past its initial value', () => {
    const b = new BoundedSemaphore(1);
    expect(() => b.release()).toThrow(expect.objectContaining({ code: 'ERR_SEMAPHORE_RELEASED_TOO_MANY' }));
    b.acquire();
    b.release();
    expect(b.getValue()).toBe(1);
    expect(forkRun(() => { try { b.release(); return 1; } catch { return 0; } })).toBe(0);
  });
});

describe('Event', () => {
  it('wait(0) is false at once, wait(t) false after about t, true once set', () => {
    const e = new Event();
    expect(e.isSet()).toBe(false);
    const [r0, dt0] = timed(() => e.wait(0));
    expect(r0).toBe(false);
    expect(dt0).toBeLessThan(0.05);
    const [r1, dt1] = timed(() => e.wait(0.2));
    expect(r1).toBe(false);
    expect(dt1).toBeGreaterThanOrEqual(0.18);
    e.set();
    expect(e.isSet()).toBe(true);
    expect(e.wait()).toBe(true);
    e.clear();
    expect(e.isSet()).toBe(false);
  });

  it("a child's set() wakes the parent", () => {
    const e = new Event();
    spawn(() => { sleepSync(300); e.set(); });
    const [r, dt] = timed(() => e.wait(10));
    expect(r).toBe(true);
    expect(dt).toBeGreaterThan(0.15);
    expect(reapAll()).toEqual([0]);
  });

  it('set() wakes every waiting process', () => {
    const e = new Event();
    const woke = new Value('i', 0);
    for (let k = 0; k < 3; k++) spawn(() => { if (e.wait(10)) withLock(woke.getLock(), () => { woke.value += 1; }); });
    sleepSync(100);
    e.set();
    expect(reapAll()).toEqual([0, 0, 0]);
    expect(woke.value).toBe(3);
  });
});

describe('Condition', () => {
  it('wait and notify need the lock', () => {
    const c = new Condition();
    expect(() => c.wait(0)).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(() => c.notify()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(() => new Condition({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('wait(t) without a notify returns false after about t, with the lock held again', () => {
    const c = new Condition(new Lock());
    c.acquire();
    const [r, dt] = timed(() => c.wait(0.2));
    expect(r).toBe(false);
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(c.acquire(false)).toBe(false); // still ours
    c.release();
  });

  it('waitFor returns the predicate value, false-y on timeout', () => {
    const c = new Condition();
    using _h = c.hold();
    expect(c.waitFor(() => 0, 0.1)).toBe(0);
    expect(c.waitFor(() => 'yes', 0.1)).toBe('yes');
  });

  it('producer in a child, consumer in the parent, through a bounded ring', () => {
    const lock = new Lock();
    const notEmpty = new Condition(lock);
    const notFull = new Condition(lock);
    const ring = RawArray('i', 4);
    const idx = RawArray('i', 2); // [head (next to read), tail (next to write)]
    const N = 2000;
    spawn(() => {
      for (let i = 1; i <= N; i++) {
        withLock(lock, () => {
          notFull.waitFor(() => idx.get(1) - idx.get(0) < 4);
          ring.set(idx.get(1) % 4, i);
          idx.set(1, idx.get(1) + 1);
          notEmpty.notify();
        });
      }
    });
    const got: number[] = [];
    while (got.length < N) {
      withLock(lock, () => {
        expect(notEmpty.waitFor(() => idx.get(1) > idx.get(0), 10)).toBe(true);
        got.push(ring.get(idx.get(0) % 4));
        idx.set(0, idx.get(0) + 1);
        notFull.notify();
      });
    }
    expect(reapAll()).toEqual([0]);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it('notifyAll wakes every waiter in other processes; RLock levels are restored', () => {
    const c = new Condition(); // RLock
    const flag = RawValue('i', 0);
    const woke = RawValue('i', 0);
    for (let k = 0; k < 3; k++) {
      spawn(() => {
        c.acquire();
        c.acquire();
        const ok = c.waitFor(() => flag.value === 1, 10);
        if (ok) Atomics.add(woke.raw as Int32Array, 0, 1);
        c.release();
        c.release(); // throws (exit 99) unless wait() restored both levels
        return ok ? 0 : 1;
      });
    }
    sleepSync(200);
    withLock(c, () => { flag.value = 1; c.notifyAll(); });
    expect(reapAll()).toEqual([0, 0, 0]);
    expect(woke.value).toBe(3);
  });
});

describe('Barrier', () => {
  it('validates', () => {
    expect(() => new Barrier(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Barrier(2, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('releases 4 processes together with distinct indices; the action runs once per generation', () => {
    const actions = RawValue('i', 0);
    const b = new Barrier(4, () => { Atomics.add(actions.raw as Int32Array, 0, 1); });
    const seen = RawArray('i', 8);
    for (let k = 0; k < 3; k++) {
      spawn(() => {
        for (let round = 0; round < 2; round++) {
          const i = b.wait(10);
          Atomics.add(seen.raw as Int32Array, round * 4 + i, 1);
        }
      });
    }
    for (let round = 0; round < 2; round++) {
      const i = b.wait(10);
      Atomics.add(seen.raw as Int32Array, round * 4 + i, 1);
    }
    expect(reapAll()).toEqual([0, 0, 0]);
    expect(seen.toArray()).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(actions.value).toBe(2);
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
  });

  it('a timeout breaks it; abort breaks it; reset mends it', () => {
    const b = new Barrier(2);
    const t = performance.now();
    expect(() => b.wait(0.2)).toThrow(BrokenBarrierError);
    expect((performance.now() - t) / 1000).toBeGreaterThanOrEqual(0.18);
    expect(b.broken).toBe(true);
    expect(() => b.wait(1)).toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
    b.abort();
    expect(() => b.wait(1)).toThrow(expect.objectContaining({ code: 'ERR_BROKEN_BARRIER' }));
    b.reset();
  });

  it('abort in another process wakes a waiter with BrokenBarrierError', () => {
    const b = new Barrier(3);
    spawn(() => { sleepSync(300); b.abort(); });
    const t = performance.now();
    expect(() => b.wait(10)).toThrow(BrokenBarrierError);
    expect((performance.now() - t) / 1000).toBeGreaterThan(0.15);
    expect(reapAll()).toEqual([0]);
  });

  it('a throwing action breaks the barrier for the others and propagates', () => {
    const b = new Barrier(2, () => { throw new Error('action failed'); });
    spawn(() => {
      try { b.wait(10); return 1; } catch (e) { return e instanceof BrokenBarrierError ? 0 : 2; }
    });
    sleepSync(100);
    expect(() => b.wait(10)).toThrow('action failed');
    expect(reapAll()).toEqual([0]);
  });
});

describe('Value and SharedArray', () => {
  it('validates typecodes and values', () => {
    expect(() => new Value('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new Value(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Value('i', 'a' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Value('i', 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Value('q', 1.5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Value('c', 'ab')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Value('i', 0, { lock: 3 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new SharedArray('i', -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new SharedArray('i', null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => RawValue('i', 0).getLock()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it("stores each of Python's typecodes with its C width", () => {
    expect(new Value('b', -128).value).toBe(-128);
    const B = new Value('B', 255);
    B.value = 256 as never; // wraps like C (and ctypes)
    expect(B.value).toBe(0);
    expect(new Value('h', -32768).value).toBe(-32768);
    expect(new Value('H', 65535).value).toBe(65535);
    expect(new Value('i', -(2 ** 31)).value).toBe(-(2 ** 31));
    expect(new Value('I', 2 ** 32 - 1).value).toBe(2 ** 32 - 1);
    expect(new Value('l', -(2n ** 63n)).value).toBe(-(2n ** 63n));
    expect(new Value('L', 2n ** 64n - 1n).value).toBe(2n ** 64n - 1n);
    expect(new Value('q', 5).value).toBe(5n);
    expect(new Value('Q', 7n).value).toBe(7n);
    expect(new Value('f', 1.5).value).toBe(1.5);
    expect(new Value('d', Math.PI).value).toBe(Math.PI);
    expect(new Value('c', 'z').value).toBe('z');
    expect(new Value('i').value).toBe(0);
  });

  it('SharedArray: zero-initialised, from values, negative indices, bounds', () => {
    const a = new SharedArray('i', 5);
    expect(a.toArray()).toEqual([0, 0, 0, 0, 0]);
    const d = new SharedArray('d', [1.5, 2.5, 3.5]);
    expect(d.length).toBe(3);
    expect(d.get(-1)).toBe(3.5);
    d.set(0, 9);
    expect([...d]).toEqual([9, 2.5, 3.5]);
    expect(() => d.get(3)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => d.get(-4)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(new SharedArray('c', 'hi').toArray()).toEqual(['h', 'i']);
    expect(new SharedArray('q', 2).toArray()).toEqual([0n, 0n]);
    expect(new SharedArray('i', 0).length).toBe(0);
  });

  it('a Value and an Array written by a child are seen by the parent', () => {
    const v = new Value('d', 0);
    const a = new SharedArray('i', 10);
    expect(forkRun(() => {
      v.value = 3.1415927;
      for (let i = 0; i < a.length; i++) a.set(i, -a.get(i) - i);
    })).toBe(0);
    expect(v.value).toBe(3.1415927);
    expect(a.toArray()).toEqual([0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
  });

  it('two processes x 10,000 increments under getLock() = 20,000', () => {
    const v = new Value('i', 0);
    for (let k = 0; k < 2; k++) {
      spawn(() => {
        for (let j = 0; j < 10_000; j++) withLock(v.getLock(), () => { v.value += 1; });
      });
    }
    expect(reapAll()).toEqual([0, 0]);
    expect(v.value).toBe(20_000);
  });

  it('a given lock is used (and shared between values)', () => {
    const l = new Lock();
    const v = new Value('i', 1, { lock: l });
    expect(v.getLock()).toBe(l);
    l.acquire();
    // get takes the (non-recursive) lock: from another process it must wait
    expect(forkRun(() => {
      const t = performance.now();
      const got = v.getLock().acquire(true, 0.1);
      return !got && performance.now() - t >= 80 ? 0 : 1;
    })).toBe(0);
    l.release();
    expect(v.value).toBe(1);
  });
});

describe('shared heap', () => {
  it('a parent and its child allocating after fork never get the same bytes', () => {
    const childDone = new Event();
    const parentDone = new Event();
    new Lock(); // the arena exists before the fork, so both sides carve from it
    spawn(() => {
      const mine = Array.from({ length: 200 }, () => RawValue('i', 1));
      childDone.set();
      if (!parentDone.wait(10)) return 2;
      return mine.every((v) => v.value === 1) ? 0 : 1;
    });
    expect(childDone.wait(10)).toBe(true);
    const mine = Array.from({ length: 200 }, () => RawValue('i', 2));
    parentDone.set();
    expect(reapAll()).toEqual([0]);
    expect(mine.every((v) => v.value === 2)).toBe(true);
  });

  it('big objects get their own arena; many small ones stay distinct', () => {
    const big = new SharedArray('d', 100_000, { lock: false });
    expect(big.length).toBe(100_000);
    (big.raw as Float64Array).fill(1.5);
    const small = Array.from({ length: 5000 }, (_, i) => RawValue('i', i));
    expect(small.every((v, i) => v.value === i)).toBe(true);
    expect((big.raw as Float64Array).every((x) => x === 1.5)).toBe(true);
  });
});
