// posixkit/signal: arguments, errno mapping, and each call's happy path.
// Delivery semantics live in signal-delivery.test.ts, Node coexistence in
// signal-node.test.ts, the storm in signal-storm.test.ts.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockingIOError, OSError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { fdCount, ROOT } from '../helpers/proc';
import { until } from '../helpers/checks';

const { SIGHUP, SIGUSR2, SIGALRM, SIGKILL, SIGSTOP, SIG_DFL, SIG_IGN } = signal;


function sigmaskBit(field: 'SigIgn' | 'SigCgt' | 'SigBlk' | 'SigPnd', sig: number): boolean {
  const line = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return ((BigInt(`0x${line.split(/\s+/)[1]}`) >> BigInt(sig - 1)) & 1n) === 1n;
}

/**
 * Makes `sig` pending on the main thread while it blocks it. Not kill(self):
 * a process-directed signal the main thread blocks waits in the process
 * queue until another Node thread takes it and forwards it, and while it is
 * being forwarded it is pending nowhere. raise() is thread-directed.
 */
function pendOnMain(sig: number): void {
  signal.raise_signal(sig);
}

afterEach(() => {
  signal.setitimer(signal.ITIMER_REAL, 0);
  signal.alarm(0);
  for (const s of [SIGHUP, SIGUSR2, SIGALRM]) signal.signal(s, SIG_DFL);
});

