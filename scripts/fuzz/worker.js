// One fuzz batch: `--calls N` random calls from `--seed S`, in a process of
// its own (run.js starts it, in a sandbox when it can). Before each call it
// writes "C <index> <target> <args>" to fd 3 (moved to LOG_FD), so whoever
// reads that pipe knows the last calls if the process dies or stops.
// A SIGALRM handler that throws interrupts every blocking call 20 times a
// second; a call ending with an exception is a success (only crashes and
// hangs are failures), and what it threw is counted by kind.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { inspect } = require('node:util');
const { rng, makeValues, NUMBERS } = require('./values');
const { listTargets, PLUMBING, ROOT } = require('./targets');

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const SEED = Number(opt('--seed', '1'));
const CALLS = Number(opt('--calls', '1000'));
const SANDBOXED = args.includes('--sandboxed');
const ONLY = opt('--only', null);
// --sequence <file.json>: these calls instead of random ones, to pin a finding
// down in a test: [{ "call": "<target id>", "args": [...] }, ...], the args
// JSON but for { "$fd": k } (the pool's k-th live fd: 0/1 and 2/3 are two
// pipes' read/write ends) and { "$bytes": n } (a zeroed Buffer of n bytes).
// A method gets the first pool object of its class as `this`, else {}.
const SEQUENCE = opt('--sequence', null);
const LOG_FD = 777; // never produced as a value (values.js), so no fuzzed call closes it

const os = require(path.join(ROOT, 'dist/os.js'));
const signal = require(path.join(ROOT, 'dist/signal.js'));
const socket = require(path.join(ROOT, 'dist/socket.js'));
const mmap = require(path.join(ROOT, 'dist/mmap.js'));
const select = require(path.join(ROOT, 'dist/select.js'));
const { binding } = require(path.join(ROOT, 'dist/native.js'));

os.dup2(3, LOG_FD, false);
os.close(3);
const log = (line) => {
  try { fs.writeSync(LOG_FD, `${line}\n`); } catch { /* the reader is gone: run.js ends us */ }
};

// Node's own stdio. Its stdout/stderr (and posixkit's reports, written to fd 2
// as Python's are) go to fds 0-2 by number, and those numbers are fair game
// for the calls: os.close(2) then a dup of a pool pipe lands on 2, and the
// next report sleeps in write(2) on a pipe nobody reads. That is the batch's
// doing, not a defect (Python blocks the same way), so the harness keeps a
// copy of each (at fds no value names, like LOG_FD) and puts back any that a
// call closed or replaced.
const STDIO_COPIES = [778, 779, 780];
const idOf = (fd) => { try { const st = fs.fstatSync(fd); return `${st.dev}:${st.ino}`; } catch { return null; } };
const stdio = [0, 1, 2].map((fd) => ({ fd, copy: STDIO_COPIES[fd], id: idOf(fd) }));
for (const s of stdio) if (s.id !== null) os.dup2(s.fd, s.copy, false);
function keepStdio() {
  for (const s of stdio) {
    if (s.id !== null && idOf(s.fd) !== s.id) os.dup2(s.copy, s.fd, true);
  }
}

