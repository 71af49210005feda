// Blocking calls of the mman family (futex_wait and the primitives built on
// it): each blocks ~300 ms until a forked child releases it.
import * as os from '../../lib/os';
import { futex_wait, futex_wake, mmap } from '../../lib/mmap';
import { Barrier, Condition, Event, Lock, Semaphore } from '../../lib/multiprocessing/synchronize';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import type { EintrCall, EintrCase } from './types';

// The shared heap keeps one memfd per arena for the life of the process (as
// Python's multiprocessing.heap keeps its arena fds); make the first arena
// now so the harness's fd count before prepare() already includes it.
new Lock();

function reap(pid: number): void {
  try { os.kill(pid, 9); } catch { /* already gone */ }
  waitWithTimeout(pid, 5000);
}

function expectTrue(r: unknown, what: string): void {
  if (r !== true) throw new Error(`${what} returned ${String(r)}, expected true`);
}

export const cases: EintrCase[] = [
  {
    name: 'futex_wait',
    prepare(): EintrCall {
      const m = mmap(-1, 4096);
      const w = new Int32Array(m.buffer);
      const pid = runInChild(() => {
        sleepSync(300);
        Atomics.store(w, 0, 1);
        futex_wake(w, 0, 1);
      });
      return {
        // A retry after EINTR may find the word already changed: 'not-equal' is then right.
        call: () => futex_wait(w, 0, 0, 10),
        check(r) {
          if (r !== 'ok' && r !== 'not-equal') throw new Error(`futex_wait returned ${String(r)}`);
          if (Atomics.load(w, 0) !== 1) throw new Error('futex_wait returned before the child stored 1');
        },
        cleanup() { reap(pid); m.close(); },
      };
    },
  },
  {
    name: 'Lock.acquire',
    prepare(): EintrCall {
      const lock = new Lock();
      const ready = new Event();
      const pid = runInChild(() => {
        lock.acquire();
        ready.set();
        sleepSync(300);
        lock.release();
      });
      if (!ready.wait(10)) throw new Error('child never took the lock');
      return {
        call: () => lock.acquire(true, 10),
        check(r) { expectTrue(r, 'Lock.acquire'); lock.release(); },
        cleanup() { reap(pid); },
      };
    },
  },
  {
    name: 'Semaphore.acquire',
    prepare(): EintrCall {
      const sem = new Semaphore(0);
      const pid = runInChild(() => { sleepSync(300); sem.release(); });
      return {
        call: () => sem.acquire(true, 10),
        check(r) { expectTrue(r, 'Semaphore.acquire'); },
        cleanup() { reap(pid); },
      };
    },
  },
  {
    name: 'Event.wait',
    prepare(): EintrCall {
      const ev = new Event();
      const pid = runInChild(() => { sleepSync(300); ev.set(); });
      return {
        call: () => ev.wait(10),
        check(r) { expectTrue(r, 'Event.wait'); },
        cleanup() { reap(pid); },
      };
    },
  },
  {
    name: 'Condition.wait',
    prepare(): EintrCall {
      const cond = new Condition(new Lock());
      const pid = runInChild(() => {
        sleepSync(300);
        cond.acquire();
        cond.notify();
        cond.release();
      });
      cond.acquire();
      return {
        call: () => cond.wait(10),
        check(r) { expectTrue(r, 'Condition.wait'); },
        cleanup() { cond.release(); reap(pid); },
      };
    },
  },
  {
    name: 'Barrier.wait',
    prepare(): EintrCall {
      const barrier = new Barrier(2);
      const pid = runInChild(() => { sleepSync(300); barrier.wait(10); });
      return {
        call: () => barrier.wait(10),
        check(r) { if (r !== 0) throw new Error(`Barrier.wait returned ${String(r)}, expected index 0`); },
        cleanup() { reap(pid); },
      };
    },
  },
];
