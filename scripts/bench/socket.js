#!/usr/bin/env node
// Benchmark of posixkit/socket against C and Node's net, in one run:
//  - stream throughput: 64 KiB sends, SOCKET_BENCH_BYTES in total (default 1 GiB),
//  - 1-byte ping-pong round trips: SOCKET_BENCH_ROUNDS (default 100,000),
// over AF_UNIX and TCP loopback. Each trial runs in its own process; every
// trial is a listener whose peer is a second process (posixkit: fork();
// C: fork(); Node: a second node process started by child_process.fork).
// The receiving/pinging side times the loop.
//
//   npm run build && node --single-threaded scripts/bench/socket.js
//   SOCKET_BENCH_BYTES=268435456 SOCKET_BENCH_ROUNDS=20000 node --single-threaded scripts/bench/socket.js
//   env: SOCKET_BENCH_BYTES, SOCKET_BENCH_ROUNDS, SOCKET_BENCH_TRIALS (3), SOCKET_BENCH_ONLY (test:transport,...)
'use strict';
const { execFileSync, fork: cpFork } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const CHUNK = 64 * 1024;
const BYTES = Number(process.env.SOCKET_BENCH_BYTES || 1024 ** 3);
const ROUNDS = Number(process.env.SOCKET_BENCH_ROUNDS || 100_000);
const TRIALS = Number(process.env.SOCKET_BENCH_TRIALS || 3);
// e.g. SOCKET_BENCH_ONLY=stream:unix,pingpong:tcp
const ONLY = process.env.SOCKET_BENCH_ONLY ? process.env.SOCKET_BENCH_ONLY.split(',') : null;
const dist = path.resolve(__dirname, '../../dist');

function tmpPath(tag) {
  return path.join(os.tmpdir(), `pk-bench-${tag}-${process.pid}.sock`);
}

// ---- trials (run in a fresh process each) ------------------------------------------

function posixkitTrial(test, transport) {
  const socket = require(path.join(dist, 'socket'));
  const pkos = require(path.join(dist, 'os'));
  const tcp = transport === 'tcp';
  const addr = tcp ? ['127.0.0.1', 0] : tmpPath('pk');
  if (!tcp) fs.rmSync(addr, { force: true });
  const srv = socket.create_server(addr, { family: tcp ? socket.AF_INET : socket.AF_UNIX });
  const where = srv.getsockname();
  const pid = pkos.fork();
  if (pid === 0) {
    srv.close();
    const c = socket.socket(tcp ? socket.AF_INET : socket.AF_UNIX);
    c.connect(where);
    if (tcp) c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
    const buf = Buffer.alloc(CHUNK, 'x');
    if (test === 'stream') {
      for (let sent = 0; sent < BYTES; sent += CHUNK) c.sendall(buf);
    } else {
      const one = buf.subarray(0, 1);
      for (let i = 0; i < ROUNDS; i++) {
        if (c.recv_into(one) !== 1) pkos._exit(3);
        c.sendall(one);
      }
    }
    c.close();
    pkos._exit(0);
  }
  const [conn] = srv.accept();
  if (tcp) conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1);
  const buf = Buffer.alloc(CHUNK);
  const t0 = process.hrtime.bigint();
  if (test === 'stream') {
    let got = 0;
    while (got < BYTES) {
      const n = conn.recv_into(buf);
      if (n === 0) throw new Error('early EOF');
      got += n;
    }
  } else {
    const one = buf.subarray(0, 1);
    for (let i = 0; i < ROUNDS; i++) {
      conn.sendall(one);
      if (conn.recv_into(one) !== 1) throw new Error('early EOF');
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  pkos.waitpid(pid, 0);
  conn.close();
  srv.close();
  if (!tcp) fs.rmSync(addr, { force: true });
  return { seconds };
}

async function nodeTrial(test, transport) {
  const tcp = transport === 'tcp';
  const server = net.createServer();
  const listenArg = tcp ? { host: '127.0.0.1', port: 0 } : { path: tmpPath('node') };
  if (!tcp) fs.rmSync(listenArg.path, { force: true });
  await new Promise((r) => server.listen(listenArg, r));
  const where = tcp ? { host: '127.0.0.1', port: server.address().port } : { path: listenArg.path };
  const peer = cpFork(__filename, ['--node-peer', test, JSON.stringify(where)], { stdio: 'inherit' });
  const [conn] = await new Promise((r) => server.once('connection', (c) => r([c])));
  conn.setNoDelay(true);
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => {
    if (test === 'stream') {
      let got = 0;
      conn.on('data', (d) => { got += d.length; if (got >= BYTES) resolve(); });
    } else {
      const one = Buffer.from('x');
      let i = 0;
      conn.on('data', () => { if (++i >= ROUNDS) resolve(); else conn.write(one); });
      conn.write(one);
    }
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  conn.destroy();
  await new Promise((r) => peer.once('exit', r));
  server.close();
  return { seconds };
}

function nodePeer(test, where) {
  const c = net.connect(where, () => {
    c.setNoDelay(true);
    if (test === 'stream') {
      const buf = Buffer.alloc(CHUNK, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < BYTES) {
          sent += CHUNK;
          if (!c.write(buf)) return c.once('drain', pump);
        }
        c.end();
      };
      pump();
    } else {
      c.on('data', (d) => c.write(d));
    }
  });
  c.on('error', () => {});
  c.on('close', () => process.exit(0));
}

// ---- driver -------------------------------------------------------------------------

function compileC() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-c-'));
  const bin = path.join(dir, 'socket_bench');
  execFileSync('gcc', ['-O2', '-o', bin, path.join(__dirname, 'socket.c')]);
  return { bin, dir };
}

