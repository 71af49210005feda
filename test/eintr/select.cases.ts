// EINTR-01/02 for the select family: every wait blocks ~300 ms, then is made
// ready by a forked child writing to a pipe (or simply times out), while the
// harness interrupts it with signals. A wait must neither surface EINTR nor
// restart its timeout from zero nor return early.
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import type { EintrCall, EintrCase } from './types';

const DELAY_MS = 300;

/** A pipe whose write end a forked child writes one byte to after DELAY_MS. */
function readyLater(): { r: number; w: number; cleanup(): void } {
  const [r, w] = os.pipe();
  const pid = runInChild(() => {
    sleepSync(DELAY_MS);
    os.write(w, 'x');
    return 0;
  });
  return {
    r, w,
    cleanup() {
      try { os.kill(pid, 9); } catch { /* already gone */ }
      waitWithTimeout(pid, 5000);
      os.close(r);
      os.close(w);
    },
  };
}

function expectEqual(got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
}

/** A wait that must time out after the full timeout despite interruptions (EINTR-02). */
function timesOut(name: string, wait: (r: number) => unknown, empty: unknown): EintrCase {
  return {
    name: `${name} (timeout)`,
    prepare(): EintrCall {
      const [r, w] = os.pipe();
      return {
        call() {
          const t = performance.now();
          return { res: wait(r), took: performance.now() - t };
        },
        check(result) {
          const { res, took } = result as { res: unknown; took: number };
          expectEqual(res, empty);
          if (took < DELAY_MS - 20) throw new Error(`returned after ${took.toFixed(0)} ms, before its timeout`);
          if (took > 4 * DELAY_MS + 1000) throw new Error(`took ${took.toFixed(0)} ms: timeout restarted?`);
        },
        cleanup() {
          os.close(r);
          os.close(w);
        },
      };
    },
  };
}

function readyCase(name: string, setup: (r: number) => { wait(): unknown; want: unknown; close?(): void }): EintrCase {
  return {
    name,
    prepare(): EintrCall {
      const p = readyLater();
      const s = setup(p.r);
      return {
        call: () => s.wait(),
        check: (result) => expectEqual(result, s.want),
        cleanup() {
          s.close?.();
          p.cleanup();
        },
      };
    },
  };
}

export const cases: EintrCase[] = [
  readyCase('select', (r) => ({ wait: () => select.select([r], [], [], 10), want: [[r], [], []] })),
  readyCase('poll.poll', (r) => {
    const p = select.poll();
    p.register(r, select.POLLIN);
    return { wait: () => p.poll(10_000), want: [[r, select.POLLIN]] };
  }),
  readyCase('epoll.poll', (r) => {
    const ep = select.epoll();
    ep.register(r, select.EPOLLIN);
    return { wait: () => ep.poll(10), want: [[r, select.EPOLLIN]], close: () => ep.close() };
  }),
  readyCase('epoll.poll_raw', (r) => {
    const ep = select.epoll();
    ep.register(r, select.EPOLLIN | select.EPOLLET);
    const evs = new Int32Array(8);
    return {
      wait: () => { const n = ep.poll_raw(evs, 10); return [n, evs[0], evs[1]]; },
      want: [1, r, select.EPOLLIN],
      close: () => ep.close(),
    };
  }),
  timesOut('select', (r) => select.select([r], [], [], DELAY_MS / 1000), [[], [], []]),
  timesOut('poll.poll', (r) => {
    const p = select.poll();
    p.register(r, select.POLLIN);
    return p.poll(DELAY_MS);
  }, []),
  timesOut('epoll.poll', (r) => {
    using ep = select.epoll();
    ep.register(r, select.EPOLLIN);
    return ep.poll(DELAY_MS / 1000);
  }, []),
];