// ---- the pool: fds and objects the calls get as arguments ---------------------
const pool = { fds: [], closedFds: [], objects: [], byClass: new Map(), port: 0, port6: 0 };
const nodeFds = new Set(fs.readdirSync('/proc/self/fd').map(Number));
const keep = (o) => {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function') || o instanceof Promise) return;
  if (pool.objects.length >= 300) pool.objects.splice(0, 1);
  pool.objects.push(o);
  const ctor = Object.getPrototypeOf(o)?.constructor;
  if (typeof ctor === 'function') {
    const list = pool.byClass.get(ctor) ?? [];
    if (list.length < 20) list.push(o);
    pool.byClass.set(ctor, list);
  }
};
const tryDo = (f) => { try { return f(); } catch { return undefined; } };
function stockPool() {
  for (let i = 0; i < 2; i++) pool.fds.push(...os.pipe());
  for (const t of [socket.SOCK_STREAM, socket.SOCK_DGRAM]) {
    const pair = tryDo(() => socket.socketpair(socket.AF_UNIX, t));
    if (pair) pair.forEach((s) => { keep(s); pool.fds.push(s.fileno()); });
  }
  const lis = tryDo(() => socket.create_server(['127.0.0.1', 0]));
  if (lis) { keep(lis); pool.fds.push(lis.fileno()); pool.port = lis.getsockname()[1]; }
  const lis6 = tryDo(() => socket.create_server(['::1', 0], { family: socket.AF_INET6 }));
  if (lis6) { keep(lis6); pool.port6 = lis6.getsockname()[1]; }
  const udp = tryDo(() => { const s = new socket.Socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(['127.0.0.1', 0]); return s; });
  if (udp) { keep(udp); pool.fds.push(udp.fileno()); }
  const file = tryDo(() => fs.openSync('fz-file', 'w+'));
  if (file !== undefined) { fs.writeSync(file, 'posixkit fuzz file\n'.repeat(100)); pool.fds.push(file); }
  for (const [len, o] of [[4096, {}], [8192, { prot: mmap.PROT_READ }], [4096, { prot: mmap.PROT_NONE }]]) {
    const m = tryDo(() => mmap.mmap(-1, len, o));
    if (m) { keep(m); pool.fds.push(m.fileno()); }
  }
  keep(tryDo(() => select.epoll()));
  keep(tryDo(() => select.poll()));
  const closed = os.pipe();
  closed.forEach((fd) => os.close(fd));
  pool.closedFds.push(...closed, 1024, 2000, 65536);
}

// ---- the interrupter ----------------------------------------------------------------
class FuzzInterrupt extends Error {}
// Armed except while the harness itself works: calls, and the async work the
// calls started (run while the batch awaits), are interrupted.
let armed = false;
const interrupter = () => { if (armed) throw new FuzzInterrupt('interrupted'); };
function reassert() {
  // A call may have changed any of these; the next blocking call must still
  // be interruptible, and the sandbox must still kill us with our parent.
  armed = false;
  tryDo(keepStdio);
  tryDo(() => { if (signal.getsignal(signal.SIGALRM) !== interrupter) signal.signal(signal.SIGALRM, interrupter); });
  tryDo(() => signal.siginterrupt(signal.SIGALRM, true));
  tryDo(() => signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM]));
  tryDo(() => { const [v, iv] = signal.getitimer(signal.ITIMER_REAL); if (iv !== 0.05 || v === 0) signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05); });
  if (SANDBOXED) tryDo(() => { if (binding.get_pdeathsig() !== 9) binding.set_pdeathsig(9); });
}

// ---- outcomes -------------------------------------------------------------------------
const outcomes = {};
const gaps = new Map(); // target -> message of an uncoded TypeError (a check that JS, not posixkit, made)
const count = (k) => { outcomes[k] = (outcomes[k] ?? 0) + 1; };
function classify(id, e, realThis) {
  if (e instanceof FuzzInterrupt) return count('interrupted');
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return count(e.syscall !== undefined || /^E[A-Z0-9]+$/.test(e.code) ? 'OSError' : e.code.startsWith('ERR_') ? `${e.constructor.name}(coded)` : 'coded');
  }
  const name = e?.constructor?.name ?? typeof e;
  if (e instanceof Error && /^(proxy trap|valueOf|toString|toPrimitive|fileno|callback)$/.test(e.message)) return count('hostile-value');
  count(name);
  if (realThis && name === 'TypeError' && !gaps.has(id)) gaps.set(id, String(e.message).slice(0, 160));
}

const show = (v) => {
  if (typeof v === 'string') return v.length > 40 ? `'${v.slice(0, 20)}...'(${v.length})` : JSON.stringify(v);
  try { return inspect(v, { depth: 0, breakLength: Infinity, maxArrayLength: 4, maxStringLength: 20 }).slice(0, 80); } catch { return '<?>'; }
};

