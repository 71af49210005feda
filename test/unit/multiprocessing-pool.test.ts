// Pool: results, errors, async forms, crashed
// workers, terminate with many pending tasks.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import { procState, ROOT, runNode, sleepSync } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

function square(x: number): number {
  return x * x;
}
function add(a: number, b: number): number {
  return a + b;
}
function pid(): number {
  return process.pid;
}
function napping(ms: number): number {
  sleepSync(ms);
  return ms;
}
// The pid of the worker that last started markedNap: a task killed before it
// started is not lost but run elsewhere, so kill tests wait for the start.
const napStarted = new mp.Value('i', 0);
function markedNap(ms: number): number {
  napStarted.value = process.pid;
  return napping(ms);
}
function waitStarted(pid: number): void {
  for (let i = 0; i < 1000 && napStarted.value !== pid; i++) sleepSync(5);
}
function failing(x: number): number {
  if (x === 3) throw Object.assign(new RangeError(`bad item ${x}`), { code: 'E_BAD_ITEM', detail: { x } });
  return x;
}
let initialized = 'no';
function init(v: string): void {
  initialized = v;
}
function readInit(): string {
  return initialized;
}

// The shared heap's first arena holds one fd for the life of the process.
beforeAll(() => { new mp.Lock(); });

let pool: mp.Pool | null = null;
checkLeaks(async () => {
  pool?.terminate();
  pool = null;
  await new Promise((r) => setTimeout(r, 10)); // libuv closes watch handles in its close phase
});

