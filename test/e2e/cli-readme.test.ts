// The README's quick start runs as written: its shell block is read from
// README.md and run in an empty directory, `npx posixkit` standing for this
// checkout's bin/posixkit.js (scripts/pack-check.js runs the real `npx
// posixkit` from an installed tarball). Servers get `--port 0` appended (the
// last --port wins) so parallel test runs never collide; the client line is
// pointed at the FTP server's port. Every command must exit 0.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const block = /## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1];
const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
const SERVERS = new Set(['http', 'ftp', 'echo', 'chat']);

// Splits a command line the way sh does for these simple lines (quotes, no expansions).
const words = (line: string): string[] => [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);

it('the quick start names chat, the CLI reference and only commands that exist', () => {
  expect(lines.some((l) => /^npx posixkit chat\b/.test(l))).toBe(true);
  expect(readme).toMatch(/\[docs\/cli\.md\]\(docs\/cli\.md\)/);
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' }).stdout;
  for (const l of lines.filter((x) => x.startsWith('npx posixkit '))) {
    const cmd = words(l)[2];
    if (!cmd.startsWith('-')) expect(help).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  }
});

it('the quick start runs as written in an empty directory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pk-quickstart-'));
  const servers: { name: string; p: ReturnType<typeof spawn>; out: () => string; port: number }[] = [];
  try {
    for (const line of lines) {
      if (line === 'npm install posixkit') continue; // this checkout stands for the installed package
      if (!line.startsWith('npx posixkit')) {
        const r = spawnSync('sh', ['-c', line], { cwd: dir, encoding: 'utf8' });
        expect(r.status, `${line}: ${r.stderr}`).toBe(0);
        continue;
      }
      const args = words(line).slice(2);
      if (SERVERS.has(args[0])) {
        const p = spawn(process.execPath, [BIN, ...args, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (out += d));
        const end = Date.now() + 20_000;
        while (!/serving on \w+:\/\/127\.0\.0\.1:\d+\//.test(out)) {
          if (Date.now() > end || p.exitCode !== null) throw new Error(`${line}: ${out}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        servers.push({ name: args[0], p, out: () => out, port: Number(/127\.0\.0\.1:(\d+)\//.exec(out)![1]) });
        continue;
      }
      if (args[0] === 'ftp-client') {
        const ftp = servers.find((s) => s.name === 'ftp')!;
        const r = spawnSync(process.execPath, [BIN, 'ftp-client', args[1], String(ftp.port), ...args.slice(3)],
          { cwd: dir, input: '1\n4\n', encoding: 'utf8', timeout: 20_000 });
        expect(r.status, `${line}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/command> hello\.txt\n/);
        continue;
      }
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect(r.status, `${line}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
    const http = servers.find((s) => s.name === 'http')!;
    expect(await (await fetch(`http://127.0.0.1:${http.port}/`)).text()).toBe('<h1>hello</h1>\n');
    expect(servers.map((s) => s.name).sort()).toEqual(['chat', 'echo', 'ftp', 'http']);
  } finally {
    for (const s of servers) {
      const exited = once(s.p, 'exit');
      s.p.kill('SIGINT');
      const [code] = await exited;
      expect(code, s.out()).toBe(0);
      expect(s.out()).toMatch(/stopped by SIGINT/);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
