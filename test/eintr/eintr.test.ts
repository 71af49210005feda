// The EINTR rule (PEP 475) on every blocking call posixkit has. Each family
// lists its calls in test/eintr/<family>.cases.ts (format: ./types.ts); this
// file finds them all and runs each while ITIMER_REAL fires every 5 ms:
//  - a handler that returns: the call completes with the right result, and
//    the JS handler ran inside it (nothing else runs JS while it blocks);
//  - a handler that throws: the call throws that very error;
//  - the first again with Node's other threads busy (libuv pool running
//    pbkdf2, a Worker alive), where process-directed signals often land on
//    another thread and must be forwarded to the blocked main thread
//    (the EINTR rule in docs/signals.md).
import { pbkdf2 } from 'node:crypto';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as signal from '../../lib/signal';
import { hooks } from '../helpers/native-hooks';
import { fdCount, zombieChildren } from '../helpers/proc';
import type { EintrCase } from './types';

const files = readdirSync(__dirname).filter((f) => f.endsWith('.cases.ts')).sort();
const families: Array<[string, EintrCase[]]> = await Promise.all(
  files.map(async (f): Promise<[string, EintrCase[]]> => [f.replace(/\.cases\.ts$/, ''), (await import(path.join(__dirname, f))).cases]),
);

const DELAY = 0.02;
const INTERVAL = 0.005;

class HandlerError extends Error {}

/** kase's call with ITIMER_REAL firing into a handler that returns: the handler must run inside it, the result must check. */
function callWithCountingHandler(kase: EintrCase): void {
  let calls = 0;
  signal.signal(signal.SIGALRM, () => { calls++; });
  const c = kase.prepare();
  let result: unknown;
  try {
    signal.setitimer(signal.ITIMER_REAL, DELAY, INTERVAL);
    result = c.call();
    signal.setitimer(signal.ITIMER_REAL, 0);
    expect(calls, 'the JS handler must run inside the blocking call').toBeGreaterThan(0);
    c.check?.(result);
  } finally {
    signal.setitimer(signal.ITIMER_REAL, 0);
    signal.signal(signal.SIGALRM, signal.SIG_IGN);
    c.cleanup();
  }
  signal.signal(signal.SIGALRM, signal.SIG_DFL);
}

expect(families.length, 'at least os and signal cases').toBeGreaterThanOrEqual(2);

for (const [family, cases] of families) {
  describe(`EINTR rule: ${family}`, () => {
    for (const kase of cases) {
      it(`${kase.name}: a handler that returns runs, and the call completes correctly`, () => {
        const fds = fdCount();
        callWithCountingHandler(kase);
        expect(fdCount()).toBe(fds);
        expect(zombieChildren()).toEqual([]);
      });

      it(`${kase.name}: a handler that throws makes the call throw that error`, () => {
        const fds = fdCount();
        const boom = new HandlerError(`SIGALRM handler threw inside ${kase.name}`);
        signal.signal(signal.SIGALRM, () => { throw boom; });
        const c = kase.prepare();
        let caught: unknown = null;
        try {
          signal.setitimer(signal.ITIMER_REAL, DELAY, INTERVAL);
          try {
            c.call();
          } catch (e) {
            caught = e;
          }
        } finally {
          signal.setitimer(signal.ITIMER_REAL, 0);
          signal.signal(signal.SIGALRM, signal.SIG_IGN);
          c.cleanup();
        }
        signal.signal(signal.SIGALRM, signal.SIG_DFL);
        expect(caught).toBe(boom);
        expect(fdCount()).toBe(fds);
        expect(zombieChildren()).toEqual([]);
      });
    }
  });
}

describe('EINTR rule with Node threads busy (signals land off the main thread)', () => {
  let worker: Worker;
  beforeAll(async () => {
    worker = new Worker('setInterval(() => {}, 1000); require("worker_threads").parentPort.postMessage("up")', { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
  });
  afterAll(async () => {
    await worker.terminate();
  });

  for (const [family, cases] of families) {
    for (const kase of cases) {
      it(`${family}: ${kase.name}`, async () => {
        const before = hooks._signal_stats().forwarded;
        // Keep the libuv pool's threads running (unblocked signals) during the call.
        const jobs = Array.from({ length: 4 }, () => new Promise((resolve) => pbkdf2('x', 'y', 60_000, 32, 'sha256', resolve)));
        callWithCountingHandler(kase);
        await Promise.all(jobs);
        // Informational: how many deliveries another thread took and forwarded.
        expect(hooks._signal_stats().forwarded).toBeGreaterThanOrEqual(before);
      });
    }
  }
});
