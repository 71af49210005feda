#!/usr/bin/env node
// npm run fuzz [-- --calls 1000000] [--seed N] [--batch 2000] [--jobs 1] [--asan]
//              [--hang-ms 10000] [--max-rss-mb 1500] [--no-sandbox] [--quiet]
//              [--only <regex>]  (only the targets whose id matches, e.g. 'Queue#put|Pool')
//              [--replay <batch seed>] [--sequence <calls.json>]
// Random calls (worker.js) to every public function, class, method and getter
// and every raw binding function, with hostile values (values.js), in batches:
// each batch is a process of its own, in a sandbox when the kernel allows one
// (user, pid, mount and network namespaces: loopback only, the filesystem
// read-only but for a 64 MiB tmpfs, signals reach only the batch's processes,
// at most 48 tasks and 1024 fds). A batch that dies (a signal, a
// sanitizer report, an unexpected exit) is a crash; one that writes no call
// for --hang-ms is a hang, and is killed; both print the batch's last calls.
// Exit status 1 if there was any. docs/safety.md describes the run.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const CALLS = args.includes('--sequence') ? JSON.parse(fs.readFileSync(opt('--sequence'), 'utf8')).length
  : Number(opt('--calls', '20000'));
const BATCH = Math.min(Number(opt('--batch', '2000')), CALLS);
const SEED = Number(opt('--seed', String(Date.now() % 1e9)));
const JOBS = Math.max(1, Number(opt('--jobs', '1')));
// Under npm run test:asan (its runtime in the environment) the batches run on
// the sanitizer build too.
const ASAN = args.includes('--asan') || Boolean(process.env.POSIXKIT_ASAN_RUNTIME);
const HANG_MS = Number(opt('--hang-ms', ASAN ? '30000' : '10000'));
const MAX_RSS = Number(opt('--max-rss-mb', ASAN ? '3000' : '1500')) * 1024 * 1024;
const QUIET = args.includes('--quiet');
const ONLY = opt('--only', null);

function sandboxWorks() {
  if (args.includes('--no-sandbox')) return false;
  return spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--net', '--mount-proc',
    '--kill-child', 'true'], { stdio: 'ignore' }).status === 0;
}

// Inside the namespaces: every mount read-only except the batch's tmpfs (its
// cwd), a private /dev/shm and the sanitizer log folder; loopback up; limits.
const SANDBOX_SH = `
set -e
mount --bind "$LOGDIR" "$LOGDIR"
for m in $(awk '{print $2}' /proc/self/mounts); do
  case "$m" in "$LOGDIR"|/proc|/proc/*) continue;; esac
  mount -o remount,bind,ro "$m" 2>/dev/null || true
done
mount -t tmpfs -o size=64m,mode=700 tmpfs "$WORKDIR"
mount -t tmpfs -o size=32m tmpfs /dev/shm
ip link set lo up 2>/dev/null || true
cd "$WORKDIR"
exec prlimit --nofile=1024 --nproc=48 -- "$@"`;

function asanRuntime() {
  if (process.env.POSIXKIT_ASAN_RUNTIME) return process.env.POSIXKIT_ASAN_RUNTIME;
  return fs.realpathSync(spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim());
}

// The sanitizer runtime is preloaded into the worker node only (through
// env(1) on its command line), not into unshare, mount or prlimit.
function asanEnv(logdir) {
  const { build } = require('../build-addon');
  return {
    POSIXKIT_ADDON: build('asan'),
    ASAN_OPTIONS: `log_path=${logdir}/asan:detect_leaks=0:halt_on_error=1:allow_user_segv_handler=1:detect_odr_violation=0`,
    UBSAN_OPTIONS: `log_path=${logdir}/ubsan:print_stacktrace=1:halt_on_error=1`,
  };
}

// --replay <batch seed>: one batch with that seed (as a report names it),
// --calls long, printing every call as it starts.
const REPLAY = opt('--replay', null);
// --sequence <file.json>: one batch making exactly those calls (worker.js
// describes the format), as a test pins down what a batch found.
const SEQUENCE = opt('--sequence', null) && path.resolve(opt('--sequence'));

