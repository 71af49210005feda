#!/usr/bin/env node
// The classic claim about select, poll and epoll, measured (in the manner of libevent's bench.c):
// N pipes watched, 100 of them made readable per round; time per round of one
// wait plus collecting the ready fds (the reads that drain them follow,
// untimed: they cost the same syscall in every language), for posixkit's
// select, poll, epoll (object API and the zero-allocation poll_raw), the same
// loop in C (compiled here with gcc) and in Python's select module. Every trial runs in its own
// process. Prints a table and writes docs/bench-multiplex.svg.
//
//   npx tsc -p tsconfig.build.json && node scripts/bench/multiplex.js [--quick]
//
// Pipes, not socketpairs: the same pipe(2) in C, Python and posixkit, one fd
// per watched object. N = 10,000 pipes need 20,000
// fds, above this machine's RLIMIT_NOFILE (20,000, hard), so the write ends of
// the idle pipes live in "holder" children forked per batch (the pipes stay
// open and idle, never hung up); only the 100 active write ends stay here.
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const osm = require('node:os');

const ROOT = path.resolve(__dirname, '../..');
const ACTIVE = 100;
const HIGH = 15000;   // where the active write ends are moved, away from the watched range
const IDLE = 12000;   // where a batch's idle write ends wait for their holder child
const BATCH = 2000;   // pipes per holder child

// ---------------------------------------------------------------- trial (JS)

function jsTrial(mode, n, rounds, reps) {
  const os = require(path.join(ROOT, 'dist/os'));
  const select = require(path.join(ROOT, 'dist/select'));
  const { reads, writes, holders } = jsSetup(os, n);
  const buf = Buffer.alloc(16);
  const one = Buffer.from('e');
  const ready = new Int32Array(n);
  // Each wait returns how many fds it found and stores them in `ready`: the
  // dispatch a server loop does before it calls its handlers.
  let wait;
  if (mode === 'select') {
    wait = () => {
      const [r] = select.select(reads, [], [], 1);
      for (let i = 0; i < r.length; i++) ready[i] = r[i];
      return r.length;
    };
  } else if (mode === 'poll') {
    const p = select.poll();
    for (const fd of reads) p.register(fd, select.POLLIN);
    wait = () => {
      const evs = p.poll(1000);
      for (let i = 0; i < evs.length; i++) ready[i] = evs[i][0];
      return evs.length;
    };
  } else {
    const ep = select.epoll();
    for (const fd of reads) ep.register(fd, select.EPOLLIN);
    if (mode === 'epoll') {
      wait = () => {
        const evs = ep.poll(1, 1024);
        for (let i = 0; i < evs.length; i++) ready[i] = evs[i][0];
        return evs.length;
      };
    } else {
      const evs = new Int32Array(2 * 1024);
      wait = () => {
        const k = ep.poll_raw(evs, 1);
        for (let i = 0; i < k; i++) ready[i] = evs[2 * i];
        return k;
      };
    }
  }
  let best = Infinity;
  for (let rep = 0; rep < reps; rep++) {
    let total = 0n;
    for (let i = 0; i < rounds; i++) {
      for (const w of writes) os.write(w, one);
      const t0 = process.hrtime.bigint();
      const got = wait();
      total += process.hrtime.bigint() - t0;
      if (got !== ACTIVE) throw new Error(`round ${i}: ${got} ready, expected ${ACTIVE}`);
      for (let k = 0; k < got; k++) os.readinto(ready[k], buf);
    }
    best = Math.min(best, Number(total) / rounds / 1000);
  }
  for (const pid of holders) { os.kill(pid, 9); os.waitpid(pid, 0); }
  return best;
}

function jsSetup(os, n) {
  const reads = [];
  const writes = [];
  const holders = [];
  const step = n / ACTIVE;
  for (let start = 0; start < n; start += BATCH) {
    const idle = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      // Write ends move out of the way at once, so the read ends stay dense
      // from the lowest free fd up (select needs them below FD_SETSIZE).
      const [r, w] = os.pipe();
      reads.push(r);
      if (i % step === 0) {
        writes.push(os.dup2(w, HIGH + writes.length, false));
      } else {
        idle.push(os.dup2(w, IDLE + idle.length, false));
      }
      os.close(w);
    }
    const pid = os.fork();
    if (pid === 0) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);  // hold the write ends until killed
      os._exit(0);
    }
    holders.push(pid);
    for (const w of idle) os.close(w);
  }
  return { reads, writes, holders };
}

