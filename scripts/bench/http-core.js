#!/usr/bin/env node
// Per-request cost of the pure HTTP core, no sockets: pipelined keep-alive
// GETs fed in 16 KiB chunks, responses drained with takeOutput(). Baseline in
// the same run: Node's own llhttp parser (the one node:http uses) plus a
// minimal handler doing stat + readFile + a response head, which is the least
// a Node static server does per request (no traversal checks, no limits).
// Every trial runs in its own process; the best of TRIALS is reported.
//   npx tsc -p tsconfig.build.json && node scripts/bench/http-core.js [requests=50000] [trials=3]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const N = Number(process.argv[2] || 50000);
const TRIALS = Number(process.argv[3] || 3);
const site = path.join(ROOT, 'examples/site');

const common = `
const N = ${N};
const req = (t) => 'GET ' + t + ' HTTP/1.1\\r\\nHost: localhost\\r\\nUser-Agent: bench\\r\\nAccept: */*\\r\\n\\r\\n';
const target = process.argv[2];
const input = Buffer.from(req(target).repeat(64));
const reqsPerChunkSet = 64;
function time(run) {
  for (let i = 0; i < 500 / reqsPerChunkSet; i++) run();          // warm-up
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (n < N) { n += run(); }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ rps: n / s, usPerReq: s * 1e6 / n }));
}
`;

const coreTrial = common + `
const http = require(${JSON.stringify(path.join(ROOT, 'dist/http/index.js'))});
const core = new http.HttpCore({ root: ${JSON.stringify(site)}, routes: http.demoRoutes({ startedMs: 0, requests: () => 0 }),
  maxRequestsPerConnection: 1e12, fileCacheMs: Number(process.argv[3] || 0) });
const conn = core.createConnection();
time(() => {
  for (let off = 0; off < input.length; off += 16384) {
    conn.feed(input.subarray(off, off + 16384));
    for (let out = conn.takeOutput(); out; out = conn.takeOutput()) for (const o of out) if (o.fd !== undefined) http.releaseOutput(o);
  }
  return reqsPerChunkSet;
});
// Every request must have been answered, or the figure is meaningless.
if (core.requests < N || conn.wantsClose) throw new Error('core answered ' + core.requests + ' of ' + N);
`;

const nodeTrial = common + `
const { HTTPParser, methods } = require('_http_common');
const fs = require('fs');
const root = ${JSON.stringify(site)};
const parser = new HTTPParser();
parser.initialize(HTTPParser.REQUEST, {});
let done = 0;
const outs = [];
parser[HTTPParser.kOnHeadersComplete] = (maj, min, headers, method, url) => {
  const p = root + decodeURIComponent(url.split('?')[0]);
  const st = fs.statSync(p.endsWith('/') ? p + 'index.html' : p);
  const body = fs.readFileSync(p.endsWith('/') ? p + 'index.html' : p);
  outs.push(Buffer.from('HTTP/1.1 200 OK\\r\\nDate: ' + new Date().toUTCString() + '\\r\\nContent-Type: text/html\\r\\nContent-Length: ' +
    body.length + '\\r\\nLast-Modified: ' + st.mtime.toUTCString() + '\\r\\n\\r\\n'), body);
  return 0;
};
parser[HTTPParser.kOnMessageComplete] = () => { done++; };
time(() => {
  for (let off = 0; off < input.length; off += 16384) { parser.execute(input.subarray(off, off + 16384)); outs.length = 0; }
  return reqsPerChunkSet;
});
if (done < N) throw new Error('baseline answered ' + done + ' of ' + N);
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-http-'));
const files = { core: path.join(tmp, 'core.js'), node: path.join(tmp, 'node.js') };
fs.writeFileSync(files.core, coreTrial);
fs.writeFileSync(files.node, nodeTrial);

function best(file, target, cacheMs = 0) {
  let top = null;
  for (let i = 0; i < TRIALS; i++) {
    const r = spawnSync(process.execPath, [file, target, String(cacheMs)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const v = JSON.parse(r.stdout.trim().split('\n').pop());
    if (!top || v.rps > top.rps) top = v;
  }
  return top;
}

const rows = [];
const size = fs.statSync(path.join(site, 'index.html')).size;
rows.push(['node llhttp + stat/readFile (baseline)', `/index.html (${size} B)`, best(files.node, '/index.html')]);
rows.push(['posixkit/http core', `/index.html (${size} B)`, best(files.core, '/index.html')]);
rows.push(['posixkit/http core, fileCacheMs 1000', `/index.html (${size} B)`, best(files.core, '/index.html', 1000)]);
rows.push(['posixkit/http core', '/ (index via directory)', best(files.core, '/')]);
rows.push(['posixkit/http core', '/api/time (JSON route)', best(files.core, '/api/time')]);
rows.push(['posixkit/http core', '/missing (404)', best(files.core, '/missing')]);
fs.rmSync(tmp, { recursive: true, force: true });

console.log(`HTTP core, ${N} pipelined keep-alive requests per trial, best of ${TRIALS}, node ${process.version}, ${os.cpus().length} CPUs`);
console.log('| handler | target | requests/s | us/request |');
console.log('|---|---|---:|---:|');
for (const [h, t, v] of rows) console.log(`| ${h} | ${t} | ${Math.round(v.rps).toLocaleString('en-US')} | ${v.usPerReq.toFixed(2)} |`);
