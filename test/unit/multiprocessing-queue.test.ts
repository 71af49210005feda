// Queue and many producers/consumers across processes.
import { beforeAll, describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import { sleepSync } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

// The shared heap behind the locks maps its first arena (one memfd, kept for
// the life of the process) on first use: take it before counting fds.
beforeAll(() => { new mp.Lock(); });

checkLeaks(() => {
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

describe('Queue in one process', () => {
  it('validates arguments', () => {
    expect(() => new mp.Queue('3' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Queue(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const q = new mp.Queue();
    expect(() => q.get(true, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => q.put({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(q.qsize()).toBe(0);
    expect(q.empty()).toBe(true);
    q.close();
  });

  it('FIFO, qsize, empty, full, putNowait/getNowait', () => {
    const q = new mp.Queue<unknown>(3);
    expect(q.maxsize).toBe(3);
    expect(q.empty()).toBe(true);
    q.put(1); q.put({ a: [2] }); q.putNowait('three');
    expect(q.qsize()).toBe(3);
    expect(q.full()).toBe(true);
    expect(q.empty()).toBe(false);
    expect(() => q.putNowait(4)).toThrow(mp.Full);
    expect(() => q.put(4, false)).toThrow(expect.objectContaining({ code: 'ERR_QUEUE_FULL' }));
    expect(q.get()).toBe(1);
    expect(q.full()).toBe(false);
    expect(q.get()).toEqual({ a: [2] });
    expect(q.getNowait()).toBe('three');
    expect(q.qsize()).toBe(0);
    expect(() => q.getNowait()).toThrow(mp.Empty);
    expect(() => q.get(false)).toThrow(expect.objectContaining({ code: 'ERR_QUEUE_EMPTY' }));
    q.close();
  });

  it('get(true, 0.2) raises Empty after about 0.2 s; put(v, true, 0.2) raises Full after about 0.2 s', () => {
    const q = new mp.Queue(1);
    let dt = elapsed(() => expect(() => q.get(true, 0.2)).toThrow(mp.Empty));
    expect(dt).toBeGreaterThanOrEqual(0.1);
    expect(dt).toBeLessThan(2);
    q.put('x');
    dt = elapsed(() => expect(() => q.put('y', true, 0.2)).toThrow(mp.Full));
    expect(dt).toBeGreaterThanOrEqual(0.1);
    expect(dt).toBeLessThan(2);
    expect(q.get(true, 0)).toBe('x');
    q.close();
  });

  it('an unbounded queue takes more than its pipe holds from one process, as Python (no consumer needed)', () => {
    const q = new mp.Queue<string>();
    const item = 'x'.repeat(1000);
    for (let i = 0; i < 1000; i++) q.put(item + i, false); // ~1 MB: 16 times a pipe's 64 KiB
    q.put('big'.repeat(200_000), true, 0.5);
    expect(q.qsize()).toBe(1001);
    for (let i = 0; i < 1000; i++) expect(q.get(false)).toBe(item + i);
    expect(q.get(false)).toBe('big'.repeat(200_000));
    expect(q.qsize()).toBe(0);
    expect(q.empty()).toBe(true);
    q.close();
  });

  it('put/get on a closed queue throw ERR_QUEUE_CLOSED', () => {
    const q = new mp.Queue();
    q.close();
    q.close();
    expect(q.closed).toBe(true);
    for (const f of [() => q.put(1), () => q.get(), () => q.get(false), () => q.qsize(), () => q.empty(), () => q.full()]) {
      expect(f).toThrow(expect.objectContaining({ code: 'ERR_QUEUE_CLOSED' }));
    }
    q.joinThread();
    q.cancelJoinThread();
  });

  it('SimpleQueue and using', () => {
    {
      using q = new mp.SimpleQueue<number>();
      q.put(5);
      expect(q.get()).toBe(5);
    }
  });
  it('every value kind comes back as structured clone gives it (JSON text or V8 serialization)', () => {
    using q = new mp.Queue();
    const values: unknown[] = [
      '', 'héllo ✓', 0, 1.5, -0, NaN, Infinity, true, null, undefined, [1, , 3], [], {},
      { a: [1, { b: 'c' }] }, new Map([[1, 'x']]), new Set([2]), new Date(5), 10n, Buffer.from('ab'),
      new Uint16Array([1, 2]), Object.create(null), 'x'.repeat(60_000),
    ];
    for (const v of values) {
      q.put(v);
      const got = q.get();
      if (typeof v === 'number' && Number.isNaN(v)) expect(got).toBeNaN();
      else if (Object.is(v, -0)) expect(Object.is(got, -0)).toBe(true);
      else expect(got).toEqual(v);
    }
    expect(q.qsize()).toBe(0);
  });
});

describe('Queue across processes', () => {
  it('a blocked get() is woken by a put() in another process; large messages arrive whole', () => {
    const q = new mp.Queue<Buffer | string>();
    const big = Buffer.alloc(1024 * 1024 + 3, 0x5a);
    const p = new mp.Process({ target: () => { sleepSync(200); q.put('first'); q.put(big); } });
    p.start();
    const dt = elapsed(() => expect(q.get()).toBe('first'));
    expect(dt).toBeGreaterThan(0.1);
    expect((q.get(true, 10) as Buffer).equals(big)).toBe(true);
    p.join();
    expect(p.exitCode).toBe(0);
    q.close();
  });

  it('tiny messages and multi-chunk ones in between all arrive in order', () => {
    const q = new mp.Queue<number | Buffer>();
    const big = (i: number): Buffer => Buffer.alloc(100_000, i & 0xff);
    const p = new mp.Process({
      target: () => {
        for (let i = 0; i < 20_000; i++) q.put(i % 1000 === 999 ? big(i) : i % 10);
      },
    });
    p.start();
    sleepSync(200); // let the producer run ahead: most of it waits in the pipe and the stash
    for (let i = 0; i < 20_000; i++) {
      const v = q.get(true, 10);
      if (i % 1000 === 999) expect((v as Buffer).equals(big(i))).toBe(true);
      else if (v !== i % 10) throw new Error(`item ${i}: got ${String(v)}`);
    }
    p.join();
    expect(p.exitCode).toBe(0);
    expect(q.qsize()).toBe(0);
    q.close();
  });

  it('a bounded queue makes the producer wait for the consumer', () => {
    const q = new mp.Queue<number>(2);
    const done = new mp.Queue<number>();
    const p = new mp.Process({ target: () => { for (let i = 0; i < 50; i++) q.put(i); done.put(1); } });
    p.start();
    sleepSync(100);
    expect(q.qsize()).toBeLessThanOrEqual(2);
    expect(done.empty()).toBe(true);
    const got: number[] = [];
    for (let i = 0; i < 50; i++) got.push(q.get(true, 10));
    expect(got).toEqual([...Array(50).keys()]);
    expect(done.get(true, 10)).toBe(1);
    p.join();
    q.close(); done.close();
  });

  it('4 producers and 4 consumers move 20,000 items: none lost, none duplicated, FIFO per producer', () => {
    const P = 4, C = 4, N = 5000;
    const q = new mp.Queue<[number, number] | null>();
    const out = new mp.Queue<Array<[number, number]>>();
    const procs: mp.Process[] = [];
    for (let c = 0; c < C; c++) {
      procs.push(new mp.Process({
        target: () => {
          const got: Array<[number, number]> = [];
          for (;;) {
            const item = q.get();
            if (item === null) break;
            got.push(item);
          }
          out.put(got);
        },
      }));
    }
    const producers: mp.Process[] = [];
    for (let p = 0; p < P; p++) {
      producers.push(new mp.Process({ target: () => { for (let i = 0; i < N; i++) q.put([p, i]); } }));
    }
    for (const x of [...procs, ...producers]) x.start();
    for (const x of producers) { x.join(30); expect(x.exitCode).toBe(0); }
    for (let c = 0; c < C; c++) q.put(null);
    const lists: Array<Array<[number, number]>> = [];
    for (let c = 0; c < C; c++) lists.push(out.get(true, 30));
    for (const x of procs) { x.join(30); expect(x.exitCode).toBe(0); }
    const seen = new Set<number>();
    let total = 0;
    for (const list of lists) {
      const last = new Array(P).fill(-1);
      for (const [p, i] of list) {
        expect(i).toBeGreaterThan(last[p]); // each consumer sees a producer's items in order
        last[p] = i;
        seen.add(p * N + i);
        total++;
      }
    }
    expect(total).toBe(P * N);
    expect(seen.size).toBe(P * N);
    expect(q.qsize()).toBe(0);
    q.close(); out.close();
  });
});