function runTrial(impl, test, transport, cbin) {
  const n = test === 'stream' ? BYTES : ROUNDS;
  const out = impl === 'c'
    ? execFileSync(cbin, [test, transport, String(n)], { encoding: 'utf8' })
    : execFileSync(process.execPath, ['--single-threaded', __filename, '--trial', impl, test, transport], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()).seconds;
}

function fmt(test, seconds) {
  return test === 'stream' ? `${(BYTES / seconds / 1e6).toFixed(0)} MB/s` : `${((seconds / ROUNDS) * 1e6).toFixed(2)} µs`;
}

function main() {
  const { bin, dir } = compileC();
  const impls = ['c', 'posixkit', 'node'];
  const rows = [];
  console.log(`posixkit/socket benchmark: ${BYTES} bytes in ${CHUNK}-byte sends; ${ROUNDS} 1-byte round trips; ` +
    `best of ${TRIALS} interleaved trials each; node ${process.version}, ${os.cpus().length} CPUs`);
  for (const test of ['stream', 'pingpong']) {
    for (const transport of ['unix', 'tcp']) {
      if (ONLY && !ONLY.includes(`${test}:${transport}`)) continue;
      // Trials interleave the implementations, so a burst of load from other
      // processes on the machine does not hit one of them only.
      const best = Object.fromEntries(impls.map((i) => [i, Infinity]));
      for (let t = 0; t < TRIALS; t++) {
        for (const impl of impls) best[impl] = Math.min(best[impl], runTrial(impl, test, transport, bin));
      }
      rows.push({ test, transport, ...best });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const header = ['test', 'transport', 'C', 'posixkit', 'node net', 'posixkit/C time', 'node/posixkit time', 'goal'];
  const table = rows.map((r) => [
    r.test === 'stream' ? 'throughput' : 'round trip', r.transport, fmt(r.test, r.c), fmt(r.test, r.posixkit),
    fmt(r.test, r.node), `${(r.posixkit / r.c).toFixed(2)}x`, `${(r.node / r.posixkit).toFixed(2)}x`,
    `${r.test === 'stream' ? '<= 1.20x' : '<= 1.50x'} of C, > 1x vs node: ${
      r.posixkit / r.c <= (r.test === 'stream' ? 1.2 : 1.5) && r.node > r.posixkit ? 'met' : 'MISSED'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of table) console.log(line(row));
}

const argv = process.argv.slice(2);
if (argv[0] === '--trial') {
  const [, impl, test, transport] = argv;
  Promise.resolve(impl === 'posixkit' ? posixkitTrial(test, transport) : nodeTrial(test, transport))
    .then((r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); });
} else if (argv[0] === '--node-peer') {
  nodePeer(argv[1], JSON.parse(argv[2]));
} else {
  main();
}
