// The signal calls that target a process, a thread or a pidfd, and the
// wakeup fd: each handler of a signal sent to ourselves runs before the call
// returns (as in Python), and the wakeup fd receives one byte per signal.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessLookupError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { code, error, until } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { hooks } from '../helpers/native-hooks';
import { forkRun, ROOT, runInChild, runNode } from '../helpers/proc';

checkLeaks();
afterEach(() => {
  signal.set_wakeup_fd(-1);
  for (const s of [signal.SIGUSR1, signal.SIGUSR2]) signal.signal(s, signal.SIG_DFL);
});

function counting(sig: number): { count: () => number } {
  let n = 0;
  signal.signal(sig, () => { n++; });
  return { count: () => n };
}

describe('a signal sent to ourselves runs its handler before the call returns', () => {
  it('os.kill(getpid())', () => {
    const h = counting(signal.SIGUSR1);
    os.kill(os.getpid(), signal.SIGUSR1);
    expect(h.count()).toBe(1);
  });
  it('a handler\'s exception comes out of kill', () => {
    const boom = new Error('from the handler');
    signal.signal(signal.SIGUSR1, () => { throw boom; });
    expect(error(() => os.kill(os.getpid(), signal.SIGUSR1))).toBe(boom);
  });
  it('os.killpg of our own group (in a child leading its group)', () => {
    expect(forkRun(() => {
      os.setpgrp();
      const h = counting(signal.SIGUSR2);
      os.killpg(os.getpgrp(), signal.SIGUSR2);
      return h.count() === 1 ? 0 : 1;
    })).toBe(0);
  });
  it('pthread_kill(gettid()) and pidfd_send_signal(pidfd of self)', () => {
    const h = counting(signal.SIGUSR1);
    signal.pthread_kill(os.gettid(), signal.SIGUSR1);
    expect(h.count()).toBe(1);
    const pidfd = os.pidfd_open(os.getpid());
    try {
      signal.pidfd_send_signal(pidfd, signal.SIGUSR1);
      expect(h.count()).toBe(2);
    } finally {
      os.close(pidfd);
    }
  });
});

