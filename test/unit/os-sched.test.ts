// Scheduling calls against /proc: affinity (Cpus_allowed_list), policy,
// real-time priority and nice value (/proc/self/stat fields 41, 40, 19).
// Changes happen in forked children.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { code } from '../helpers/checks';
import { forkRun } from '../helpers/proc';

const root = os.geteuid() === 0;

function cpusAllowed(): number[] {
  const line = readFileSync('/proc/thread-self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'))!;
  const out: number[] = [];
  for (const part of line.split(':')[1].trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/** Field n (1-based, as in proc(5)) of /proc/self/stat. */
function statField(n: number): number {
  const s = readFileSync('/proc/self/stat', 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[n - 3]);
}
const policy = (): number => statField(41);
const rtPriority = (): number => statField(40);
const niceField = (): number => statField(19);

describe('affinity', () => {
  it('sched_getaffinity is the Cpus_allowed_list of the thread', () => {
    expect([...os.sched_getaffinity(0)]).toEqual(cpusAllowed());
  });
  it('sched_setaffinity restricts the thread, visible in /proc', () => {
    expect(forkRun(() => {
      os.sched_setaffinity(0, [0]);
      assert.deepEqual(cpusAllowed(), [0]);
      assert.deepEqual([...os.sched_getaffinity(0)], [0]);
      os.sched_setaffinity(0, new Set(os.sched_getaffinity(os.getppid())));
      assert.deepEqual(cpusAllowed(), [...os.sched_getaffinity(os.getppid())]);
    })).toBe(0);
  });
  it('no usable CPU is EINVAL; a bad CPU number is refused before the call', () => {
    expect(code(() => os.sched_setaffinity(0, []))).toBe('EINVAL');
    expect(code(() => os.sched_setaffinity(0, [2 ** 20 - 1]))).toBe('EINVAL');
    expect(code(() => os.sched_setaffinity(0, [-1]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.sched_setaffinity(0, [2 ** 20]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.sched_setaffinity(0, [0.5]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.sched_setaffinity(0, 3 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.sched_getaffinity(2 ** 22 + 12345))).toBe('ESRCH');
    expect(code(() => os.sched_getaffinity(-1))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('policies and priorities', () => {
  it('min/max priorities agree with Python for every policy', () => {
    const pols = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_IDLE'];
    const r = spawnSync('python3', ['-c', `import os, json; print(json.dumps([[os.sched_get_priority_min(getattr(os, p)), os.sched_get_priority_max(getattr(os, p))] for p in ${JSON.stringify(pols)}]))`],
      { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const ours = pols.map((p) => [os.sched_get_priority_min((os as unknown as Record<string, number>)[p]),
      os.sched_get_priority_max((os as unknown as Record<string, number>)[p])]);
    expect(ours).toEqual(JSON.parse(r.stdout));
    expect(code(() => os.sched_get_priority_max(1234))).toBe('EINVAL');
  });
  it('sched_getscheduler/getparam read this process', () => {
    expect(os.sched_getscheduler(0)).toBe(policy());
    expect(os.sched_getparam(0)).toEqual([rtPriority()]);
    expect(os.sched_getparam(0)).toBeInstanceOf(os.sched_param);
  });
  it('sched_setscheduler to SCHED_BATCH / SCHED_IDLE shows in /proc/self/stat', () => {
    expect(forkRun(() => {
      os.sched_setscheduler(0, os.SCHED_BATCH, new os.sched_param(0));
      assert.equal(policy(), os.SCHED_BATCH);
      os.sched_setscheduler(0, os.SCHED_IDLE | os.SCHED_RESET_ON_FORK, new os.sched_param(0));
      assert.equal(policy(), os.SCHED_IDLE);
      assert.equal(os.sched_getscheduler(0), os.SCHED_IDLE | os.SCHED_RESET_ON_FORK);
      assert.equal(code(() => os.sched_setscheduler(0, os.SCHED_BATCH, new os.sched_param(5))), 'EINVAL');
    })).toBe(0);
  });
  it.skipIf(!root)('real-time policies: priority set and read back, SCHED_RR time slice', () => {
    expect(forkRun(() => {
      os.sched_setscheduler(0, os.SCHED_FIFO, new os.sched_param(10));
      assert.deepEqual([policy(), rtPriority()], [os.SCHED_FIFO, 10]);
      os.sched_setparam(0, new os.sched_param(20));
      assert.equal(rtPriority(), 20);
      assert.equal(os.sched_getparam(0).sched_priority, 20);
      os.sched_setscheduler(0, os.SCHED_RR, new os.sched_param(1));
      const slice = os.sched_rr_get_interval(0);
      assert.ok(slice > 0 && slice < 10, `time slice ${slice}`);
      os.sched_setscheduler(0, os.SCHED_OTHER, new os.sched_param(0));
      assert.equal(policy(), os.SCHED_OTHER);
    })).toBe(0);
  });
  it('sched_param arguments must be sched_param instances holding an int', () => {
    expect(code(() => os.sched_setscheduler(0, os.SCHED_OTHER, 0 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.sched_setparam(0, new os.sched_param(1.5)))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.sched_setparam(0, { sched_priority: 0 } as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.sched_getscheduler(2 ** 22 + 12345))).toBe('ESRCH');
  });
});

describe('nice values', () => {
  it('getpriority is the nice field of /proc/self/stat; setpriority changes it', () => {
    expect(os.getpriority(os.PRIO_PROCESS, 0)).toBe(niceField());
    expect(forkRun(() => {
      os.setpriority(os.PRIO_PROCESS, 0, 7);
      assert.equal(niceField(), 7);
      assert.equal(os.getpriority(os.PRIO_PROCESS, os.getpid()), 7);
      os.setpgrp();
      os.setpriority(os.PRIO_PGRP, 0, 9);
      assert.equal(niceField(), 9);
      assert.equal(os.getpriority(os.PRIO_PGRP, os.getpgrp()), 9);
    })).toBe(0);
  });
  it('errors: unknown which is EINVAL, no such process ESRCH', () => {
    expect(code(() => os.getpriority(99, 0))).toBe('EINVAL');
    expect(code(() => os.getpriority(os.PRIO_PROCESS, 2 ** 22 + 12345))).toBe('ESRCH');
    expect(code(() => os.setpriority(os.PRIO_PROCESS, -1, 0))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('cpu_count and sched_yield', () => {
  it('cpu_count is the number of online CPUs (as Python says)', () => {
    const r = spawnSync('python3', ['-c', 'import os; print(os.cpu_count())'], { encoding: 'utf8', timeout: 20_000 });
    expect(os.cpu_count()).toBe(Number(r.stdout.trim()));
    const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    const n = online.split(',').reduce((acc, p) => { const [a, b] = p.split('-').map(Number); return acc + (b ?? a) - a + 1; }, 0);
    expect(os.cpu_count()).toBe(n);
  });
  it('sched_yield takes no argument and returns nothing', () => {
    expect(os.sched_yield()).toBeUndefined();
  });
});
