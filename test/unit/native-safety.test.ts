// Native safety: no JavaScript call may corrupt memory, hand out bytes the
// call does not own, or crash the process (docs/safety.md). Each case here
// was a crash, an abort, a hang or a silent over-read before its fix; the
// ones that could take the process down run in a child node (a crash is then
// a failed assertion, not a dead test runner).
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/native';
import * as mmapMod from '../../lib/mmap';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { error } from '../helpers/checks';
import { runNode, ROOT } from '../helpers/proc';

const dir = mkdtempSync(path.join(tmpdir(), 'pk-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Fn = (...a: unknown[]) => unknown;
const raw = binding as Record<string, Fn> & { socket: Record<string, Fn>; signal: Record<string, Fn> };

/**
 * Runs `body` (CommonJS, with os/signal/socket/mmap/native from dist/) in a
 * child node; it prints one JSON line. Returns that, after checking the child
 * neither crashed nor hung.
 */
function inChild(body: string, opts: { timeout?: number; shell?: string } = {}): any {
  const prelude = `const os = require('./dist/os'); const signal = require('./dist/signal');
    const socket = require('./dist/socket'); const mm = require('./dist/mmap');
    const { binding } = require('./dist/native');
    const out = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
    const err = (f) => { try { return { ok: f() }; } catch (e) { return { name: e.constructor.name, code: e.code, message: e.message }; } };\n`;
  const r = runNode(['-e', prelude + body], { timeout: opts.timeout ?? 20_000 });
  expect({ signal: r.signal, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual(
    { signal: null, status: 0, stderr: '' });
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

// ---- 1. MSG_TRUNC ----------------------------------------------------------------

describe('MSG_TRUNC never hands out more than the buffer', () => {
  it('recv, recvfrom and recvmsg return at most bufsize bytes of a longer datagram (recvmsg says MSG_TRUNC)', () => {
    const r = inChild(`
      const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
      const big = Buffer.alloc(200000, 0x41); big[0] = 1; big[15] = 2;
      const res = {};
      a.send(big); res.recv = [...b.recv(16, socket.MSG_TRUNC)];
      a.send(big); res.recvfrom = [...b.recvfrom(16, socket.MSG_TRUNC)[0]];
      a.send(big); const m = b.recvmsg(16, 0, socket.MSG_TRUNC); res.recvmsg = [...m[0]]; res.flags = m[2];
      const into = Buffer.alloc(32, 0xee);
      a.send(big); res.into = b.recv_into(into, 16, socket.MSG_TRUNC); res.guard = into[16];
      out(res);`);
    const want = [1, ...new Array(14).fill(0x41), 2];
    expect(r.recv).toEqual(want);
    expect(r.recvfrom).toEqual(want);
    expect(r.recvmsg).toEqual(want);
    expect(r.flags & socket.MSG_TRUNC).toBe(socket.MSG_TRUNC);
    // recv_into reports the datagram's real length (as C and Python) but writes only nbytes
    expect(r.into).toBe(200000);
    expect(r.guard).toBe(0xee);
  });
});

// ---- 2 and 14. lists read once, capped before allocation -------------------------

describe('lists are read once into a snapshot, capped before anything is allocated', () => {
  it('an ancillary list that grows while it is read cannot make sendmsg write past its buffer', () => {
    const r = inChild(`
      const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
      const [pr, pw] = os.pipe();
      const anc = [[socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.of(pr)]];
      let reads = 0;
      Object.defineProperty(anc, 1, { enumerable: true, get() {
        reads++; return reads > 1 ? [socket.SOL_SOCKET, socket.SCM_RIGHTS, new Int32Array(60000)]
                                  : [socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.of(pw)]; } });
      const sent = err(() => a.sendmsg([Buffer.from('x')], anc));
      const got = socket.recv_fds(b, 10, 8);
      got[1].forEach((fd) => os.close(fd));
      // the raw binding: its own snapshot, getters once too
      reads = 0;
      const rawSent = err(() => binding.socket.sendmsg(a.fileno(), [Buffer.from('y')], anc, 0, socket.AF_UNIX, null, -1));
      const got2 = socket.recv_fds(b, 10, 8);
      got2[1].forEach((fd) => os.close(fd));
      out({ sent, fds: got[1].length, rawSent, rawReads: reads, fds2: got2[1].length });`);
    expect(r.sent).toEqual({ ok: 1 });
    expect(r.fds).toBe(2);
    expect(r.rawSent).toEqual({ ok: 1 });
    expect(r.rawReads).toBe(1);
    expect(r.fds2).toBe(2);
  });

  it('sendmsg and send_fds take any iterable (a Set, a generator), as Python does', () => {
    const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
    const [pr, pw] = os.pipe();
    try {
      function* parts(): Generator<Buffer> { yield Buffer.from('ab'); yield Buffer.from('cd'); }
      function* item(): Generator<unknown> { yield socket.SOL_SOCKET; yield socket.SCM_RIGHTS; yield Int32Array.of(pr); }
      function* anc(): Generator<Iterable<unknown>> { yield item(); }
      expect(a.sendmsg(parts(), anc())).toBe(4);
      const [data, fds] = socket.recv_fds(b, 10, 4);
      expect(data.toString()).toBe('abcd');
      expect(fds).toHaveLength(1);
      os.close(fds[0]);
      expect(socket.send_fds(a, new Set([Buffer.from('z')]), new Set([pw]))).toBe(1);
      const [, fds2] = socket.recv_fds(b, 10, 4);
      expect(fds2).toHaveLength(1);
      os.close(fds2[0]);
    } finally {
      [pr, pw].forEach((fd) => os.close(fd));
      a.close();
      b.close();
    }
  });

  it('sparse arrays of length 2**32-1 are refused at once: raw sendmsg (EMSGSIZE), send_fds (EINVAL), sigsets, execve', () => {
    const r = inChild(`
      const sparse = []; sparse.length = 2 ** 32 - 1;
      const [a] = socket.socketpair();
      const t0 = Date.now();
      const res = {
        raw: err(() => binding.socket.sendmsg(a.fileno(), sparse, [], 0, socket.AF_UNIX, null, -1)),
        rawAnc: err(() => binding.socket.sendmsg(a.fileno(), [], sparse, 0, socket.AF_UNIX, null, -1)),
        sendmsg: err(() => a.sendmsg(sparse)),
        sendFds: err(() => socket.send_fds(a, [Buffer.from('x')], sparse)),
        sigmask: err(() => signal.pthread_sigmask(signal.SIG_BLOCK, sparse)),
        rawSigmask: err(() => binding.signal.pthread_sigmask(signal.SIG_BLOCK, sparse)),
        execKeep: err(() => binding.execve('/nonexistent', ['x'], [], true, sparse)),
        execArgs: err(() => binding.execve('/nonexistent', sparse, [], true, [])),
      };
      res.ms = Date.now() - t0;
      out(res);`, { timeout: 15_000 });
    expect(r.raw.code).toBe('EMSGSIZE');
    expect(r.rawAnc.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.sendmsg.code).toBe('EMSGSIZE');
    expect(r.sendFds.code).toBe('EINVAL');
    expect(r.sigmask.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.rawSigmask.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.execKeep.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.execArgs.code).toBe('E2BIG');
    expect(r.ms).toBeLessThan(2000);
  });
});

// ---- 3. buffers changed by a signal handler ----------------------------------------

// The handler moves the buffer's memory away (a transfer, as postMessage
// does), keeps the new owner and marks it; the retry after EINTR must not read
// or write through the old pointer, which now belongs to `kept`.
function detachOnAlarm(buf: ArrayBufferView, then?: () => void): { kept: Uint8Array | null; restore(): void } {
  const state = { kept: null as Uint8Array | null, restore: () => {} };
  signal.signal(signal.SIGALRM, () => {
    const ab = structuredClone(buf.buffer, { transfer: [buf.buffer as ArrayBuffer] });
    state.kept = new Uint8Array(ab);
    state.kept.fill(0xee);
    then?.();
  });
  signal.setitimer(signal.ITIMER_REAL, 0.05);
  state.restore = () => {
    signal.setitimer(signal.ITIMER_REAL, 0);
    signal.signal(signal.SIGALRM, signal.SIG_DFL);
  };
  return state;
}

describe('a buffer detached by a signal handler during a blocking call is refused, never used', () => {
  // Every wait below is bounded (a timeout, or data already there), so a
  // build without the check fails these tests instead of blocking them.
  it('os.readinto (the raw read)', () => {
    const [r, w] = os.pipe();
    const buf = new Uint8Array(new ArrayBuffer(4096));
    const st = detachOnAlarm(buf, () => os.write(w, Buffer.from('fresh data')));
    try {
      expect(error(() => os.readinto(r, buf)).code).toBe('ERR_BUFFER_CHANGED');
      expect(st.kept![0]).toBe(0xee); // nothing was read into memory the call no longer owns
      os.set_blocking(r, false);
      expect(os.read(r, 100).toString()).toBe('fresh data');
    } finally {
      st.restore();
      os.close(r);
      os.close(w);
    }
  });

  it('recv_into, and sendall whose data moved', () => {
    const [a, b] = socket.socketpair();
    a.settimeout(5);
    b.settimeout(5);
    const buf = new Uint8Array(new ArrayBuffer(64));
    let st = detachOnAlarm(buf, () => b.send(Buffer.from('x')));
    try {
      expect(error(() => a.recv_into(buf)).code).toBe('ERR_BUFFER_CHANGED');
      expect(st.kept![0]).toBe(0xee);
      expect(a.recv(10).toString()).toBe('x');
    } finally {
      st.restore();
    }
    // fill the socket so sendall waits; the handler drains the peer
    a.setblocking(false);
    while (a.send_raw(Buffer.alloc(65536)) > 0) { /* fill */ }
    a.settimeout(5);
    const data = new Uint8Array(new ArrayBuffer(1 << 20)).fill(0x11);
    st = detachOnAlarm(data, () => { b.setblocking(false); while (b.recv_into_raw(Buffer.alloc(1 << 20)) > 0) { /* drain */ } });
    try {
      expect(error(() => a.sendall(data)).code).toBe('ERR_BUFFER_CHANGED');
      b.setblocking(false);
      const seen = Buffer.alloc(1 << 21);
      let n: number;
      let bad = 0;
      while ((n = b.recv_into_raw(seen)) > 0) for (let i = 0; i < n; i++) if (seen[i] === 0xee) bad++;
      expect(bad).toBe(0); // none of the marked bytes went out
    } finally {
      st.restore();
      a.close();
      b.close();
    }
  });

  it('raw select (out list), poll (table) and epoll_wait (events) whose Int32Array moved', () => {
    const [r, w] = os.pipe();
    try {
      const wake = (): void => { os.write(w, 'x'); };
      const out = new Int32Array(4);
      let st = detachOnAlarm(out, wake);
      expect(error(() => raw.select(Int32Array.of(r), 1, 0, 0, 5, out)).code).toBe('ERR_BUFFER_CHANGED');
      st.restore();
      os.read(r, 10);

      const table = new Int32Array(2);
      new Uint16Array(table.buffer)[2] = select.POLLIN;
      table[0] = r;
      st = detachOnAlarm(table, wake);
      expect(error(() => raw.poll(table, 1, 5)).code).toBe('ERR_BUFFER_CHANGED');
      expect(st.kept![0]).toBe(0xee);
      st.restore();
      os.read(r, 10);

      const ep = raw.epoll_create1(0) as number;
      const K = binding.selectConstants as Record<string, number>;
      raw.epoll_ctl(ep, K.EPOLL_CTL_ADD, r, K.EPOLLIN);
      const evs = new Int32Array(8);
      st = detachOnAlarm(evs, wake);
      expect(error(() => raw.epoll_wait(ep, evs, 4, 5)).code).toBe('ERR_BUFFER_CHANGED');
      expect(st.kept![0]).toBe(0xee);
      st.restore();
      os.close(ep);
    } finally {
      os.close(r);
      os.close(w);
    }
  });
});

// ---- 4. SharedArrayBuffer views ----------------------------------------------------------

describe('views on a SharedArrayBuffer are ordinary memory everywhere', () => {
  it('inet_ntop, os.write/readinto, send/sendall/recv_into/sendmsg and the raw calls work on SAB views', () => {
    const r = inChild(`
      const sab = (n) => new Uint8Array(new SharedArrayBuffer(n));
      const res = {};
      res.ntop = socket.inet_ntop(socket.AF_INET, sab(4));
      res.rawNtop = binding.socket.inet_ntop(socket.AF_INET6, sab(16));
      const [r, w] = os.pipe();
      const src = sab(5); src.set(Buffer.from('hello'));
      res.write = os.write(w, src);
      const dst = sab(5); res.readinto = os.readinto(r, dst); res.pipe = Buffer.from(dst).toString();
      res.rawWrite = binding.write(w, new DataView(new SharedArrayBuffer(3)));
      const [a, b] = socket.socketpair();
      a.send(src); a.sendall(src); a.sendmsg([src, new Int32Array(new SharedArrayBuffer(4))]);
      const into = sab(64); res.recv = b.recv_into(into); res.sock = Buffer.from(into.subarray(0, res.recv)).toString('latin1');
      res.bind = err(() => { const u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
        const name = sab(8); name.set(Buffer.from('\\0pk-sab')); u.bind(name); const n = u.getsockname(); u.close(); return n.length; });
      out(res);`);
    expect(r.ntop).toBe('0.0.0.0');
    expect(r.rawNtop).toBe('::');
    expect(r.write).toBe(5);
    expect(r.readinto).toBe(5);
    expect(r.pipe).toBe('hello');
    expect(r.rawWrite).toBe(3);
    expect(r.sock).toBe('hellohellohello\0\0\0\0');
    expect(r.bind).toEqual({ ok: 8 });
  });
});

// ---- 5 and 6. mmap: protection and size ---------------------------------------------

describe('mmap: no JS operation on a mapping can fault', () => {
  it('a PROT_READ or PROT_NONE mapping has no buffer; the copying methods check the protection', () => {
    const r = inChild(`
      const ro = mm.mmap(-1, 4096, { prot: mm.PROT_READ });
      const none = mm.mmap(-1, 4096, { prot: mm.PROT_NONE });
      const rawH = binding.mmap(-1, 4096, mm.PROT_READ, mm.MAP_PRIVATE | mm.MAP_ANONYMOUS, 0);
      const res = {
        roBuffer: err(() => ro.buffer), noneBuffer: err(() => none.buffer), rawBuffer: rawH.buffer,
        roRead: [...ro.getslice(0, 4)], roWrite: err(() => ro.write(Buffer.from('x'))),
        noneRead: err(() => none.getslice(0, 1)), noneWrite: err(() => none.write(Buffer.from('x'))),
        rawRead: err(() => binding.mmap_read(rawH, 4000, 200)),
        rawWrite: err(() => binding.mmap_write(rawH, 0, Buffer.from('x'))),
      };
      const rw = mm.mmap(-1, 4096);
      rw.seek(10); res.rwWrite = rw.write(Buffer.from('abc')); res.rwRead = rw.getslice(10, 13).toString();
      res.rwView = Buffer.from(rw.buffer, 10, 3).toString();
      ro.close(); none.close(); rw.close(); binding.munmap(rawH);
      res.closedRead = err(() => ro.read());
      out(res);`);
    expect(r.roBuffer.code).toBe('ERR_MMAP_PROTECTION');
    expect(r.noneBuffer.code).toBe('ERR_MMAP_PROTECTION');
    expect(r.rawBuffer).toBeNull();
    expect(r.roRead).toEqual([0, 0, 0, 0]);
    expect(r.roWrite.code).toBe('ERR_MMAP_PROTECTION');
    expect(r.noneRead.code).toBe('ERR_MMAP_PROTECTION');
    expect(r.noneWrite.code).toBe('ERR_MMAP_PROTECTION');
    expect(r.rawRead.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.rawWrite.code).toBe('ERR_MMAP_PROTECTION');
    expect([r.rwWrite, r.rwRead, r.rwView]).toEqual([3, 'abc', 'abc']);
    expect(r.closedRead.code).toBe('EBADF');
  });

  it('a read-only file mapping reads the file; MAP_FIXED is refused', () => {
    const file = path.join(dir, 'ro.bin');
    writeFileSync(file, 'posixkit');
    const fd = openSync(file, 'r');
    try {
      using m = mmapMod.mmap(fd, 0, { prot: mmapMod.PROT_READ });
      expect(m.read().toString()).toBe('posixkit');
      expect(error(() => mmapMod.mmap(-1, 4096, { flags: mmapMod.MAP_SHARED | 0x10 })).code).toBe('ERR_INVALID_ARG_VALUE');
      expect(error(() => raw.mmap(-1, 4096, 3, 0x22 | 0x10, 0)).code).toBe('ERR_INVALID_ARG_VALUE');
    } finally {
      closeSync(fd);
    }
  });

  it('a file larger than the biggest ArrayBuffer: a RangeError, and a window of it maps', () => {
    const file = path.join(dir, 'big.bin');
    const fd = openSync(file, 'w+');
    ftruncateSync(fd, 9 * 2 ** 30); // sparse: no disk used
    closeSync(fd);
    const r = inChild(`
      const fd = require('fs').openSync(${JSON.stringify(file)}, 'r+');
      const whole = err(() => mm.mmap(fd, 0).length);
      const win = mm.mmap(fd, 4096, { offset: 8 * 2 ** 30 });
      win.buffer; const n = win.length; win.close();
      out({ whole, n });`);
    // Node 20's V8 caps ArrayBuffers at 4 GiB; a later V8 may map it whole
    if (r.whole.ok === undefined) expect([r.whole.name, r.whole.code]).toEqual(['RangeError', 'ERR_OUT_OF_RANGE']);
    else expect(r.whole.ok).toBe(9 * 2 ** 30);
    expect(r.n).toBe(4096);
  });
});

// ---- 7. a signal as the program ends ----------------------------------------------------

describe('a signal that arrives as the program ends', () => {
  const script = (esm: boolean): string => (esm
    ? `import * as signal from '${ROOT}/dist/signal.js'; import * as os from '${ROOT}/dist/os.js';
       signal.signal(signal.SIGUSR1, () => { process.stdout.write('handler ran\\n'); });
       os.kill(process.pid, signal.SIGUSR1);
       await null;`
    : `const signal = require('./dist/signal'); const os = require('./dist/os');
       signal.signal(signal.SIGUSR1, () => { process.stdout.write('handler ran\\n'); });
       setTimeout(() => os.kill(process.pid, signal.SIGUSR1), 10);`);

  it.each([['an ES module (after its last await)', true], ['CommonJS (from the last timer)', false]])(
    'runs its handler and exits cleanly: %s', (_name, esm) => {
      const r = runNode([...(esm ? ['--input-type=module'] : []), '-e', script(esm)]);
      expect({ status: r.status, signal: r.signal, out: r.stdout, err: r.stderr }).toEqual(
        { status: 0, signal: null, out: 'handler ran\n', err: '' });
    });
});

// ---- 8. fork with many mappings ---------------------------------------------------------

describe('fork in a process with more than 16384 mappings', () => {
  it('the child keeps every mapping (no fixed-size table)', () => {
    // `ulimit -s unlimited` selects the legacy bottom-up layout, where the
    // extra mappings come before the V8 heap in /proc/self/maps.
    const code = `const os = require('./dist/os'); const { binding } = require('./dist/native');
      const keep = [];
      for (let i = 0; i < 17000; i++) keep.push(binding.mmap(-1, 4096, i % 2 ? 1 : 3, 0x22, 0));
      const pid = os.fork();
      if (pid === 0) { const a = []; for (let i = 0; i < 2e5; i++) a.push({ i }); global.gc(); os._exit(a.length === 2e5 ? 0 : 1); }
      const [, st] = os.waitpid(pid, 0);
      process.stdout.write(JSON.stringify({ code: os.waitstatus_to_exitcode(st) }));`;
    // (npm run test:asan hands its runtime preload to node children only: the
    // shell passes it on.)
    const sh = 'ulimit -s unlimited && exec env ${POSIXKIT_ASAN_RUNTIME:+LD_PRELOAD=$POSIXKIT_ASAN_RUNTIME} '
      + '"$0" --single-threaded --expose-gc -e "$1"';
    const r = runNode(['-e', `require('child_process').execFileSync('sh', ['-c', ${JSON.stringify(sh)}, process.execPath, ${JSON.stringify(code)}], { stdio: 'inherit' })`]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ code: 0 });
  });
});

// ---- 9. fault signals ---------------------------------------------------------------------

describe('synchronous fault signals are refused', () => {
  it('signal(SIGSEGV|SIGBUS|SIGFPE|SIGILL, ...) throws ERR_INVALID_ARG_VALUE, in TS and in the binding', () => {
    for (const sig of [signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL]) {
      const before = signal.getsignal(sig);
      for (const h of [(): void => {}, signal.SIG_IGN, signal.SIG_DFL]) {
        expect(error(() => signal.signal(sig, h)).code).toBe('ERR_INVALID_ARG_VALUE');
      }
      for (const mode of [0, 1, 2]) expect(error(() => raw.signal.signal(sig, mode)).code).toBe('ERR_INVALID_ARG_VALUE');
      expect(signal.getsignal(sig)).toBe(before); // whatever V8 or Node installed stays
    }
  });

  it('so a WebAssembly out-of-bounds load still traps as a RuntimeError', () => {
    const r = inChild(`
      const tried = err(() => signal.signal(signal.SIGSEGV, () => {}));
      const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,5,3,1,0,1,7,5,1,1,102,0,0,10,9,1,7,0,32,0,40,2,0,11]);
      const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f;
      out({ tried: tried.code, trap: err(() => f(1e9)).name });`, { timeout: 10_000 });
    expect(r).toEqual({ tried: 'ERR_INVALID_ARG_VALUE', trap: 'RuntimeError' });
  });
});

// ---- 10. handle teardown ------------------------------------------------------------------

describe('signal handle teardown', () => {
  it('a process that installed handlers exits cleanly (handles freed as their own type)', () => {
    // Under npm run test:asan a mismatched delete is a new-delete-type-mismatch abort here.
    const r = runNode(['-e', `const signal = require('./dist/signal');
      signal.signal(signal.SIGUSR1, () => {}); signal.signal(signal.SIGUSR2, () => {});
      process.on('SIGWINCH', () => {}); process.removeAllListeners('SIGWINCH');`]);
    expect({ status: r.status, signal: r.signal, err: r.stderr }).toEqual({ status: 0, signal: null, err: '' });
  });
});

// ---- 11. inet_ntop ---------------------------------------------------------------------------

describe('inet_ntop reads exactly the address, never past the view', () => {
  it('the raw binding refuses a view of the wrong length (RangeError) and an unknown family (EAFNOSUPPORT)', () => {
    expect(error(() => raw.socket.inet_ntop(socket.AF_INET6, new Uint8Array(1))).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => raw.socket.inet_ntop(socket.AF_INET, new Uint8Array(5))).code).toBe('ERR_OUT_OF_RANGE');
    expect(error(() => raw.socket.inet_ntop(12345, new Uint8Array(4))).code).toBe('EAFNOSUPPORT');
    expect(raw.socket.inet_ntop(socket.AF_INET, Uint8Array.of(127, 0, 0, 1))).toBe('127.0.0.1');
    expect(error(() => socket.inet_ntop(socket.AF_INET6, new Uint8Array(4))).code).toBe('ERR_OUT_OF_RANGE');
  });
});

// ---- 12. timeouts -----------------------------------------------------------------------------

describe('timeouts beyond 9223372036 s are a RangeError before any syscall', () => {
  it('socket: settimeout, setdefaulttimeout, create_connection; Infinity means null', () => {
    const [a, b] = socket.socketpair();
    try {
      for (const t of [1e19, 9.3e9, 2 ** 63]) {
        expect(error(() => a.settimeout(t)).code).toBe('ERR_OUT_OF_RANGE');
        expect(error(() => socket.setdefaulttimeout(t)).code).toBe('ERR_OUT_OF_RANGE');
      }
      a.settimeout(Infinity);
      expect(a.gettimeout()).toBeNull();
      a.settimeout(9e9); // in range: a real wait, not an instant ETIMEDOUT
      b.send(Buffer.from('ok'));
      expect(a.recv(10).toString()).toBe('ok');
    } finally {
      a.close();
      b.close();
    }
  });

  it('the raw calls: recv, accept, sendmsg, select, poll, epoll_wait, sigtimedwait, futex_wait', () => {
    const [a, b] = socket.socketpair();
    const [r, w] = os.pipe();
    // a build that accepts these would block: a throwing handler bounds that
    signal.signal(signal.SIGALRM, () => { throw new Error('blocked instead of refusing'); });
    signal.setitimer(signal.ITIMER_REAL, 2);
    try {
      const fd = a.fileno();
      const i32 = new Int32Array(new SharedArrayBuffer(8));
      for (const call of [
        () => raw.socket.recv(fd, 10, 0, 1e19),
        () => raw.socket.accept(fd, 1e19),
        () => raw.socket.sendmsg(fd, [], [], 0, socket.AF_UNIX, null, 1e19),
        () => raw.select(Int32Array.of(r), 1, 0, 0, 1e19, new Int32Array(1)),
        () => raw.poll(new Int32Array(2), 0, 1e19),
        () => raw.epoll_wait(0, new Int32Array(2), 1, 1e19),
        () => raw.signal.sigtimedwait([signal.SIGUSR1], 1e19),
        () => raw.futex_wait(i32, 0, 0, 1e19),
        () => raw.signal.setitimer(signal.ITIMER_REAL, 1e19, 0),
      ]) {
        expect(error(call).code).toBe('ERR_OUT_OF_RANGE');
      }
      expect(error(() => signal.sigtimedwait([signal.SIGUSR1], 1e19)).code).toBe('ERR_OUT_OF_RANGE');
      expect(error(() => mmapMod.futex_wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1e19)).code)
        .toBe('ERR_OUT_OF_RANGE');
      // Infinity, or any negative number, is "no timeout" for the raw calls
      expect(raw.futex_wait(i32, 0, 1, Infinity)).toBe(-(binding.mmanConstants as Record<string, number>).EAGAIN);
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, signal.SIG_DFL);
      [r, w].forEach((x) => os.close(x));
      a.close();
      b.close();
    }
  });
});

// ---- 13. strerror -------------------------------------------------------------------------------

describe('strerror of INT_MIN', () => {
  it('is "Unknown error -2147483648" (no negation of INT_MIN; UBSan in npm run test:asan)', () => {
    expect(raw.strerror(-(2 ** 31))).toBe('Unknown error -2147483648');
    expect(raw.strerror(2 ** 31 - 1)).toBe('Unknown error 2147483647');
    expect(raw.strerror(-2)).toBe(raw.strerror(2));
    expect(error(() => raw.strerror(-(2 ** 31) - 1)).code).toBe('ERR_OUT_OF_RANGE');
  });
});
