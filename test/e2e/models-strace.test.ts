// Faithfulness: each model runs under `strace -f` serving a few echo clients,
// and the syscalls between its listen(2) and the SIGTERM are checked against
// what its name promises (and for the absence of what would contradict it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectTo, Running, startModel } from '../helpers/models';
import { killAll } from '../helpers/models';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'pk-strace-'));
afterAll(() => { killAll(); rmSync(dir, { recursive: true, force: true }); });

const TRACE = 'trace=accept4,clone,clone3,fork,vfork,wait4,recvfrom,sendto,epoll_wait,epoll_pwait,epoll_ctl,poll,ppoll,select,pselect6,listen';

interface Call { pid: number; name: string; line: string }

/** The traced calls between listen(2) and the SIGTERM, an "unfinished" call joined with its "resumed" half. */
function window(file: string, mainPid: number): Call[] {
  const out: Call[] = [];
  const open = new Map<number, Call>();
  let on = false;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const pid = Number(l.slice(0, l.indexOf(' ')));
    if (l.includes('--- SIGTERM') && pid === mainPid && on) break;
    const resumed = /^\d+\s+<\.\.\. (\w+) resumed>(.*)$/.exec(l);
    if (resumed) {
      const c = open.get(pid);
      if (c) { c.line = c.line.replace(' <unfinished ...>', '') + resumed[2]; open.delete(pid); }
      continue;
    }
    const m = /^(\d+)\s+(\w+)\(/.exec(l);
    if (!m) continue;
    const call = { pid, name: m[2], line: l };
    if (!on && call.name === 'listen') on = true; // the parent's, or (reusePort) the first worker's
    if (!on) continue;
    out.push(call);
    if (l.endsWith('<unfinished ...>')) open.set(pid, call);
  }
  return out;
}

/** Echo exchanges that keep the connection open until the reply came (so an ET drain meets EAGAIN). */
async function exchange(r: Running, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const c = connectTo(r);
      c.on('connect', () => c.write(`ping ${i}`));
      c.once('data', () => setTimeout(() => c.end(), 30)); // the drain meets EAGAIN before our FIN
      c.on('end', () => { c.destroy(); resolve(); });
      c.on('error', reject);
    });
  }
}

async function traced(model: string, opts: Record<string, unknown>, clients = 4, idleMs = 0): Promise<{ calls: Call[]; pid: number; file: string }> {
  const file = path.join(dir, `${model}-${Date.now()}.trace`);
  const r = await startModel(model, 'echo', { address: { port: 0 }, ...opts },
    ['strace', '-f', '-qq', '-o', file, '-e', TRACE]);
  try {
    await exchange(r, clients);
    if (idleMs) await new Promise((res) => setTimeout(res, idleMs));
    const { code } = await r.stop('SIGTERM', 20_000);
    expect(code).toBe(0);
  } finally {
    r.proc.kill('SIGKILL');
  }
  return { calls: window(file, r.pid), pid: r.pid, file };
}

const WAITS = ['epoll_wait', 'epoll_pwait', 'poll', 'ppoll', 'select', 'pselect6'];
const isFork = (c: Call): boolean => (c.name === 'clone' || c.name === 'clone3' || c.name === 'fork') && !c.line.includes('CLONE_THREAD');
const isThread = (c: Call): boolean => (c.name === 'clone' || c.name === 'clone3') && c.line.includes('CLONE_THREAD');
const named = (calls: Call[], ...names: string[]): Call[] => calls.filter((c) => names.includes(c.name));
const okAccepts = (calls: Call[]): Call[] => calls.filter((c) => c.name === 'accept4' && /= \d+\s*$/.test(c.line));

