// Every model as its own process, under real clients: concurrency, clients
// that vanish, errors in the core, clean stops on SIGTERM and SIGINT (no
// zombie, no leaked fd, Unix socket file removed).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { echoMany, echoOnce, startModel, vanish } from '../helpers/models';
import { killAll } from '../helpers/models';
import { alive, childrenOf, fdsOf, threadCount } from '../helpers/proc';
import { sleep, until } from '../helpers/checks';

interface Case { label: string; model: string; opts?: Record<string, unknown>; n: number; children?: number; threads?: boolean }

const CASES: Case[] = [
  { label: 'iterative', model: 'iterative', n: 20 },
  { label: 'nonblocking', model: 'nonblocking', n: 200 },
  { label: 'forking', model: 'forking', n: 200 },
  { label: 'forking (SIG_IGN, cap 8)', model: 'forking', opts: { reap: 'ignore', maxChildren: 8 }, n: 60 },
  { label: 'prefork', model: 'prefork', opts: { workers: 4 }, n: 200, children: 4 },
  { label: 'prefork reusePort', model: 'prefork', opts: { workers: 3, reusePort: true }, n: 200, children: 3 },
  { label: 'prefork-epoll', model: 'prefork-epoll', opts: { workers: 2 }, n: 200, children: 2 },
  { label: 'prefork-epoll shared listener', model: 'prefork-epoll', opts: { workers: 2, reusePort: false }, n: 200, children: 2 },
  // A thread per connection costs an isolate start (~40 ms): fewer clients, same code path.
  { label: 'threading', model: 'threading', opts: { maxThreads: 16 }, n: 40, threads: true },
  { label: 'threading pool', model: 'threading', opts: { pool: 4 }, n: 200, threads: true },
  { label: 'select', model: 'select', n: 200 },
  { label: 'poll', model: 'poll', n: 200 },
  { label: 'epoll', model: 'epoll', n: 200 },
  { label: 'epoll-et', model: 'epoll-et', n: 200 },
  { label: 'coroutine', model: 'coroutine', n: 200 },
];

const dir = mkdtempSync(path.join(tmpdir(), 'pk-models-'));
afterAll(() => { killAll(); rmSync(dir, { recursive: true, force: true }); });

