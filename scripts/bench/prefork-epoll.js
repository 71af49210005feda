#!/usr/bin/env node
// prefork-epoll against node:cluster running the same HTTP handler, both with
// N workers (default: CPU count), in interleaved rounds: requests/s (wrk
// keep-alive), PSS per worker and of the parent (/proc/<pid>/smaps_rollup,
// after the load), and the time from spawning the server until every worker
// has answered a request. The handler keeps "warm state": a table built when
// the module loads (a parsed config, a cache). posixkit builds it once in the
// parent and forks (the workers share it copy-on-write); node:cluster spawns
// fresh processes that each build their own. Writes docs/bench-prefork-epoll.md.
//   npm run build:ts && node scripts/bench/prefork-epoll.js [seconds=5] [connections=64] [rounds=3] [workers=CPUs]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const SECONDS = Number(process.argv[2] || 5);
const CONNS = Number(process.argv[3] || 64);
const ROUNDS = Number(process.argv[4] || 3);
const WORKERS = Number(process.argv[5] || os.availableParallelism());
const TABLE_ENTRIES = 300_000;

const WRK = spawnSync('wrk', ['--version']).error ? null : 'wrk';
if (!WRK) { console.error('wrk is not installed: apt-get install wrk'); process.exit(2); }
if (!fs.existsSync(path.join(ROOT, 'dist/models/prefork-epoll.js'))) { console.error('build first: npm run build:ts'); process.exit(2); }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-prefork-'));
// The shared handler: warm state built at load, a fixed body per request.
fs.writeFileSync(path.join(tmp, 'handler.js'), `
const table = new Map();
for (let i = 0; i < ${TABLE_ENTRIES}; i++) table.set('key' + i, { id: i, name: 'entry ' + i, tags: ['a', 'b'] });
exports.BODY = Buffer.from('hello from a worker\\n');
exports.lookup = (k) => table.get(k);
`);
fs.writeFileSync(path.join(tmp, 'posixkit.js'), `
require(${JSON.stringify(path.join(ROOT, 'dist/forkable.js'))});
const { serveHttp } = require(${JSON.stringify(path.join(ROOT, 'dist/http/index.js'))});
const { Router } = require(${JSON.stringify(path.join(ROOT, 'dist/http/routes.js'))});
const h = require('./handler.js');
const routes = new Router()
  .get('/hello', () => ({ body: h.lookup('key42') ? h.BODY : '', headers: [['Content-Type', 'text/plain']] }))
  .get('/pid', () => ({ body: String(process.pid), headers: [['Content-Type', 'text/plain']] }));
const o = JSON.parse(process.argv[2]);
serveHttp({ model: 'prefork-epoll', ...o, routes, address: { host: '127.0.0.1', port: 0 }, onError: () => {},
  onListening: (i) => process.stdout.write('PORT ' + i.port + '\\n') });
`);
fs.writeFileSync(path.join(tmp, 'cluster.js'), `
const cluster = require('node:cluster');
const http = require('node:http');
const n = Number(process.argv[2]);
if (cluster.isPrimary) {
  let up = 0;
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('listening', (w, a) => { if (++up === n) process.stdout.write('PORT ' + a.port + '\\n'); });
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
} else {
  const h = require('./handler.js');
  const s = http.createServer((req, res) => {
    const body = req.url === '/pid' ? String(process.pid) : h.lookup('key42') ? h.BODY : '';
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(body);
  });
  s.keepAliveTimeout = 75000;
  s.listen(0, '127.0.0.1');
}
`);

function start(argv) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, argv, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  child.stderr.on('data', (b) => { out += b; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`did not start: ${out}`)); }, 30000);
    child.stdout.on('data', () => {
      const m = /PORT (\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve({ child, port: Number(m[1]), t0 }); }
    });
    child.on('exit', (c) => { clearTimeout(t); reject(new Error(`exited ${c}: ${out}`)); });
  });
}

function get(port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(b));
    });
    req.on('error', () => resolve(null));
  });
}

/** Milliseconds from spawn until `n` distinct worker pids have answered (a new connection per request). */
async function timeToAllServing(s, n) {
  const seen = new Set();
  for (let i = 0; i < 2000 && seen.size < n; i++) {
    const pid = await get(s.port, '/pid');
    if (pid) seen.add(pid);
  }
  return Number(process.hrtime.bigint() - s.t0) / 1e6;
}

function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}
function pssKb(pid) {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
  } catch { return NaN; }
}

function socketsOf(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).filter((f) => {
      try { return fs.readlinkSync(`/proc/${pid}/fd/${f}`).startsWith('socket:'); } catch { return false; }
    }).length;
  } catch { return 0; }
}