function runBatch(index, sandboxed, env, logdir) {
  return new Promise((resolve) => {
    const seed = REPLAY !== null ? Number(REPLAY) : (SEED * 1000003 + index * 7919) >>> 0;
    const calls = Math.min(BATCH, CALLS - index * BATCH);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'posixkit-fuzz-'));
    const node = [...(ASAN ? ['env', `LD_PRELOAD=${asanRuntime()}`] : []),
      process.execPath, '--single-threaded', '--max-old-space-size=512', path.join(__dirname, 'worker.js'),
      '--seed', String(seed), '--calls', String(calls), ...(sandboxed ? ['--sandboxed'] : []),
      ...(ONLY !== null ? ['--only', ONLY] : []), ...(SEQUENCE ? ['--sequence', SEQUENCE] : [])];
    const cmd = sandboxed
      ? ['unshare', '--user', '--map-root-user', '--mount', '--pid', '--fork', '--net', '--mount-proc', '--kill-child',
        'sh', '-c', SANDBOX_SH, 'sandbox', ...node]
      : node;
    // detached: the batch is a process group of its own, so no call it makes
    // can signal this runner's group; stdio 3 is the call log.
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: work, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...without(process.env, 'LD_PRELOAD'), ...env, WORKDIR: work, LOGDIR: logdir },
    });
    const last = [];
    let lastCall = -1;
    let tail = '';
    let summary = null;
    let progressAt = Date.now();
    let pending = '';
    const asyncThrows = [];
    child.stdio[3].on('data', (d) => {
      progressAt = Date.now();
      const lines = (pending + d.toString('utf8')).split('\n');
      pending = lines.pop();
      for (const l of lines) {
        if (REPLAY !== null || SEQUENCE) process.stdout.write(`${l.slice(0, 300)}\n`);
        if (l.startsWith('C ')) {
          lastCall = Number(l.split(' ', 2)[1]);
          last.push(l.slice(2, 300));
          if (last.length > 20) last.shift();
        } else if (l.startsWith('S ')) summary = JSON.parse(l.slice(2));
        else if (l.startsWith('A ') && asyncThrows.length < 5) asyncThrows.push(l.slice(2));
        else if (l.startsWith('E ')) last.push(l);
      }
    });
    const keepTail = (d) => { tail = (tail + d.toString('utf8')).slice(-4000); };
    child.stdout.on('data', keepTail);
    child.stderr.on('data', keepTail);
    let killed = null;
    // The batch's processes: the group we made, and (sandboxed) the worker,
    // which unshare forked and which is the namespace's init.
    const kill = (why) => {
      if (killed) return;
      killed = why;
      for (const pid of childrenOf(child.pid)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    };
    let where = '';
    const watch = setInterval(() => {
      if (Date.now() - progressAt > HANG_MS) {
        // what the stuck process does, for the report: its syscall and state
        where = childrenOf(child.pid).concat(child.pid).map((p) => {
          const read = (f) => { try { return fs.readFileSync(`/proc/${p}/${f}`, 'utf8').trim(); } catch { return '?'; } };
          return `pid ${p}: ${read('wchan')} syscall ${read('syscall').split(' ').slice(0, 3).join(' ')} (${(read('stat').split(') ')[1] ?? '').split(' ')[0]})`;
        }).join('; ');
        kill('hang');
      }
      for (const pid of [child.pid, ...childrenOf(child.pid)]) {
        if (rssOf(pid) > MAX_RSS) kill(`memory (over ${MAX_RSS >> 20} MiB)`);
      }
    }, 200);
    child.on('close', (code, sig) => {
      clearInterval(watch);
      fs.rmSync(work, { recursive: true, force: true });
      const crash = killed ? null : summary === null || code !== 0 || sig ? `exit ${code ?? sig}` : null;
      resolve({ index, seed, calls: lastCall + 1, crash, hang: killed && `${killed} ${where}`, last, tail, summary, asyncThrows });
    });
  });
}

function without(env, name) {
  const out = { ...env };
  delete out[name];
  return out;
}

function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}

async function main() {
  const sandboxed = sandboxWorks();
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'posixkit-fuzz-logs-'));
  const env = ASAN ? asanEnv(logdir) : {};
  const batches = Math.ceil(CALLS / BATCH);
  process.stdout.write(`fuzz: ${CALLS} calls in ${batches} batches of ${BATCH}, seed ${SEED}, ${JOBS} at a time, `
    + `${sandboxed ? 'sandboxed (namespaces)' : 'NOT sandboxed (no namespaces: risky calls left out)'}`
    + `${ASAN ? ', ASan/UBSan build' : ''}${ONLY !== null ? `, only targets matching /${ONLY}/` : ''}\n`);
  const t0 = Date.now();
  const results = [];
  let next = 0;
  const outcomes = {};
  const gaps = new Map();
  const lane = async () => {
    while (next < batches) {
      const r = await runBatch(next++, sandboxed, env, logdir);
      results.push(r);
      for (const [k, v] of Object.entries(r.summary?.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + v;
      for (const [k, v] of r.summary?.gaps ?? []) if (!gaps.has(k)) gaps.set(k, v);
      const bad = r.crash || r.hang;
      if (bad || !QUIET) {
        process.stdout.write(`batch ${r.index} (seed ${r.seed}): ${r.calls} calls, ${bad ? `${r.crash ? 'CRASH' : 'HANG'}: ${bad}` : 'ok'}\n`);
      }
      if (bad) {
        process.stdout.write(`  last calls:\n${r.last.map((l) => `    ${l}`).join('\n')}\n  output tail:\n${r.tail.split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, batches) }, lane));
  const reports = fs.readdirSync(logdir).map((f) => `${f}:\n${fs.readFileSync(path.join(logdir, f), 'utf8')}`);
  for (const rep of reports) process.stdout.write(`\nsanitizer report ${rep.slice(0, 6000)}\n`);
  const total = results.reduce((n, r) => n + r.calls, 0);
  const crashes = results.filter((r) => r.crash).length + reports.length;
  const hangs = results.filter((r) => r.hang).length;
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(`\ncalls: ${total} in ${batches} batches, ${secs.toFixed(0)} s (${Math.round(total / secs)}/s); `
    + `crashes: ${crashes}; hangs: ${hangs}\noutcomes: ${JSON.stringify(outcomes)}\n`);
  if (gaps.size && !QUIET) {
    process.stdout.write(`plain TypeErrors (no code: a JS check, not posixkit's) from ${gaps.size} targets, e.g.:\n`);
    for (const [k, v] of [...gaps].slice(0, 10)) process.stdout.write(`  ${k}: ${v}\n`);
  }
  if (reports.length === 0) fs.rmSync(logdir, { recursive: true, force: true });
  process.exit(crashes || hangs ? 1 : 0);
}

main();
