// prefork-epoll under failure: a killed worker is replaced in its slot, a
// stop leaves no worker and no zombie, the parent leaks no fd across
// replacements and no shared memory, and workers go when the parent is killed.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { echoMany, killAll, startModel } from '../helpers/models';
import { alive, childrenOf, fdsOf, procState } from '../helpers/proc';
import { until } from '../helpers/checks';

afterAll(() => killAll());

const shm = (): string[] => readdirSync('/dev/shm').sort();

describe.each([true, false])('prefork-epoll (reusePort %s)', (reusePort) => {
  it('replaces a killed worker, keeps serving, leaks no fd or shm, and stops on SIGTERM with no zombie', async () => {
    const shm0 = shm();
    const r = await startModel('prefork-epoll', 'echo', { address: { port: 0 }, workers: 3, reusePort });
    try {
      const before = childrenOf(r.pid);
      expect(before.length).toBe(3);
      const fds0 = fdsOf(r.pid);
      expect(await echoMany(r, 60)).toBe(60);
      process.kill(before[0], 'SIGKILL');
      expect(await until(() => {
        const now = childrenOf(r.pid);
        return now.length === 3 && !now.includes(before[0]);
      }, 5000)).toBe(true);
      expect(await until(() => /ERROR worker .*exited with -9; replacing it/.test(r.stderr()), 5000)).toBe(true);
      // A second death, then both replacements serve along with the survivor.
      process.kill(before[1], 'SIGKILL');
      expect(await until(() => childrenOf(r.pid).length === 3 && !childrenOf(r.pid).includes(before[1]), 5000)).toBe(true);
      expect(await echoMany(r, 60)).toBe(60);
      expect(fdsOf(r.pid)).toBe(fds0);
      const kids = childrenOf(r.pid);
      const { code, stats } = await r.stop('SIGTERM');
      expect(code).toBe(0);
      expect(stats!.signal).toBe(15);
      for (const k of kids) expect(alive(k)).toBe(false);
      expect(shm()).toEqual(shm0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});

describe('prefork-epoll stopping', () => {
  it('SIGINT to the parent alone stops every worker (workers ignore SIGINT; the parent sends TERM)', async () => {
    const r = await startModel('prefork-epoll', 'echo', { address: { port: 0 }, workers: 2 });
    try {
      const kids = childrenOf(r.pid);
      expect(kids.length).toBe(2);
      const { code, stats } = await r.stop('SIGINT');
      expect(code).toBe(0);
      expect(stats!.signal).toBe(2);
      for (const k of kids) expect(procState(k) === null || !alive(k)).toBe(true);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });

  it('a worker that gets SIGINT (a terminal Ctrl-C reaches the group) keeps serving', async () => {
    const r = await startModel('prefork-epoll', 'echo', { address: { port: 0 }, workers: 2 });
    try {
      const kids = childrenOf(r.pid);
      for (const k of kids) process.kill(k, 'SIGINT');
      expect(await echoMany(r, 20)).toBe(20);
      expect(childrenOf(r.pid).sort()).toEqual(kids.sort());
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });

  it('workers leave when their parent is killed with SIGKILL (PR_SET_PDEATHSIG)', async () => {
    const r = await startModel('prefork-epoll', 'echo', { address: { port: 0 }, workers: 2 });
    const workers = childrenOf(r.pid);
    expect(workers.length).toBe(2);
    r.proc.kill('SIGKILL');
    expect(await until(() => workers.every((p) => !alive(p)), 5000)).toBe(true);
  });

  it('refuses reusePort on a Unix socket and a bad worker count', async () => {
    await expect(startModel('prefork-epoll', 'echo', { address: { path: '/tmp/pk-pe-refuse.sock' }, reusePort: true }))
      .rejects.toThrow(/ERR_MODEL_OPTION|SO_REUSEPORT/);
    await expect(startModel('prefork-epoll', 'echo', { address: { port: 0 }, workers: 0 })).rejects.toThrow(/ERR_OUT_OF_RANGE|workers/);
  });
});
