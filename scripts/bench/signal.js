#!/usr/bin/env node
// Signal delivery latency: kill() in a sender process to the start of the
// receiver's handler, both stamped with CLOCK_MONOTONIC (process.hrtime,
// time.monotonic_ns and clock_gettime read the same clock).
//   - C: sigaction handler, main thread blocked in read(2)
//   - Python: signal.signal handler, main thread blocked in os.read
//   - posixkit, blocking: JS handler run by the EINTR rule inside os.read
//   - posixkit, event loop: JS handler run from the uv_async wake-up
//   - Node's process.on('SIGUSR2'): libuv's own signal watcher (reference)
// The sender waits for the receiver's ack (fd 3) before each kill, so
// signals never overlap. One run, every receiver in its own process; prints
// a table of microseconds.
//
//   npx node-gyp rebuild && npx tsc -p tsconfig.build.json && node scripts/bench/signal.js [--n 500]
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const argN = process.argv.indexOf('--n');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 500;
const WARMUP = 20;

// ---- receivers written in JS (run as: node signal.js --receiver <mode>) ----
function receiver(mode) {
  const t1 = [];
  const finish = () => {
    process.stdout.write(`T1 ${t1.join(' ')}\n`);
    process.exit(0);
  };
  if (mode === 'node') {
    const fsm = require('node:fs');
    process.on('SIGUSR2', () => { t1.push(process.hrtime.bigint()); fsm.writeSync(3, 'r'); });
    process.stdout.write(`PID ${process.pid}\n`);
    fsm.writeSync(3, 'r');
    process.stdin.once('data', finish);
    return;
  }
  const signal = require(path.join(ROOT, 'dist/signal'));
  const pos = require(path.join(ROOT, 'dist/os'));
  signal.signal(signal.SIGUSR2, () => { t1.push(process.hrtime.bigint()); pos.write(3, 'r'); });
  process.stdout.write(`PID ${process.pid}\n`);
  pos.write(3, 'r');
  if (mode === 'posixkit-block') {
    pos.read(0, 1); // blocks; each signal runs the handler inside it
    finish();
  } else {
    process.stdin.once('data', finish); // idle in the event loop
  }
}

// ---- orchestration ----------------------------------------------------------
function trial(cmd, args, sender) {
  return new Promise((resolve, reject) => {
    const rec = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit', 'pipe'] });
    let out = '';
    let snd = null;
    let sndOut = '';
    let acks = 0;
    rec.stdout.on('data', (d) => {
      out += d;
      const m = /^PID (\d+)\n/.exec(out);
      if (m && !snd) {
        snd = spawn(sender, [m[1], String(N)], { stdio: ['pipe', 'pipe', 'inherit'] });
        snd.stdout.on('data', (x) => { sndOut += x; });
        snd.on('exit', (code) => { if (code) reject(new Error(`sender exit ${code}`)); });
        for (let i = 0; i < acks && i < N; i++) snd.stdin.write('g');
      }
    });
    rec.stdio[3].on('data', (d) => {
      for (let i = 0; i < d.length; i++) {
        acks++;
        if (!snd) continue;
        if (acks <= N) snd.stdin.write('g');
        else if (acks === N + 1) { snd.stdin.end(); rec.stdin.write('q'); }
      }
    });
    rec.on('close', (code, sig) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')}: exit ${code} ${sig}`));
      const t1 = /T1 ?([\d ]*)\n/.exec(out)[1].trim().split(' ').map(BigInt);
      const wait = () => {
        const t0 = sndOut.trim().split('\n').map(BigInt);
        if (t0.length < N) return setTimeout(wait, 10);
        resolve(t0.map((t, i) => Number(t1[i] - t) / 1000).slice(WARMUP));
      };
      wait();
    });
  });
}

function stats(us) {
  const s = [...us].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'posixkit-bench-signal-'));
  try {
    const sender = path.join(tmp, 'sender');
    const crecv = path.join(tmp, 'receiver');
    execFileSync('gcc', ['-O2', '-o', sender, path.join(__dirname, 'signal_sender.c')]);
    execFileSync('gcc', ['-O2', '-o', crecv, path.join(__dirname, 'signal_receiver.c')]);
    const rows = [
      ['C sigaction handler (blocked in read)', crecv, []],
      ['Python signal.signal (blocked in os.read)', 'python3', [path.join(__dirname, 'signal_receiver.py')]],
      ['posixkit JS handler (blocked in os.read, EINTR rule)', process.execPath, [__filename, '--receiver', 'posixkit-block']],
      ['posixkit JS handler (idle event loop)', process.execPath, [__filename, '--receiver', 'posixkit-loop']],
      ["Node process.on('SIGUSR2') (idle event loop)", process.execPath, [__filename, '--receiver', 'node']],
    ];
    console.log(`signal delivery latency, kill() -> handler start, ${N - WARMUP} signals each (after ${WARMUP} warm-up), microseconds`);
    console.log(`${'receiver'.padEnd(54)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'mean'.padStart(8)}`);
    for (const [name, cmd, args] of rows) {
      const s = stats(await trial(cmd, args, sender));
      console.log(`${name.padEnd(54)} ${[s.p50, s.p90, s.p99, s.mean].map((v) => v.toFixed(1).padStart(8)).join(' ')}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const ri = process.argv.indexOf('--receiver');
if (ri > 0) receiver(process.argv[ri + 1]);
else main().catch((e) => { console.error(e); process.exit(1); });
