// The rest of Python's threading API: Thread subclasses, Timer, local,
// enumerate/active_count/main_thread, excepthook, stack_size, settrace and
// setprofile, and the synchronization primitives shared by threads. The
// module is loaded from dist/, as the fixtures (which run inside the worker
// threads) load it: one module instance on both sides.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runNode, sleepSync, zombieChildren } from '../helpers/proc';

const require = createRequire(import.meta.url);
const threading = require(path.join(ROOT, 'dist/threading')) as typeof import('../../lib/threading');
const mp = require(path.join(ROOT, 'dist/multiprocessing')) as typeof import('../../lib/multiprocessing');
const FIX = path.join(ROOT, 'test/fixtures/thread-api.js');
const fx = require(FIX);
const shared = (n = 4) => new Int32Array(new SharedArrayBuffer(4 * n));

afterEach(() => {
  expect(zombieChildren()).toEqual([]);
  threading.setExcepthook(null);
  threading.settrace(null);
  threading.setprofile(null);
  threading.stack_size(0);
});

describe('Thread subclasses and Python spellings', () => {
  it('a subclass that overrides run() runs it in the worker, on a copy of its fields', () => {
    const v = shared();
    const t = new fx.Counter(v, 1000);
    expect(t.ident).toBeUndefined();
    expect(t.getName()).toBe('counter');
    t.setName('counter');
    expect(t.isDaemon()).toBe(false);
    t.setDaemon(false);
    t.start();
    t.join(10);
    expect(t.exception).toBeUndefined();
    expect(v[0]).toBe(1000);
    expect(v[1]).toBe(1); // currentThread() in the worker is that object, of the subclass
    expect(v[2]).toBe(1);
    expect(t.ident).toBe(v[3]); // ident is the worker's get_ident()
    expect(t.ident).not.toBe(threading.get_ident());
    expect(t.native_id).toBeGreaterThan(0);
    expect(t.is_alive()).toBe(false);
    expect(String(t)).toBe('<Counter(counter, stopped)>');
  });

  it('target may be an exported function; kwargs arrive as a last argument', () => {
    const v = shared();
    const t = new threading.Thread({ target: fx.add, args: [v, 40, 2] });
    t.start();
    t.join(10);
    expect(v[0]).toBe(42);
    const k = new threading.Thread({ target: fx.withKwargs, args: [v, 1], kwargs: { b: 2 } });
    k.start();
    k.join(10);
    expect(v[0]).toBe(3);
    // A function no loaded module exports cannot reach another thread.
    expect(() => new threading.Thread({ target: () => 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('misuse throws ThreadError with a stable code', () => {
    const t = new threading.Thread({ target: fx.sleep, args: [10] });
    let err: unknown;
    try { t.join(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(threading.ThreadError);
    expect(err).toMatchObject({ code: 'ERR_THREAD_NOT_STARTED', name: 'ThreadError' });
    t.start();
    t.join(10);
    expect(() => t.join(threading.TIMEOUT_MAX + 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(threading.TIMEOUT_MAX).toBe(9223372036);
  });
});

describe('threads in a Process child', () => {
  it('the child waits for its non-daemon threads before it exits (as Python), not for daemon ones', () => {
    const v = new mp.Array('i', 2);
    const p = new mp.Process({
      target: (arr: unknown) => {
        new threading.Thread({ target: fx.napThenMark, args: [arr, 0, 300] }).start();
        new threading.Thread({ target: fx.napThenMark, args: [arr, 1, 30_000], daemon: true }).start();
      },
      args: [v],
    });
    const t0 = performance.now();
    p.start();
    p.join(20);
    expect(p.exitCode).toBe(0);
    expect(v.toArray()).toEqual([1, 0]); // the non-daemon thread finished; the daemon one was still asleep
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe('Timer', () => {
  it('calls the function after the interval, in its own thread', () => {
    const v = shared();
    const t0 = performance.now();
    const t = new threading.Timer(0.3, fx.bump, [v, 5]);
    t.start();
    sleepSync(100);
    expect(v[0]).toBe(0);
    t.join(10);
    expect(v[0]).toBe(5);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
    expect(v[1]).not.toBe(threading.get_native_id());
  });

  it('cancel() before the interval ends stops it: the function never runs', () => {
    const v = shared();
    const t = new threading.Timer(5, fx.bump, [v, 1]);
    t.start();
    sleepSync(100);
    const t0 = performance.now();
    t.cancel();
    t.join(10);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(v[0]).toBe(0);
    expect(t.is_alive()).toBe(false);
  });
});

describe('local', () => {
  it('is per thread: a local passed to a thread arrives empty, a subclass re-initialised', () => {
    const loc = new threading.local() as InstanceType<typeof threading.local> & { x?: string };
    loc.x = 'main';
    const sub = new fx.MyLocal(7);
    sub.w = 'main only';
    const out = shared();
    const t = new threading.Thread({ target: fx.checkLocal, args: [loc, sub, out] });
    t.start();
    t.join(10);
    expect(t.exception).toBeUndefined();
    expect([out[0], out[1], out[2]]).toEqual([1, 1, 1]);
    expect(loc.x).toBe('main'); // the thread's assignment stayed in its thread
  });
});

describe('enumerate, active_count, main_thread', () => {
  it('list the live threads of the process, from the main thread and from a worker', () => {
    const main = threading.main_thread();
    expect(main).toBe(threading.current_thread());
    expect(main.native_id).toBe(process.pid);
    const before = threading.active_count();
    const ev = new threading.Event();
    const out = shared();
    const sibling = new threading.Thread({ target: fx.sleep, args: [400], name: 'sibling' });
    const looker = new threading.Thread({ target: fx.look, args: [out, ev], name: 'looker' });
    sibling.start();
    looker.start();
    expect(threading.enumerate()).toEqual(expect.arrayContaining([main, sibling, looker]));
    expect(threading.active_count()).toBe(before + 2);
    for (let i = 0; i < 1000 && out[0] === 0; i++) sleepSync(5);
    expect(out[0]).toBe(before + 2); // the worker sees the same threads
    expect([out[1], out[2], out[3]]).toEqual([1, 1, 1]);
    ev.set();
    looker.join(10);
    sibling.join(10);
    expect(threading.enumerate()).not.toContain(looker);
    expect(threading.active_count()).toBe(before);
  });
});

describe('excepthook', () => {
  it('gets ExceptHookArgs for an exception run() did not catch', () => {
    const seen: InstanceType<typeof threading.ExceptHookArgs>[] = [];
    threading.setExcepthook((a) => { seen.push(a); });
    const t = new threading.Thread({ target: fx.fail, name: 'failing' });
    t.start();
    t.join(10);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(threading.ExceptHookArgs);
    expect(seen[0].thread).toBe(t);
    expect(seen[0].exc_type).toBe(RangeError);
    expect((seen[0].exc_value as Error).message).toBe('thread failed on purpose');
    expect(seen[0].exc_traceback).toContain('thread failed on purpose');
    expect(t.exception).toBe(seen[0].exc_value);
  });

  it('by default prints "Exception in thread NAME:" and the stack to stderr', () => {
    const r = runNode(['-e', `
      const t = require('./dist/threading');
      const th = new t.Thread({ target: { module: ${JSON.stringify(FIX)}, export: 'fail' }, name: 'worker-7' });
      th.start(); th.join(10); console.log('joined');`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('joined');
    expect(r.stderr).toMatch(/^Exception in thread worker-7:\nRangeError: thread failed on purpose/m);
  });
});

describe('stack_size', () => {
  it('sets the stack of threads started afterwards (a deeper recursion fits a bigger stack)', () => {
    const depth = (bytes: number): number => {
      expect(threading.stack_size(bytes)).toBeGreaterThanOrEqual(0);
      const out = shared();
      const t = new threading.Thread({ target: fx.depth, args: [out] });
      t.start();
      t.join(20);
      return out[0];
    };
    const small = depth(1024 * 1024);
    const big = depth(8 * 1024 * 1024);
    expect(small).toBeGreaterThan(100);
    expect(big).toBeGreaterThan(small * 3);
    expect(threading.stack_size()).toBe(8 * 1024 * 1024);
    expect(() => threading.stack_size(1000)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => threading.stack_size(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('settrace and setprofile', () => {
  it('their hooks run in each new thread, around its run()', () => {
    threading.settrace(fx.traceHook);
    threading.setprofile(fx.profileHook);
    expect(threading.gettrace()).toBe(fx.traceHook);
    expect(threading.getprofile()).toBe(fx.profileHook);
    const log = shared();
    const t = new fx.Logged(log);
    t.start();
    t.join(10);
    expect([log[0], log[1], log[2], log[3]]).toEqual([1, 1, 1, 1]);
    threading.settrace(null);
    threading.setprofile(null);
    expect(threading.gettrace()).toBeNull();
    const again = new fx.Logged(log);
    again.start();
    again.join(10);
    expect([log[0], log[1], log[2], log[3]]).toEqual([1, 1, 2, 1]);
    expect(() => threading.settrace((() => 1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('Semaphore, BoundedSemaphore, Condition, Barrier across threads', () => {
  it('BoundedSemaphore(2): four threads, never more than two inside', () => {
    const sem = new threading.BoundedSemaphore(2);
    const counters = shared();
    const ts = [0, 1, 2, 3].map(() => new threading.Thread({ target: fx.semWork, args: [sem, counters] }));
    for (const t of ts) t.start();
    for (const t of ts) t.join(30);
    expect(ts.every((t) => t.exception === undefined)).toBe(true);
    expect(counters[1]).toBeGreaterThanOrEqual(1);
    expect(counters[1]).toBeLessThanOrEqual(2);
    expect(sem.getValue()).toBe(2);
    expect(() => sem.release()).toThrow(expect.objectContaining({ code: 'ERR_SEMAPHORE_RELEASED_TOO_MANY' }));
  });

  it('Condition: notify_all from the main thread wakes a waiting worker', () => {
    const cond = new threading.Condition();
    const flag = shared();
    const out = shared();
    const t = new threading.Thread({ target: fx.condWait, args: [cond, flag, out] });
    t.start();
    sleepSync(200);
    expect(t.is_alive()).toBe(true);
    cond.acquire();
    Atomics.store(flag, 0, 1);
    cond.notifyAll();
    cond.release();
    t.join(10);
    expect(out[0]).toBe(1);
  });

  it('Barrier(3): two workers and the main thread leave together, each with its own index', () => {
    const barrier = new threading.Barrier(3);
    const out = shared();
    const ts = [0, 1].map((i) => new threading.Thread({ target: fx.barrierWait, args: [barrier, out, i] }));
    for (const t of ts) t.start();
    out[2] = barrier.wait(10) + 1;
    for (const t of ts) t.join(10);
    expect([out[0], out[1], out[2]].sort()).toEqual([1, 2, 3]);
    expect(mp.Barrier).toBe(threading.Barrier);
  });
});
