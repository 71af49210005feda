// Every model as its own process, under real clients: concurrency, clients
// that vanish, errors in the core, clean stops on SIGTERM and SIGINT (no
// zombie, no leaked fd, Unix socket file removed).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alive, childPids, echoMany, echoOnce, fdsOf, sleep, startModel, threadCount, until, vanish,
} from './models-helpers';

interface Case { label: string; model: string; opts?: Record<string, unknown>; n: number; children?: number; threads?: boolean }

const CASES: Case[] = [
  { label: 'iterative', model: 'iterative', n: 20 },
  { label: 'nonblocking', model: 'nonblocking', n: 200 },
  { label: 'forking', model: 'forking', n: 200 },
  { label: 'forking (SIG_IGN, cap 8)', model: 'forking', opts: { reap: 'ignore', maxChildren: 8 }, n: 60 },
  { label: 'prefork', model: 'prefork', opts: { workers: 4 }, n: 200, children: 4 },
  { label: 'prefork reusePort', model: 'prefork', opts: { workers: 3, reusePort: true }, n: 200, children: 3 },
  // A thread per connection costs an isolate start (~40 ms): fewer clients, same code path.
  { label: 'threading', model: 'threading', opts: { maxThreads: 16 }, n: 40, threads: true },
  { label: 'threading pool', model: 'threading', opts: { pool: 4 }, n: 200, threads: true },
  { label: 'select', model: 'select', n: 200 },
  { label: 'poll', model: 'poll', n: 200 },
  { label: 'epoll', model: 'epoll', n: 200 },
  { label: 'epoll-et', model: 'epoll-et', n: 200 },
];

const dir = mkdtempSync(path.join(tmpdir(), 'pk-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(CASES)('$label', (c) => {
  it(`serves ${c.n} concurrent echo clients, survives vanishing clients, stops on SIGTERM`, async () => {
    const r = await startModel(c.model, 'echo', { address: { port: 0 }, ...c.opts });
    try {
      expect((await echoOnce(r, Buffer.from('warm-up'))).toString()).toBe('warm-up');
      await sleep(50);
      const fds0 = fdsOf(r.pid);
      await vanish(r, 10);
      expect(await echoMany(r, c.n)).toBe(c.n);
      // A large message crosses many reads and partial sends.
      const big = Buffer.alloc(1 << 20, 'abcdefgh');
      expect((await echoOnce(r, big)).equals(big)).toBe(true);
      // Every connection fd is closed again (the process models' parents hold none).
      expect(await until(() => fdsOf(r.pid) === fds0, 5000)).toBe(true);
      const kids = childPids(r.pid);
      if (c.children) expect(kids.length).toBe(c.children);
      if (c.threads) expect(threadCount(r.pid)).toBeGreaterThan(1);
      const { code, stats } = await r.stop('SIGTERM');
      expect(code).toBe(0);
      expect(stats!.signal).toBe(15);
      if (c.model !== 'prefork' && !(c.model === 'threading' && c.opts?.pool)) expect(stats!.connections).toBeGreaterThanOrEqual(c.n + 2);
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
  it.each(['forking', 'prefork', 'threading'])('%s refuses the chat core with ERR_MODEL_CORE_MISMATCH', async (m) => {
    await expect(startModel(m, 'chat', { address: { port: 0 } })).rejects.toThrow(/ERR_MODEL_CORE_MISMATCH|shared by its sessions/);
  });
});
