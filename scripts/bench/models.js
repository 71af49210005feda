#!/usr/bin/env node
// The echo core on every server model under one load generator (C, epoll,
// persistent connections doing 64-byte ping-pongs on loopback), against
// Node's net echo server measured in the same run. Reports throughput and
// p99 latency at concurrency 1, 64 and 1,000 (where the model allows), the
// memory per 1,000 idle connections (PSS of the server's processes), and the
// CPU the server burns while idle.
//   node scripts/bench/models.js [--ms 1000] [--rounds 3] [--pin] [--svg docs/models-bench.svg] [--replot results.json] [--only epoll-et,node]
// Needs `npm run build` (dist/) and gcc.
'use strict';
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const spawnSyncOk = (cmd, a) => { try { return spawnSync(cmd, a).status === 0; } catch { return false; } };
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const MS = Number(opt('ms', 1000));
const ROUNDS = Number(opt('rounds', 3));
// --pin: server on CPU 1, load generator on CPU 0 (on a quiet machine; on a shared one it only adds noise).
const PIN = args.includes('--pin') && os.cpus().length >= 2 && spawnSyncOk('taskset', ['-V']);
const SVG = opt('svg', null);
const ONLY = opt('only', null)?.split(',');
const SIZE = 64;

// --replot FILE: the table and the SVG again from a run's saved results (written to $TMPDIR/pk-models-bench.json).
const REPLOT = opt('replot', null);
if (REPLOT) {
  const results = JSON.parse(fs.readFileSync(REPLOT, 'utf8'));
  printTable(results);
  if (SVG) fs.writeFileSync(path.resolve(SVG), svg(results));
  process.exit(0);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-models-'));
const LG = path.join(tmp, 'loadgen');
execFileSync('gcc', ['-O2', '-o', LG, path.join(__dirname, 'models_loadgen.c')]);

// label, how to start it, concurrencies, idle connections to hold for the memory figure
const ROWS = [
  { label: 'node net (baseline)', net: true, conc: [1, 64, 1000], idle: 5000 },
  { label: 'iterative', model: 'iterative', conc: [1], idle: 0 },
  { label: 'nonblocking', model: 'nonblocking', conc: [1, 64], idle: 1000 },
  { label: 'forking', model: 'forking', conc: [1, 64], idle: 50 },
  { label: 'prefork (16)', model: 'prefork', opts: { workers: 16 }, conc: [1, 16], idle: 0 },
  { label: 'prefork reuseport (16)', model: 'prefork', opts: { workers: 16, reusePort: true }, conc: [1, 16], idle: 0 },
  { label: 'prefork-epoll (2)', model: 'prefork-epoll', opts: { workers: 2 }, conc: [1, 64, 1000], idle: 5000 },
  { label: 'threading', model: 'threading', opts: { maxThreads: 64 }, conc: [1, 64], idle: 50 },
  { label: 'threading pool (16)', model: 'threading', opts: { pool: 16 }, conc: [1, 16], idle: 0 },
  { label: 'select', model: 'select', conc: [1, 64], idle: 900 },
  { label: 'poll', model: 'poll', conc: [1, 64, 1000], idle: 5000 },
  { label: 'epoll', model: 'epoll', conc: [1, 64, 1000], idle: 5000 },
  { label: 'epoll-et', model: 'epoll-et', conc: [1, 64, 1000], idle: 5000 },
  { label: 'coroutine', model: 'coroutine', conc: [1, 64, 1000], idle: 5000 },
].filter((r) => !ONLY || ONLY.some((o) => r.label.startsWith(o)));

const NET_SERVER = `
const net = require('net');
const s = net.createServer((c) => { c.on('error', () => {}); c.setNoDelay(true); c.pipe(c); });
s.listen(0, '127.0.0.1', () => process.stdout.write('LISTENING ' + JSON.stringify({ port: s.address().port, pid: process.pid }) + '\\n'));
process.on('SIGTERM', () => process.exit(0));`;

function start(row) {
  const argv = row.net ? ['-e', NET_SERVER]
    : ['--single-threaded', path.join(ROOT, 'test/fixtures/models-serve.js'), row.model, 'echo',
      JSON.stringify({ address: { port: 0 }, ...row.opts })];
  const proc = PIN ? spawn('taskset', ['-c', '1', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (.*)\n/.exec(out);
      if (m) resolve({ proc, ...JSON.parse(m[1]) });
    });
    proc.on('exit', (c) => reject(new Error(`${row.label} exited ${c}`)));
  });
}

function stop(s) {
  return new Promise((resolve) => {
    s.proc.removeAllListeners('exit');
    s.proc.on('exit', resolve);
    s.proc.kill('SIGTERM');
    setTimeout(() => s.proc.kill('SIGKILL'), 10_000).unref();
  });
}

function descendants(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      const kids = fs.readFileSync(`/proc/${all[i]}/task/${all[i]}/children`, 'utf8').trim();
      if (kids) all.push(...kids.split(/\s+/).map(Number));
    } catch { /* gone */ }
  }
  return all;
}

/** PSS (kB) of the server and every process under it: shared pages counted once. */
function pss(pid) {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch { /* gone */ }
  }
  return kb;
}

