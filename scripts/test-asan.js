#!/usr/bin/env node
// npm run test:asan [-- --native] [-- <vitest files or options>]
// Builds the addon with -fsanitize=address,undefined (build-asan/, the test
// variant: scripts/build-addon.js) and runs the unit, EINTR and e2e suites
// (or what you name) with the sanitizer runtime preloaded into node. Every
// report goes to a log folder, which is then read: the run passes only if the
// tests pass and there is no AddressSanitizer or UBSan report at all.
//
// Leak detection is off (detect_leaks=0). LeakSanitizer finds roots in
// globals, stacks and TLS, not in V8's heap (mmap'ed pages it does not scan),
// so everything a live JS object owns at exit reads as leaked: node's own
// allocations and the addon's handles alike (an External's record, a wrapped
// mapping), hundreds per run, none of them a leak. (Its TLS scan also crashes
// with GCC 12's runtime on this glibc once the addon's thread_local scratch
// buffers exist.) Leaks of fds, children and mappings are what the suite
// checks instead (fdCount, zombies, the GC test of mmap).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { build } = require('./build-addon');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_FILES = ['test/unit', 'test/eintr', 'test/e2e'];
// --native (what .ci/run runs): the suites that drive the native layer
// directly, with good and hostile arguments, and the EINTR harness. The rest
// (models, protocols, multiprocessing, e2e) reaches the same entry points
// through validated TS; under the sanitizer it is the slowest part (real
// clients, many node processes at ~1.5 s each to start).
const NATIVE_FILES = [
  'native-safety', 'native-binding', 'fuzz', 'os', 'file', 'fork', 'signal', 'signal-delivery', 'signal-race',
  'signal-node', 'select', 'select-epoll', 'select-poll', 'socket', 'socket-edge', 'socket-fds', 'socket-names',
  'socket-sendfile', 'socket-interop', 'mmap', 'synchronize',
].map((n) => `test/unit/${n}.test.ts`).concat('test/eintr');

function runtime() {
  const r = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  if (!p || !fs.existsSync(p)) throw new Error('libasan.so not found (gcc -print-file-name=libasan.so)');
  return fs.realpathSync(p);
}

// Every report in the log folder (one file per process that wrote one).
function readLogs(dir) {
  return fs.readdirSync(dir).map((f) => `${f}:\n${fs.readFileSync(path.join(dir, f), 'utf8').trim()}`)
    .filter((t) => /ERROR: AddressSanitizer|ERROR: UndefinedBehaviorSanitizer|runtime error:|Sanitizer has encountered/.test(t));
}

function main() {
  const native = process.argv.includes('--native');
  const args = process.argv.slice(2).filter((a) => a !== '--native');
  const files = args.some((a) => !a.startsWith('-')) ? args : [...(native ? NATIVE_FILES : DEFAULT_FILES), ...args];
  const addon = build('asan');
  const rt = runtime();
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'posixkit-asan-'));
  const preload = path.join(__dirname, 'asan', 'preload.js');
  const env = {
    ...process.env,
    LD_PRELOAD: rt,
    POSIXKIT_ASAN_RUNTIME: rt,
    POSIXKIT_ADDON: addon,
    POSIXKIT_ADDON_PREBUILT: '1',
    // Fork stress counts (npm test: 50 keystone rounds, 200 forks): each fork
    // of an ASan process copies its shadow memory's page tables.
    POSIXKIT_FORK_GATE: process.env.POSIXKIT_FORK_GATE ?? '10',
    POSIXKIT_FORK_STRESS: process.env.POSIXKIT_FORK_STRESS ?? '40',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
    // halt_on_error: the first error ends the process (a failed test);
    // allow_user_segv_handler: V8 keeps its own SIGSEGV handler (wasm traps).
    ASAN_OPTIONS: [`log_path=${logs}/asan`, 'detect_leaks=0', 'halt_on_error=1', 'allow_user_segv_handler=1',
      'detect_odr_violation=0', 'print_summary=1'].join(':'),
    UBSAN_OPTIONS: `log_path=${logs}/ubsan:print_stacktrace=1:halt_on_error=1`,
  };
  process.stdout.write(`ASan/UBSan run: ${path.relative(ROOT, addon)}, runtime ${rt}\nreports: ${logs}\n`);
  const t0 = Date.now();
  // Under the sanitizer a node process starts in ~1.5 s instead of ~0.3 s:
  // tests that start many get 4x the usual time limits.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run',
    '--testTimeout=120000', '--hookTimeout=120000', ...files], { cwd: ROOT, stdio: 'inherit', env });
  const ours = readLogs(logs);
  for (const rep of ours) process.stdout.write(`\n${rep}\n`);
  process.stdout.write(`\nsanitizer reports: ${ours.length}; tests: ${r.status === 0 ? 'passed' : 'FAILED'}; `
    + `${Math.round((Date.now() - t0) / 1000)} s\n`);
  if (ours.length === 0 && r.status === 0) fs.rmSync(logs, { recursive: true, force: true });
  process.exit(r.status === 0 && ours.length === 0 ? 0 : 1);
}

main();
