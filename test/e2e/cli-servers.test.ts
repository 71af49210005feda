// The server commands without a terminal: plain status lines into a pipe,
// no status unless asked, the summary's counts (SIGINT to the whole process
// group, as a terminal sends it, or SIGTERM to the server), Unix sockets, and
// the errors a user meets (port taken, unknown host).
import { spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');

interface Server { p: ChildProcess; port: number; out(): string; err(): string; exit: Promise<number | null> }

/** Starts `posixkit ARGS` in its own process group; resolves once it prints where it serves. */
async function start(args: string[]): Promise<Server> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (err += d));
  const exit = once(p, 'exit').then(([code]) => code as number | null);
  const end = Date.now() + 20_000;
  while (!/serving on \S+/.test(out)) {
    if (Date.now() > end || p.exitCode !== null) {
      try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`no address: ${out}${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0);
  return { p, port, out: () => out, err: () => err, exit };
}

/** SIGINT to the process group (what Ctrl-C on a terminal does); resolves to the exit code. */
async function interrupt(s: Server): Promise<number | null> {
  process.kill(-s.p.pid!, 'SIGINT');
  const t = setTimeout(() => { try { process.kill(-s.p.pid!, 'SIGKILL'); } catch { /* gone */ } }, 20_000);
  try {
    return await s.exit;
  } finally {
    clearTimeout(t);
  }
}

function echoOnce(target: number | string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    s.on('connect', () => s.end(text));
    let got = '';
    s.on('data', (d) => (got += d)).on('end', () => resolve(got)).on('error', reject);
  });
}

/** One GET on a new connection (no keep-alive): one connection, one request. */
function getOnce(port: number, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('server commands, stdout and stderr not terminals', () => {
  it.concurrent.each(['forking', 'prefork', 'threading', 'epoll-et'])('echo --status --model %s: plain status lines; one summary after SIGINT to the group', async (model) => {
    const s = await start(['echo', '--model', model, '--port', '0', '--status']);
    for (let i = 0; i < 3; i++) expect(await echoOnce(s.port, `hello ${i}\n`)).toBe(`hello ${i}\n`);
    await sleep(1500); // a status tick
    expect(await interrupt(s)).toBe(0);
    expect(s.out().match(/stopped[^\n]*/g)).toEqual(['stopped by SIGINT; 3 connections, 3 requests, 0 errors']);
    // Plain lines, each ending in a newline: no carriage return, no escape sequences.
    expect(s.err()).not.toMatch(/[\r\x1b]/);
    expect(s.err()).toMatch(new RegExp(`^posixkit echo \\(${model}\\): conns 0 open / 3 total, 3 requests, \\d+ req/s\\n`, 'm'));
    expect(s.err().endsWith('\n')).toBe(true);
  }, 40_000);

  it('without --status and without a terminal: no status output at all', async () => {
    const s = await start(['echo', '--model', 'epoll', '--port', '0']);
    expect(await echoOnce(s.port, 'x\n')).toBe('x\n');
    await sleep(1300);
    expect(await interrupt(s)).toBe(0);
    expect(s.err()).toBe('');
    expect(s.out()).toMatch(/^posixkit echo \(epoll\): stopped by SIGINT; 1 connection, 0 errors$/m);
  }, 30_000);

  it('http --model prefork counts the connections the workers served (SIGTERM to the server alone)', async () => {
    const s = await start(['http', '--model', 'prefork', '--port', '0', '--status']);
    const index = readFileSync(path.join(ROOT, 'examples/site/index.html'), 'utf8');
    for (let i = 0; i < 12; i++) expect(await getOnce(s.port, '/')).toBe(index);
    expect(JSON.parse(await getOnce(s.port, '/api/time'))).toHaveProperty('epochMs');
    s.p.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.out()).toMatch(/^posixkit http \(prefork\): stopped by SIGTERM; 13 connections, 13 requests, 0 errors$/m);
  }, 30_000);

  it('http --model prefork-epoll --workers 3: three forked workers serve; SIGINT to the group stops them all', async () => {
    const s = await start(['http', '--model', 'prefork-epoll', '--workers', '3', '--port', '0']);
    const workers = (): number[] => readFileSync(`/proc/${s.p.pid}/task/${s.p.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    expect(workers()).toHaveLength(3);
    for (let i = 0; i < 6; i++) expect(JSON.parse(await getOnce(s.port, '/api/time'))).toHaveProperty('epochMs');
    const pids = workers();
    expect(await interrupt(s)).toBe(0);
    expect(s.out()).toMatch(/^posixkit http \(prefork-epoll\): stopped by SIGINT; 6 connections, 0 errors$/m);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 30_000);

  it('echo --unix PATH: serves on the socket file and removes it on stop', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-cli-unix-'));
    const sock = path.join(dir, 'echo.sock');
    try {
      const s = await start(['echo', '--unix', sock, '--model', 'poll']);
      expect(s.out()).toMatch(new RegExp(`serving on unix:${sock.replace(/[.]/g, '\\.')} `));
      expect(await echoOnce(sock, 'over unix\n')).toBe('over unix\n');
      expect(await interrupt(s)).toBe(0);
      expect(s.out()).toMatch(/stopped by SIGINT; 1 connection, 0 errors/);
      expect(existsSync(sock)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a port in use and an unknown host: one line naming the address, exit 1', async () => {
    const s = await start(['echo', '--model', 'epoll', '--port', '0']);
    try {
      const taken = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [BIN, 'echo', '--port', String(s.port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve({ code, err }));
      });
      expect(taken.code).toBe(1);
      expect(taken.err).toBe(`posixkit echo: bind EADDRINUSE 127.0.0.1:${s.port}\n`);
    } finally {
      expect(await interrupt(s)).toBe(0);
    }
    const bad = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'echo', '--host', 'nohost.invalid', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('exit', (code) => resolve({ code, err }));
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^posixkit echo: getaddrinfo EAI_(NONAME|AGAIN|FAIL) nohost\.invalid\n$/);
  }, 40_000);

  it('chat relays a line between two clients', async () => {
    const s = await start(['chat', '--port', '0']);
    try {
      const a = net.connect(s.port, '127.0.0.1');
      const b = net.connect(s.port, '127.0.0.1');
      let got = '';
      b.on('data', (d) => (got += d));
      await Promise.all([once(a, 'connect'), once(b, 'connect')]);
      await sleep(200);
      a.write('hello room\n');
      const end = Date.now() + 10_000;
      while (!got.includes('hello room') && Date.now() < end) await sleep(20);
      expect(got).toMatch(/hello room/);
      a.destroy();
      b.destroy();
    } finally {
      expect(await interrupt(s)).toBe(0);
    }
    expect(s.out()).toMatch(/^posixkit chat \(epoll\): stopped by SIGINT; 2 connections, 0 errors$/m);
  }, 30_000);
});