// ------------------------------------------------------------ C and Python

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
enum { ACTIVE = ${ACTIVE}, HIGH = ${HIGH}, IDLE = ${IDLE}, BATCH = ${BATCH} };
static int reads[20000], ready[20000], writes[ACTIVE], nw, holders[64], nh;
static void* idle_thread(void* arg) { (void)arg; for (;;) pause(); return NULL; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(int argc, char** argv) {
  const char* mode = argv[1];
  int n = atoi(argv[2]), rounds = atoi(argv[3]), reps = atoi(argv[4]), step = n / ACTIVE;
  for (int start = 0; start < n; start += BATCH) {
    int idle[BATCH], ni = 0;
    for (int i = start; i < n && i < start + BATCH; i++) {
      int p[2];
      if (pipe2(p, O_CLOEXEC) < 0) { perror("pipe"); return 1; }
      reads[i] = p[0];
      if (!strcmp(mode, "select") && p[0] >= FD_SETSIZE) { fprintf(stderr, "fd %d >= FD_SETSIZE\n", p[0]); return 1; }
      if (i % step == 0) { writes[nw] = dup2(p[1], HIGH + nw); nw++; }
      else { idle[ni] = dup2(p[1], IDLE + ni); ni++; }
      close(p[1]);
    }
    pid_t pid = fork();
    if (pid == 0) { for (;;) pause(); }
    holders[nh++] = pid;
    for (int k = 0; k < ni; k++) close(idle[k]);
  }
  char buf[16];
  if (n < ACTIVE || n > 20000) return 2;
  // argv[5]: idle threads to start (after the forks): a process with more than one thread takes the
  // kernel's shared-fd-table path in every select/poll fd lookup, as Node (always several threads) does.
  for (int t = 0, nt = argc > 5 ? atoi(argv[5]) : 0; t < nt; t++) {
    pthread_t th;
    if (pthread_create(&th, NULL, idle_thread, NULL) != 0) { perror("pthread_create"); return 1; }
  }
  struct pollfd* pfd = calloc((size_t)n, sizeof *pfd);
  for (int i = 0; i < n; i++) pfd[i].fd = reads[i], pfd[i].events = POLLIN;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event evs[1024];
  if (!strcmp(mode, "epoll"))
    for (int i = 0; i < n; i++) {
      struct epoll_event e = {.events = EPOLLIN, .data.fd = reads[i]};
      epoll_ctl(ep, EPOLL_CTL_ADD, reads[i], &e);
    }
  double best = 1e300;
  for (int rep = 0; rep < reps; rep++) {
    double total = 0;
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < nw; k++) write(writes[k], "e", 1);
      double t0 = now();
      int got = 0;
      if (!strcmp(mode, "select")) {
        fd_set rs; FD_ZERO(&rs); int maxfd = 0;
        for (int i = 0; i < n; i++) { FD_SET(reads[i], &rs); if (reads[i] > maxfd) maxfd = reads[i]; }
        struct timeval tv = {1, 0};
        select(maxfd + 1, &rs, NULL, NULL, &tv);
        for (int i = 0; i < n; i++) if (FD_ISSET(reads[i], &rs)) ready[got++] = reads[i];
      } else if (!strcmp(mode, "poll")) {
        int k = poll(pfd, n, 1000);
        for (int i = 0; i < n && got < k; i++) if (pfd[i].revents) ready[got++] = pfd[i].fd;
      } else {
        int k = epoll_wait(ep, evs, 1024, 1000);
        for (int i = 0; i < k; i++) ready[got++] = evs[i].data.fd;
      }
      total += now() - t0;
      if (got != ACTIVE) { fprintf(stderr, "round %d: %d ready\n", r, got); return 1; }
      for (int i = 0; i < got; i++) if (read(ready[i], buf, sizeof buf) != 1) return 1;
    }
    if (total / rounds / 1000 < best) best = total / rounds / 1000;
  }
  for (int i = 0; i < nh; i++) { kill(holders[i], SIGKILL); waitpid(holders[i], NULL, 0); }
  printf("%f\n", best);
  return 0;
}
`;

const PY_SOURCE = `
import os, select, signal, sys, time
ACTIVE, HIGH, IDLE, BATCH = ${ACTIVE}, ${HIGH}, ${IDLE}, ${BATCH}
mode, n, rounds, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
step = n // ACTIVE
reads, writes, holders = [], [], []
for start in range(0, n, BATCH):
    idle = []
    for i in range(start, min(n, start + BATCH)):
        r, w = os.pipe()
        reads.append(r)
        if i % step == 0:
            writes.append(os.dup2(w, HIGH + len(writes), inheritable=False))
        else:
            idle.append(os.dup2(w, IDLE + len(idle), inheritable=False))
        os.close(w)
    pid = os.fork()
    if pid == 0:
        while True:
            signal.pause()
    holders.append(pid)
    for w in idle:
        os.close(w)
