#!/usr/bin/env node
// posixkit/coroutine costs, each trial in its own process:
// 1. switch: Greenlet ping-pong (2 switches per round) vs the bare generator
//    next() it is built on, and vs a Python 3 generator ping-pong (send()).
// 2. echo: the hub's cooperative echo server vs Node's net echo server, both
//    driven by the same load generator (a separate node process with net):
//    C connections, each doing R round trips of 64 bytes.
//   node scripts/bench/coroutine.js [conns=64] [rounds=2000]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const CONNS = Number(process.argv[2] || 64);
const ROUNDS = Number(process.argv[3] || 2000);
const SWITCHES = 1_000_000;

function runJs(code, args = []) {
  const r = spawnSync(process.execPath, ['-e', code, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const greenletTrial = `
const co = require('./dist/coroutine');
let n = 0;
const N = ${SWITCHES};
const a = new co.Greenlet(function* () { for (;;) { if (++n >= N) return; yield* b.switch(); } });
const b = new co.Greenlet(function* () { for (;;) { ++n; yield* a.switch(); } });
const t = process.hrtime.bigint(); a.switch();
console.log(JSON.stringify(Number(process.hrtime.bigint() - t) / N));`;

const generatorTrial = `
function* g() { let x = 0; for (;;) x += yield x; }
const it = g(); it.next();
const N = ${SWITCHES};
const t = process.hrtime.bigint(); let s = 0;
for (let i = 0; i < N; i++) s += it.next(1).value;
console.log(JSON.stringify(Number(process.hrtime.bigint() - t) / N + (s < 0 ? 1 : 0)));`;

const pyTrial = `
import time, json
def g():
    x = 0
    while True:
        x += yield x
it = g(); next(it)
N = ${SWITCHES}
t = time.perf_counter_ns()
for _ in range(N): it.send(1)
print(json.dumps((time.perf_counter_ns() - t) / N))`;

const hubServer = `
const co = require('./dist/coroutine');
const s = co.listen(['127.0.0.1', 0], 1024);
co.spawn(function* () {
  for (;;) {
    const [c] = yield* s.accept();
    co.spawn(function* () {
      const buf = Buffer.allocUnsafe(4096);
      for (;;) { const n = yield* c.recv_into(buf); if (n === 0) break; yield* c.sendall(buf.subarray(0, n)); }
      c.close();
    });
  }
});
console.log(s.getsockname()[1]);
co.run();`;

const netServer = `
const net = require('net');
const srv = net.createServer((c) => { c.on('data', (d) => c.write(d)); c.on('error', () => {}); });
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));`;

const loadgen = `
const net = require('net');
const [port, conns, rounds] = process.argv.slice(1).map(Number);
const msg = Buffer.alloc(64, 120);
const lat = [];
let left = conns;
const t0 = process.hrtime.bigint();
for (let i = 0; i < conns; i++) {
  const c = net.connect(port, '127.0.0.1');
  c.setNoDelay(true);
  let n = 0, got = 0, sent;
  c.on('connect', () => { sent = process.hrtime.bigint(); c.write(msg); });
  c.on('data', (d) => {
    got += d.length;
    while (got >= 64) {
      got -= 64; n++;
      lat.push(Number(process.hrtime.bigint() - sent) / 1e3);
      if (n === rounds) { c.end(); if (--left === 0) done(); return; }
      sent = process.hrtime.bigint(); c.write(msg);
    }
  });
}
function done() {
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ rps: conns * rounds / secs, p99: lat[Math.floor(lat.length * 0.99)] }));
}`;

async function echoTrial(serverCode) {
  const srv = spawn(process.execPath, ['-e', serverCode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res) => srv.stdout.once('data', (d) => res(Number(String(d).trim()))));
  try {
    return runJs(loadgen, [String(port), String(CONNS), String(ROUNDS)]);
  } finally {
    srv.kill('SIGKILL');
  }
}

(async () => {
  const gl = runJs(greenletTrial);
  const gen = runJs(generatorTrial);
  const py = spawnSync('python3', ['-c', pyTrial], { encoding: 'utf8' });
  console.log(`switch (ns per switch, ${SWITCHES} switches):`);
  console.log(`  posixkit Greenlet.switch   ${gl.toFixed(1)}`);
  console.log(`  bare JS generator next()   ${gen.toFixed(1)}  (baseline: the mechanism underneath)`);
  if (py.status === 0) console.log(`  Python generator send()    ${Number(py.stdout).toFixed(1)}  (baseline: CPython)`);
  const hub = await echoTrial(hubServer);
  const net = await echoTrial(netServer);
  console.log(`echo, ${CONNS} connections x ${ROUNDS} round trips of 64 bytes (same node load generator):`);
  console.log(`  posixkit hub (epoll_wait)  ${Math.round(hub.rps)} req/s, p99 ${hub.p99.toFixed(0)} us`);
  console.log(`  node net (libuv)           ${Math.round(net.rps)} req/s, p99 ${net.p99.toFixed(0)} us  (baseline)`);
})().catch((e) => { console.error(e); process.exit(1); });
