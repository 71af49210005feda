// Delivery: JS handlers inside blocking calls (PEP 475), SIGCHLD SIG_IGN,
// handlers across fork, exact counts.
import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcessError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { hooks } from '../helpers/native-hooks';
import { fdCount, forkAsync, procState, runInChild, runNode, sleepSync, waitWithTimeout, zombieChildren } from '../helpers/proc';
import { until } from '../helpers/checks';

const { SIGALRM, SIGUSR2, SIGHUP, SIGCHLD, SIG_DFL, SIG_IGN } = signal;


afterEach(() => {
  signal.setitimer(signal.ITIMER_REAL, 0);
  signal.alarm(0);
  for (const s of [SIGALRM, SIGUSR2, SIGHUP]) signal.signal(s, SIG_IGN);
  signal.signal(SIGCHLD, SIG_DFL);
  expect(zombieChildren()).toEqual([]);
});

describe('a handler that throws inside a blocking call (SIG-06, NODE-07)', () => {
  it('os.read on a pipe throws the handler\'s error; the fd still works afterwards', () => {
    const fds = fdCount();
    const [r, w] = os.pipe();
    const boom = new Error('SIGALRM during read');
    try {
      signal.signal(SIGALRM, () => { throw boom; });
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      const t = performance.now();
      expect(() => os.read(r, 10)).toThrow(boom);
      expect(performance.now() - t).toBeGreaterThanOrEqual(40);
      signal.signal(SIGALRM, SIG_IGN);
      os.write(w, 'still here');
      expect(os.read(r, 100).toString()).toBe('still here');
    } finally {
      os.close(r);
      os.close(w);
    }
    expect(fdCount()).toBe(fds);
  });

  it('os.waitpid throws the handler\'s error; the child can still be waited for', () => {
    const pid = runInChild(() => { sleepSync(5000); return 3; });
    const boom = new Error('SIGALRM during waitpid');
    try {
      signal.signal(SIGALRM, () => { throw boom; });
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      expect(() => os.waitpid(pid, 0)).toThrow(boom);
      expect(os.waitpid(pid, os.WNOHANG)).toEqual([0, 0]); // not reaped by the aborted call
    } finally {
      os.kill(pid, signal.SIGKILL);
      const [p, status] = os.waitpid(pid, 0);
      expect(p).toBe(pid);
      expect(os.waitstatus_to_exitcode(status)).toBe(-signal.SIGKILL);
    }
  });

  it('pause throws what the handler of alarm(1) threw (SIG-06)', () => {
    const boom = new Error('alarm');
    signal.signal(SIGALRM, () => { throw boom; });
    signal.alarm(1);
    const t = performance.now();
    expect(() => signal.pause()).toThrow(boom);
    const ms = performance.now() - t;
    expect(ms).toBeGreaterThanOrEqual(800);
    expect(ms).toBeLessThan(3000);
  });

  it('a throwing handler leaves the other pending calls for the event loop', async () => {
    let later = 0;
    const boom = new Error('first');
    let first = true;
    signal.signal(SIGUSR2, () => {
      if (first) { first = false; throw boom; }
      later++;
    });
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2, SIGHUP]);
    signal.signal(SIGHUP, () => { later++; });
    // Thread-directed, so both stay pending here (see pendOnMain in signal.test.ts).
    signal.raise_signal(SIGUSR2);
    signal.raise_signal(SIGHUP);
    // Unblocking delivers both; SIGHUP (1) runs first, then SIGUSR2 throws.
    expect(() => signal.pthread_sigmask(signal.SIG_SETMASK, old)).toThrow(boom);
    expect(later).toBe(1);
    signal.raise_signal(SIGUSR2);
    expect(later).toBe(2);
  });
});

describe('the EINTR rule with handlers that return (PEP 475, SIG-13)', () => {
  it('alarm interrupts a blocking waitpid, the handler runs, and the wait completes with the right status', () => {
    const pid = runInChild(() => { sleepSync(1300); return 42; });
    let calls = 0;
    let whenMs = 0;
    const t = performance.now();
    signal.signal(SIGALRM, () => { calls++; whenMs = performance.now() - t; });
    signal.alarm(1);
    const [p, status] = os.waitpid(pid, 0);
    expect(p).toBe(pid);
    expect(os.waitstatus_to_exitcode(status)).toBe(42);
    expect(calls).toBe(1);
    // The handler ran at the alarm, inside the wait, not after it.
    expect(whenMs).toBeGreaterThanOrEqual(800);
    expect(whenMs).toBeLessThan(performance.now() - t);
  });

  it('a 10 Hz interval timer never surfaces EINTR from a read that completes (OS-14)', () => {
    const [r, w] = os.pipe();
    const pid = runInChild(() => { os.close(r); sleepSync(350); os.write(w, 'late data'); return 0; });
    os.close(w);
    let calls = 0;
    try {
      signal.signal(SIGALRM, () => { calls++; });
      signal.setitimer(signal.ITIMER_REAL, 0.1, 0.1);
      expect(os.read(r, 100).toString()).toBe('late data');
      signal.setitimer(signal.ITIMER_REAL, 0);
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      os.close(r);
      expect(waitWithTimeout(pid).status).toBe(0);
    }
  });
});

