// posixkit/resource against /proc/<pid>/limits and the kernel's accounting.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OSError, PermissionError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as resource from '../../lib/resource';
import { code } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { forkRun, runInChild } from '../helpers/proc';

checkLeaks();

const LIMIT_NAMES: Record<string, string> = {
  RLIMIT_CPU: 'Max cpu time', RLIMIT_FSIZE: 'Max file size', RLIMIT_DATA: 'Max data size', RLIMIT_STACK: 'Max stack size',
  RLIMIT_CORE: 'Max core file size', RLIMIT_RSS: 'Max resident set', RLIMIT_NPROC: 'Max processes',
  RLIMIT_NOFILE: 'Max open files', RLIMIT_MEMLOCK: 'Max locked memory', RLIMIT_AS: 'Max address space',
  RLIMIT_SIGPENDING: 'Max pending signals', RLIMIT_MSGQUEUE: 'Max msgqueue size', RLIMIT_NICE: 'Max nice priority',
  RLIMIT_RTPRIO: 'Max realtime priority', RLIMIT_RTTIME: 'Max realtime timeout',
};

/** [soft, hard] of a limit as /proc/<pid>/limits shows it; unlimited is -1. */
function procLimit(name: string, pid: number | 'self' = 'self'): [number, number] {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith(LIMIT_NAMES[name]))!;
  const [soft, hard] = line.slice(26).trim().split(/\s+/);
  const v = (s: string): number => (s === 'unlimited' ? -1 : Number(s));
  return [v(soft), v(hard)];
}

describe('limits', () => {
  it('getrlimit of every RLIMIT_* matches /proc/self/limits', () => {
    for (const name of Object.keys(LIMIT_NAMES)) {
      expect([name, resource.getrlimit((resource as unknown as Record<string, number>)[name])]).toEqual([name, procLimit(name)]);
    }
    expect(resource.RLIMIT_OFILE).toBe(resource.RLIMIT_NOFILE);
    expect(resource.RLIM_INFINITY).toBe(-1);
  });
  it('setrlimit shows in /proc/self/limits and the kernel enforces it', () => {
    expect(forkRun(() => {
      resource.setrlimit(resource.RLIMIT_NOFILE, [64, 128]);
      assert.deepEqual(procLimit('RLIMIT_NOFILE'), [64, 128]);
      assert.deepEqual(resource.getrlimit(resource.RLIMIT_NOFILE), [64, 128]);
      const fds: number[] = [];
      let err = '';
      try {
        for (let i = 0; i < 100; i++) fds.push(os.dup(0));
      } catch (e) {
        err = (e as { code: string }).code;
      }
      assert.equal(err, 'EMFILE');
      assert.ok(Math.max(...fds) < 64);
      for (const fd of fds) os.close(fd);
      resource.setrlimit(resource.RLIMIT_CORE, [resource.RLIM_INFINITY, resource.RLIM_INFINITY]);
      assert.deepEqual(procLimit('RLIMIT_CORE'), [-1, -1]);
      assert.equal(code(() => resource.setrlimit(resource.RLIMIT_NOFILE, [200, 100])), 'EINVAL');
      os.setuid(65534); // no CAP_SYS_RESOURCE: the hard limit cannot go back up
      resource.setrlimit(resource.RLIMIT_NOFILE, [32, 64]);
      const e = (() => { try { resource.setrlimit(resource.RLIMIT_NOFILE, [32, 128]); } catch (x) { return x; } })();
      assert.ok(e instanceof PermissionError && e instanceof resource.error, String(e));
      return 0;
    })).toBe(0);
  });
  it('prlimit reads and sets another process\'s limits, returning the old ones', () => {
    const [r, w] = os.pipe();
    const pid = runInChild(() => { os.close(w); os.read(r, 1); return 0; });
    os.close(r);
    try {
      const before = procLimit('RLIMIT_NOFILE', pid);
      expect(resource.prlimit(pid, resource.RLIMIT_NOFILE)).toEqual(before);
      expect(resource.prlimit(pid, resource.RLIMIT_NOFILE, [100, 200])).toEqual(before);
      expect(procLimit('RLIMIT_NOFILE', pid)).toEqual([100, 200]);
      expect(resource.prlimit(0, resource.RLIMIT_NOFILE)).toEqual(procLimit('RLIMIT_NOFILE'));
      expect(code(() => resource.prlimit(2 ** 22 + 12345, resource.RLIMIT_NOFILE))).toBe('ESRCH');
    } finally {
      os.close(w);
      os.waitpid(pid, 0);
    }
  });
  it('bad input', () => {
    expect(code(() => resource.getrlimit(999))).toBe('EINVAL');
    expect(code(() => resource.getrlimit('1' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => resource.setrlimit(resource.RLIMIT_CORE, [1] as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => resource.setrlimit(resource.RLIMIT_CORE, 5 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => resource.setrlimit(resource.RLIMIT_CORE, [-2, 0]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => resource.setrlimit(resource.RLIMIT_CORE, [0, 2 ** 60]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => resource.prlimit(-1, resource.RLIMIT_CORE))).toBe('ERR_OUT_OF_RANGE');
    expect(resource.error).toBe(OSError);
  });
});

describe('usage', () => {
  it('getrusage(RUSAGE_SELF) agrees with the process\'s CPU time and peak RSS', () => {
    const hwm = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    const lo = hwm();
    const cpu = process.cpuUsage();
    const ru = resource.getrusage(resource.RUSAGE_SELF);
    expect(ru).toBeInstanceOf(resource.struct_rusage);
    expect(Math.abs(ru.ru_utime - cpu.user / 1e6)).toBeLessThan(0.05);
    expect(Math.abs(ru.ru_stime - cpu.system / 1e6)).toBeLessThan(0.05);
    // At least this image's peak (VmHWM), up to the kernel's batched RSS
    // counters; it may be higher: it keeps the peak of the image before exec.
    expect(ru.ru_maxrss).toBeGreaterThanOrEqual(lo * 0.95);
    const th = resource.getrusage(resource.RUSAGE_THREAD);
    expect(th.ru_utime).toBeLessThanOrEqual(ru.ru_utime + 0.01);
    expect(code(() => resource.getrusage(99))).toBe('EINVAL');
  });
  it('getpagesize is the system\'s (getconf PAGESIZE)', () => {
    const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
    expect(resource.getpagesize()).toBe(Number(r.stdout.trim()));
  });
});