describe.each(CASES)('$label', (c) => {
  it(`serves ${c.n} concurrent echo clients, survives vanishing clients, stops on SIGTERM`, async () => {
    const r = await startModel(c.model, 'echo', { address: { port: 0 }, ...c.opts });
    try {
      expect((await echoOnce(r, Buffer.from('warm-up'))).toString()).toBe('warm-up');
      // The threading model closes a finished thread's fd when it next wakes in accept (within a second).
      await sleep(c.threads ? 1500 : 50);
      const fds0 = fdsOf(r.pid);
      await vanish(r, 10);
      expect(await echoMany(r, c.n)).toBe(c.n);
      // A large message crosses many reads and partial sends.
      const big = Buffer.alloc(1 << 20, 'abcdefgh');
      expect((await echoOnce(r, big)).equals(big)).toBe(true);
      // Every connection fd is closed again (the process models' parents hold none).
      expect(await until(() => fdsOf(r.pid) === fds0, 5000)).toBe(true);
      const kids = childrenOf(r.pid);
      if (c.children) expect(kids.length).toBe(c.children);
      if (c.threads) expect(threadCount(r.pid)).toBeGreaterThan(1);
      const { code, stats } = await r.stop('SIGTERM');
      expect(code).toBe(0);
      expect(stats!.signal).toBe(15);
      if (!c.model.startsWith('prefork') && !(c.model === 'threading' && c.opts?.pool)) expect(stats!.connections).toBeGreaterThanOrEqual(c.n + 2);
      for (const k of kids) expect(alive(k)).toBe(false);
      expect(r.stderr()).not.toMatch(/ERROR (core|child|worker)/);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });

  it('on a Unix socket: reports core errors without dying, stops on SIGINT and removes the socket file', async () => {
    const sock = path.join(dir, `${c.label.replace(/\W+/g, '_')}.sock`);
    if (c.opts?.reusePort) {
      await expect(startModel(c.model, 'throwing', { address: { path: sock }, ...c.opts })).rejects.toThrow(/ERR_MODEL_OPTION|SO_REUSEPORT/);
      return;
    }
    const r = await startModel(c.model, 'throwing', { address: { path: sock }, ...c.opts });
    try {
      expect(r.path).toBe(sock);
      expect(existsSync(sock)).toBe(true);
      await echoOnce(r, Buffer.from('boom\n')).catch(() => Buffer.alloc(0));
      expect(await until(() => /boom from core/.test(r.stderr()), 5000)).toBe(true);
      expect((await echoOnce(r, Buffer.from('still here'))).toString()).toBe('still here');
      const { code, stats } = await r.stop('SIGINT');
      expect(code).toBe(0);
      expect(stats!.signal).toBe(2);
      expect(existsSync(sock)).toBe(false);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});

describe('select refuses fds past FD_SETSIZE', () => {
  it('closes the connection with ERR_FD_SETSIZE and keeps serving the others', async () => {
    const r = await startModel('select', 'echo', { address: { port: 0 }, burnFdsTo: 1012 });
    try {
      // The server sits near fd 1020; clients 1..n take the fds up to and past 1024.
      const held = await Promise.all(Array.from({ length: 12 }, () => new Promise<import('node:net').Socket>((res) => {
        const s = require('node:net').connect(r.port!, '127.0.0.1');
        s.on('connect', () => res(s));
        s.on('error', () => res(s));
      })));
      expect(await until(() => /ERR_FD_SETSIZE/.test(r.stderr()), 5000)).toBe(true);
      for (const s of held) s.destroy();
      await sleep(100);
      expect((await echoOnce(r, Buffer.from('ok'))).toString()).toBe('ok');
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});

describe('cores that need one process', () => {
  it.each(['forking', 'prefork', 'prefork-epoll', 'threading'])('%s refuses the chat core with ERR_MODEL_CORE_MISMATCH', async (m) => {
    await expect(startModel(m, 'chat', { address: { port: 0 } })).rejects.toThrow(/ERR_MODEL_CORE_MISMATCH|shared by its sessions/);
  });
});

describe.each(['epoll', 'epoll-et', 'poll', 'coroutine'])('%s holds many idle connections', (model) => {
  it('1,000 idle connections plus 100 active echo clients, then all closed again', async () => {
    const r = await startModel(model, 'echo', { address: { port: 0 } });
    const idle: import('node:net').Socket[] = [];
    try {
      const fds0 = fdsOf(r.pid);
      const net = await import('node:net');
      for (let i = 0; i < 1000; i++) {
        idle.push(await new Promise((res, rej) => {
          const s = net.connect(r.port!, '127.0.0.1', () => res(s));
          s.on('error', rej);
        }));
      }
      expect(await until(() => fdsOf(r.pid) >= fds0 + 1000, 10_000)).toBe(true);
      expect(await echoMany(r, 100)).toBe(100);
      // The idle ones are still served.
      const got = await new Promise<string>((res) => { idle[500].once('data', (d) => res(String(d))); idle[500].write('late'); });
      expect(got).toBe('late');
      for (const s of idle) s.destroy();
      expect(await until(() => fdsOf(r.pid) === fds0, 10_000)).toBe(true);
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      for (const s of idle) s.destroy();
      r.proc.kill('SIGKILL');
    }
  });
});

describe('iterative UDP loop', () => {
  it('echoes datagrams one at a time (recvfrom/sendto) and stops on SIGTERM', async () => {
    const dgram = await import('node:dgram');
    const r = await startModel('iterative', 'echo', { address: { port: 0 }, udp: true });
    const sock = dgram.createSocket('udp4');
    try {
      const replies: string[] = [];
      sock.on('message', (m) => replies.push(String(m)));
      await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
      for (let i = 0; i < 5; i++) sock.send(`datagram ${i}`, r.port!, '127.0.0.1');
      expect(await until(() => replies.length === 5, 5000)).toBe(true);
      expect(replies.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `datagram ${i}`));
      const { code, stats } = await r.stop();
      expect(code).toBe(0);
      expect(stats!.connections).toBe(5);
    } finally {
      sock.close();
      r.proc.kill('SIGKILL');
    }
  });
});

describe('process models under failure', () => {
  it('prefork replaces a worker that dies and keeps serving', async () => {
    const r = await startModel('prefork', 'echo', { address: { port: 0 }, workers: 3 });
    try {
      const before = childrenOf(r.pid);
      expect(before.length).toBe(3);
      process.kill(before[0], 'SIGKILL');
      expect(await until(() => {
        const now = childrenOf(r.pid);
        return now.length === 3 && !now.includes(before[0]);
      }, 5000)).toBe(true);
      expect(await until(() => /ERROR worker .*exited with -9; replacing it/.test(r.stderr()), 5000)).toBe(true);
      expect(await echoMany(r, 30)).toBe(30);
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });

  it('prefork workers leave when their parent is killed with SIGKILL', async () => {
    const r = await startModel('prefork', 'echo', { address: { port: 0 }, workers: 2 });
    const workers = childrenOf(r.pid);
    expect(workers.length).toBe(2);
    r.proc.kill('SIGKILL');
    expect(await until(() => workers.every((p) => !alive(p)), 5000)).toBe(true);
  });

  it('forking leaves no zombie between connections', async () => {
    const r = await startModel('forking', 'echo', { address: { port: 0 } });
    try {
      expect(await echoMany(r, 30)).toBe(30);
      await echoOnce(r, Buffer.from('one more')); // its accept runs the SIGCHLD reaper
      const zombies = (): number => childrenOf(r.pid).filter((p) => !alive(p)).length;
      expect(await until(() => zombies() <= 1, 3000)).toBe(true); // at most the child of the last connection
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});
