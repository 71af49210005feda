#!/usr/bin/env node
// Lock hand-off ping-pong between two forked processes: posixkit's Lock
// against the same futex mutex in C (ipc-lock.c) and Python's
// multiprocessing.Lock (ipc-lock.py), in one run, each trial in its own
// process. Goal: posixkit within 1.5x of C.
//   node scripts/bench/ipc-lock.js [rounds]      (after npm run build)
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

function trial() {
  const pkos = require(path.join(ROOT, 'dist/os'));
  const { Lock } = require(path.join(ROOT, 'dist/multiprocessing/synchronize'));
  const rounds = Number(process.argv[3]);
  const ping = new Lock();
  const pong = new Lock();
  ping.acquire();
  pong.acquire();
  const pid = pkos.fork();
  if (pid === 0) {
    for (let i = 0; i < rounds; i++) {
      ping.acquire();
      pong.release();
    }
    pkos._exit(0);
  }
  const t = performance.now();
  for (let i = 0; i < rounds; i++) {
    ping.release();
    pong.acquire();
  }
  const dt = (performance.now() - t) / 1000;
  pkos.waitpid(pid, 0);
  console.log(Math.round(rounds / dt));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

function main() {
  const rounds = Number(process.argv[2] ?? 100_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-'));
  try {
    const exe = path.join(tmp, 'ipc-lock');
    execFileSync('gcc', ['-O2', '-o', exe, path.join(__dirname, 'ipc-lock.c')]);
    // Interleave the three so machine load hits them alike. The hand-off
    // rate is bimodal (both sides awake on two cores vs. a futex sleep per
    // hand-off), so report the best and the median of TRIALS.
    const TRIALS = 5;
    const all = { c: [], posixkit: [], python: [] };
    for (let i = 0; i < TRIALS; i++) {
      all.c.push(run(exe, [String(rounds)]));
      all.posixkit.push(run(process.execPath, ['--single-threaded', __filename, '--trial', String(rounds)]));
      all.python.push(run('python3', [path.join(__dirname, 'ipc-lock.py'), String(rounds)]));
    }
    const best = {}, median = {};
    for (const k of Object.keys(all)) {
      const v = all[k].sort((a, b) => a - b);
      best[k] = v[v.length - 1];
      median[k] = v[v.length >> 1];
    }
    const names = { c: 'C futex mutex', posixkit: 'posixkit Lock', python: 'Python multiprocessing.Lock' };
    console.log(`lock hand-off ping-pong, 2 forked processes, ${rounds} rounds (2 hand-offs each), ${TRIALS} trials`);
    console.log(`  ${''.padEnd(30)} ${'best'.padStart(9)} ${'median'.padStart(9)} rounds/s   C/this (best, median)`);
    for (const k of Object.keys(all)) {
      console.log(`  ${names[k].padEnd(30)} ${String(best[k]).padStart(9)} ${String(median[k]).padStart(9)}            ` +
        `${(best.c / best[k]).toFixed(2)}x ${(median.c / median[k]).toFixed(2)}x`);
    }
    const ratio = best.c / best.posixkit;
    console.log(`posixkit vs C: ${ratio.toFixed(2)}x slower (goal <= 1.5x): ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`);
    console.log(`posixkit vs Python (best): ${(best.posixkit / best.python).toFixed(2)}x the rate`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--trial') trial();
else main();
