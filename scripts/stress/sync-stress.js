#!/usr/bin/env node
// Long cross-process stress of the synchronization primitives (not part of
// npm test): Barrier rounds, Condition with many producers and consumers,
// RLock and Semaphore under contention, the full 8 x 100,000 locked counter.
//   node --single-threaded scripts/stress/sync-stress.js [scale=1]
'use strict';
const path = require('node:path');
const ROOT = path.resolve(__dirname, '../..');
const os = require(path.join(ROOT, 'dist/os'));
const S = require(path.join(ROOT, 'dist/multiprocessing/synchronize'));
const { RawArray, RawValue, Value } = require(path.join(ROOT, 'dist/multiprocessing/sharedctypes'));

const scale = Number(process.argv[2] ?? 1);
let failures = 0;

function children(n, fn) {
  const pids = [];
  for (let k = 0; k < n; k++) {
    const pid = os.fork();
    if (pid === 0) {
      let code = 0;
      try { code = fn(k) ?? 0; } catch (e) { console.error(e); code = 99; }
      os._exit(code);
    }
    pids.push(pid);
  }
  return pids;
}
function reap(pids) {
  return pids.map((p) => os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]));
}
function check(name, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
}
function timed(name, fn) {
  const t = performance.now();
  fn();
  console.log(`     ${name} took ${((performance.now() - t) / 1000).toFixed(2)} s`);
}

timed('locked counter', () => {
  const N = 8, M = 100_000 * scale;
  const lock = new S.Lock();
  const v = RawValue('i', 0);
  const go = new S.Event();
  const pids = children(N, () => { go.wait(); for (let i = 0; i < M; i++) { lock.acquire(); v.value = v.value + 1; lock.release(); } });
  go.set();
  const codes = reap(pids);
  check('8 processes x locked increments', codes.every((c) => c === 0) && v.value === N * M, `${v.value} of ${N * M}`);
});

timed('rlock counter', () => {
  const N = 4, M = 50_000 * scale;
  const r = new S.RLock();
  const v = RawValue('i', 0);
  const pids = children(N, () => {
    for (let i = 0; i < M; i++) { r.acquire(); r.acquire(); v.value = v.value + 1; r.release(); r.release(); }
  });
  const codes = reap(pids);
  check('RLock nested increments', codes.every((c) => c === 0) && v.value === N * M, `${v.value} of ${N * M}`);
});

timed('barrier rounds', () => {
  const P = 4, ROUNDS = 2000 * scale;
  const b = new S.Barrier(P);
  const counts = RawArray('i', ROUNDS);
  const body = () => {
    for (let r = 0; r < ROUNDS; r++) {
      Atomics.add(counts.raw, r, 1);
      b.wait(30);
      // after the barrier every party of this round has counted
      if (Atomics.load(counts.raw, r) !== P) return 3;
    }
    return 0;
  };
  const pids = children(P - 1, body);
  const mine = body();
  const codes = reap(pids);
  check('Barrier: every party sees the whole round', mine === 0 && codes.every((c) => c === 0), `codes ${[mine, ...codes]}`);
});

timed('condition queue', () => {
  const PROD = 3, CONS = 3, ITEMS = 10_000 * scale, CAP = 16;
  const lock = new S.Lock();
  const notEmpty = new S.Condition(lock);
  const notFull = new S.Condition(lock);
  const ring = RawArray('i', CAP);
  const idx = RawArray('i', 3); // head, tail, consumed
  const sum = new Value('d', 0, { lock: false });
  const total = PROD * ITEMS;
  const prods = children(PROD, (k) => {
    for (let i = 1; i <= ITEMS; i++) {
      S.withLock(lock, () => {
        notFull.waitFor(() => idx.raw[1] - idx.raw[0] < CAP);
        ring.raw[idx.raw[1] % CAP] = k * ITEMS + i;
        idx.raw[1]++;
        notEmpty.notify();
      });
    }
  });
  const cons = children(CONS, () => {
    for (;;) {
      let item = -1;
      S.withLock(lock, () => {
        notEmpty.waitFor(() => idx.raw[1] > idx.raw[0] || idx.raw[2] >= total);
        if (idx.raw[1] > idx.raw[0]) {
          item = ring.raw[idx.raw[0] % CAP];
          idx.raw[0]++;
          idx.raw[2]++;
          sum.value += item;
          notFull.notify();
          if (idx.raw[2] >= total) notEmpty.notifyAll();
        }
      });
      if (item < 0) return 0;
    }
  });
  const codes = reap([...prods, ...cons]);
  const expected = (total * (total + 1)) / 2;
  check('Condition: 3 producers, 3 consumers, nothing lost or duplicated',
    codes.every((c) => c === 0) && sum.value === expected && idx.raw[2] === total, `sum ${sum.value} vs ${expected}`);
});

timed('semaphore', () => {
  const N = 6, M = 5000 * scale, LIMIT = 3;
  const sem = new S.BoundedSemaphore(LIMIT);
  const w = RawArray('i', 2);
  const pids = children(N, () => {
    for (let i = 0; i < M; i++) {
      sem.acquire();
      const now = Atomics.add(w.raw, 0, 1) + 1;
      if (now > Atomics.load(w.raw, 1)) Atomics.store(w.raw, 1, now);
      Atomics.sub(w.raw, 0, 1);
      sem.release();
    }
  });
  const codes = reap(pids);
  check('Semaphore never admits more than its value', codes.every((c) => c === 0) && w.raw[1] <= LIMIT && sem.getValue() === LIMIT,
    `max inside ${w.raw[1]}, value ${sem.getValue()}`);
});

process.exitCode = failures ? 1 : 0;
