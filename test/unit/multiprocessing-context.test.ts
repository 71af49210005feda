// Start methods and contexts: 'fork', 'spawn' (fork + exec of a fresh node
// running the target's module) and 'forkserver' (a fork server forks each
// child), get_context / set_start_method / get_start_method.
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import { ROOT, runNode } from '../helpers/proc';
import { checkLeaks } from '../helpers/fds';

const require = createRequire(import.meta.url);
const FIX = path.join(ROOT, 'test/fixtures/mp-start.js');
const fx = require(FIX);

beforeAll(() => { new mp.Lock(); });
checkLeaks(() => {
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

function ppid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('start methods', () => {
  it('get_all_start_methods, get_start_method, set_start_method as Python', () => {
    expect(mp.get_all_start_methods()).toEqual(['fork', 'spawn', 'forkserver']);
    const r = runNode(['-e', `
      const mp = require('./dist/multiprocessing');
      const out = [mp.get_start_method(true)];
      out.push(mp.get_start_method());
      try { mp.set_start_method('spawn'); } catch (e) { out.push(e.code); }
      mp.set_start_method('spawn', true);
      out.push(mp.get_start_method(), mp.get_context().get_start_method(), mp.get_context('forkserver').Process.name);
      try { mp.get_context('thread'); } catch (e) { out.push(e.code); }
      console.log(JSON.stringify(out));`]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([null, 'fork', 'ERR_CONTEXT_SET', 'spawn', 'spawn', 'ForkServerProcess', 'ERR_INVALID_ARG_VALUE']);
    expect(mp.freeze_support()).toBeUndefined();
    expect(mp.allow_connection_pickling()).toBeUndefined();
  });
});

describe("'spawn': a fresh node runs the target's module", () => {
  const ctx = mp.get_context('spawn');

  it('shared Lock and Value cross to the new program; kwargs, name, parent_process', () => {
    const lock = new mp.Lock();
    const v = new mp.Value('i', 0, { lock: false });
    const ps = [0, 1].map(() => new ctx.Process({ target: fx.count, args: [lock, v, 300] }));
    for (const p of ps) p.start();
    for (const p of ps) p.join(30);
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0]);
    expect(v.value).toBe(600);
    const out = new mp.Array('i', 6);
    const p = new ctx.Process({ target: fx.report, args: [out], kwargs: { flag: 'yes' }, name: 'reporter' });
    p.start();
    p.join(30);
    expect(p.exitCode).toBe(0);
    expect(out.toArray()).toEqual([p.pid, process.pid, 1, 1, 2, 1]);
  });

  it('awaits an async target, runs a subclass from its fields, exits 1 after an error', () => {
    const v = new mp.Value('i', 0);
    const a = new ctx.Process({ target: fx.later, args: [v] });
    a.start();
    a.join(30);
    expect([a.exitCode, v.value]).toEqual([0, 99]);
    const d = new fx.Doubler();
    d._setStartMethod('spawn');
    Object.assign(d, { v, x: 21 });
    d.start();
    d.join(30);
    expect([d.exitCode, v.value]).toEqual([0, 42]);
    const f = new ctx.Process({ target: fx.fail });
    f.start();
    f.join(30);
    expect(f.exitCode).toBe(1);
    // A closure no module exports cannot be named to a fresh program.
    expect(() => new ctx.Process({ target: () => 1 }).start()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('prints "Process NAME:" and the error for a failing target; set_executable picks the node binary', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-exe-'));
    try {
      const marker = path.join(dir, 'used');
      const wrapper = path.join(dir, 'node-wrapper');
      writeFileSync(wrapper, `#!/bin/sh\necho used > ${marker}\nexec ${process.execPath} "$@"\n`);
      chmodSync(wrapper, 0o755);
      const r = runNode(['-e', `
        const mp = require('./dist/multiprocessing');
        const fx = require(${JSON.stringify(FIX)});
        mp.set_start_method('spawn');
        mp.set_executable(${JSON.stringify(wrapper)});
        const p = new mp.Process({ target: fx.fail, name: 'failing' });
        p.start(); p.join(); console.log('exit', p.exitCode);`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('exit 1');
      expect(r.stderr).toMatch(/^Process failing:\nRangeError: failed in the child/m);
      expect(existsSync(marker)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("'forkserver': children forked by a fork server", () => {
  it('the child is the server\'s; exit codes, terminate and join(timeout) work through the sentinel', () => {
    mp.set_forkserver_preload([path.join(ROOT, 'test/fixtures/mp-preload.js')]);
    const ctx = mp.get_context('forkserver');
    const out = new mp.Array('i', 6);
    const p = new ctx.Process({ target: fx.report, args: [out], kwargs: { flag: 'yes' }, name: 'reporter' });
    p.start();
    p.join(30);
    expect(p.exitCode).toBe(0);
    expect(out.get(0)).toBe(p.pid);
    expect(out.get(1)).toBe(process.pid); // parent_process() is the requester
    expect([out.get(2), out.get(3), out.get(4)]).toEqual([1, 1, 1]); // preloaded in the server
    const long = new ctx.Process({ target: fx.nap, args: [20_000] });
    long.start();
    const server = ppid(long.pid!);
    expect(server).not.toBe(process.pid);
    expect(readFileSync(`/proc/${server}/cmdline`, 'utf8')).toContain('forkserver-main.js');
    long.join(0.2);
    expect(long.exitCode).toBeNull();
    expect(long.isAlive()).toBe(true);
    long.terminate();
    long.join(10);
    expect(long.exitCode).toBe(-15);
    const f = new ctx.Process({ target: fx.fail });
    f.start();
    f.join(30);
    expect(f.exitCode).toBe(1);
    const v = new mp.Value('i', 0);
    const d = new fx.Doubler();
    d._setStartMethod('forkserver');
    Object.assign(d, { v, x: 5 });
    d.start();
    d.join(30);
    expect(v.value).toBe(10);
    mp.set_forkserver_preload([]);
    expect(os.getpid()).toBe(process.pid);
  });
});