describe('pthread_kill', () => {
  it('reaches a worker thread by its kernel tid; the handler runs on the main thread', async () => {
    const h = counting(signal.SIGUSR2);
    const before = hooks._signal_stats().forwarded;
    const w = new Worker(`const { parentPort } = require('node:worker_threads');
      parentPort.postMessage(require(${JSON.stringify(path.join(ROOT, 'dist/os.js'))}).gettid());
      setInterval(() => {}, 1000);`, { eval: true });
    try {
      const tid = await new Promise<number>((resolve) => w.once('message', resolve));
      expect(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')).toMatch(/^\d+ /); // a thread of ours
      signal.pthread_kill(tid, 0); // probe
      signal.pthread_kill(tid, signal.SIGUSR2);
      expect(await until(() => h.count() === 1, 5000)).toBe(true);
      expect(hooks._signal_stats().forwarded).toBeGreaterThan(before); // delivered on the worker, forwarded
    } finally {
      await w.terminate();
    }
  });
  it('a tid outside this process is ESRCH (tgkill checks the thread group); bad arguments', () => {
    const e = error(() => signal.pthread_kill(os.getppid(), 0));
    expect(e).toBeInstanceOf(ProcessLookupError);
    expect(e.syscall).toBe('pthread_kill');
    expect(code(() => signal.pthread_kill(os.gettid(), signal.NSIG))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => signal.pthread_kill(0, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => signal.pthread_kill('1' as never, 0))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('pidfd_send_signal', () => {
  it('signals a child through its pidfd; ESRCH once it is reaped', () => {
    const [r, w] = os.pipe();
    const pid = runInChild(() => { os.close(w); os.read(r, 1); return 0; });
    os.close(r);
    const pidfd = os.pidfd_open(pid);
    try {
      signal.pidfd_send_signal(pidfd, signal.SIGTERM);
      const [, status] = os.waitpid(pid, 0);
      expect([os.WIFSIGNALED(status), os.WTERMSIG(status)]).toEqual([true, signal.SIGTERM]);
      expect(code(() => signal.pidfd_send_signal(pidfd, 0))).toBe('ESRCH');
      expect(code(() => signal.pidfd_send_signal(pidfd, 0, null, 0x7fff))).toBe('EINVAL');
      expect(code(() => signal.pidfd_send_signal(pidfd, 0, {} as never))).toBe('ERR_INVALID_ARG_TYPE');
    } finally {
      os.close(pidfd);
      os.close(w);
    }
    expect(code(() => signal.pidfd_send_signal(r, 0))).toBe('EBADF');
  });
});

describe('set_wakeup_fd', () => {
  it('writes the signal number, one byte per signal; returns the previous fd', () => {
    const [r, w] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
    try {
      counting(signal.SIGUSR1);
      counting(signal.SIGUSR2);
      expect(signal.set_wakeup_fd(w)).toBe(-1);
      signal.raise_signal(signal.SIGUSR1);
      os.kill(os.getpid(), signal.SIGUSR2);
      expect([...os.read(r, 10)]).toEqual([signal.SIGUSR1, signal.SIGUSR2]);
      expect(signal.set_wakeup_fd(-1)).toBe(w);
      signal.raise_signal(signal.SIGUSR1);
      expect(code(() => os.read(r, 10))).toBe('EAGAIN');
    } finally {
      os.close(r);
      os.close(w);
    }
  });
  it('refuses a blocking or closed fd, and other threads', async () => {
    const [r, w] = os.pipe();
    try {
      const e = error(() => signal.set_wakeup_fd(w));
      expect(e.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(e.message).toBe(`the fd ${w} must be in non-blocking mode`);
    } finally {
      os.close(r);
      os.close(w);
    }
    expect(code(() => signal.set_wakeup_fd(w))).toBe('EBADF');
    expect(code(() => signal.set_wakeup_fd(-2))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => signal.set_wakeup_fd(-1, { warn_on_full_buffer: 1 as never }))).toBe('ERR_INVALID_ARG_TYPE');
    const worker = new Worker(`const { parentPort } = require('node:worker_threads');
      try { require(${JSON.stringify(path.join(ROOT, 'dist/signal.js'))}).set_wakeup_fd(-1); parentPort.postMessage('no error'); }
      catch (e) { parentPort.postMessage(e.code); }`, { eval: true });
    expect(await new Promise((resolve) => worker.once('message', resolve))).toBe('ERR_SIGNAL_NOT_MAIN_THREAD');
    await worker.terminate();
  });
  it('reports a full pipe on stderr unless warn_on_full_buffer is false; other errors always', () => {
    const script = (warn: boolean) => `
      const os = require('./dist/os'); const signal = require('./dist/signal');
      signal.signal(signal.SIGUSR1, () => {});
      const [r, w] = os.pipe2(os.O_NONBLOCK);
      try { for (;;) os.write(w, Buffer.alloc(65536)); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
      signal.set_wakeup_fd(w, { warn_on_full_buffer: ${warn} });
      signal.raise_signal(signal.SIGUSR1);
      process.stderr.write('-- now a closed fd --\\n');
      os.close(w);
      signal.raise_signal(signal.SIGUSR1);`;
    const loud = runNode(['-e', script(true)]);
    expect(loud.status, loud.stderr).toBe(0);
    const [full, closed] = loud.stderr.split('-- now a closed fd --');
    expect(full).toContain('Exception ignored when trying to write to the signal wakeup fd:');
    expect(full).toContain('BlockingIOError: EAGAIN');
    expect(closed).toContain('EBADF');
    const quiet = runNode(['-e', script(false)]);
    expect(quiet.status, quiet.stderr).toBe(0);
    const [full2, closed2] = quiet.stderr.split('-- now a closed fd --');
    expect(full2).not.toContain('Exception ignored');
    expect(closed2).toContain('Exception ignored when trying to write to the signal wakeup fd:');
  });
});

describe('sigwaitinfo results', () => {
  it('are struct_siginfo: indexable like Python\'s tuple, with named fields', () => {
    const old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2]);
    try {
      // To this thread: Node's other threads do not block SIGUSR2 (its default action ends the process).
      signal.pthread_kill(os.gettid(), signal.SIGUSR2);
      const si = signal.sigtimedwait([signal.SIGUSR2], 1)!;
      expect(si).toBeInstanceOf(signal.struct_siginfo);
      expect([si[0], si.si_signo, si[3], si.si_pid, si.si_uid]).toEqual([signal.SIGUSR2, signal.SIGUSR2, os.getpid(), os.getpid(), os.getuid()]);
      expect(si.length).toBe(7);
    } finally {
      signal.pthread_sigmask(signal.SIG_SETMASK, old);
    }
  });
});

describe('default_int_handler', () => {
  it('throws KeyboardInterrupt out of the call during which SIGINT arrived', () => {
    const prev = signal.signal(signal.SIGINT, signal.default_int_handler);
    try {
      expect(signal.getsignal(signal.SIGINT)).toBe(signal.default_int_handler);
      // raise_signal runs the handler before it returns, so its error comes out here.
      const caught = error(() => signal.raise_signal(signal.SIGINT));
      expect(caught).toBeInstanceOf(signal.KeyboardInterrupt);
      expect(caught).toMatchObject({ name: 'KeyboardInterrupt', code: 'ERR_KEYBOARD_INTERRUPT' });
    } finally {
      signal.signal(signal.SIGINT, prev);
    }
  });
});
