// The posixkit command as a user runs it: bin/posixkit.js in its own process.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childrenOf, ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, cwd: ROOT });

function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
    let got = '';
    s.on('data', (d) => (got += d)).on('end', () => resolve(got)).on('error', reject);
  });
}

/** One GET over a fresh connection; resolves with the whole response. */
function echoHttp(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let got = '';
    s.on('data', (d) => (got += d)).on('end', () => resolve(got)).on('error', reject);
  });
}

describe('posixkit CLI', () => {
  it('--help lists the commands; a command has its own --help', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['models', 'echo', 'chat', 'ftp-client']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(cli(['echo', '--help']).stdout).toMatch(/--model/);
  });
  it('unknown commands, models and bad flags are usage errors (exit 2)', () => {
    expect(cli(['nope']).status).toBe(2);
    const bad = cli(['echo', '--model', 'nope', '--port', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown model "nope"; known: iterative/);
    const port = cli(['echo', '--port', '99999']);
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port must be an integer/);
  });
  it('models prints the table', () => {
    const r = cli(['models']);
    expect(r.status).toBe(0);
    for (const m of ['iterative', 'nonblocking', 'forking', 'prefork', 'threading', 'select', 'poll', 'epoll', 'epoll-et']) {
      expect(r.stdout).toMatch(new RegExp(`^${m} `, 'm'));
    }
  });
  it.each(['forking', 'epoll-et', 'threading'])('echo --model %s serves, shows a status line, stops cleanly on SIGINT', async (model) => {
    const p = spawn(process.execPath, [BIN, 'echo', '--model', model, '--port', '0', '--status'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const exited = once(p, 'exit');
    while (!/serving on tcp:\/\/127\.0\.0\.1:(\d+)\//.test(out)) await new Promise((r) => setTimeout(r, 20));
    const port = Number(out.match(/127\.0\.0\.1:(\d+)\//)![1]);
    for (let i = 0; i < 3; i++) expect(await echoOnce(port, `hello ${i}\n`)).toBe(`hello ${i}\n`);
    await new Promise((r) => setTimeout(r, 1300)); // one status tick
    p.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`posixkit ${model}: stopped by signal 2`));
    expect(err).toMatch(new RegExp(`${model} {2}conns 0 open / 3 total .* 3 requests`));
  }, 20_000);

  // Starts `posixkit ARGS --port 0`, waits for its URL; returns the process and port.
  async function server(args: string[]): Promise<{ p: ChildProcess; port: number; out: () => string; stop: () => Promise<number> }> {
    const p = spawn(process.execPath, [BIN, ...args, '--port', '0', '--no-status'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    const exited = once(p, 'exit');
    const end = Date.now() + 15_000;
    while (!/serving on \w+:\/\/127\.0\.0\.1:(\d+)\//.test(out)) {
      if (Date.now() > end) throw new Error(`no URL: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = Number(out.match(/127\.0\.0\.1:(\d+)\//)![1]);
    return { p, port, out: () => out, stop: async () => { p.kill('SIGTERM'); return (await exited)[0] as number; } };
  }
  const run = (cmd: string, args: string[], input?: string) => new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.stdin.end(input ?? '');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    c.on('close', (code) => { clearTimeout(t); resolve({ code, out }); });
  });
  const hasCurl = spawnSync('sh', ['-c', 'command -v curl']).status === 0;

  it.skipIf(!hasCurl)('http serves the bundled site and the JSON routes; SIGTERM stops it', async () => {
    const s = await server(['http', '--model', 'prefork']);
    const page = await run('curl', ['-s', `http://127.0.0.1:${s.port}/`]);
    expect(page.out).toBe(readFileSync(path.join(ROOT, 'examples/site/index.html'), 'utf8'));
    const api = await run('curl', ['-s', `http://127.0.0.1:${s.port}/api/time`]);
    expect(JSON.parse(api.out)).toHaveProperty('epochMs');
    expect(await s.stop()).toBe(0);
    expect(s.out()).toMatch(/posixkit prefork: stopped by signal 15; \d+ connections, 0 errors/);
  }, 30_000);

  it('http --model prefork-epoll --workers 3 forks three workers that serve; --workers 0 is a usage error', async () => {
    const s = await server(['http', '--model', 'prefork-epoll', '--workers', '3']);
    try {
      expect(childrenOf(s.p.pid!).length).toBe(3);
      for (let i = 0; i < 3; i++) expect(await echoHttp(s.port, '/api/hello?name=w')).toContain('{"hello":"w"}');
      expect(await s.stop()).toBe(0);
      expect(s.out()).toMatch(/posixkit prefork-epoll: stopped by signal 15/);
    } finally {
      s.p.kill('SIGKILL');
    }
    const bad = cli(['echo', '--model', 'prefork-epoll', '--workers', '0', '--port', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--workers must be an integer in \[1, 1024\]/);
  }, 30_000);

  it('ftp with the menu client: list, get, put (as a user that may write), quit', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-cli-ftp-'));
    const root = path.join(dir, 'root');
    const local = path.join(dir, 'local');
    for (const d of [root, local]) mkdirSync(d);
    const payload = Buffer.from(Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7) & 0xff));
    writeFileSync(path.join(root, 'served.bin'), payload);
    writeFileSync(path.join(local, 'up.txt'), 'uploaded through the menu\n');
    const s = await server(['ftp', '--root', root, '--user', 'alice:secret']);
    try {
      const menu = spawnSync(process.execPath, [BIN, 'ftp-client', '127.0.0.1', String(s.port), '--user', 'alice', '--password', 'secret'],
        { cwd: local, input: '1\n2\nserved.bin\n3\nup.txt\n2\nmissing.bin\n9\n4\n', encoding: 'utf8', timeout: 20_000 });
      expect(menu.status).toBe(0);
      expect(menu.stdout).toMatch(/served\.bin/);
      expect(menu.stdout).toMatch(/downloaded served\.bin: 70001 bytes/);
      expect(menu.stdout).toMatch(/uploaded up\.txt: 26 bytes/);
      expect(menu.stdout).toMatch(/refused: 550/);
      expect(menu.stdout).toMatch(/unknown command: 9/);
      expect(menu.stdout).toMatch(/bye/);
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(sha(readFileSync(path.join(local, 'served.bin')))).toBe(sha(payload));
      expect(readFileSync(path.join(root, 'up.txt'), 'utf8')).toBe('uploaded through the menu\n');
      // anonymous may read but not write
      const anon = spawnSync(process.execPath, [BIN, 'ftp-client', '127.0.0.1', String(s.port)],
        { cwd: local, input: '3\nup.txt\n4\n', encoding: 'utf8', timeout: 20_000 });
      expect(anon.stdout).toMatch(/refused: 550/);
    } finally {
      expect(await s.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  }, 40_000);

  it('ftp refuses event models with a usage error', () => {
    const r = cli(['ftp', '--model', 'epoll', '--port', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/FTP runs on forking, iterative, prefork, threading/);
  });
});
