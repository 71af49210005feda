// Blocking calls of posixkit/multiprocessing under the EINTR rule: each must
// complete while signals with a returning handler arrive (Process.join
// included) and throw the handler's error otherwise. The
// peer is a forked child that waits ~300 ms first, so the call really blocks.
import * as assert from 'node:assert/strict';
import * as mp from '../../lib/multiprocessing';
import { sleepSync } from '../helpers/proc';
import type { EintrCase } from './types';

function start(fn: () => void): mp.Process {
  const p = new mp.Process({ target: fn });
  p.start();
  return p;
}

function finish(p: mp.Process): void {
  if (p.exitCode === null) p.kill();
  p.join();
}

export const cases: EintrCase[] = [
  {
    name: 'multiprocessing Process.join()',
    prepare() {
      const p = start(() => { sleepSync(300); process.exitCode = 0; });
      return {
        call: () => { p.join(); return p.exitCode; },
        check: (r) => assert.equal(r, 0),
        cleanup: () => finish(p),
      };
    },
  },
  {
    name: 'multiprocessing Process.join(timeout)',
    prepare() {
      const p = start(() => sleepSync(300));
      return {
        call: () => { p.join(10); return p.exitCode; },
        check: (r) => assert.equal(r, 0),
        cleanup: () => finish(p),
      };
    },
  },
  {
    name: 'multiprocessing Connection.recv',
    prepare() {
      const [a, b] = mp.Pipe();
      const p = start(() => { sleepSync(300); b.send({ ok: [1, 2] }); });
      return {
        call: () => a.recv(),
        check: (r) => assert.deepEqual(r, { ok: [1, 2] }),
        cleanup: () => { finish(p); a.close(); b.close(); },
      };
    },
  },
  {
    name: 'multiprocessing Connection.sendBytes (4 MiB + 1 to a slow reader)',
    prepare() {
      const [a, b] = mp.Pipe();
      const big = Buffer.alloc(4 * 1024 * 1024 + 1, 1);
      const p = start(() => { sleepSync(300); b.send(b.recvBytes().length); });
      return {
        call: () => { a.sendBytes(big); return a.recv(); },
        check: (r) => assert.equal(r, big.length),
        cleanup: () => { finish(p); a.close(); b.close(); },
      };
    },
  },
  {
    name: 'multiprocessing Connection.poll(timeout)',
    prepare() {
      const [a, b] = mp.Pipe();
      const p = start(() => { sleepSync(300); b.send(1); });
      return {
        call: () => a.poll(10),
        check: (r) => assert.equal(r, true),
        cleanup: () => { finish(p); a.close(); b.close(); },
      };
    },
  },
  {
    name: 'multiprocessing Queue.get()',
    prepare() {
      const q = new mp.Queue();
      const p = start(() => { sleepSync(300); q.put('late'); });
      return {
        call: () => q.get(),
        check: (r) => assert.equal(r, 'late'),
        cleanup: () => { finish(p); q.close(); },
      };
    },
  },
  {
    name: 'multiprocessing Queue.get(true, timeout)',
    prepare() {
      const q = new mp.Queue();
      const p = start(() => { sleepSync(300); q.put('late'); });
      return {
        call: () => q.get(true, 10),
        check: (r) => assert.equal(r, 'late'),
        cleanup: () => { finish(p); q.close(); },
      };
    },
  },
  {
    name: 'multiprocessing AsyncResult.get()',
    prepare() {
      const nap = (ms: number): number => { sleepSync(ms); return ms; };
      const pool = new mp.Pool(1, { functions: [nap] });
      const r = pool.applyAsync(nap, [300]);
      return {
        call: () => r.get(),
        check: (v) => assert.equal(v, 300),
        cleanup: () => pool.terminate(),
      };
    },
  },
  {
    name: 'multiprocessing JoinableQueue.join()',
    prepare() {
      const q = new mp.JoinableQueue();
      q.put(1);
      const p = start(() => { q.get(); sleepSync(300); q.taskDone(); });
      return {
        call: () => { q.join(); return q.qsize(); },
        check: (r) => assert.equal(r, 0),
        cleanup: () => { finish(p); q.close(); },
      };
    },
  },
  {
    name: 'multiprocessing connection.Listener.accept()',
    prepare() {
      const l = new mp.connection.Listener(null, null, 1, Buffer.from('k'));
      const p = start(() => { sleepSync(300); mp.connection.Client(l.address, null, Buffer.from('k')).send('hi'); });
      let c: mp.Connection | null = null;
      return {
        call: () => { c = l.accept(); return c.recv(); },
        check: (r) => assert.equal(r, 'hi'),
        cleanup: () => { finish(p); c?.close(); l.close(); },
      };
    },
  },
  {
    name: 'multiprocessing connection.wait()',
    prepare() {
      const [a, b] = mp.Pipe();
      const p = start(() => { sleepSync(300); b.send(1); });
      return {
        call: () => mp.connection.wait([a], 10).length,
        check: (r) => assert.equal(r, 1),
        cleanup: () => { finish(p); a.close(); b.close(); },
      };
    },
  },
  {
    name: 'multiprocessing manager proxy call (Queue.get in the server)',
    prepare() {
      const m = mp.Manager();
      const q = m.Queue<string>();
      const p = start(() => { sleepSync(300); q.put('late'); });
      return {
        call: () => q.get(),
        check: (r) => assert.equal(r, 'late'),
        cleanup: () => { finish(p); m.shutdown(); },
      };
    },
  },
];
