#!/usr/bin/env node
// Holds N idle connections (default 10,000) on an event model plus a stream of
// active echo clients, and prints the server's PSS and fd count. Raise
// RLIMIT_NOFILE first if needed (ulimit -n; each side needs N fds).
//   node scripts/bench/models-idle.js [model=epoll-et] [N=10000]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const model = process.argv[2] ?? 'epoll-et';
const N = Number(process.argv[3] ?? 10_000);
const ROOT = path.resolve(__dirname, '../..');
const pss = (pid) => Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);

const proc = spawn(process.execPath, ['--single-threaded', path.join(ROOT, 'test/fixtures/models-serve.js'), model, 'echo',
  JSON.stringify({ address: { port: 0 } })], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
proc.stdout.on('data', async (d) => {
  out += d;
  const m = /LISTENING (.*)\n/.exec(out);
  if (!m || proc.started) return;
  proc.started = true;
  const { port, pid } = JSON.parse(m[1]);
  const base = pss(pid);
  const socks = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    socks.push(await new Promise((res, rej) => { const s = net.connect(port, '127.0.0.1', () => res(s)); s.on('error', rej); }));
  }
  console.log(`${model}: ${N} idle connections open in ${Date.now() - t0} ms; server fds ${fs.readdirSync(`/proc/${pid}/fd`).length}`);
  let ok = 0;
  await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise((res) => {
    const c = net.connect(port, '127.0.0.1', () => c.end(`active ${i}`));
    let got = '';
    c.on('data', (x) => { got += x; });
    c.on('end', () => { if (got === `active ${i}`) ok++; res(); });
    c.on('error', res);
  })));
  console.log(`200 active clients served alongside: ${ok}/200; PSS ${(base / 1024).toFixed(1)} MB -> ${(pss(pid) / 1024).toFixed(1)} MB (${((pss(pid) - base) / N).toFixed(2)} kB per idle connection)`);
  for (const s of socks) s.destroy();
  proc.kill('SIGTERM');
});
proc.on('exit', (c) => process.exit(c ?? 1));