describe.skipIf(!hasStrace)('strace -f shows the syscalls each model promises', () => {
  it('iterative: blocking accept4/recvfrom/sendto in one thread, no fork, no readiness API', async () => {
    const { calls, pid } = await traced('iterative', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(okAccepts(main).length).toBe(4);
    expect(named(main, 'recvfrom').length).toBeGreaterThanOrEqual(4);
    expect(named(main, 'sendto').length).toBeGreaterThanOrEqual(4);
    expect(calls.filter(isFork)).toEqual([]);
    expect(named(main, ...WAITS)).toEqual([]);
  });

  it('nonblocking: accept4 and recvfrom failing with EAGAIN over and over, no readiness API', async () => {
    const { calls, pid } = await traced('nonblocking', {}, 4, 300);
    const main = calls.filter((c) => c.pid === pid);
    // Idle for 300 ms, it still tries accept4 again and again: the spin.
    expect(main.filter((c) => c.name === 'accept4' && c.line.includes('EAGAIN')).length).toBeGreaterThan(50);
    expect(okAccepts(main).length).toBe(4);
    expect(named(main, ...WAITS)).toEqual([]);
  });

  it('forking: the parent accepts and forks per connection, reaps with wait4; children recv/send', async () => {
    const { calls, pid } = await traced('forking', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(main.filter(isFork).length).toBe(4);
    expect(okAccepts(main).length).toBe(4);
    expect(named(main, 'wait4').length).toBeGreaterThanOrEqual(1); // the last ones may be reaped after the SIGTERM
    expect(named(main, 'recvfrom', 'sendto')).toEqual([]); // the parent never touches a connection
    const kids = new Set(named(calls, 'recvfrom').map((c) => c.pid));
    expect(kids.has(pid)).toBe(false);
    expect(kids.size).toBe(4);
    // The parent and its forked children never wait on a readiness API. (Another thread of the parent,
    // which posixkit's fork starts once, sits in libuv's epoll_pwait: it serves nothing.)
    const forked = new Set(main.filter(isFork).map((c) => Number(/= (\d+)/.exec(c.line)![1])));
    expect(named(calls, ...WAITS).filter((c) => c.pid === pid || forked.has(c.pid))).toEqual([]);
  });

  it('prefork: N forked workers accept on the shared socket; the parent does not accept', async () => {
    const { calls, pid } = await traced('prefork', { workers: 3 }, 6);
    const main = calls.filter((c) => c.pid === pid);
    expect(main.filter(isFork).length).toBe(3);
    expect(okAccepts(main)).toEqual([]);
    const acceptors = new Set(okAccepts(calls).map((c) => c.pid));
    expect(okAccepts(calls).length).toBe(6);
    expect(acceptors.has(pid)).toBe(false);
    const forked = new Set(main.filter(isFork).map((c) => Number(/= (\d+)/.exec(c.line)![1])));
    expect(named(calls, ...WAITS).filter((c) => c.pid === pid || forked.has(c.pid))).toEqual([]);
  });

  it('prefork reusePort: each worker listens on its own SO_REUSEPORT socket', async () => {
    const { calls, pid } = await traced('prefork', { workers: 2, reusePort: true }, 4);
    expect(named(calls, 'listen').filter((c) => c.pid !== pid).length).toBe(2);
    expect(okAccepts(calls).every((c) => c.pid !== pid)).toBe(true);
    const forked = new Set(calls.filter((c) => c.pid === pid && isFork(c)).map((c) => Number(/= (\d+)/.exec(c.line)![1])));
    expect(named(calls, ...WAITS).filter((c) => c.pid === pid || forked.has(c.pid))).toEqual([]);
  });

  it.each([true, false])('prefork-epoll (reusePort %s): the parent forks; every worker waits in epoll_wait and accepts with accept4', async (reusePort) => {
    // Many short connections, so the kernel hands some to each worker (by hash, or to whichever waits).
    const { calls, pid, file } = await traced('prefork-epoll', { workers: 2, reusePort }, 24);
    const main = calls.filter((c) => c.pid === pid);
    // With reusePort the window opens at a worker's listen(2), after the forks: take them from the whole trace.
    const forks = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${pid} `) && /^\d+\s+(clone3?|fork)\(/.test(l) && !l.includes('CLONE_THREAD'));
    const forked = new Set(forks.map((l) => Number(/= (\d+)\s*$/.exec(l)?.[1] ?? /resumed>.*= (\d+)/.exec(l)?.[1])));
    expect(forked.size).toBe(2);
    expect(okAccepts(main)).toEqual([]);
    expect(named(main, 'recvfrom', 'sendto')).toEqual([]);
    for (const w of forked) {
      const mine = calls.filter((c) => c.pid === w);
      expect(named(mine, 'epoll_wait', 'epoll_pwait').length).toBeGreaterThanOrEqual(1);
      expect(okAccepts(mine).length).toBeGreaterThanOrEqual(1);
      expect(named(mine, 'poll', 'ppoll', 'select', 'pselect6')).toEqual([]);
      expect(mine.filter(isFork)).toEqual([]);
    }
    expect(okAccepts(calls).length).toBe(24);
    const ctl = named(calls, 'epoll_ctl').filter((c) => forked.has(c.pid));
    if (reusePort) expect(named(calls, 'listen').filter((c) => forked.has(c.pid)).length).toBe(2);
    else expect(ctl.filter((c) => c.line.includes('EPOLLEXCLUSIVE')).length).toBe(2);
  });

  it('threading: a thread (clone with CLONE_THREAD) per connection; threads recv/send', async () => {
    const { calls, pid } = await traced('threading', {});
    expect(calls.filter(isThread).length).toBeGreaterThanOrEqual(4);
    expect(calls.filter(isFork)).toEqual([]);
    expect(okAccepts(calls).every((c) => c.pid === pid)).toBe(true);
    expect(named(calls, 'recvfrom').some((c) => c.pid !== pid)).toBe(true);
  });

  it('threading pool: N threads accept on the shared socket', async () => {
    const { calls, pid } = await traced('threading', { pool: 2 });
    expect(calls.filter(isThread).length).toBeGreaterThanOrEqual(2);
    expect(okAccepts(calls).length).toBe(4);
    expect(okAccepts(calls).every((c) => c.pid !== pid)).toBe(true);
  });

  it('select: pselect6/select and no epoll or poll on the serving path', async () => {
    const { calls, pid } = await traced('select', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(named(main, 'select', 'pselect6').length).toBeGreaterThanOrEqual(4);
    expect(named(main, 'epoll_wait', 'epoll_pwait', 'epoll_ctl', 'poll', 'ppoll')).toEqual([]);
    expect(calls.filter(isFork).concat(calls.filter(isThread))).toEqual([]);
  });

  it('poll: poll/ppoll and no epoll or select on the serving path', async () => {
    const { calls, pid } = await traced('poll', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(named(main, 'poll', 'ppoll').length).toBeGreaterThanOrEqual(4);
    expect(named(main, 'epoll_wait', 'epoll_pwait', 'epoll_ctl', 'select', 'pselect6')).toEqual([]);
  });

  it('epoll: level-triggered epoll_ctl (no EPOLLET) and epoll_wait, no poll or select', async () => {
    const { calls, pid } = await traced('epoll', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(named(main, 'epoll_wait').length).toBeGreaterThanOrEqual(4);
    const ctl = named(main, 'epoll_ctl');
    expect(ctl.filter((c) => c.line.includes('EPOLL_CTL_ADD')).length).toBeGreaterThanOrEqual(4);
    expect(ctl.filter((c) => c.line.includes('EPOLLET'))).toEqual([]);
    expect(named(main, 'poll', 'ppoll', 'select', 'pselect6')).toEqual([]);
  });

  it('epoll-et: epoll_ctl with EPOLLET once per connection, drains the listener until EAGAIN, a socket until a short read', async () => {
    const { calls, pid } = await traced('epoll-et', {});
    const main = calls.filter((c) => c.pid === pid);
    const ctl = named(main, 'epoll_ctl');
    expect(ctl.filter((c) => c.line.includes('EPOLLET') && c.line.includes('EPOLLOUT')).length).toBe(4);
    expect(ctl.filter((c) => c.line.includes('EPOLL_CTL_MOD'))).toEqual([]);
    // Each ping arrives whole: the recv that returns it is short (fewer bytes than asked), which proves the
    // socket drained (EPOLLRDHUP reports the EOF), so no connection needs a second recv to meet EAGAIN.
    const recvs = named(main, 'recvfrom');
    expect(recvs.filter((c) => /= [1-9]\d*\s*$/.test(c.line)).length).toBeGreaterThanOrEqual(4);
    expect(recvs.filter((c) => c.line.includes('EAGAIN')).length).toBeLessThan(4);
    expect(okAccepts(main).length).toBe(4);
    expect(main.filter((c) => c.name === 'accept4' && c.line.includes('EAGAIN')).length).toBeGreaterThanOrEqual(1);
    expect(named(main, 'epoll_wait').length).toBeGreaterThanOrEqual(4);
    expect(named(main, 'poll', 'ppoll', 'select', 'pselect6')).toEqual([]);
  });

  it('coroutine: the hub waits in epoll_wait; one process, one thread, no poll or select', async () => {
    const { calls, pid } = await traced('coroutine', {});
    const main = calls.filter((c) => c.pid === pid);
    expect(named(main, 'epoll_wait').length).toBeGreaterThanOrEqual(4);
    expect(okAccepts(main).length).toBe(4);
    expect(named(main, 'recvfrom').filter((c) => c.line.includes('EAGAIN')).length).toBeGreaterThanOrEqual(1);
    expect(named(main, 'poll', 'ppoll', 'select', 'pselect6')).toEqual([]);
    expect(calls.filter(isFork).concat(calls.filter(isThread))).toEqual([]);
  });
});