/** CPU seconds (user + system) used by the server and its processes so far. */
function cpu(pid) {
  let ticks = 0;
  for (const p of descendants(pid)) {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return ticks / 100;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function load(port, c) {
  const lgArgs = ['127.0.0.1', String(port), String(c), String(MS), String(SIZE)];
  const out = PIN ? execFileSync('taskset', ['-c', '0', LG, ...lgArgs], { encoding: 'utf8', timeout: MS + 60_000 })
    : execFileSync(LG, lgArgs, { encoding: 'utf8', timeout: MS + 60_000 });
  const [n, secs, p50, p99, errors] = out.trim().split(/\s+/).map(Number);
  return { rps: n / secs, p50, p99, errors };
}

async function idle(s, n) {
  await sleep(1000); // let the heap settle after the load runs
  const base = pss(s.pid);
  const socks = [];
  for (let i = 0; i < n; i++) {
    socks.push(await new Promise((resolve, reject) => {
      const c = net.connect(s.port, '127.0.0.1', () => resolve(c));
      c.on('error', reject);
    }));
  }
  // Each idle client has said something once, as a real one would (an event model then owns a session).
  await Promise.all(socks.map((c) => new Promise((resolve) => { c.once('data', resolve); c.write('x'); })));
  await sleep(1000);
  const held = pss(s.pid);
  const c0 = cpu(s.pid);
  await sleep(1000);
  const idleCpu = cpu(s.pid) - c0;
  for (const c of socks) c.destroy();
  return { kbPer1000: ((held - base) * 1000) / n, idleCpu };
}

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };

(async () => {
  // Rounds over all rows, each cell the median of its rounds: the machine is shared and noisy.
  const samples = new Map(ROWS.map((r) => [r.label, { label: r.label, runs: {}, idle: null, idleN: r.idle }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of ROWS) {
      const r = samples.get(row.label);
      const s = await start(row);
      await sleep(200);
      try {
        load(s.port, 1); // warm-up (JIT)
        for (const c of row.conc) {
          const x = load(s.port, c);
          (r.runs[c] ??= []).push(x);
          process.stderr.write(`round ${round + 1} ${row.label} c=${c}: ${Math.round(x.rps)} req/s p99 ${x.p99} us\n`);
        }
        if (round === 0) {
          if (row.idle) r.idle = await idle(s, row.idle);
          else {
            const c0 = cpu(s.pid);
            await sleep(1000);
            r.idle = { kbPer1000: null, idleCpu: cpu(s.pid) - c0 };
          }
        }
      } finally {
        await stop(s);
      }
    }
  }
  const results = [...samples.values()].map((r) => ({
    ...r,
    runs: Object.fromEntries(Object.entries(r.runs).map(([c, xs]) => [c, {
      rps: median(xs.map((x) => x.rps)), p99: median(xs.map((x) => x.p99)), errors: xs.reduce((a, x) => a + x.errors, 0),
    }])),
  }));
  fs.rmSync(tmp, { recursive: true, force: true });
  printTable(results);
  if (SVG) {
    fs.writeFileSync(path.resolve(SVG), svg(results));
    process.stderr.write(`wrote ${SVG}\n`);
  }
  fs.writeFileSync(path.join(os.tmpdir(), 'pk-models-bench.json'), JSON.stringify(results));
})().catch((e) => { console.error(e); process.exit(1); });

function cell(run) {
  if (!run) return '-';
  return `${Math.round(run.rps).toLocaleString('en-US')} / ${run.p99 >= 1000 ? `${(run.p99 / 1000).toFixed(1)} ms` : `${run.p99} us`}${run.errors ? ' (!)' : ''}`;
}

function printTable(results) {
  const lines = [
    `echo, ${SIZE}-byte ping-pong, persistent connections, median of ${ROUNDS} rounds of ${MS} ms, loopback, ` +
      `${os.cpus().length} CPUs${PIN ? ' (server pinned to CPU 1, load generator to CPU 0)' : ''}, Node ${process.version}`,
    '',
    '| model | c=1 req/s / p99 | c=64 (or 16) | c=1000 | PSS per 1,000 idle conns | idle CPU (1 s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const mid = r.runs[64] ?? r.runs[16];
    const mem = r.idle?.kbPer1000 == null ? 'n/a (concurrency capped)'
      : `${(r.idle.kbPer1000 / 1024).toFixed(1)} MB${r.idleN !== 1000 ? ` (from ${r.idleN})` : ''}`;
    lines.push(`| ${r.label} | ${cell(r.runs[1])} | ${cell(mid)} | ${cell(r.runs[1000])} | ${mem} | ${r.idle ? `${(r.idle.idleCpu * 100).toFixed(0)}%` : '-'} |`);
  }
  console.log(lines.join('\n'));
}

// A hand-written SVG: grouped bars of throughput per model at each concurrency.
function svg(results) {
  const W = 900, rowH = 26, top = 50, left = 190, barMax = W - left - 120;
  const conc = [1, 64, 1000];
  const colors = { 1: '#8fb3d9', 64: '#2f6fb0', 1000: '#173a5e' };
  const max = Math.max(...results.flatMap((r) => Object.values(r.runs).map((x) => x.rps)));
  const H = Math.round(top + results.length * rowH * 1.6 + 40);
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">posixkit models: echo throughput (req/s, 64-byte ping-pong, loopback)</text>`];
  conc.forEach((c, i) => out.push(`<rect x="${left + i * 130}" y="30" width="12" height="12" fill="${colors[c]}"/><text x="${left + i * 130 + 16}" y="40">c=${c === 64 ? '64 (16)' : c}</text>`));
  results.forEach((r, i) => {
    const y = Math.round(top + i * rowH * 1.6);
    out.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(r.label)}</text>`);
    let k = 0;
    for (const c of conc) {
      const run = r.runs[c] ?? (c === 64 ? r.runs[16] : undefined);
      if (!run) continue;
      const w = Math.max(1, (run.rps / max) * barMax);
      out.push(`<rect x="${left}" y="${y + k * 9}" width="${w.toFixed(1)}" height="8" fill="${colors[c]}"/>`);
      out.push(`<text x="${(left + w + 4).toFixed(1)}" y="${(y + k * 9 + 8).toFixed(1)}" font-size="9">${Math.round(run.rps).toLocaleString('en-US')}</text>`);
      k++;
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