describe('pause', () => {
  it('returns at once, after running it, when a handler is still pending', () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    process.kill(process.pid, 'SIGUSR2'); // Node's kill: recorded; its JS handler waits for a dispatch point
    expect(calls).toBe(0);
    const t = performance.now();
    signal.pause();
    expect(calls).toBe(1);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('a signal from another process wakes it (while (!done) pause())', () => {
    let done = false;
    signal.signal(SIGHUP, () => { done = true; });
    const ppid = os.getpid();
    const pid = runInChild(() => { sleepSync(100); os.kill(ppid, SIGHUP); return 0; });
    const end = Date.now() + 5000;
    while (!done && Date.now() < end) signal.pause();
    expect(done).toBe(true);
    expect(waitWithTimeout(pid).status).toBe(0);
  });
});

describe('Node\'s own handlers do not interrupt posixkit calls (LU-14)', () => {
  it('with only process.on(\'SIGUSR2\'), a blocking read completes (libuv uses SA_RESTART)', async () => {
    let heard = 0;
    const listener = (): void => { heard++; };
    process.on('SIGUSR2', listener);
    const [r, w] = os.pipe();
    const ppid = os.getpid();
    const pid = runInChild(() => {
      os.close(r);
      for (let i = 0; i < 5; i++) { sleepSync(30); os.kill(ppid, SIGUSR2); }
      sleepSync(50);
      os.write(w, 'done');
      return 0;
    });
    os.close(w);
    try {
      expect(signal.getsignal(SIGUSR2)).toBeNull();
      expect(os.read(r, 10).toString()).toBe('done');
      expect(await until(() => heard >= 1)).toBe(true);
    } finally {
      os.close(r);
      process.off('SIGUSR2', listener);
      expect(waitWithTimeout(pid).status).toBe(0);
    }
  });
});

describe('siginterrupt (SIG-13)', () => {
  it('siginterrupt(sig, false): the read is restarted, the handler waits for the event loop', async () => {
    const [r, w] = os.pipe();
    const pid = runInChild(() => { os.close(r); sleepSync(300); os.write(w, 'after'); return 0; });
    // w stays open here, so the second read blocks instead of seeing EOF.
    let calls = 0;
    try {
      signal.signal(SIGALRM, () => { calls++; });
      signal.siginterrupt(SIGALRM, false);
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      expect(os.read(r, 10).toString()).toBe('after');
      expect(calls).toBe(0); // not run inside the read
      expect(await until(() => calls === 1)).toBe(true);
      // And back: interrupted again, handler inside the call.
      signal.siginterrupt(SIGALRM, true);
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      const boom = new Error('inside');
      signal.signal(SIGALRM, () => { throw boom; });
      expect(() => os.read(r, 10)).toThrow(boom);
    } finally {
      signal.signal(SIGALRM, SIG_IGN);
      os.close(r);
      os.close(w);
      expect(waitWithTimeout(pid).status).toBe(0);
    }
  });

  it('validates its arguments', () => {
    expect(() => signal.siginterrupt(SIGALRM, 0 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => signal.siginterrupt(0, true)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.siginterrupt(signal.SIGKILL, true)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('SIGCHLD', () => {
  it('SIG_IGN: the kernel reaps, no Z state, waitpid fails with ECHILD (OS-10)', () => {
    expect(signal.signal(SIGCHLD, SIG_IGN)).toBe(SIG_DFL);
    const pid = runInChild(() => 3);
    const end = Date.now() + 2000;
    while (procState(pid) !== null && Date.now() < end) sleepSync(5);
    expect(procState(pid)).toBeNull();
    expect(zombieChildren()).toEqual([]);
    let err: unknown;
    try { os.waitpid(pid, 0); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ChildProcessError);
    expect(err).toMatchObject({ code: 'ECHILD', syscall: 'waitpid' });
  });

  it('SIG_DFL: an unwaited child is a zombie until waitpid reaps it (OS-11)', () => {
    const pid = runInChild(() => 7);
    const end = Date.now() + 2000;
    while (procState(pid) !== 'Z' && Date.now() < end) sleepSync(5);
    expect(procState(pid)).toBe('Z');
    expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(7);
    expect(procState(pid)).toBeNull();
  });

  it('a handler with a WNOHANG loop reaps every child (the fork server pattern)', async () => {
    const reaped = new Map<number, number>();
    signal.signal(SIGCHLD, () => {
      for (;;) {
        let r: [number, number];
        try { r = os.waitpid(-1, os.WNOHANG); } catch { return; } // ECHILD: none left
        if (r[0] === 0) return;
        reaped.set(r[0], os.waitstatus_to_exitcode(r[1]));
      }
    });
    const pids = [1, 2, 3, 4, 5].map((code) => runInChild(() => { sleepSync(code * 10); return code; }));
    expect(await until(() => reaped.size === 5, 5000)).toBe(true);
    expect(pids.map((p) => reaped.get(p))).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('handlers across fork', () => {
  it('a forked child inherits the handler and it runs there; the parent\'s does not (LU-04)', async () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    const recordedBefore = hooks._signal_stats().recorded[SIGUSR2] ?? 0;
    const [r, w] = os.pipe();
    const pid = await forkAsync(async () => {
      os.close(r);
      os.write(w, 'r');
      // Idle in the child's event loop: the handler runs from there.
      const end = Date.now() + 5000;
      while (calls === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 1));
      return calls === 1 && signal.getsignal(SIGUSR2) !== SIG_DFL ? 0 : 10 + calls;
    });
    os.close(w);
    try {
      expect(os.read(r, 1).toString()).toBe('r');
      os.kill(pid, SIGUSR2);
      const { status } = waitWithTimeout(pid, 10_000);
      expect(os.waitstatus_to_exitcode(status!)).toBe(0);
    } finally {
      os.close(r);
    }
    expect(calls).toBe(0);
    expect(hooks._signal_stats().recorded[SIGUSR2] ?? 0).toBe(recordedBefore);
  });

  it('a child blocked in a syscall runs its inherited handler there; the parent sees nothing (LU-05)', () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    const recordedBefore = hooks._signal_stats().recorded[SIGUSR2] ?? 0;
    const [r, w] = os.pipe();
    const [ready, readyW] = os.pipe();
    const pid = runInChild(() => {
      os.close(w);
      os.close(ready);
      os.write(readyW, 'r');
      const data = os.read(r, 10); // blocked here, never in the event loop
      return data.toString() === 'go' ? Math.min(calls, 50) : 99;
    });
    os.close(r);
    os.close(readyW);
    try {
      expect(os.read(ready, 1).toString()).toBe('r');
      for (let i = 0; i < 3; i++) {
        sleepSync(30);
        os.kill(pid, SIGUSR2);
      }
      sleepSync(50);
      os.write(w, 'go');
      const code = os.waitstatus_to_exitcode(waitWithTimeout(pid).status!);
      expect(code).toBeGreaterThanOrEqual(1);
      expect(code).toBeLessThanOrEqual(3);
    } finally {
      os.close(w);
      os.close(ready);
    }
    expect(calls).toBe(0);
    expect(hooks._signal_stats().recorded[SIGUSR2] ?? 0).toBe(recordedBefore);
  });

  it('a signal recorded but not yet dispatched before fork runs in the parent only (LU-06)', async () => {
    let calls = 0;
    signal.signal(SIGHUP, () => { calls++; });
    process.kill(process.pid, 'SIGHUP'); // Node's kill: recorded now, dispatched by the event loop later
    const pid = await forkAsync(async () => {
      await new Promise((res) => setTimeout(res, 100));
      return calls;
    });
    expect(await until(() => calls === 1)).toBe(true);
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });

  it('SIG_IGN is inherited: the child survives a signal whose default kills', () => {
    signal.signal(SIGUSR2, SIG_IGN);
    const pid = runInChild(() => {
      os.kill(os.getpid(), SIGUSR2);
      return signal.getsignal(SIGUSR2) === SIG_IGN ? 0 : 1;
    });
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });
});

describe('from the event loop (NODE-05)', () => {
  it('a handler runs while the loop is idle in epoll_wait: the signal wakes it, not the next timer', async () => {
    // Only a 5 s watchdog is pending: the loop sleeps in epoll_wait until the
    // native handler's uv_async_send. Each wait must end far sooner than the
    // watchdog (a generous 1 s band: the latency itself is measured by
    // scripts/bench/signal.js, not asserted here).
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const ran = await new Promise<boolean>((resolve) => {
        const watchdog = setTimeout(() => resolve(false), 5000);
        signal.signal(SIGALRM, () => { clearTimeout(watchdog); resolve(true); });
        signal.setitimer(signal.ITIMER_REAL, 0.001);
      });
      expect(ran).toBe(true);
      lat.push(performance.now() - t0);
    }
    expect(Math.max(...lat)).toBeLessThan(1000);
  });
});

describe('no lost signals', () => {
  it('N one-shot timers, each waited for, give exactly N handler calls (SIG-14)', async () => {
    const N = 300;
    let calls = 0;
    signal.signal(SIGALRM, () => { calls++; });
    const end = Date.now() + 10_000;
    for (let i = 0; i < N && Date.now() < end; i++) {
      signal.setitimer(signal.ITIMER_REAL, 1e-6 + Math.random() * 1e-5);
      while (calls < i + 1 && Date.now() < end) await new Promise((r) => setImmediate(r));
    }
    expect(calls).toBe(N);
  });

  it('toggling handler and SIG_IGN while another process signals us never crashes; received <= sent (SIG-15)', () => {
    let calls = 0;
    const h = (): void => { calls++; };
    signal.signal(SIGUSR2, h);
    const [r, w] = os.pipe();
    const ppid = os.getpid();
    const pid = runInChild(() => {
      os.close(r);
      let sent = 0;
      const end = Date.now() + 400;
      while (Date.now() < end) { os.kill(ppid, SIGUSR2); sent++; }
      os.write(w, Buffer.from(new Uint32Array([sent]).buffer));
      return 0;
    });
    os.close(w);
    for (let i = 0; i < 20000; i++) signal.signal(SIGUSR2, i % 2 ? h : SIG_IGN);
    signal.signal(SIGUSR2, h);
    const sent = new Uint32Array(new Uint8Array(os.read(r, 4)).buffer)[0];
    os.close(r);
    expect(waitWithTimeout(pid).status).toBe(0);
    expect(sent).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(sent);
  });
});

describe('kill() to this process of a signal the main thread blocks', () => {
  // Node's helper threads do not block it: the kernel would pick one of them.
  it('is pending on the main thread at once, with kill()\'s siginfo; a default action does not run elsewhere', () => {
    const r = runNode(['-e', `
      const signal = require('./dist/signal'), os = require('./dist/os');
      const { SIGALRM, SIGTERM } = signal;
      signal.signal(SIGALRM, () => { throw new Error('handler ran'); });
      signal.pthread_sigmask(signal.SIG_BLOCK, [SIGALRM, SIGTERM]);
      let found = 0, info = null;
      for (let i = 0; i < 500; i++) {
        os.kill(os.getpid(), SIGALRM);
        info = signal.sigtimedwait([SIGALRM], 0);
        if (info && info.si_signo === SIGALRM) found++;
      }
      os.kill(os.getpid(), SIGTERM); // SIG_DFL: would end the process on a helper thread
      const pending = [...signal.sigpending()];
      const got = signal.sigwait([SIGTERM]);
      console.log(JSON.stringify({ found, code: info.si_code, pid: info.si_pid, me: process.pid, pending, got }));
    `], { execArgv: [] }); // all of Node's threads
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ found: 500, code: 0 /* SI_USER */, pid: out.me, me: out.me, pending: [signal.SIGTERM], got: signal.SIGTERM });
  });
});

describe('a JS handler steers its signal away from Node\'s helper threads', () => {
  // A signal one of them took would reach the main thread late, out of order
  // with the ones the main thread took itself.
  it('every other thread blocks it when signal() returns; the handler runs only for real signals', () => {
    const r = runNode(['-e', `
      const signal = require('./dist/signal'), os = require('./dist/os'), fs = require('fs');
      let calls = 0;
      signal.signal(signal.SIGUSR2, () => { calls++; });
      const bit = 1n << BigInt(signal.SIGUSR2 - 1);
      const field = (tid, name) => BigInt('0x' + fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8').match(new RegExp(name + ':\\\\s*(\\\\w+)'))[1]);
      const others = () => fs.readdirSync('/proc/self/task').filter((t) => +t !== process.pid);
      const unblocked = others().filter((t) => (field(t, 'SigBlk') & bit) === 0n).length;
      const pending = others().filter((t) => (field(t, 'SigPnd') & bit) !== 0n).length;
      for (let i = 0; i < 50; i++) os.kill(os.getpid(), signal.SIGUSR2);
      console.log(JSON.stringify({ threads: others().length, unblocked, pending, calls }));
    `], { execArgv: [] });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.threads).toBeGreaterThan(0);
    expect(out).toEqual({ threads: out.threads, unblocked: 0, pending: 0, calls: 50 });
  });

  it('a handler replaced at once by SIG_DFL leaves no request behind that could end the process', () => {
    const r = runNode(['-e', `
      const signal = require('./dist/signal');
      for (const s of [signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM]) {
        signal.signal(s, () => {});
        signal.signal(s, signal.SIG_DFL);
      }
      setTimeout(() => console.log('alive'), 200);
    `], { execArgv: [] });
    expect(r.stderr).toBe('');
    expect([r.status, r.signal, r.stdout]).toEqual([0, null, 'alive\n']);
  });
});
