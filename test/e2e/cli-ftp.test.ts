// `posixkit ftp` with `posixkit ftp-client`, both as a user runs them: list,
// get, put; refusals that leave no local file behind; a wrong password; an
// unreachable server; a stdin left non-blocking (no busy loop).
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir = '';
let root = '';
let local = '';
let server: ChildProcess;
let port = 0;
let serverOut = '';
const payload = Buffer.from(Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7) & 0xff));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pk-cli-ftp-'));
  root = path.join(dir, 'root');
  local = path.join(dir, 'local');
  for (const d of [root, local, path.join(root, 'adir')]) mkdirSync(d);
  writeFileSync(path.join(root, 'served.bin'), payload);
  writeFileSync(path.join(local, 'up.txt'), 'uploaded through the menu\n');
  server = spawn(process.execPath, [BIN, 'ftp', '--root', root, '--user', 'alice:secret', '--port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (serverOut += d));
  server.stderr!.on('data', (d) => (serverOut += d));
  const end = Date.now() + 20_000;
  while (!/serving on ftp:\/\/127\.0\.0\.1:(\d+)\//.test(serverOut)) {
    if (Date.now() > end) throw new Error(`ftp did not start: ${serverOut}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  port = Number(/127\.0\.0\.1:(\d+)\//.exec(serverOut)![1]);
}, 30_000);

afterAll(async () => {
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  const [code] = await exited;
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(serverOut).toMatch(/posixkit ftp \(forking\): stopped by SIGTERM; \d+ connections, 0 errors/);
});

const client = (args: string[], input: string) => spawnSync(process.execPath, [BIN, 'ftp-client', '127.0.0.1', String(port), ...args],
  { cwd: local, input, encoding: 'utf8', timeout: 30_000 });

describe('posixkit ftp-client against posixkit ftp', () => {
  it('list, get, put as a user that may write; unknown menu choice; quit', () => {
    const r = client(['--user', 'alice', '--password', 'secret'], '1\n2\nserved.bin\n3\nup.txt\n9\n4\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^command> served\.bin$/m);
    expect(r.stdout).toMatch(/downloaded served\.bin: 70001 bytes/);
    expect(r.stdout).toMatch(/uploaded up\.txt: 26 bytes/);
    expect(r.stdout).toMatch(/unknown command: 9/);
    expect(r.stdout).toMatch(/bye\n$/);
    expect(sha(readFileSync(path.join(local, 'served.bin')))).toBe(sha(payload));
    expect(readFileSync(path.join(root, 'up.txt'), 'utf8')).toBe('uploaded through the menu\n');
  });

  it('a refused get (a directory, a missing file) leaves no local file, empty or partial', () => {
    const before = readdirSync(local).sort();
    const r = client([], '2\nadir\n2\nmissing.bin\n4\n');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/refused: 550 [^\n]*/g)).toHaveLength(2);
    expect(readdirSync(local).sort()).toEqual(before);
  });

  it('anonymous may read but not write', () => {
    const r = client([], '3\nup.txt\n4\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/refused: 550/);
  });

  it('a wrong password says so on stderr, exit 1', () => {
    const r = client(['--user', 'alice', '--password', 'wrong'], '4\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('posixkit ftp-client: login as alice refused: 530 Login incorrect. (wrong user name or password?)\n');
  });

  it('an unreachable server is named as Node names it, exit 1', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = spawnSync(process.execPath, [BIN, 'ftp-client', '127.0.0.1', String(closed)], { input: '4\n', encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`posixkit ftp-client: connect ECONNREFUSED 127.0.0.1:${closed}\n`);
  });

  const hasStrace = spawnSync('sh', ['-c', 'command -v strace && command -v python3']).status === 0;
  it.skipIf(!hasStrace)('a non-blocking stdin: waits in poll(2), does not spin on EAGAIN', async () => {
    const trace = path.join(dir, 'stdin.strace');
    // python3 sets O_NONBLOCK on the pipe it got as stdin, then becomes strace running the client.
    const setNonblock = 'import fcntl, os, sys; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])';
    // Under the sanitizer build node needs its runtime preloaded, which the harness keeps from python3.
    const asan = process.env.POSIXKIT_ASAN_RUNTIME ? ['-E', `LD_PRELOAD=${process.env.POSIXKIT_ASAN_RUNTIME}`] : [];
    const c = spawn('python3', ['-c', setNonblock, 'strace', ...asan, '-f', '-qq', '-e', 'trace=read,poll,ppoll', '-o', trace,
      process.execPath, BIN, 'ftp-client', '127.0.0.1', String(port)], { cwd: local, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    const exited = once(c, 'exit');
    const end = Date.now() + 20_000;
    while (!out.includes('command> ') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000)); // the client waits for input meanwhile
    c.stdin!.end('1\n4\n');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    const [code] = await exited;
    clearTimeout(t);
    expect(code, out).toBe(0);
    expect(out).toMatch(/served\.bin[\s\S]*bye/);
    const lines = readFileSync(trace, 'utf8').split('\n');
    const eagain = lines.filter((l) => /\bread\(0, .*= -1 EAGAIN/.test(l)).length;
    expect(eagain).toBeGreaterThan(0); // stdin really was non-blocking
    expect(eagain).toBeLessThanOrEqual(4); // one per wait, not a loop
    expect(lines.some((l) => /\bp?poll\(\[\{fd=0, events=POLLIN\}\]/.test(l))).toBe(true);
  }, 40_000);
});
