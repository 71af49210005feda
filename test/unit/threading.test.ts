import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { Value } from '../../lib/multiprocessing/sharedctypes';
import { currentThread, Event, getNativeId, Lock, Thread } from '../../lib/threading';
import { ROOT, runInChild, runNode, sleepSync, waitWithTimeout, zombieChildren } from '../helpers/proc';

const FIX = path.join(ROOT, 'test/fixtures/thread-target.js');
const target = (name: string) => ({ module: FIX, export: name });
const shared = (n = 4) => new Int32Array(new SharedArrayBuffer(4 * n));

afterEach(() => { expect(zombieChildren()).toEqual([]); });

describe('Thread: validation', () => {
  it('refuses bad options and misuse, as Python does', () => {
    expect(() => new Thread({ target: 'x' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Thread({ target: { module: FIX, export: 3 as never } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Thread({ target: target('add'), args: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Thread({ name: 1 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Thread({ daemon: 'yes' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const t = new Thread({ target: target('add'), args: [shared(), 1, 2] });
    expect(() => t.join()).toThrow(expect.objectContaining({ code: 'ERR_THREAD_NOT_STARTED' }));
    expect(() => { t.daemon = 'yes' as never; }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    t.start();
    expect(() => t.start()).toThrow(expect.objectContaining({ code: 'ERR_THREAD_STARTED', message: 'threads can only be started once' }));
    expect(() => { t.daemon = true; }).toThrow(expect.objectContaining({ code: 'ERR_THREAD_STARTED' }));
    t.join();
    expect(() => currentThread().join()).toThrow(expect.objectContaining({ code: 'ERR_THREAD_CURRENT' }));
  });
});

describe('Thread: running a module export in a worker', () => {
  it('runs the target with its args; join returns when it is done', () => {
    const v = shared();
    const t = new Thread({ target: target('add'), args: [v, 20, 22] });
    expect(t.isAlive()).toBe(false);
    expect(t.name).toMatch(/^Thread-\d+$/);
    t.start();
    t.join(10);
    expect(t.isAlive()).toBe(false);
    expect(v[0]).toBe(42);
    expect(t.exception).toBeUndefined();
  });

  it("calls the 'default' export when none is named, and awaits an async target", async () => {
    const v = shared();
    const t = new Thread({ target: { module: FIX }, args: [v] });
    t.start();
    await t.joinAsync();
    expect(v[0]).toBe(99);
    const a = new Thread({ target: target('later'), args: [v] });
    a.start();
    a.join(10);
    expect(v[0]).toBe(7);
  });

  it('join(timeout) returns after about the timeout while the thread still runs', () => {
    const t = new Thread({ target: target('sleep'), args: [600] });
    t.start();
    const t0 = performance.now();
    t.join(0.2);
    const dt = (performance.now() - t0) / 1000;
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(dt).toBeLessThan(2);
    expect(t.isAlive()).toBe(true);
    t.join();
    expect(t.isAlive()).toBe(false);
  });

  it('an exception in the target ends the thread; join returns and exposes it', () => {
    const t = new Thread({ target: target('fail') });
    t.start();
    t.join(10);
    expect(t.isAlive()).toBe(false);
    expect(String((t.exception as Error)?.message ?? t.exception)).toContain('target failed');
    const missing = new Thread({ target: target('nope') });
    missing.start();
    missing.join(10);
    expect(String((missing.exception as Error)?.message)).toContain("no exported function 'nope'");
  });

  it('arguments that cannot be copied fail start(); join() then returns at once', () => {
    const t = new Thread({ target: target('add'), args: [() => 1] });
    expect(() => t.start()).toThrow(/could not be cloned/);
    t.join(10);
    expect(t.isAlive()).toBe(false);
  });

  it('currentThread(): MainThread here, the given name and its own kernel tid in the worker', () => {
    expect(currentThread().name).toBe('MainThread');
    expect(currentThread().isAlive()).toBe(true);
    const out = shared();
    const t = new Thread({ target: target('whoami'), args: [out], name: 'named-thread' });
    t.start();
    t.join(10);
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(out[2]);
    expect(out[2]).not.toBe(getNativeId());
    expect(t.nativeId).toBe(out[2]);
  });

  it('a daemon thread does not keep the process alive; a non-daemon one does', () => {
    const code = (daemon: boolean, ms: number) => `
      const { Thread } = require('./dist/threading');
      new Thread({ target: { module: ${JSON.stringify(FIX)}, export: 'sleep' }, args: [${ms}], daemon: ${daemon} }).start();
    `;
    let t = performance.now();
    const d = runNode(['-e', code(true, 10_000)]);
    expect(d.status).toBe(0);
    expect(performance.now() - t).toBeLessThan(6000);
    t = performance.now();
    const n = runNode(['-e', code(false, 1000)]);
    expect(n.status).toBe(0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(950);
  });
});

describe('Lock and Event across threads and processes (one implementation)', () => {
  it('a Lock held by the main thread blocks a worker until released', () => {
    const l = new Lock();
    const out = shared();
    l.acquire();
    const t = new Thread({ target: target('tryLock'), args: [l, out, 10] });
    t.start();
    while (Atomics.load(out, 2) === 0) sleepSync(5); // the worker runs (starting one may take long under load)
    sleepSync(300);
    expect(t.isAlive()).toBe(true);
    l.release();
    t.join(10);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeGreaterThan(100);
    expect(l.locked()).toBe(false);
  });

  it('a worker times out on a Lock the main thread keeps', () => {
    const l = new Lock();
    const out = shared();
    l.acquire();
    const t = new Thread({ target: target('tryLock'), args: [l, out, 0.2] });
    t.start();
    t.join(10);
    l.release();
    expect(out[0]).toBe(2);
    expect(out[1]).toBeGreaterThanOrEqual(180);
  });

  it('main thread + worker thread + forked child: 3 x 10,000 locked increments = 30,000', () => {
    const l = new Lock();
    const v = new Value('i', 0, { lock: false });
    const go = new Event();
    // fork before the worker exists: only the calling thread survives fork
    const pid = runInChild(() => {
      go.wait(10);
      for (let i = 0; i < 10_000; i++) { l.acquire(); v.value = v.value + 1; l.release(); }
    });
    const t = new Thread({ target: target('count'), args: [l, v, 10_000] });
    t.start();
    go.set();
    for (let i = 0; i < 10_000; i++) { l.acquire(); v.value = v.value + 1; l.release(); }
    t.join(20);
    const { status } = waitWithTimeout(pid, 20_000);
    expect(os.waitstatus_to_exitcode(status!)).toBe(0);
    expect(t.exception).toBeUndefined();
    expect(v.value).toBe(30_000);
  });

  it('an Event set by a worker wakes the main thread; one set by a forked child wakes a worker', () => {
    const e = new Event();
    const t = new Thread({ target: target('setEvent'), args: [e, 300] });
    const t0 = performance.now();
    t.start();
    expect(e.wait(10)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThan(150);
    t.join(10);

    const e2 = new Event();
    const out = shared();
    const pid = runInChild(() => { sleepSync(300); e2.set(); });
    const w = new Thread({ target: target('waitEvent'), args: [e2, out] });
    w.start();
    w.join(10);
    expect(out[0]).toBe(1);
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });
});
