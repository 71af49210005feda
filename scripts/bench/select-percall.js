#!/usr/bin/env node
// Where a select()/poll() call spends its time: user (argument conversion,
// result arrays) or system (the kernel's scan), posixkit against Python's
// select module, and against Python with one extra idle thread. N pipes (read
// ends below FD_SETSIZE, write ends moved above it), 100 of them readable and
// never drained, so every call finds the same 100; CPU time per call from
// getrusage over K calls, which the load of other jobs moves far less than
// wall time. Node runs several threads of its own even with
// --single-threaded, and the kernel's fdget() takes a reference on each
// polled file when the fd table is shared by threads (a single-threaded
// process skips it): the "Python + 1 thread" column shows that cost alone.
//   npm run build:ts && node scripts/bench/select-percall.js [calls=5000] [trials=3]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const K = Number(process.argv[2] || 5000);
const TRIALS = Number(process.argv[3] || 3);
const HIGH = 3000; // where write ends go: above FD_SETSIZE, below RLIMIT_NOFILE (raised by the shell below)

const JS = `
const os = require(${JSON.stringify(path.join(ROOT, 'dist/os'))});
const select = require(${JSON.stringify(path.join(ROOT, 'dist/select'))});
const [mode, n, K] = [process.argv[2], +process.argv[3], +process.argv[4]];
const reads = [];
const one = Buffer.from('e');
for (let i = 0; i < n; i++) {
  const [r, w] = os.pipe();
  reads.push(r);
  if (i % (n / 100) === 0) os.write(w, one);
  os.dup2(w, ${HIGH} + i);
  os.close(w);
}
const f = mode === 'select' ? () => select.select(reads, [], [], 1)[0].length
  : ((p) => { for (const fd of reads) p.register(fd, select.POLLIN); return () => p.poll(1000).length; })(select.poll());
for (let i = 0; i < 2000; i++) f();
const c0 = process.cpuUsage();
let s = 0;
for (let i = 0; i < K; i++) s += f();
const c = process.cpuUsage(c0);
if (s !== 100 * K) throw new Error('wrong count ' + s);
console.log(c.user / K, c.system / K, require('fs').readdirSync('/proc/self/task').length);
`;
const PY = `
import os, select, sys, resource
mode, n, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if sys.argv[4] == '1':
    import threading, time
    threading.Thread(target=lambda: time.sleep(1e6), daemon=True).start()
reads = []
for i in range(n):
    r, w = os.pipe(); reads.append(r)
    if i % (n // 100) == 0: os.write(w, b'e')
    os.dup2(w, ${HIGH} + i); os.close(w)
if mode == 'select':
    f = lambda: len(select.select(reads, [], [], 1)[0])
else:
    p = select.poll()
    for fd in reads: p.register(fd, select.POLLIN)
    f = lambda: len(p.poll(1000))
for i in range(2000): f()
r0 = resource.getrusage(resource.RUSAGE_SELF)
s = 0
for i in range(K): s += f()
r1 = resource.getrusage(resource.RUSAGE_SELF)
assert s == 100 * K
print((r1.ru_utime - r0.ru_utime) * 1e6 / K, (r1.ru_stime - r0.ru_stime) * 1e6 / K, len(os.listdir('/proc/self/task')))
`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-select-percall-'));
fs.writeFileSync(path.join(tmp, 'pk.js'), JS);
fs.writeFileSync(path.join(tmp, 'py.py'), PY);

function run(argv) {
  // RLIMIT_NOFILE must cover the write ends moved to HIGH + N.
  const r = spawnSync('sh', ['-c', `ulimit -n ${HIGH + 2000} && exec "$@"`, 'sh', ...argv], { encoding: 'utf8' });
  const [u, s, threads] = (r.stdout || '').trim().split(/\s+/).map(Number);
  if (!Number.isFinite(u)) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return { u, s, threads };
}

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const mode of ['select', 'poll']) {
  for (const n of [100, 1000]) {
    const got = { pk: [], py: [], pyt: [] };
    for (let t = 0; t < TRIALS; t++) {
      got.pk.push(run([process.execPath, '--single-threaded', path.join(tmp, 'pk.js'), mode, n, K]));
      got.py.push(run(['python3', path.join(tmp, 'py.py'), mode, n, K, '0']));
      got.pyt.push(run(['python3', path.join(tmp, 'py.py'), mode, n, K, '1']));
    }
    const m = (k, f) => med(got[k].map((x) => x[f]));
    rows.push({ mode, n, pk: [m('pk', 'u'), m('pk', 's')], py: [m('py', 'u'), m('py', 's')], pyt: [m('pyt', 'u'), m('pyt', 's')], threads: got.pk[0].threads });
    const r = rows[rows.length - 1];
    console.error(`${mode} N=${n}: posixkit ${r.pk.map((x) => x.toFixed(1)).join('/')}, Python ${r.py.map((x) => x.toFixed(1)).join('/')}, Python + thread ${r.pyt.map((x) => x.toFixed(1)).join('/')}`);
  }
}
const f = (x) => x.toFixed(1);
console.log(`CPU µs per call (user / system), median of ${TRIALS} processes x ${K} calls, 100 ready fds of N; load average ${os.loadavg()[0].toFixed(1)}`);
console.log('| call | N | posixkit | Python | Python + 1 idle thread | posixkit threads |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.mode} | ${r.n} | ${f(r.pk[0])} / ${f(r.pk[1])} | ${f(r.py[0])} / ${f(r.py[1])} | ${f(r.pyt[0])} / ${f(r.pyt[1])} | ${r.threads} |`);
fs.rmSync(tmp, { recursive: true, force: true });
