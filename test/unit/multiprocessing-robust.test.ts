// Processes that die (SIGKILL) or stop half-way through a Queue operation or
// a Pool task must not wedge, starve or corrupt the others. Each scenario
// runs the waiting side in a forked child under a watchdog, so a regression
// shows as a failed exit code, never as a hung test run.
import { beforeAll, describe, expect, it } from 'vitest';
import { constants } from 'node:os';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import { forkRun, runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

const { SIGKILL, SIGSTOP, SIGCONT } = constants.signals;

beforeAll(() => { new mp.Lock(); });
checkLeaks(() => {
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

// Kills a producer in the middle of putting a message of many chunks (16
// MiB: thousands of writes), as soon as its first bytes are in the queue.
// Retried in the unlikely case the producer finished first.
function killMidPut(q: mp.Queue<unknown>): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    const pid = runInChild(() => { q.put('x'.repeat(16 << 20)); });
    for (let i = 0; i < 5000 && q.empty(); i++) sleepSync(1);
    os.kill(pid, SIGKILL);
    const [, status] = os.waitpid(pid, 0);
    if (os.WIFSIGNALED(status)) return;
    while (!q.empty()) q.get(false); // it finished: start over
  }
  throw new Error('the producer always finished before it could be killed');
}

function kill(pid: number, sig: number): void {
  os.kill(pid, sig);
  if (sig === SIGKILL) os.waitpid(pid, 0);
}

describe('Queue: a producer killed in the middle of a put', () => {
  it('get(true, 0.5) raises Empty on time; the half-written message never reaches a reader', () => {
    const q = new mp.Queue<string>();
    killMidPut(q);
    const code = forkRun(() => {
      let dt = 0;
      try {
        dt = elapsed(() => q.get(true, 0.5));
        return 10; // got something: the torn message was delivered
      } catch (e) {
        if (!(e instanceof mp.Empty)) throw e;
      }
      return dt < 2 ? 0 : 11;
    }, 5_000);
    expect(code).toBe(0);
    q.close();
  });

  it('the writer lock it held does not block the next put, whose message arrives whole', () => {
    const q = new mp.Queue<string>();
    killMidPut(q);
    const code = forkRun(() => {
      const t = elapsed(() => q.put('after', true, 3));
      if (t > 2) return 12;
      return q.get(true, 3) === 'after' ? 0 : 13;
    }, 8_000);
    expect(code).toBe(0);
    // And in this process too, with a message that itself needs many chunks.
    const big = 'y'.repeat(100_000);
    const reader = runInChild(() => (q.get(true, 5) === big ? 0 : 14));
    q.put(big, true, 5);
    const { status, hung } = waitWithTimeout(reader, 8_000);
    expect(hung).toBe(false);
    expect(os.waitstatus_to_exitcode(status!)).toBe(0);
    expect(q.qsize()).toBe(0);
    q.close();
  });

  it('a bounded queue does not lose the place the dead producer was filling', () => {
    const q = new mp.Queue<string>(1);
    killMidPut(q);
    const code = forkRun(() => {
      q.put('a', true, 3);
      if (q.get(true, 3) !== 'a') return 15;
      q.put('b', true, 3);
      return q.get(true, 3) === 'b' ? 0 : 16;
    }, 10_000);
    expect(code).toBe(0);
    q.close();
  });
});

describe('Queue: timeouts while a message is half-arrived', () => {
  it('a stopped producer: get(true, 0.3) returns on time, and the message is whole after SIGCONT', () => {
    const q = new mp.Queue<string>();
    const big = 'z'.repeat(300_000);
    const pid = runInChild(() => { q.put(big); });
    for (let i = 0; i < 200 && q.empty(); i++) sleepSync(5);
    os.kill(pid, SIGSTOP);
    // Read what is there: get() must not wait past its timeout for the rest.
    const code = forkRun(() => {
      let dt = 0;
      try {
        dt = elapsed(() => q.get(true, 0.3));
        return 20;
      } catch (e) {
        if (!(e instanceof mp.Empty)) throw e;
      }
      return dt < 2 ? 0 : 21;
    }, 5_000);
    expect(code).toBe(0);
    os.kill(pid, SIGCONT);
    expect(q.get(true, 5)).toBe(big);
    const { status } = waitWithTimeout(pid, 5_000);
    expect(os.waitstatus_to_exitcode(status!)).toBe(0);
    q.close();
  });
});

describe('Queue: a consumer killed while it waits in get()', () => {
  it('the reader lock it held is taken over; other consumers get every message', () => {
    const q = new mp.Queue<number>();
    const dead = runInChild(() => { q.get(); });
    sleepSync(100); // it now holds the reader lock, waiting for data
    kill(dead, SIGKILL);
    const other = runInChild(() => {
      let sum = 0;
      for (let i = 0; i < 3; i++) sum += q.get(true, 3);
      return sum === 6 ? 0 : 17;
    });
    q.put(1); q.put(2); q.put(3);
    const { status, hung } = waitWithTimeout(other, 10_000);
    expect(hung).toBe(false);
    const code = os.waitstatus_to_exitcode(status!);
    expect(code).toBe(0);
    q.close();
  });
});

describe('Pool: a killed idle worker', () => {
  it('fails no task that it was not running: the next tasks go to live or new workers', () => {
    const pool = new mp.Pool(2);
    const id = (x: number) => x;
    expect(pool.map(id, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    const before = pool.pids;
    for (const pid of before) os.kill(pid, SIGKILL);
    sleepSync(100); // both are gone now, unnoticed by the pool
    expect(pool.apply(id, [7])).toBe(7);
    expect(pool.map(id, [1, 2, 3, 4, 5, 6], 1)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(pool.pids.some((p) => before.includes(p))).toBe(false);
    pool.close();
    pool.join();
  });

  it('a worker killed while it runs a task fails exactly that task', () => {
    const who = new mp.Value('i', 0);
    const slow = (ms: number) => { who.value = process.pid; sleepSync(ms); return ms; };
    const pool = new mp.Pool(2, { functions: [slow] });
    const r = pool.applyAsync(slow, [3000]);
    for (let i = 0; i < 400 && who.value === 0; i++) sleepSync(5);
    const busy = who.value;
    expect(pool.pids).toContain(busy);
    os.kill(busy, SIGKILL);
    let err: unknown;
    try { r.get(5); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(mp.WorkerLostError);
    expect((err as mp.WorkerLostError).pid).toBe(busy);
    expect((err as mp.WorkerLostError).exitCode).toBe(-9);
    expect(pool.map(slow, [1, 2, 3], 1)).toEqual([1, 2, 3]);
    pool.close();
    pool.join();
  });
});