/** wrk's requests/s, and how the connections were spread over the workers halfway through. */
function wrk(port, workers) {
  return new Promise((resolve) => {
    const c = spawn(WRK, ['-t1', `-c${CONNS}`, `-d${SECONDS}s`, `http://127.0.0.1:${port}/hello`]);
    let out = '';
    let spread = [];
    c.stdout.on('data', (b) => { out += b; });
    const t = setTimeout(() => { spread = workers.map(socketsOf); }, SECONDS * 500);
    c.on('exit', () => {
      clearTimeout(t);
      resolve({ rps: Number((/Requests\/sec:\s+([\d.]+)/.exec(out) || [])[1] || NaN), spread });
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const k = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.on('exit', () => { clearTimeout(k); resolve(); });
    child.kill('SIGTERM');
  });
}

async function measure(label, argv) {
  const s = await start(argv);
  try {
    const readyMs = await timeToAllServing(s, WORKERS);
    spawnSync(WRK, ['-t1', '-c8', '-d1s', `http://127.0.0.1:${s.port}/hello`], { timeout: 20000 });
    const workers = childrenOf(s.child.pid);
    const { rps, spread } = await wrk(s.port, workers);
    const pss = workers.map(pssKb);
    const row = { label, rps, spread, readyMs, workerPssKb: pss.reduce((a, b) => a + b, 0) / pss.length, parentPssKb: pssKb(s.child.pid), workers: workers.length };
    console.log(`${label.padEnd(40)} ${String(Math.round(rps)).padStart(7)} req/s  all ${row.workers} workers serve after ${readyMs.toFixed(0)} ms  PSS/worker ${(row.workerPssKb / 1024).toFixed(1)} MB  parent ${(row.parentPssKb / 1024).toFixed(1)} MB  sockets per worker ${spread.join('/')}`);
    return row;
  } finally {
    await stop(s.child);
  }
}

(async () => {
  const servers = [
    ['posixkit prefork-epoll (SO_REUSEPORT)', ['--single-threaded', 'posixkit.js', JSON.stringify({ workers: WORKERS, reusePort: true })]],
    ['posixkit prefork-epoll (EPOLLEXCLUSIVE)', ['--single-threaded', 'posixkit.js', JSON.stringify({ workers: WORKERS, reusePort: false })]],
    ['node:cluster', ['cluster.js', String(WORKERS)]],
  ];
  const load0 = os.loadavg()[0];
  const all = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`-- round ${round} of ${ROUNDS}`);
    for (const [label, argv] of servers) {
      const r = await measure(label, argv);
      if (!all.has(label)) all.set(label, []);
      all.get(label).push(r);
    }
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const rows = [...all].map(([label, rs]) => ({
    label, rps: med(rs.map((r) => r.rps)), readyMs: med(rs.map((r) => r.readyMs)),
    workerPssKb: med(rs.map((r) => r.workerPssKb)), parentPssKb: med(rs.map((r) => r.parentPssKb)), rounds: rs,
  }));
  const cl = rows.find((r) => r.label === 'node:cluster');
  const mb = (kb) => (kb / 1024).toFixed(1);
  const lines = [
    '# prefork-epoll against node:cluster',
    '',
    `\`node scripts/bench/prefork-epoll.js ${SECONDS} ${CONNS} ${ROUNDS} ${WORKERS}\`: ${WORKERS} workers each, the same handler (a fixed`,
    `${'`'}text/plain${'`'} body after a lookup in a ${TABLE_ENTRIES.toLocaleString('en-US')}-entry table built when the handler module loads),`,
    `wrk \`-t1 -c${CONNS} -d${SECONDS}s\` keep-alive on \`/hello\` after a 1 s warm-up, ${ROUNDS} interleaved rounds, medians.`,
    'No CPU pinning: the workers use both CPUs and share them with wrk, so both servers are loaded the same way.',
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0].model}), ` +
      (Math.max(load0, os.loadavg()[0]) > os.cpus().length + 1.5 ? '**shared with other jobs and loaded while this ran**' : 'quiet apart from this benchmark') +
      ` (load average ${load0.toFixed(1)} at the start,`,
    `${os.loadavg()[0].toFixed(1)} at the end): compare rows of this run only; Node ${process.version}.`,
    '',
    '- *all serving*: from spawning the server process until every worker has answered a request (a new',
    '  connection per probe, until N distinct pids answered).',
    '- *PSS*: proportional set size from `/proc/<pid>/smaps_rollup` after the load: pages shared by k processes',
    '  count 1/k to each, so the sum over a server\'s processes is the memory it really costs.',
    '',
    '| server | requests/s | vs node:cluster | all serving (ms) | PSS per worker (MB) | PSS parent (MB) | total PSS (MB) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${Math.round(r.rps).toLocaleString('en-US')} | ${cl ? (r.rps / cl.rps).toFixed(2) + 'x' : '-'} | ${r.readyMs.toFixed(0)} | ${mb(r.workerPssKb)} | ${mb(r.parentPssKb)} | ${mb(r.workerPssKb * WORKERS + r.parentPssKb)} |`),
    '',
    `Every round: requests/s, and the sockets each worker held halfway through the load (${CONNS} connections`,
    'plus its listening socket and, for posixkit, the epoll fd and stop pipe: the spread of the keep-alive connections).',
    '',
    `| server | ${Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`).join(' | ')} |`,
    `|---|${'---:|'.repeat(ROUNDS)}`,
    ...rows.map((r) => `| ${r.label} | ${r.rounds.map((x) => `${Math.round(x.rps).toLocaleString('en-US')} (${x.spread.join('/')})`).join(' | ')} |`),
    '',
    'How to read the memory columns: a posixkit worker is forked from a parent that already loaded the',
    'handler and built its table, so the worker shares those pages copy-on-write until its own heap writes',
    'them (V8\'s young generation and the objects the collector moves: the sharing is partial); a cluster',
    'worker is a fresh process that builds everything again. The posixkit parent is a whole Node process',
    'holding the same heap, where the cluster primary is a small one, so at 2 workers the totals are close;',
    'each further worker costs what a worker costs, so the totals part as workers are added.',
    '',
  ];
  fs.writeFileSync(path.join(ROOT, 'docs/bench-prefork-epoll.md'), lines.join('\n'));
  console.log('\nwrote docs/bench-prefork-epoll.md');
  fs.rmSync(tmp, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
