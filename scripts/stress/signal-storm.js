#!/usr/bin/env node
// The signal storm of test/unit/signal-storm.test.ts, for as long as you
// like (npm test keeps it near 1 s): ITIMER_REAL at 1 kHz plus SIGRTMIN sent
// ~1,000 times a second by another process, while the main thread reads a
// pipe a forked writer fills, and forks and reaps a child every 50 ms.
// Checks: every byte in order, every fork's exit code, handler calls for
// SIGRTMIN == kill() calls that succeeded (real-time signals queue), SIGALRM
// calls == what the native handler recorded and <= elapsed milliseconds.
//
// It reads the native counters, which only the test build of the addon has:
//   npx tsc -p tsconfig.build.json && node scripts/build-addon.js test
//   POSIXKIT_ADDON=build-test/build/Release/posixkit.node node --single-threaded scripts/stress/signal-storm.js [--seconds 30]
'use strict';
const path = require('node:path');
const ROOT = path.resolve(__dirname, '../..');
const os = require(path.join(ROOT, 'dist/os'));
const signal = require(path.join(ROOT, 'dist/signal'));
const { binding } = require(path.join(ROOT, 'dist/native'));
if (typeof binding._signal_stats !== 'function') {
  process.stderr.write('needs the test build of the addon: set POSIXKIT_ADDON (see the header of this script)\n');
  process.exit(2);
}

const i = process.argv.indexOf('--seconds');
const SECONDS = i > 0 ? Number(process.argv[i + 1]) : 30;
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const CHUNK = 2048;

function child(fn) {
  const pid = os.fork();
  if (pid !== 0) return pid;
  let code = 70;
  try { code = fn(); } finally { os._exit(code); }
}

let alrm = 0;
let rt = 0;
signal.signal(signal.SIGALRM, () => { alrm++; });
signal.signal(signal.SIGRTMIN, () => { rt++; });
const rec0 = binding._signal_stats().recorded;
const [dr, dw] = os.pipe();
const [cr, cw] = os.pipe();
const ppid = os.getpid();
const chunks = Math.ceil((SECONDS * 1000) / 2.2);

const writer = child(() => {
  os.close(dr); os.close(cr); os.close(cw);
  const buf = Buffer.alloc(CHUNK);
  for (let c = 0; c < chunks; c++) {
    for (let k = 0; k < CHUNK; k++) buf[k] = (c * CHUNK + k) % 251;
    let v = buf.subarray(0);
    while (v.length > 0) v = v.subarray(os.write(dw, v));
    sleep(2);
  }
  return 0;
});
const sender = child(() => {
  os.close(dr); os.close(dw); os.close(cr);
  let sent = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    try { os.kill(ppid, signal.SIGRTMIN); sent++; } catch (e) { if (e.code !== 'EAGAIN') return 2; }
    sleep(1);
  }
  os.write(cw, Buffer.from(new Uint32Array([sent]).buffer));
  return 0;
});
os.close(dw);
os.close(cw);

signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001);
const t0 = performance.now();
let total = 0;
let bad = -1;
let forks = 0;
let forkErrors = 0;
let lastFork = t0;
for (;;) {
  const b = os.read(dr, 65536);
  if (b.length === 0) break;
  for (let k = 0; k < b.length; k++) if (b[k] !== (total + k) % 251 && bad < 0) bad = total + k;
  total += b.length;
  if (performance.now() - lastFork > 50) {
    lastFork = performance.now();
    const want = 40 + (forks % 10);
    const pid = child(() => want);
    const [p, status] = os.waitpid(pid, 0);
    if (p !== pid || os.waitstatus_to_exitcode(status) !== want) forkErrors++;
    forks++;
  }
}
signal.setitimer(signal.ITIMER_REAL, 0);
const elapsed = performance.now() - t0;
os.close(dr);
const sent = new Uint32Array(new Uint8Array(os.read(cr, 4)).buffer)[0];
os.close(cr);
const ws = os.waitpid(writer, 0)[1];
const ss = os.waitpid(sender, 0)[1];

const end = Date.now() + 5000;
(function drain() {
  if (rt < sent && Date.now() < end) return setTimeout(drain, 5);
  setTimeout(() => {
    const st = binding._signal_stats();
    const checks = {
      bytes: total === chunks * CHUNK && bad < 0,
      forks: forkErrors === 0,
      children: ws === 0 && ss === 0,
      sigrtmin: rt === sent && st.recorded[signal.SIGRTMIN] - (rec0[signal.SIGRTMIN] ?? 0) === sent,
      sigalrm: alrm > 0 && alrm <= Math.ceil(elapsed) + 50 && alrm === st.recorded[signal.SIGALRM] - (rec0[signal.SIGALRM] ?? 0),
    };
    console.log(`${(elapsed / 1000).toFixed(1)} s: ${total} bytes, ${forks} forks, ${sent} SIGRTMIN sent / ${rt} handled, ` +
      `${alrm} SIGALRM, ${st.forwarded} forwarded from other threads`);
    console.log(checks);
    process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
  }, 20);
})();
