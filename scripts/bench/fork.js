#!/usr/bin/env node
// fork + _exit + waitpid latency: posixkit (bare node, and with ~100 MB of JS
// heap), Python's os.fork at the same two sizes, and a C program with the
// same resident size as each node case (the physical limit: fork copies page
// tables, so its cost grows with RSS). Every trial runs in its own process.
//   node scripts/bench/fork.js [iterations=300]
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const N = Number(process.argv[2] || 300);
const HEAP_MB = 100;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-bench-fork-'));

const nodeTrial = `
const pk = require(${JSON.stringify(path.join(ROOT, 'dist/os.js'))});
const mb = Number(process.argv[2]);
const keep = [];
for (let i = 0; i < mb; i++) keep.push(new Float64Array(131072).fill(i)); // 1 MB each, touched
const once = () => { const pid = pk.fork(); if (pid === 0) pk._exit(0); pk.waitpid(pid, 0); };
for (let i = 0; i < 20; i++) once();
const times = [];
for (let i = 0; i < ${N}; i++) { const t = process.hrtime.bigint(); once(); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
const rss = Number(require('fs').readFileSync('/proc/self/status', 'utf8').match(/VmRSS:\\s+(\\d+)/)[1]) * 1024;
console.log(JSON.stringify({ times, rss, keep: keep.length }));`;

const pyTrial = `
import os, sys, time, json
mb = int(sys.argv[1])
keep = bytearray(mb * 1024 * 1024)
for i in range(0, len(keep), 4096): keep[i] = 1
def once():
    pid = os.fork()
    if pid == 0: os._exit(0)
    os.waitpid(pid, 0)
for _ in range(20): once()
times = []
for _ in range(${N}):
    t = time.perf_counter(); once(); times.append((time.perf_counter() - t) * 1e3)
rss = int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]) * 1024
print(json.dumps({"times": times, "rss": rss}))`;

const cSrc = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static void once(void) { pid_t p = fork(); if (p == 0) _exit(0); int s; waitpid(p, &s, 0); }
int main(int argc, char** argv) {
  long bytes = atol(argv[1]); int n = atoi(argv[2]);
  char* mem = malloc(bytes); memset(mem, 1, bytes);
  for (int i = 0; i < 20; i++) once();
  printf("{\\"times\\":[");
  for (int i = 0; i < n; i++) { double t = now(); once(); printf("%s%.4f", i ? "," : "", now() - t); }
  printf("],\\"touched\\":%d}\\n", mem[bytes - 1]);
  return 0;
}`;

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)] };
}

fs.writeFileSync(path.join(tmp, 'trial.js'), nodeTrial);
fs.writeFileSync(path.join(tmp, 'trial.py'), pyTrial);
fs.writeFileSync(path.join(tmp, 'trial.c'), cSrc);
execFileSync('gcc', ['-O2', '-o', path.join(tmp, 'trial'), path.join(tmp, 'trial.c')]);

const run = (cmd, args) => JSON.parse(spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
const rows = [];
for (const mb of [0, HEAP_MB]) {
  const n = run(process.execPath, ['--single-threaded', path.join(tmp, 'trial.js'), String(mb)]);
  const py = run('python3', [path.join(tmp, 'trial.py'), String(mb)]);
  // C with the resident size of the node process (minus what a bare C process has).
  const c = run(path.join(tmp, 'trial'), [String(n.rss), String(N)]);
  rows.push({ label: mb ? `~${mb} MB heap` : 'bare', node: stats(n.times), nodeRss: n.rss, py: stats(py.times), pyRss: py.rss, c: stats(c.times) });
}
fs.rmSync(tmp, { recursive: true });

const f = (x) => x.toFixed(3).padStart(8);
console.log(`fork + _exit + waitpid, ${N} iterations each, median (p90) in ms; node ${process.version}, ${os.cpus().length} cores`);
console.log('case            RSS(node)  posixkit            python3             C (same RSS)        pk/py  pk/C');
for (const r of rows) {
  console.log(`${r.label.padEnd(15)} ${(r.nodeRss / 2 ** 20).toFixed(0).padStart(5)} MB  ${f(r.node.median)} (${f(r.node.p90)})  ${f(r.py.median)} (${f(r.py.p90)})  ${f(r.c.median)} (${f(r.c.p90)})  ${(r.node.median / r.py.median).toFixed(2).padStart(5)}  ${(r.node.median / r.c.median).toFixed(2).padStart(5)}`);
}
console.log('python3 RSS: ' + rows.map((r) => `${r.label} ${(r.pyRss / 2 ** 20).toFixed(0)} MB`).join(', '));
