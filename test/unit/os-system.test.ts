// uname, times, getloadavg, strerror, setpgrp against the kernel's own view
// (/proc) and Python's.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errno } from '../../lib/errors';
import * as os from '../../lib/os';
import { code } from '../helpers/checks';
import { forkRun } from '../helpers/proc';

describe('system information', () => {
  it('uname matches /proc/sys/kernel and uname(1)', () => {
    const u = os.uname();
    const k = (f: string): string => readFileSync(`/proc/sys/kernel/${f}`, 'utf8').trim();
    expect([u.sysname, u.nodename, u.release, u.version]).toEqual([k('ostype'), k('hostname'), k('osrelease'), k('version')]);
    expect(u.machine).toBe(spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout.trim());
  });
  it('times: our CPU seconds, and children\'s once reaped', () => {
    const t = os.times();
    const cpu = process.cpuUsage();
    expect(t).toBeInstanceOf(os.times_result);
    expect(Math.abs(t.user - cpu.user / 1e6)).toBeLessThan(0.05);
    expect(Math.abs(t.system - cpu.system / 1e6)).toBeLessThan(0.05);
    expect(forkRun(() => {
      const end = process.cpuUsage().user + 120_000;
      while (process.cpuUsage().user < end) { /* burn */ }
    })).toBe(0);
    const t2 = os.times();
    expect(t2.children_user - t.children_user).toBeGreaterThan(0.08);
    expect(t2.elapsed).toBeGreaterThan(t.elapsed);
  });
  it('getloadavg is /proc/loadavg', () => {
    const read = (): number[] => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
    const before = read();
    const l = os.getloadavg();
    const after = read();
    for (let i = 0; i < 3; i++) {
      expect(Math.min(Math.abs(l[i] - before[i]), Math.abs(l[i] - after[i]))).toBeLessThan(0.006);
    }
  });
  it('strerror gives libc\'s message, as Python\'s does', () => {
    const codes = [...Array.from({ length: 134 }, (_, i) => i), 99999];
    const r = spawnSync('python3', ['-c', `import os, json; print(json.dumps([os.strerror(c) for c in ${JSON.stringify(codes)}]))`],
      { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(codes.map((c) => os.strerror(c))).toEqual(JSON.parse(r.stdout));
    expect(os.strerror(errno.ENOENT)).toBe('No such file or directory');
    expect(code(() => os.strerror('2' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
  it('setpgrp makes the caller a group leader', () => {
    expect(forkRun(() => {
      assert.notEqual(os.getpgrp(), os.getpid());
      os.setpgrp();
      assert.equal(os.getpgrp(), os.getpid());
      assert.equal(os.getpgid(0), os.getpid());
    })).toBe(0);
  });
});