function readSequence(file, targets) {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const decode = (v) => {
    if (v && typeof v === 'object' && '$fd' in v) return pool.fds[v.$fd];
    if (v && typeof v === 'object' && '$bytes' in v) return Buffer.alloc(v.$bytes);
    return v;
  };
  return JSON.parse(fs.readFileSync(file, 'utf8')).map(({ call, args = [] }) => {
    const target = byId.get(call);
    if (!target) throw new Error(`--sequence: no target ${call}${SANDBOXED ? '' : ' (or left out without the sandbox)'}`);
    return { target, args: args.map(decode) };
  });
}

// ---- the run ----------------------------------------------------------------------------
async function main() {
  process.on('uncaughtException', (e) => {
    if (e instanceof FuzzInterrupt) return count('interrupted');
    count('async-throw');
    log(`A ${String(e?.message ?? e).slice(0, 200)}`);
  });
  process.on('unhandledRejection', () => count('async-reject'));
  const targets = listTargets({ sandboxed: SANDBOXED, only: ONLY === null ? null : new RegExp(ONLY) });
  if (targets.length === 0) throw new Error(`no target matches /${ONLY}/`);
  stockPool();
  // numbers that are node's own fds are never passed (closing them would break node, not posixkit)
  const safeNumbers = NUMBERS.filter((n) => n < 3 || !nodeFds.has(n) || pool.fds.includes(n));
  NUMBERS.length = 0;
  NUMBERS.push(...safeNumbers);
  const r = rng(SEED);
  const value = makeValues(pool);
  const me = os.getpid();
  signal.signal(signal.SIGALRM, interrupter);
  reassert();
  log(`T ${targets.length}`);
  const sequence = SEQUENCE === null ? null : readSequence(SEQUENCE, targets);
  const calls = sequence === null ? CALLS : sequence.length;
  for (let i = 0; i < calls; i++) {
    const t = sequence === null ? r.pick(targets) : sequence[i].target;
    let argv = sequence === null ? Array.from({ length: r.int(Math.max(3, t.fn.length + 2)) }, () => value(r)) : sequence[i].args;
    if (PLUMBING.has(t.id)) argv = argv.map((v) => (typeof v === 'function' ? 1 : v));
    let self = t.self;
    let realThis = true;
    if (sequence !== null && (t.kind === 'method' || t.kind === 'getter')) {
      self = pool.byClass.get(t.cls)?.[0] ?? {};
    } else if (t.kind === 'method' || t.kind === 'getter') {
      const mine = pool.byClass.get(t.cls);
      realThis = Boolean(mine) && r.chance(0.85);
      self = realThis ? r.pick(mine) : value(r);
    }
    log(`C ${i} ${t.id}${t.kind === 'getter' ? '' : `(${argv.map(show).join(', ')})`}`);
    let res;
    armed = true;
    try {
      res = t.kind === 'construct' ? Reflect.construct(t.fn, argv) : Reflect.apply(t.fn, self, t.kind === 'getter' ? [] : argv);
      count('ok');
    } catch (e) {
      tryDo(() => classify(t.id, e, realThis));
    }
    armed = false;
    if (os.getpid() !== me) binding._exit(0); // a forked child: never run the rest of the batch twice
    // the result may itself be hostile (a thenable that throws, a Proxy): only a crash or a hang counts
    tryDo(() => {
      if (res instanceof Promise) res.then(() => {}, () => count('rejected'));
      else keep(res);
    });
    reassert();
    if (i % 64 === 63) {
      armed = true;
      await new Promise((done) => setTimeout(done, 1)); // let async work run
      reassert();
    }
  }
  log(`S ${JSON.stringify({ calls, outcomes, gaps: [...gaps].slice(0, 50) })}`);
  binding._exit(0); // skip teardown: servers, threads and children the calls started go with the sandbox
}

main().catch((e) => { log(`E harness: ${e?.stack ?? e}`); binding._exit(3); });
