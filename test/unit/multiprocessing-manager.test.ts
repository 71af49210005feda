// Manager(): a server process holding shared objects, reached through
// proxies by the processes that share them (children and unrelated ones,
// over a Unix socket or TCP, with an authkey).
import { beforeAll, describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import { procState, runNode, sleepSync } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

beforeAll(() => { new mp.Lock(); });
let manager: mp.SyncManager | null = null;
checkLeaks(() => {
  manager?.shutdown();
  manager = null;
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

function start(): mp.SyncManager {
  manager = mp.Manager();
  return manager;
}

function run(fn: () => void): mp.Process {
  const p = new mp.Process({ target: fn });
  p.start();
  return p;
}

function joinAll(ps: mp.Process[]): Array<number | null> {
  for (const p of ps) p.join(30);
  return ps.map((p) => p.exitCode);
}

describe('Manager: shared containers', () => {
  it('dict, list, Namespace, Value, Array changed by children are seen by the parent', () => {
    const m = start();
    const d = m.dict<string, unknown>({ start: 1 });
    const l = m.list([1, 2]);
    const ns = m.Namespace();
    ns.count = 0;
    const v = m.Value('i', 10);
    const a = m.Array('i', [0, 0, 0]);
    const lock = m.Lock();
    const ps = [0, 1, 2].map((k) => run(() => {
      d.set(`child${k}`, k);
      l.append(10 + k);
      a.set(k, k + 1);
      using _ = lock.hold();
      ns.count = ns.count + 1;
      v.value = v.value + 1;
    }));
    expect(joinAll(ps)).toEqual([0, 0, 0]);
    expect(new Map(d.items())).toEqual(new Map<string, unknown>([['start', 1], ['child0', 0], ['child1', 1], ['child2', 2]]));
    expect(d.len()).toBe(4);
    expect(d.has('child1')).toBe(true);
    expect(d.get('none', 'dflt')).toBe('dflt');
    expect(() => d.getitem('none')).toThrow(expect.objectContaining({ code: 'ERR_KEY_ERROR' }));
    expect(l.tolist().sort((x, y) => x - y)).toEqual([1, 2, 10, 11, 12]);
    expect(l.get(-1)).toBeGreaterThanOrEqual(10);
    expect(ns.count).toBe(3);
    expect('count' in ns).toBe(true);
    expect(v.value).toBe(13);
    expect(a.tolist()).toEqual([1, 2, 3]);
    expect(d.copy()).toBeInstanceOf(Map);
    expect(d.pop('start')).toBe(1);
    d.clear();
    expect(d.len()).toBe(0);
    l.sort(true);
    expect(l.get(0)).toBe(12);
    expect(l.index(2)).toBe(3);
    expect(l.getvalue()).toEqual([12, 11, 10, 2, 1]);
  });
});

describe('Manager: synchronization in the server', () => {
  it('a Lock serializes 4 processes x 100 increments of a managed Value', () => {
    const m = start();
    const lock = m.Lock();
    const v = m.Value('i', 0);
    const ps = [0, 1, 2, 3].map(() => run(() => {
      for (let i = 0; i < 100; i++) {
        lock.acquire();
        v.value = v.value + 1;
        lock.release();
      }
    }));
    expect(joinAll(ps)).toEqual([0, 0, 0, 0]);
    expect(v.value).toBe(400);
  });

  it('a call waiting in the server (acquire of a held lock) does not hold up other clients', () => {
    const m = start();
    const lock = m.Lock();
    const d = m.dict();
    lock.acquire();
    const waiter = run(() => { lock.acquire(); d.set('waiter', 'got it'); lock.release(); });
    sleepSync(200);
    const quick = run(() => { d.set('quick', 1); });
    quick.join(10);
    expect(quick.exitCode).toBe(0); // served while the waiter is parked
    expect(d.get('waiter')).toBeNull();
    lock.release();
    waiter.join(10);
    expect(d.get('waiter')).toBe('got it');
    expect(lock.acquire(true, 0.1)).toBe(true);
    const dt = elapsed(() => expect(m.Lock().acquire(false)).toBe(true));
    expect(dt).toBeLessThan(2);
    const held = m.Lock();
    held.acquire();
    const t = elapsed(() => expect(held.acquire(true, 0.3)).toBe(false));
    expect(t).toBeGreaterThanOrEqual(0.2);
    expect(() => m.Lock().release()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
  });

  it('RLock recursion, BoundedSemaphore over-release, Semaphore counts', () => {
    const m = start();
    const r = m.RLock();
    expect(r.acquire()).toBe(true);
    expect(r.acquire()).toBe(true);
    r.release();
    r.release();
    expect(() => r.release()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    const b = m.BoundedSemaphore(2);
    expect(b.acquire()).toBe(true);
    expect(b.acquire()).toBe(true);
    expect(b.acquire(false)).toBe(false);
    b.release();
    b.release();
    expect(() => b.release()).toThrow(expect.objectContaining({ code: 'ERR_SEMAPHORE_RELEASED_TOO_MANY' }));
  });

  it('Event, Condition and Barrier across processes', () => {
    const m = start();
    const ev = m.Event();
    const cond = m.Condition();
    const flag = m.Value('i', 0);
    const barrier = m.Barrier(3);
    const out = m.list();
    const ps = [
      run(() => { out.append(ev.wait(10) ? 'event' : 'no event'); }),
      run(() => {
        cond.acquire();
        const ok = cond.wait_for(() => flag.value === 1, 10);
        cond.release();
        out.append(ok ? 'condition' : 'no condition');
      }),
      run(() => { out.append(`barrier ${barrier.wait(10)}`); }),
      run(() => { out.append(`barrier ${barrier.wait(10)}`); }),
    ];
    sleepSync(200);
    expect(out.len()).toBe(0);
    ev.set();
    cond.acquire();
    flag.value = 1;
    cond.notify_all();
    cond.release();
    const mine = barrier.wait(10);
    expect(joinAll(ps)).toEqual([0, 0, 0, 0]);
    const got = out.tolist() as string[];
    expect(got).toContain('event');
    expect(got).toContain('condition');
    const idx = got.filter((s) => s.startsWith('barrier')).map((s) => Number(s.split(' ')[1]));
    expect([...idx, mine].sort()).toEqual([0, 1, 2]);
    expect(barrier.parties).toBe(3);
    expect(barrier.n_waiting).toBe(0);
    const lonely = m.Barrier(2);
    expect(() => lonely.wait(0.1)).toThrow(mp.BrokenBarrierError);
    expect(lonely.broken).toBe(true);
  });
});

describe('Manager: queues', () => {
  it('Queue: producers in children, timeouts and bounds as Python', () => {
    const m = start();
    const q = m.Queue<number>();
    const ps = [0, 1].map((k) => run(() => { for (let i = 0; i < 50; i++) q.put(k * 100 + i); }));
    const got: number[] = [];
    for (let i = 0; i < 100; i++) got.push(q.get(true, 10));
    joinAll(ps);
    expect(got.sort((a, b) => a - b)).toEqual([...Array(50).keys(), ...Array.from({ length: 50 }, (_, i) => 100 + i)]);
    const dt = elapsed(() => expect(() => q.get(true, 0.2)).toThrow(mp.Empty));
    expect(dt).toBeGreaterThanOrEqual(0.15);
    const small = m.Queue<string>(1);
    small.put('a');
    expect(small.full()).toBe(true);
    expect(() => small.put('b', true, 0.1)).toThrow(mp.Full);
    expect(() => small.put_nowait('b')).toThrow(expect.objectContaining({ code: 'ERR_QUEUE_FULL' }));
    expect(small.get_nowait()).toBe('a');
    expect(small.empty()).toBe(true);
  });

  it('JoinableQueue: join() returns once every item was marked done', () => {
    const m = start();
    const q = m.JoinableQueue<number>();
    const done = m.list();
    for (let i = 0; i < 5; i++) q.put(i);
    const worker = run(() => {
      for (let i = 0; i < 5; i++) {
        const x = q.get();
        sleepSync(20);
        done.append(x);
        q.task_done();
      }
    });
    q.join();
    expect(done.len()).toBe(5);
    expect(() => q.task_done()).toThrow(expect.objectContaining({ code: 'ERR_TASK_DONE_TOO_MANY' }));
    worker.join(10);
  });
});

class Counter {
  #n = 0;
  add(k: number): number {
    this.#n += k;
    return this.#n;
  }
  value(): number {
    return this.#n;
  }
  child(): Counter {
    const c = new Counter();
    c.add(100);
    return c;
  }
}

class MyManager extends mp.BaseManager {}
MyManager.register('Counter', Counter, { method_to_typeid: { child: 'Counter' } });
const sharedQueue: unknown[] = [];
MyManager.register('get_items', () => sharedQueue);

describe('BaseManager: registered types, TCP, authkey, other processes', () => {
  it('a registered class: its public methods are proxied; method_to_typeid returns a proxy', () => {
    using m = new MyManager();
    m.start();
    const c = m.create('Counter') as mp.managers.BaseProxy & { add(k: number): number; value(): number; child(): Counter & mp.managers.BaseProxy };
    expect(c.exposed).toEqual(expect.arrayContaining(['add', 'value', 'child']));
    const p = run(() => { c.add(5); });
    p.join(10);
    expect(c.add(1)).toBe(6);
    const ch = c.child();
    expect(ch).toBeInstanceOf(mp.managers.BaseProxy);
    expect((ch as unknown as { value(): number }).value()).toBe(100);
    expect(() => c.callmethod('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('serves over TCP with an authkey: an unrelated node process connects and uses a registered object', () => {
    using m = new MyManager({ address: ['127.0.0.1', 0], authkey: Buffer.from('abracadabra') });
    m.start();
    const [host, port] = m.address as [string, number];
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const mine = m.create('get_items') as mp.managers.BaseProxy & { push(x: unknown): number };
    mine.callmethod('push', ['from the parent']);
    const r = runNode(['-e', `
      const mp = require('./dist/multiprocessing');
      class Remote extends mp.BaseManager {}
      Remote.register('get_items');
      const m = new Remote({ address: ['127.0.0.1', ${port}], authkey: Buffer.from('abracadabra') });
      m.connect();
      const items = m.get_items();
      items.callmethod('push', ['from another process']);
      console.log(JSON.stringify(items.getvalue()));
      const bad = new Remote({ address: ['127.0.0.1', ${port}], authkey: Buffer.from('wrong') });
      try { bad.connect(); } catch (e) { console.log(e.code); }`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('["from the parent","from another process"]');
    expect(r.stdout).toContain('ERR_AUTHENTICATION');
    expect(mine.getvalue()).toEqual(['from the parent', 'from another process']);
  });

  it('get_server().serveForever() serves from the calling process', () => {
    const [r, w] = mp.Pipe(false);
    const server = run(() => {
      const s = new MyManager({ authkey: Buffer.from('k') }).get_server();
      w.send(s.address);
      s.serveForever();
    });
    const address = r.recv() as string;
    const m = new MyManager({ address, authkey: Buffer.from('k') });
    m.connect();
    const c = m.create('Counter') as mp.managers.BaseProxy & { add(k: number): number };
    expect(c.add(2)).toBe(2);
    m.shutdown();
    server.terminate();
    server.join(10);
    r.close(); w.close();
  });

  it('shutdown() stops the server process; a manager left running ends with its program', () => {
    const m = start();
    const pid = mp.activeChildren()[0].pid!; // the server process
    const d = m.dict();
    m.shutdown();
    manager = null;
    expect(procState(pid)).toBeNull();
    expect(() => d.set('a', 1)).toThrow();
    expect(() => m.dict()).toThrow(expect.objectContaining({ code: 'ERR_MANAGER_STATE' }));
    const res = runNode(['-e', `
      const mp = require('./dist/multiprocessing');
      const m = mp.Manager(); m.dict().set('x', 1);
      console.log('server', mp.active_children()[0].pid);`], { timeout: 15_000 });
    expect(res.status, res.stderr).toBe(0);
    const serverPid = Number(/server (\d+)/.exec(res.stdout)![1]);
    sleepSync(100);
    expect(procState(serverPid)).toBeNull();
  });
});

describe('proxied call arguments', () => {
  it('callmethod reads its args once, capped, before sending: a 2**32-1 sparse array is a RangeError', () => {
    const m = start();
    const l = m.list([1, 2]) as mp.managers.ListProxy;
    expect(() => l.callmethod('append', new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => l._callmethod(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    l.callmethod('append', [3]);
    expect(l.callmethod('__len__')).toBe(3);
    // extend() reads its iterable once, capped: an endless generator is a RangeError, not a heap exhausted
    function* endless() { for (;;) yield 0; }
    expect(() => l.extend(endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    l.extend(new Set([4, 5]));
    expect(l.len()).toBe(5);
  });
});