read = os.read
if mode == 'select':
    def wait():
        r, _, _ = select.select(reads, [], [], 1)
        return r
elif mode == 'poll':
    p = select.poll()
    for fd in reads:
        p.register(fd, select.POLLIN)
    def wait():
        return [fd for fd, ev in p.poll(1000)]
else:
    ep = select.epoll()
    for fd in reads:
        ep.register(fd, select.EPOLLIN)
    def wait():
        return [fd for fd, ev in ep.poll(1, 1024)]
best = float('inf')
for rep in range(reps):
    total = 0
    for i in range(rounds):
        for w in writes:
            os.write(w, b'e')
        t0 = time.perf_counter_ns()
        ready = wait()
        total += time.perf_counter_ns() - t0
        assert len(ready) == ACTIVE, (i, len(ready))
        for fd in ready:
            read(fd, 16)
    best = min(best, total / rounds / 1000)
for pid in holders:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(best)
`;

// ------------------------------------------------------------------- driver

const SERIES = [
  { key: 'c-select', label: 'C select', color: '#9e9e9e', dash: '6 3' },
  { key: 'c-poll', label: 'C poll', color: '#616161', dash: '6 3' },
  { key: 'c-epoll', label: 'C epoll', color: '#000000', dash: '6 3' },
  // The same C loops in a process with as many threads as Node has: the kernel's share of Node's gap.
  { key: 'c-select_mt', label: 'C select, Node\'s threads', color: '#bdbdbd', dash: '1 2' },
  { key: 'c-poll_mt', label: 'C poll, Node\'s threads', color: '#757575', dash: '1 2' },
  { key: 'py-select', label: 'Python select', color: '#90caf9', dash: '2 3' },
  { key: 'py-poll', label: 'Python poll', color: '#42a5f5', dash: '2 3' },
  { key: 'py-epoll', label: 'Python epoll', color: '#0d47a1', dash: '2 3' },
  { key: 'pk-select', label: 'posixkit select', color: '#ffab91', dash: '' },
  { key: 'pk-poll', label: 'posixkit poll', color: '#ff7043', dash: '' },
  { key: 'pk-epoll', label: 'posixkit epoll.poll', color: '#c62828', dash: '' },
  { key: 'pk-poll_raw', label: 'posixkit epoll.poll_raw', color: '#6a1b9a', dash: '' },
];

function roundsFor(mode, n, quick) {
  const scale = quick ? 0.2 : 1;
  const linear = /select|poll$/.test(mode) && !/epoll/.test(mode);
  const base = linear ? Math.max(100, Math.round(400000 / n)) : 4000;
  return Math.max(50, Math.round(base * scale));
}

// How many threads `node --single-threaded` runs (V8's and libuv's helpers stay): the C *_mt rows match it.
function nodeThreads() {
  const r = spawnSync(process.execPath, ['--single-threaded', '-e',
    "process.stdout.write(String(require('fs').readdirSync('/proc/self/task').length))"], { encoding: 'utf8' });
  return Number(r.stdout) || 1;
}

function runTrial(key, n, quick, tmp, threads) {
  const [lang, full] = key.split('-');
  const mode = full.replace(/_mt$/, '');
  const rounds = roundsFor(mode, n, quick);
  const reps = 3;
  let cmd, args;
  if (lang === 'c') [cmd, args] = [path.join(tmp, 'multiplex_c'), [mode, n, rounds, reps, full.endsWith('_mt') ? threads - 1 : 0]];
  else if (lang === 'py') [cmd, args] = ['python3', [path.join(tmp, 'multiplex.py'), mode, n, rounds, reps]];
  else [cmd, args] = [process.execPath, ['--single-threaded', __filename, '--trial', mode, n, rounds, reps]];
  const r = spawnSync(cmd, args.map(String), { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${key} N=${n} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return Number(r.stdout.trim().split('\n').pop());
}

function fmt(us) {
  if (us === undefined) return '-';
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

function table(results, sizes) {
  const head = ['N', ...SERIES.map((s) => s.label)];
  const rows = sizes.map((n) => [String(n), ...SERIES.map((s) => fmt(results[s.key][n]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function svg(results, sizes) {
  const W = 760, H = 460, L = 70, R = 230, T = 40, B = 60;
  const values = SERIES.flatMap((s) => sizes.map((n) => results[s.key][n]).filter((v) => v > 0));
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const xlo = Math.log10(sizes[0]), xhi = Math.log10(sizes[sizes.length - 1]);
  const x = (n) => L + ((Math.log10(n) - xlo) / (xhi - xlo)) * (W - L - R);
  const y = (v) => T + (1 - (Math.log10(v) - lo) / (hi - lo)) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15" font-weight="bold">Time per round (100 active fds) against N watched fds</text>`];
  for (let e = lo; e <= hi; e++) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#e0e0e0"/>`,
      `<text x="${L - 8}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} µs</text>`);
  }
  for (const n of sizes) {
    out.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${T}" y2="${H - B}" stroke="#e0e0e0"/>`,
      `<text x="${x(n)}" y="${H - B + 18}" text-anchor="middle">${n.toLocaleString('en')}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">N (pipes watched, log scale)</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#424242"/>`);
  SERIES.forEach((s, i) => {
    const pts = sizes.filter((n) => results[s.key][n] > 0).map((n) => `${x(n).toFixed(1)},${y(results[s.key][n]).toFixed(1)}`);
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`);
    const ly = T + 10 + i * 20;
    out.push(`<line x1="${W - R + 15}" x2="${W - R + 45}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
      `<text x="${W - R + 52}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push(`<text x="${W - R + 15}" y="${T + 10 + SERIES.length * 20 + 10}" fill="#616161">dashed: C, dotted: Python</text>`, '</svg>');
  return out.join('\n') + '\n';
}

function main() {
  const quick = process.argv.includes('--quick');
  const sizes = [100, 1000, 10000];
  if (!fs.existsSync(path.join(ROOT, 'dist/select.js'))) {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first');
  }
  const tmp = fs.mkdtempSync(path.join(osm.tmpdir(), 'pk-multiplex-'));
  try {
    fs.writeFileSync(path.join(tmp, 'multiplex.c'), C_SOURCE);
    fs.writeFileSync(path.join(tmp, 'multiplex.py'), PY_SOURCE);
    execFileSync('gcc', ['-O2', '-pthread', '-o', path.join(tmp, 'multiplex_c'), path.join(tmp, 'multiplex.c')], { stdio: 'inherit' });
    const threads = nodeThreads();
    const results = Object.fromEntries(SERIES.map((s) => [s.key, {}]));
    // The machine is shared: every trial runs in three passes, interleaved with
    // the others, and keeps its better figure.
    const passes = quick ? 1 : 3;
    for (let pass = 0; pass < passes; pass++) {
      for (const n of sizes) {
        for (const s of SERIES) {
          if (/select/.test(s.key) && n > 1000) continue;
          const us = runTrial(s.key, n, quick, tmp, threads);
          results[s.key][n] = Math.min(results[s.key][n] ?? Infinity, us);
          process.stderr.write(`  pass ${pass + 1} ${s.label.padEnd(24)} N=${String(n).padStart(5)}: ${fmt(us)} µs/round\n`);
        }
      }
    }
    console.log(`\nmultiplex: µs per round (one wait + collecting the 100 ready fds; the reads are not timed), best of 3 processes x 3 runs, node ${process.version}, ${osm.cpus().length} cpus; "Node's threads": ${threads}`);
    console.log(table(results, sizes));
    const c = results['c-epoll'][10000], pk = results['pk-poll_raw'][10000], pkObj = results['pk-epoll'][10000];
    console.log(`\nat N=10,000: posixkit epoll.poll_raw / C epoll = ${(pk / c).toFixed(2)}x, epoll.poll / C = ${(pkObj / c).toFixed(2)}x`);
    const slower = [];
    for (const n of sizes) {
      for (const m of ['select', 'poll', 'epoll']) {
        const py = results[`py-${m}`][n], ours = results[`pk-${m}`][n];
        if (py !== undefined && ours >= py) slower.push(`${m} N=${n}`);
      }
    }
    console.log(slower.length ? `slower than Python: ${slower.join(', ')}` : 'posixkit faster than Python in every cell');
    const file = path.join(ROOT, 'docs/bench-multiplex.svg');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, svg(results, sizes));
    console.log(`plot: ${path.relative(ROOT, file)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--trial') {
  const [mode, n, rounds, reps] = process.argv.slice(3);
  process.stdout.write(`${jsTrial(mode, Number(n), Number(rounds), Number(reps))}\n`);
} else {
  main();
}
