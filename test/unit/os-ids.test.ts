// Credentials against what the kernel shows in /proc/self/status; every
// change happens in a forked child (as root) so the test process keeps its ids.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PermissionError } from '../../lib/errors';
import * as os from '../../lib/os';
import { code, error } from '../helpers/checks';
import { forkRun } from '../helpers/proc';

const root = os.geteuid() === 0;

function status(field: string): string {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line!.slice(field.length + 1).trim();
}
const ids = (field: 'Uid' | 'Gid'): number[] => status(field).split(/\s+/).map(Number);
const groups = (): number[] => status('Groups').split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);

describe('reading ids', () => {
  it('get*id and getres*id match /proc/self/status', () => {
    const [ru, eu, su] = ids('Uid');
    const [rg, eg, sg] = ids('Gid');
    expect([os.getuid(), os.geteuid(), os.getgid(), os.getegid()]).toEqual([ru, eu, rg, eg]);
    expect(os.getresuid()).toEqual([ru, eu, su]);
    expect(os.getresgid()).toEqual([rg, eg, sg]);
    expect(os.getuid()).toBe(process.getuid!());
  });
  it('getgroups matches the Groups line', () => {
    expect([...os.getgroups()].sort((a, b) => a - b)).toEqual(groups());
  });
  it('getgrouplist and getlogin agree with Python', () => {
    const r = spawnSync('python3', ['-c', `
import os, json
def login():
    try: return os.getlogin()
    except OSError as e: return -e.errno
print(json.dumps([sorted(os.getgrouplist('root', 0)), sorted(os.getgrouplist('nobody', 4242)), login()]))`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const [rootGroups, nobodyGroups, login] = JSON.parse(r.stdout) as [number[], number[], string | number];
    expect([...os.getgrouplist('root', 0)].sort((a, b) => a - b)).toEqual(rootGroups);
    expect([...os.getgrouplist('nobody', 4242)].sort((a, b) => a - b)).toEqual(nobodyGroups);
    expect(os.getgrouplist('nobody', 4242)).toContain(4242);
    if (typeof login === 'string') expect(os.getlogin()).toBe(login);
    else expect((error(() => os.getlogin()) as { errno: number }).errno).toBe(login);
  });
  it('umask sets the mask the kernel shows and returns the previous one', () => {
    const before = parseInt(status('Umask'), 8);
    expect(os.umask(0o027)).toBe(before);
    try {
      expect(status('Umask')).toBe('0027');
    } finally {
      expect(os.umask(before)).toBe(0o027);
    }
    expect(parseInt(status('Umask'), 8)).toBe(before);
  });
});

describe.skipIf(!root)('changing ids (forked child, as root)', () => {
  it('setresuid/setresgid set all three (and the fs id follows the effective one)', () => {
    expect(forkRun(() => {
      os.setresgid(1, 2, 3);
      assert.deepEqual(ids('Gid'), [1, 2, 3, 2]);
      assert.deepEqual(os.getresgid(), [1, 2, 3]);
      os.setresuid(1000, 1001, 1002);
      assert.deepEqual(ids('Uid'), [1000, 1001, 1002, 1001]);
      assert.deepEqual(os.getresuid(), [1000, 1001, 1002]);
      // -1 leaves an id unchanged
      os.setresuid(-1, 1000, -1);
      assert.deepEqual(ids('Uid'), [1000, 1000, 1002, 1000]);
    })).toBe(0);
  });
  it('seteuid/setegid change only the effective id; root gets it back from the saved id', () => {
    expect(forkRun(() => {
      os.setegid(65534);
      assert.deepEqual(ids('Gid').slice(0, 3), [0, 65534, 0]);
      os.seteuid(65534);
      assert.deepEqual(ids('Uid').slice(0, 3), [0, 65534, 0]);
      assert.equal(os.geteuid(), 65534);
      os.seteuid(0);
      assert.equal(os.geteuid(), 0);
    })).toBe(0);
  });
  it('setreuid/setregid; setuid as root drops every id for good (EPERM after)', () => {
    expect(forkRun(() => {
      os.setregid(5, 6);
      assert.deepEqual(ids('Gid').slice(0, 2), [5, 6]);
      os.setreuid(-1, 7);
      assert.deepEqual(ids('Uid').slice(0, 2), [0, 7]);
      os.setreuid(0, 0);
      os.setgid(65534);
      assert.deepEqual(ids('Gid'), [65534, 65534, 65534, 65534]);
      os.setuid(65534);
      assert.deepEqual(ids('Uid'), [65534, 65534, 65534, 65534]);
      const e = error(() => os.setuid(0));
      assert.ok(e instanceof PermissionError && e.code === 'EPERM' && e.syscall === 'setuid');
      assert.equal(code(() => os.setgid(0)), 'EPERM');
      assert.equal(code(() => os.setgroups([])), 'EPERM');
    })).toBe(0);
  });
  it('setgroups replaces the supplementary groups; initgroups loads them from the group database', () => {
    expect(forkRun(() => {
      os.setgroups(new Set([3, 1, 2]));
      assert.deepEqual(groups(), [1, 2, 3]);
      assert.deepEqual([...os.getgroups()].sort(), [1, 2, 3]);
      os.setgroups([]);
      assert.deepEqual(groups(), []);
      os.initgroups('root', 4242);
      assert.deepEqual(groups(), [...os.getgrouplist('root', 4242)].sort((a, b) => a - b));
      assert.ok(groups().includes(4242));
    })).toBe(0);
  });
});

describe('bad input', () => {
  it('ids are -1 or 0 .. 2^32-2, integers', () => {
    expect(code(() => os.setuid(-2))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.setuid(2 ** 32))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.setresgid(0, 1.5, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.setegid('0' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.setuid(-1))).toBe('EINVAL'); // the kernel's answer to (uid_t)-1, as in Python
  });
  it('setgroups takes an iterable of group ids, at most NGROUPS_MAX', () => {
    expect(code(() => os.setgroups(5 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.setgroups(['a'] as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.setgroups([-1]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.setgroups(new Array(os.NGROUPS_MAX + 1).fill(0)))).toBe('ERR_INVALID_ARG_VALUE');
    expect(os.NGROUPS_MAX).toBeGreaterThanOrEqual(65536);
  });
  it('user names are strings without NUL; umask is 0 .. 0o7777', () => {
    expect(code(() => os.getgrouplist('a\0b', 0))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.initgroups(1 as never, 0))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.umask(-1))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.umask(0o10000))).toBe('ERR_OUT_OF_RANGE');
  });
  it('the binding itself refuses what the TS layer would', async () => {
    const { binding } = await import('../../lib/native');
    const b = binding as Record<string, (...a: unknown[]) => unknown>;
    expect(code(() => b.setuid())).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => b.setgroups('x'))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => b.setgroups([1.5]))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => b.setgroups(new Array(70000).fill(0)))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => b.getgrouplist('a\0', 0))).toBe('ERR_INVALID_ARG_TYPE');
    // A getter on an element runs once and its throw propagates.
    const arr = [1];
    let reads = 0;
    Object.defineProperty(arr, 0, { get() { reads++; throw new Error('boom'); } });
    expect(() => b.setgroups(arr)).toThrow('boom');
    expect(reads).toBe(1);
  });
});
