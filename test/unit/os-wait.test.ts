// waitid (every idtype, the option bits, the CLD_* codes) and wait3/wait4
// (the child's resource usage, checked against RUSAGE_CHILDREN).
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as resource from '../../lib/resource';
import * as signal from '../../lib/signal';
import { code } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { procState, runInChild, sleepSync } from '../helpers/proc';

checkLeaks();

/** A child that waits on a pipe until released (or killed). */
function blockedChild(setup?: () => void): { pid: number; release: () => void } {
  const [r, w] = os.pipe();
  const pid = runInChild(() => {
    os.close(w);
    setup?.();
    os.read(r, 1);
    return 0;
  });
  os.close(r);
  return { pid, release: () => os.close(w) };
}

function waitZombie(pid: number): void {
  for (let i = 0; i < 2000 && procState(pid) !== 'Z'; i++) sleepSync(1);
}

describe('waitid', () => {
  it('P_PID reports an exit as CLD_EXITED with the status, signal SIGCHLD and our uid', () => {
    const pid = runInChild(() => 3);
    const r = os.waitid(os.P_PID, pid, os.WEXITED)!;
    expect(r).toBeInstanceOf(os.waitid_result);
    expect([r.si_pid, r.si_uid, r.si_signo, r.si_status, r.si_code]).toEqual([pid, os.getuid(), signal.SIGCHLD, 3, os.CLD_EXITED]);
    expect([...r]).toEqual([pid, os.getuid(), signal.SIGCHLD, 3, os.CLD_EXITED]);
  });
  it('WNOHANG gives null while the child runs; WNOWAIT leaves the zombie for a later wait', () => {
    const c = blockedChild();
    expect(os.waitid(os.P_PID, c.pid, os.WEXITED | os.WNOHANG)).toBeNull();
    c.release();
    waitZombie(c.pid);
    expect(os.waitid(os.P_PID, c.pid, os.WEXITED | os.WNOWAIT)!.si_pid).toBe(c.pid);
    expect(procState(c.pid)).toBe('Z');
    expect(os.waitpid(c.pid, 0)[0]).toBe(c.pid);
    expect(procState(c.pid)).toBeNull();
  });
  it('P_PGID, P_ALL and P_PIDFD select the child', () => {
    const a = runInChild(() => { os.setpgid(0, 0); return 4; });
    waitZombie(a);
    expect(os.waitid(os.P_PGID, a, os.WEXITED)!.si_status).toBe(4);
    const b = runInChild(() => 5);
    expect(os.waitid(os.P_ALL, 0, os.WEXITED)).toMatchObject({ si_pid: b, si_status: 5 });
    const c = blockedChild();
    const pidfd = os.pidfd_open(c.pid);
    try {
      c.release();
      expect(os.waitid(os.P_PIDFD, pidfd, os.WEXITED)).toMatchObject({ si_pid: c.pid, si_code: os.CLD_EXITED });
    } finally {
      os.close(pidfd);
    }
  });
  it('WSTOPPED / WCONTINUED report CLD_STOPPED, CLD_CONTINUED, then CLD_KILLED', () => {
    const c = blockedChild();
    try {
      os.kill(c.pid, signal.SIGSTOP);
      expect(os.waitid(os.P_PID, c.pid, os.WSTOPPED)).toMatchObject({ si_code: os.CLD_STOPPED, si_status: signal.SIGSTOP });
      os.kill(c.pid, signal.SIGCONT);
      expect(os.waitid(os.P_PID, c.pid, os.WCONTINUED)).toMatchObject({ si_code: os.CLD_CONTINUED, si_status: signal.SIGCONT });
      os.kill(c.pid, signal.SIGSTOP);
      const [, stopped] = os.waitpid(c.pid, os.WUNTRACED);
      expect([os.WIFSTOPPED(stopped), os.WSTOPSIG(stopped)]).toEqual([true, signal.SIGSTOP]);
      os.kill(c.pid, signal.SIGCONT);
      const [, cont] = os.waitpid(c.pid, os.WCONTINUED);
      expect(os.WIFCONTINUED(cont)).toBe(true);
      os.kill(c.pid, signal.SIGKILL);
      expect(os.waitid(os.P_PID, c.pid, os.WEXITED)).toMatchObject({ si_code: os.CLD_KILLED, si_status: signal.SIGKILL });
    } finally {
      c.release();
    }
  });
  it('abort without a core limit: CLD_KILLED by SIGABRT, WCOREDUMP false', () => {
    const pid = runInChild(() => {
      resource.setrlimit(resource.RLIMIT_CORE, [0, 0]);
      signal.signal(signal.SIGABRT, signal.SIG_DFL);
      os.abort();
    });
    const [, status] = os.waitpid(pid, 0);
    expect([os.WIFSIGNALED(status), os.WTERMSIG(status), os.WCOREDUMP(status)]).toEqual([true, signal.SIGABRT, false]);
    expect(os.WCOREDUMP(0x80 | signal.SIGABRT)).toBe(true); // the libc macro on a dumped status
  });
  it('errors: ECHILD, EINVAL for bad options or idtype; argument checks', () => {
    expect(code(() => os.waitid(os.P_ALL, 0, os.WEXITED))).toBe('ECHILD');
    expect(code(() => os.waitid(os.P_ALL, 0, 0))).toBe('EINVAL');
    expect(code(() => os.waitid(99, 0, os.WEXITED))).toBe('EINVAL');
    expect(code(() => os.waitid(os.P_PID, -1, os.WEXITED))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.waitid(os.P_PID, 1, 'x' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('wait3 / wait4', () => {
  it('report the child\'s CPU time, which RUSAGE_CHILDREN then includes', () => {
    const before = resource.getrusage(resource.RUSAGE_CHILDREN);
    const pid = runInChild(() => {
      const end = process.cpuUsage().user + 150_000;
      let x = 0;
      while (process.cpuUsage().user < end) x += Math.sqrt(x + 1);
      return x > 0 ? 0 : 1;
    });
    const [p, status, ru] = os.wait4(pid, 0);
    expect([p, os.waitstatus_to_exitcode(status)]).toEqual([pid, 0]);
    expect(ru).toBeInstanceOf(resource.struct_rusage);
    expect(ru.ru_utime).toBeGreaterThan(0.1);
    expect(ru.ru_maxrss).toBeGreaterThan(10_000); // KiB: a node process
    const after = resource.getrusage(resource.RUSAGE_CHILDREN);
    expect(after.ru_utime - before.ru_utime).toBeCloseTo(ru.ru_utime, 1);
  });
  it('wait3 waits for any child; under WNOHANG a running child gives [0, 0, zeros]', () => {
    const c = blockedChild();
    const [p, st, ru] = os.wait3(os.WNOHANG);
    expect([p, st, ru.ru_utime, ru.ru_maxrss]).toEqual([0, 0, 0, 0]);
    c.release();
    const [q, status] = os.wait3(0);
    expect([q, os.waitstatus_to_exitcode(status)]).toEqual([c.pid, 0]);
    expect(code(() => os.wait3(0))).toBe('ECHILD');
    expect(code(() => os.wait4(2 ** 22 + 12345, 0))).toBe('ECHILD');
    expect(code(() => os.wait4(1, 1.5))).toBe('ERR_OUT_OF_RANGE');
  });
});