describe('argument validation', () => {
  it('rejects signal numbers that are not integers in [1, NSIG) (SIG-02)', () => {
    for (const f of [(s: number) => signal.signal(s, SIG_IGN), signal.getsignal, signal.strsignal, signal.raise_signal]) {
      expect(() => f(4242)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
      expect(() => f(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => f(signal.NSIG)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => f(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => f('1' as unknown as number)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });

  it('rejects handlers that are not a function, SIG_DFL, SIG_IGN or a restorable null (SIG-03)', () => {
    for (const h of [undefined, 'ignore', 2, 7, {}, true]) {
      expect(() => signal.signal(SIGHUP, h as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    // null means "the non-posixkit handler signal() replaced": SIGHUP never had one.
    expect(() => signal.signal(SIGHUP, null)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(signal.getsignal(SIGHUP)).toBe(SIG_DFL);
  });

  it('SIGKILL and SIGSTOP can be neither caught nor ignored: EINVAL from sigaction (SIG-04)', () => {
    for (const s of [SIGKILL, SIGSTOP]) {
      for (const h of [() => {}, SIG_IGN, SIG_DFL]) {
        let err: unknown;
        try { signal.signal(s, h); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(OSError);
        expect(err).toMatchObject({ code: 'EINVAL', errno: -22, syscall: 'sigaction' });
      }
      expect(signal.getsignal(s)).toBe(SIG_DFL);
    }
  });

  it('validates alarm, setitimer and getitimer arguments (SIG-10)', () => {
    expect(() => signal.alarm(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.alarm(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.alarm('1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    for (const which of [-1, 3, 99]) {
      let err: unknown;
      try { signal.setitimer(which, 1); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(signal.ItimerError);
      expect(err).toBeInstanceOf(OSError);
      expect(err).toMatchObject({ code: 'EINVAL', syscall: 'setitimer' });
      expect(() => signal.getitimer(which)).toThrow(signal.ItimerError);
    }
    for (const bad of [-1, NaN, Infinity]) {
      expect(() => signal.setitimer(signal.ITIMER_REAL, bad)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => signal.setitimer(signal.ITIMER_REAL, 1, bad)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    }
    expect(() => signal.setitimer(signal.ITIMER_REAL, '1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(signal.getitimer(signal.ITIMER_REAL)).toEqual([0, 0]);
  });

  it('validates masks, signalfd flags and fds', () => {
    // Another `how` is the kernel's EINVAL, as in Python (an OSError).
    expect(() => signal.pthread_sigmask(99, [])).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'pthread_sigmask' }));
    expect(() => signal.pthread_sigmask(signal.SIG_BLOCK, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => signal.pthread_sigmask(signal.SIG_BLOCK, [0])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.pthread_sigmask(signal.SIG_BLOCK, ['2' as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => signal.signalfd([SIGUSR2], 0x7fff)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => signal.signalfd([99])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.signalfd_read(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.signalfd_read(0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    // An fd that is not a signalfd: the kernel's EINVAL.
    const [r, w] = os.pipe();
    try {
      expect(() => signal.signalfd([SIGUSR2], signal.SFD_CLOEXEC, r)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'signalfd' }));
    } finally {
      os.close(r);
      os.close(w);
    }
  });

  it('the native binding re-checks its arguments (no crash on direct calls)', async () => {
    const { binding } = await import('../../lib/native');
    const n = binding.signal as Record<string, (...a: unknown[]) => unknown>;
    expect(() => n.signal()).toThrow(TypeError);
    expect(() => n.signal(2, 9)).toThrow(RangeError);
    expect(() => n.setitimer(0, -1, 0)).toThrow(RangeError);
    expect(() => n.pthread_sigmask(0, [1e9])).toThrow(RangeError);
    expect(() => n.add_pending(100, 1)).toThrow(RangeError);
  });
});

describe('signal / getsignal', () => {
  it('returns the previous handler and round-trips (SIG-01)', () => {
    const h = (): void => {};
    const g = (): void => {};
    expect(signal.getsignal(SIGHUP)).toBe(SIG_DFL);
    expect(signal.signal(SIGHUP, h)).toBe(SIG_DFL);
    expect(signal.getsignal(SIGHUP)).toBe(h);
    expect(signal.signal(SIGHUP, g)).toBe(h);
    expect(signal.signal(SIGHUP, SIG_IGN)).toBe(g);
    expect(signal.getsignal(SIGHUP)).toBe(SIG_IGN);
    expect(signal.signal(SIGHUP, SIG_DFL)).toBe(SIG_IGN);
    expect(signal.getsignal(SIGHUP)).toBe(SIG_DFL);
  });

  it('installs a real sigaction: SigCgt / SigIgn in /proc follow it', () => {
    signal.signal(SIGUSR2, () => {});
    expect(sigmaskBit('SigCgt', SIGUSR2)).toBe(true);
    signal.signal(SIGUSR2, SIG_IGN);
    expect(sigmaskBit('SigCgt', SIGUSR2)).toBe(false);
    expect(sigmaskBit('SigIgn', SIGUSR2)).toBe(true);
    signal.signal(SIGUSR2, SIG_DFL);
    expect(sigmaskBit('SigIgn', SIGUSR2)).toBe(false);
  });

  it('a handler runs as handler(signum) from the event loop', async () => {
    const seen: unknown[][] = [];
    signal.signal(SIGUSR2, (...args: unknown[]) => { seen.push(args); });
    process.kill(process.pid, 'SIGUSR2'); // Node's kill: nothing runs the handler but the loop
    expect(seen).toEqual([]);
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([[SIGUSR2]]);
  });

  it('SIG_IGN really ignores: the process survives a signal whose default kills', () => {
    signal.signal(SIGUSR2, SIG_IGN);
    os.kill(os.getpid(), SIGUSR2);
    signal.raise_signal(SIGUSR2);
    expect(signal.getsignal(SIGUSR2)).toBe(SIG_IGN);
  });

  it('replacing a handler: N raises give N calls to the current one (LU-10)', () => {
    let a = 0;
    let b = 0;
    signal.signal(SIGUSR2, () => { a++; });
    for (let i = 0; i < 10; i++) signal.raise_signal(SIGUSR2);
    signal.signal(SIGUSR2, () => { b++; });
    for (let i = 0; i < 10; i++) signal.raise_signal(SIGUSR2);
    expect([a, b]).toEqual([10, 10]);
  });

  it('refuses signal() and pause() in a worker thread, allows getsignal (SIG-05)', async () => {
    const w = new Worker(path.join(ROOT, 'test/fixtures/signal_worker.js'));
    const msg = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
    expect(msg).toEqual({ signal: 'ERR_SIGNAL_NOT_MAIN_THREAD', pause: 'ERR_SIGNAL_NOT_MAIN_THREAD', getsignal: SIG_DFL });
  });
});

describe('alarm, setitimer, getitimer, pause', () => {
  it('alarm returns the seconds left of the previous alarm (SIG-07)', () => {
    expect(signal.alarm(5)).toBe(0);
    const left = signal.alarm(7);
    expect(left).toBeGreaterThanOrEqual(4);
    expect(left).toBeLessThanOrEqual(5);
    expect(signal.alarm(0)).toBeGreaterThanOrEqual(6);
    expect(signal.alarm(0)).toBe(0);
  });

  it('setitimer returns the old timer and getitimer the time left (SIG-12)', () => {
    expect(signal.setitimer(signal.ITIMER_REAL, 10, 2.5)).toEqual([0, 0]);
    const [left, interval] = signal.getitimer(signal.ITIMER_REAL);
    expect(left).toBeGreaterThan(9);
    expect(left).toBeLessThanOrEqual(10);
    expect(interval).toBe(2.5);
    const [old, oldInterval] = signal.setitimer(signal.ITIMER_REAL, 0);
    expect(old).toBeGreaterThan(9);
    expect(oldInterval).toBe(2.5);
    expect(signal.getitimer(signal.ITIMER_REAL)).toEqual([0, 0]);
  });

  it('pause returns after the handler of a setitimer(0.05) SIGALRM ran (SIG-08)', () => {
    let calls = 0;
    signal.signal(SIGALRM, () => { calls++; });
    signal.setitimer(signal.ITIMER_REAL, 0.05);
    const t = performance.now();
    signal.pause();
    expect(calls).toBe(1);
    expect(performance.now() - t).toBeGreaterThanOrEqual(40);
  });

  it('a 1e-6 s timer is not rounded to 0 and fires (SIG-09)', async () => {
    let calls = 0;
    signal.signal(SIGALRM, () => { calls++; });
    signal.setitimer(signal.ITIMER_REAL, 1e-6);
    expect(await until(() => calls === 1, 1000)).toBe(true);
  });

  for (const [name, which, sig] of [['ITIMER_VIRTUAL', signal.ITIMER_VIRTUAL, signal.SIGVTALRM], ['ITIMER_PROF', signal.ITIMER_PROF, signal.SIGPROF]] as const) {
    it(`${name} fires with CPU work; a handler that disarms leaves (0, 0) (SIG-11)`, async () => {
      let calls = 0;
      signal.signal(sig, () => { calls++; signal.setitimer(which, 0); });
      try {
        signal.setitimer(which, 0.02, 0.02);
        const end = Date.now() + 5000;
        while (calls === 0 && Date.now() < end) {
          let x = 0;
          for (let i = 0; i < 1e6; i++) x += i;
          if (x < 0) break;
          await new Promise((r) => setImmediate(r));
        }
        expect(calls).toBe(1);
        expect(signal.getitimer(which)).toEqual([0, 0]);
      } finally {
        signal.setitimer(which, 0);
        signal.signal(sig, SIG_IGN);
      }
    });
  }
});

describe('raise_signal, strsignal, valid_signals', () => {
  it('raise_signal runs the handler before it returns and throws what the handler threw', () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    signal.raise_signal(SIGUSR2);
    expect(calls).toBe(1);
    const boom = new Error('boom');
    signal.signal(SIGUSR2, () => { throw boom; });
    expect(() => signal.raise_signal(SIGUSR2)).toThrow(boom);
  });

  it('strsignal describes signals like the C library', () => {
    expect(signal.strsignal(SIGHUP)).toBe('Hangup');
    expect(signal.strsignal(signal.SIGINT)).toBe('Interrupt');
    expect(signal.strsignal(signal.SIGRTMIN)).toMatch(/^Real-time signal/);
  });

  it('valid_signals is sigfillset: 1..64 without glibc\'s internal 32 and 33', () => {
    const v = signal.valid_signals();
    expect(v.has(SIGHUP) && v.has(SIGKILL) && v.has(signal.SIGRTMIN) && v.has(signal.SIGRTMAX)).toBe(true);
    expect(v.has(32) || v.has(33) || v.has(0) || v.has(signal.NSIG)).toBe(false);
    expect(v.size).toBe(signal.NSIG - 3);
  });

  it('exports the constants from the C headers', () => {
    expect([signal.SIGHUP, signal.SIGINT, signal.SIGKILL, signal.SIGALRM, signal.SIGTERM, signal.SIGCHLD]).toEqual([1, 2, 9, 14, 15, 17]);
    expect([SIG_DFL, SIG_IGN]).toEqual([0, 1]);
    expect(signal.NSIG).toBe(65);
    expect(signal.SIGRTMIN).toBe(34);
  });
});

describe('pthread_sigmask and sigpending', () => {
  it('blocks, reports the old mask, and runs the handler as the signal is unblocked (SIG-17)', () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2]);
    try {
      expect(old.has(SIGUSR2)).toBe(false);
      expect(sigmaskBit('SigBlk', SIGUSR2)).toBe(true);
      pendOnMain(SIGUSR2);
      expect(signal.sigpending().has(SIGUSR2)).toBe(true);
      expect(calls).toBe(0);
    } finally {
      const during = signal.pthread_sigmask(signal.SIG_UNBLOCK, [SIGUSR2]);
      expect(during.has(SIGUSR2)).toBe(true);
    }
    expect(calls).toBe(1);
    expect(signal.sigpending().has(SIGUSR2)).toBe(false);
    const setmask = signal.pthread_sigmask(signal.SIG_SETMASK, old);
    expect(setmask.has(SIGUSR2)).toBe(false);
  });
});

describe('sigwait, sigwaitinfo, sigtimedwait', () => {
  it('take a blocked pending signal without running its handler', () => {
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2]);
    try {
      pendOnMain(SIGUSR2);
      expect(signal.sigwait([SIGUSR2])).toBe(SIGUSR2);
      pendOnMain(SIGUSR2);
      expect(signal.sigwaitinfo(new Set([SIGUSR2]))).toMatchObject({ si_signo: SIGUSR2, si_pid: os.getpid(), si_uid: process.getuid!() });
      pendOnMain(SIGUSR2);
      expect(signal.sigtimedwait([SIGUSR2], 0)).toMatchObject({ si_signo: SIGUSR2 });
      expect(calls).toBe(0);
    } finally {
      signal.pthread_sigmask(signal.SIG_SETMASK, old);
    }
  });

  it('sigtimedwait returns null after the timeout, recomputed across interruptions (EINTR-02)', () => {
    let calls = 0;
    signal.signal(SIGALRM, () => { calls++; });
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2]);
    try {
      expect(signal.sigtimedwait([SIGUSR2], 0)).toBeNull();
      signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05);
      const t = performance.now();
      expect(signal.sigtimedwait([SIGUSR2], 0.3)).toBeNull();
      const ms = performance.now() - t;
      signal.setitimer(signal.ITIMER_REAL, 0);
      expect(calls).toBeGreaterThanOrEqual(3);
      expect(ms).toBeGreaterThanOrEqual(280);
      expect(ms).toBeLessThan(1500);
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.pthread_sigmask(signal.SIG_SETMASK, old);
    }
  });

  it('validates sets and timeouts', () => {
    expect(() => signal.sigtimedwait([SIGUSR2], -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.sigtimedwait([SIGUSR2], NaN)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => signal.sigwait(7 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => signal.sigwaitinfo([70])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('signalfd', () => {
  it('yields the pending signal with its sender; fd is close-on-exec and optionally non-blocking', () => {
    const fds = fdCount();
    let calls = 0;
    signal.signal(SIGUSR2, () => { calls++; });
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2]);
    const fd = signal.signalfd([SIGUSR2], signal.SFD_CLOEXEC | signal.SFD_NONBLOCK);
    try {
      expect(os.get_inheritable(fd)).toBe(false);
      expect(os.get_blocking(fd)).toBe(false);
      expect(() => signal.signalfd_read(fd)).toThrow(BlockingIOError);
      pendOnMain(SIGUSR2);
      const [info, ...rest] = signal.signalfd_read(fd);
      expect(rest).toEqual([]);
      expect(info).toMatchObject({ ssi_signo: SIGUSR2, ssi_pid: os.getpid(), ssi_uid: process.getuid!() });
      expect(calls).toBe(0); // consumed by the fd, never delivered
      expect(signal.sigpending().has(SIGUSR2)).toBe(false);
      // The mask of an existing signalfd can be changed.
      expect(signal.signalfd([SIGUSR2, SIGHUP], 0, fd)).toBe(fd);
    } finally {
      os.close(fd);
      signal.pthread_sigmask(signal.SIG_SETMASK, old);
    }
    expect(fdCount()).toBe(fds);
  });

  it('defaults to a blocking, close-on-exec fd', () => {
    const fd = signal.signalfd([SIGUSR2]);
    try {
      expect(os.get_inheritable(fd)).toBe(false);
      expect(os.get_blocking(fd)).toBe(true);
    } finally {
      os.close(fd);
    }
  });
});
