// The posixkit command as a user runs it: bin/posixkit.js in its own process.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, cwd: ROOT });

function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
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
});