describe('Pool: arguments and states', () => {
  it('validates arguments with Node-style codes', () => {
    expect(() => new mp.Pool(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new mp.Pool(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new mp.Pool(1, { initializer: 3 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Pool(1, { maxtasksperchild: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    pool = new mp.Pool(1, { functions: [square, add, failing, napping, pid, readInit] });
    expect(pool.processes).toBe(1);
    expect(() => pool!.applyAsync(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => pool!.applyAsync('nohash' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => pool!.applyAsync(square, 3 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => pool!.map(square, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => pool!.map(square, [1], 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => pool!.starmap(add, [1 as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => pool!.applyAsync(square, [() => 1])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => pool!.join()).toThrow(expect.objectContaining({ code: 'ERR_POOL_RUNNING' }));
    pool.close();
    expect(() => pool!.applyAsync(square, [1])).toThrow(expect.objectContaining({ code: 'ERR_POOL_NOT_RUNNING' }));
    pool.join();
    pool.join(); // again: nothing to do
  });
});

describe('Pool: results', () => {
  it('map, starmap, apply, imap, imapUnordered give the right values', () => {
    pool = new mp.Pool(2, { functions: [square, add] });
    const xs = [...Array(101).keys()];
    expect(pool.map(square, xs)).toEqual(xs.map(square));
    expect(pool.map(square, xs, 7)).toEqual(xs.map(square));
    expect(pool.map(square, [])).toEqual([]);
    expect(pool.map(square, new Set([2, 3]))).toEqual([4, 9]);
    expect(pool.starmap(add, [[1, 2], [3, 4]])).toEqual([3, 7]);
    expect(pool.apply(add, [20, 22])).toBe(42);
    expect([...pool.imap(square, [1, 2, 3, 4, 5], 2)]).toEqual([1, 4, 9, 16, 25]);
    expect([...pool.imapUnordered<number>(square, [1, 2, 3, 4, 5])].sort((a, b) => a - b)).toEqual([1, 4, 9, 16, 25]);
    expect([...pool.imap(square, [])]).toEqual([]);
  });

  it('workers are other processes', () => {
    pool = new mp.Pool(2, { functions: [pid] });
    const pids = new Set(pool.map(pid, [...Array(20).keys()].map(() => undefined), 1));
    for (const p of pids) expect(pool.pids).toContain(p);
    expect(pids.has(process.pid)).toBe(false);
  });

  it('AsyncResult: ready, successful, wait, get(timeout), callbacks', () => {
    pool = new mp.Pool(1, { functions: [napping, failing] });
    const got: unknown[] = [];
    const r = pool.applyAsync(napping, [300], { callback: (v) => got.push(['ok', v]) });
    expect(r.ready()).toBe(false);
    expect(() => r.successful()).toThrow(expect.objectContaining({ code: 'ERR_RESULT_NOT_READY' }));
    const dt = elapsed(() => expect(() => r.get(0.1)).toThrow(mp.TimeoutError));
    expect(dt).toBeGreaterThanOrEqual(0.08);
    expect(dt).toBeLessThan(2);
    r.wait();
    expect(r.ready()).toBe(true);
    expect(r.successful()).toBe(true);
    expect(r.get()).toBe(300);
    const e = pool.applyAsync(failing, [3], { errorCallback: (err) => got.push(['err', (err as Error).message]) });
    e.wait(10);
    expect(e.successful()).toBe(false);
    expect(got).toEqual([['ok', 300], ['err', 'bad item 3']]);
  });

  it("a task's error reaches the caller with its class, message and own properties", () => {
    pool = new mp.Pool(2, { functions: [failing] });
    let err: any;
    try {
      pool.apply(failing, [3]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('bad item 3');
    expect(err.code).toBe('E_BAD_ITEM');
    expect(err.detail).toEqual({ x: 3 });
    expect(() => pool!.map(failing, [1, 2, 3, 4], 1)).toThrow('bad item 3');
    expect(() => [...pool!.imap(failing, [1, 2, 3])]).toThrow('bad item 3');
    expect(pool.map(failing, [1, 2])).toEqual([1, 2]); // the pool goes on
  });

  it('uncloneable results and async functions fail clearly', () => {
    pool = new mp.Pool(1);
    expect(() => pool!.apply(() => () => 1)).toThrow(expect.objectContaining({ code: 'ERR_RESULT_NOT_CLONEABLE' }));
    expect(() => pool!.apply(async () => 1)).toThrow(expect.objectContaining({ code: 'ERR_ASYNC_TARGET' }));
    expect(pool.apply(() => 'still fine')).toBe('still fine');
  });

  it('a function made after the pool runs (the worker is reforked); module paths work', () => {
    pool = new mp.Pool(2);
    const before = pool.pids;
    const k = 7;
    const late = (x: number): number => x + k; // a closure the workers have never seen
    expect(pool.map(late, [1, 2, 3])).toEqual([8, 9, 10]);
    expect(pool.pids).not.toEqual(before);
    const after = pool.pids;
    expect(pool.map(late, [1, 2, 3])).toEqual([8, 9, 10]);
    expect(pool.pids).toEqual(after); // known now: no more forks
    const mod = path.join(__dirname, '../fixtures/mp_funcs.js');
    expect(pool.map(`${mod}#triple`, [1, 2])).toEqual([3, 6]);
    expect(pool.apply({ module: mod, name: 'triple' }, [5])).toBe(15);
    expect(() => pool!.apply(`${mod}#notAFunction`)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_FUNCTION' }));
    expect(() => pool!.apply('/nonexistent/module.js#f')).toThrow(/Cannot find module/);
  });

  it('initializer runs in each worker; maxtasksperchild replaces workers', () => {
    pool = new mp.Pool(2, { initializer: init, initargs: ['yes'], maxtasksperchild: 1, functions: [readInit, pid] });
    expect(pool.map(readInit, [0, 0, 0, 0], 1)).toEqual(['yes', 'yes', 'yes', 'yes']);
    const pids = pool.map(pid, [0, 0, 0, 0, 0, 0], 1);
    expect(new Set(pids).size).toBe(6); // one task per worker
    expect(initialized).toBe('no'); // the parent never ran it
  });
});

describe('Pool: async forms never block the event loop', () => {
  it('await applyAsync, mapAsync, starmapAsync, for await over imap', async () => {
    pool = new mp.Pool(2, { functions: [napping, square, add, failing] });
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 20);
    try {
      expect(await pool.applyAsync(napping, [300])).toBe(300);
      expect(ticks).toBeGreaterThanOrEqual(5);
      expect(await pool.mapAsync(square, [1, 2, 3])).toEqual([1, 4, 9]);
      expect(await pool.starmapAsync(add, [[1, 1]])).toEqual([2]);
      const seen: number[] = [];
      for await (const v of pool.imap(square, [1, 2, 3, 4])) seen.push(v as number);
      expect(seen).toEqual([1, 4, 9, 16]);
      await expect(pool.applyAsync(failing, [3])).rejects.toThrow('bad item 3');
      const all = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => pool!.applyAsync(square, [x])));
      expect(all).toEqual([1, 4, 9, 16, 25, 36]);
    } finally {
      clearInterval(timer);
    }
    pool.close();
    await pool.joinAsync();
  });
});

describe('Pool: failures', () => {
  it('a worker killed mid-task fails that task fast, is replaced, and the pool goes on', () => {
    pool = new mp.Pool(2, { functions: [markedNap, napping, square] });
    const victim = pool.pids[0];
    const r = pool.applyAsync(markedNap, [20_000]);
    const other = pool.applyAsync(napping, [50]);
    waitStarted(victim);
    os.kill(victim, 9);
    let err: any;
    const dt = elapsed(() => {
      try {
        r.get(5);
      } catch (e) {
        err = e;
      }
    });
    expect(dt).toBeLessThan(5);
    expect(err).toBeInstanceOf(mp.WorkerLostError);
    expect(err.code).toBe('ERR_WORKER_LOST');
    expect(err.exitCode).toBe(-9);
    expect(err.pid).toBe(victim);
    expect(other.get(5)).toBe(50);
    expect(pool.pids).not.toContain(victim);
    expect(pool.pids.length).toBe(2);
    expect(pool.map(square, [1, 2, 3])).toEqual([1, 4, 9]);
  });

  it('5 workers killed during 200 tasks; every task settles, the pool keeps its size', () => {
    pool = new mp.Pool(2, { functions: [napping] });
    const rs = [...Array(200).keys()].map(() => pool!.applyAsync(napping, [5]));
    let kills = 0;
    let lost = 0;
    for (const r of rs) {
      if (kills < 5 && rs.indexOf(r) % 30 === 10) {
        try { os.kill(pool.pids[kills % 2], 9); kills++; } catch { /* already replaced */ }
      }
      try {
        expect(r.get(10)).toBe(5);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ERR_WORKER_LOST');
        lost++;
      }
    }
    expect(kills).toBe(5);
    expect(lost).toBeLessThanOrEqual(5);
    expect(pool.pids.length).toBe(2);
  });

  it('killed workers fail awaited tasks too', async () => {
    pool = new mp.Pool(1, { functions: [markedNap] });
    const r = pool.applyAsync(markedNap, [20_000]);
    const victim = pool.pids[0];
    const kill = setInterval(() => {
      if (napStarted.value === victim) { clearInterval(kill); os.kill(victim, 9); }
    }, 10);
    await expect(r).rejects.toThrow(/killed by signal 9/);
  });

  it('terminate() with 10,000 pending long tasks returns promptly and fails them', async () => {
    pool = new mp.Pool(2, { functions: [napping] });
    const results: mp.AsyncResult[] = [];
    for (let i = 0; i < 10_000; i++) results.push(pool.applyAsync(napping, [1000]));
    const it = pool.imap(napping, [1000, 1000]);
    sleepSync(50);
    const dt = elapsed(() => pool!.terminate());
    expect(dt).toBeLessThan(3);
    expect(results.every((r) => r.ready())).toBe(true);
    expect(() => results[0].get()).toThrow(expect.objectContaining({ code: 'ERR_POOL_TERMINATED' }));
    expect(() => results[9999].get()).toThrow(expect.objectContaining({ code: 'ERR_POOL_TERMINATED' }));
    await expect(results[5000]).rejects.toThrow(/terminated/);
    expect(() => it.next()).toThrow(/terminated/);
    expect(() => pool!.applyAsync(napping, [1])).toThrow(expect.objectContaining({ code: 'ERR_POOL_NOT_RUNNING' }));
    pool.terminate(); // idempotent
    pool.join(); // after terminate: returns
  });

  it('close() + join() before the tasks finish completes them all', () => {
    pool = new mp.Pool(2, { functions: [napping] });
    const rs = [100, 150, 200, 50].map((ms) => pool!.applyAsync(napping, [ms]));
    pool.close();
    pool.join();
    expect(rs.map((r) => r.get(0))).toEqual([100, 150, 200, 50]);
    expect(pool.pids).toEqual([]);
  });

  it('a pool cannot be used from a forked child', () => {
    pool = new mp.Pool(1, { functions: [square] });
    const p = new mp.Process({
      target: () => {
        try {
          pool!.apply(square, [2]);
        } catch (e) {
          os._exit((e as { code?: string }).code === 'ERR_POOL_NOT_OWNER' ? 4 : 5);
        }
      },
    });
    p.start(); p.join();
    expect(p.exitCode).toBe(4);
    expect(pool.apply(square, [3])).toBe(9);
  });
});

describe('Pool: the async watch never outlives the work', () => {
  it('a program that awaited one result and collected the rest synchronously exits by itself', () => {
    const r = runNode(['test/fixtures/mp_pool_exit.js'], { timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('sync 4\nasync 9\n');
  });
});

describe('Pool: a killed parent', () => {
  it('FAULT-11: the workers leave within 3 s when the parent dies by SIGKILL', async () => {
    const child = spawn(process.execPath, ['--single-threaded', 'test/fixtures/mp_pool_orphan.js'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((res, rej) => {
      let buf = '';
      child.stdout!.on('data', (d) => { buf += d; if (buf.includes('\n')) res(buf); });
      child.on('exit', () => rej(new Error(`fixture ended early: ${buf}`)));
    });
    const pids = line.trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    const exited = new Promise((res) => child.on('exit', res));
    child.kill('SIGKILL');
    await exited;
    const end = Date.now() + 3000;
    let left = pids;
    while (left.length > 0 && Date.now() < end) {
      left = left.filter((p) => { const st = procState(p); return st !== null && st !== 'Z'; });
      if (left.length > 0) await new Promise((r) => setTimeout(r, 50));
    }
    for (const p of left) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    expect(left).toEqual([]);
  });
});

describe('Pool caps', () => {
  it('processes is capped by the fd and process limits (a RangeError before any fork); map takes at most 2**24 items', async () => {
    const resource = await import('../../lib/resource');
    const [soft, hard] = resource.getrlimit(resource.RLIMIT_NOFILE);
    resource.setrlimit(resource.RLIMIT_NOFILE, [128, hard]); // leaves (128 - 32) / 4 = 24 workers
    try {
      expect(() => new mp.Pool(25)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    } finally {
      resource.setrlimit(resource.RLIMIT_NOFILE, [soft, hard]);
    }
    expect(() => new mp.Pool(4096)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const pool = new mp.Pool(1, { functions: [square, add] });
    try {
      function* endless(): Generator<number> { for (;;) yield 1; }
      expect(() => pool.map(square, new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => pool.starmapAsync(add, new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => pool.mapAsync(square, endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(pool.map(square, [2, 3])).toEqual([4, 9]);
    } finally {
      pool.terminate();
      pool.join();
    }
  }, 60_000); // the generator is read to the cap, 2**24 items
});
