// examples/models_echo.ts and models_chat.ts run as programs (dist/examples).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';
import { until } from '../helpers/checks';

function run(example: string, args: string[]) {
  const p = spawn(process.execPath, [path.join(ROOT, 'dist/examples', example), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { out += d; });
  return { p, out: () => out };
}

describe('examples', () => {
  it.each(['forking', 'epoll-et', 'threading'])('models_echo %s on port 0, stopped by SIGINT', async (model) => {
    const { p, out } = run('models_echo.js', [model, '0', ...(model === 'threading' ? ['pool=2'] : [])]);
    try {
      expect(await until(() => /echo server on/.test(out()), 15_000)).toBe(true);
      const port = Number(/"127\.0\.0\.1",(\d+)/.exec(out())![1]);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => c.end('hello models'));
        let got = '';
        c.on('data', (d) => { got += d; });
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
      expect(reply).toBe('hello models');
      p.kill('SIGINT');
      const [code] = await once(p, 'exit');
      expect(code).toBe(0);
      expect(out()).toMatch(/stopped: 1 connections, 0 errors/);
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('models_echo without a model lists them', async () => {
    const { p, out } = run('models_echo.js', []);
    const [code] = await once(p, 'exit');
    expect(code).toBe(2);
    expect(out()).toMatch(/epoll-et/);
  });

  it('models_chat relays a line', async () => {
    const { p, out } = run('models_chat.js', ['0', 'poll']);
    try {
      expect(await until(() => /chat \(poll\) on port/.test(out()), 15_000)).toBe(true);
      const port = Number(/on port (\d+)/.exec(out())![1]);
      const a = net.connect(port, '127.0.0.1');
      const b = net.connect(port, '127.0.0.1');
      let got = '';
      b.on('data', (d) => { got += d; });
      await until(() => /joined/.test(got) || /Welcome/.test(got), 5000);
      a.write('hi there\n');
      expect(await until(() => /guest\d+: hi there/.test(got), 5000)).toBe(true);
      a.destroy();
      b.destroy();
      p.kill('SIGTERM');
      const [code] = await once(p, 'exit');
      expect(code).toBe(0);
    } finally {
      p.kill('SIGKILL');
    }
  });
});
