#!/usr/bin/env node
// Queue throughput of small messages between two processes, and Pool.map
// over 2 workers: posixkit against Python's multiprocessing (fork start
// method) and, for the Queue, the same framing in C over a bare pipe; one
// run, each trial in its own process. Goals: Queue and the CPU-bound Pool
// >= 3x Python, Pool.map of tiny items >= 1x.
//   node scripts/bench/ipc-queue-pool.js [messages=100000]   (after npm run build)
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

// Must match cpu() in ipc-queue-pool.py.
function cpu(x) {
  let s = 0;
  for (let i = 0; i < 200_000; i++) s = (s + i * x) % 1_000_003;
  return s;
}
function square(x) {
  return x * x;
}

function trial(mode, n) {
  const mp = require(path.join(ROOT, 'dist/multiprocessing'));
  let dt;
  if (mode === 'queue') {
    const q = new mp.Queue();
    const t = performance.now();
    const p = new mp.Process({ target: () => { for (let i = 0; i < n; i++) q.put([i, 'item']); } });
    p.start();
    for (let i = 0; i < n; i++) q.get();
    dt = performance.now() - t;
    p.join();
  } else if (mode === 'queue4x4') {
    const q = new mp.Queue();
    const out = new mp.Queue();
    const per = Math.floor(n / 4);
    const t = performance.now();
    const cons = [0, 1, 2, 3].map(() => new mp.Process({
      target: () => {
        let got = 0;
        while (q.get() !== null) got++;
        out.put(got);
      },
    }));
    const prods = [0, 1, 2, 3].map((k) => new mp.Process({
      target: () => { for (let i = 0; i < per; i++) q.put([k * per + i, 'item']); },
    }));
    for (const p of [...cons, ...prods]) p.start();
    for (const p of prods) p.join();
    for (let c = 0; c < 4; c++) q.put(null);
    let total = 0;
    for (let c = 0; c < 4; c++) total += out.get();
    dt = performance.now() - t;
    for (const p of cons) p.join();
    if (total !== per * 4) throw new Error(`lost items: ${total} of ${per * 4}`);
  } else {
    const pool = new mp.Pool(2, { functions: [cpu, square] });
    const fn = mode === 'poolcpu' ? cpu : square;
    pool.map(fn, [0, 1, 2, 3], 1); // warm up, as the Python side
    const items = [...Array(n).keys()];
    const t = performance.now();
    if (mode === 'poolcpu') pool.map(cpu, items, 1);
    else pool.map(square, items);
    dt = performance.now() - t;
    pool.terminate();
  }
  console.log(Math.round(n / (dt / 1000)));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toLocaleString('en-US');

function main() {
  const n = Number(process.argv[2] ?? 100_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-'));
  const py = path.join(__dirname, 'ipc-queue-pool.py');
  const pk = (mode, count) => run(process.execPath, ['--single-threaded', __filename, '--trial', mode, String(count)]);
  try {
    const exe = path.join(tmp, 'ipc-queue-pool');
    execFileSync('gcc', ['-O2', '-o', exe, path.join(__dirname, 'ipc-queue-pool.c')]);
    const TRIALS = 3;
    const rows = [
      ['Queue, 1 producer -> 1 consumer, small messages (msgs/s)', 'queue', n, true],
      ['Queue, 4 producers x 4 consumers (items/s)', 'queue4x4', n, false],
      ['Pool(2).map, CPU-bound function, chunksize 1 (items/s)', 'poolcpu', 64, false],
      ['Pool(2).map, x*x, default chunksize (items/s; IPC-bound)', 'pooltiny', n, false],
    ];
    console.log(`node ${process.version}, python3 ${execFileSync('python3', ['-V']).toString().trim().split(' ')[1]}, ${os.cpus().length} CPUs, ${TRIALS} trials each (median)`);
    for (const [label, mode, count, withC] of rows) {
      const r = { c: [], posixkit: [], python: [] };
      for (let i = 0; i < TRIALS; i++) {
        if (withC) r.c.push(run(exe, [String(count)]));
        r.posixkit.push(pk(mode, count));
        r.python.push(run('python3', [py, mode, String(count)]));
      }
      const m = { c: withC ? median(r.c) : 0, posixkit: median(r.posixkit), python: median(r.python) };
      console.log(`\n${label}, n=${fmt(count)}`);
      if (withC) console.log(`  C pipe     ${fmt(m.c).padStart(12)}`);
      console.log(`  posixkit   ${fmt(m.posixkit).padStart(12)}${withC ? `   ${(m.posixkit / m.c).toFixed(2)}x of C` : ''}`);
      console.log(`  python3    ${fmt(m.python).padStart(12)}`);
      const ratio = m.posixkit / m.python;
      const want = mode === 'pooltiny' ? 1 : mode === 'queue4x4' ? 0 : 3;
      const goal = want ? `  (goal >= ${want}x: ${ratio >= want ? 'met' : 'NOT met'})` : '';
      console.log(`  posixkit / python = ${ratio.toFixed(2)}x${goal}   [all trials: posixkit ${r.posixkit.map(fmt).join(' / ')}; python ${r.python.map(fmt).join(' / ')}]`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--trial') trial(process.argv[3], Number(process.argv[4]));
else main();
