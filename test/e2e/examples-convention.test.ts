// Examples are what users copy: TypeScript programs that import posixkit by
// its package name, each saying in its first line what it shows, and
// `npm run example` lists and runs them.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
const files = walk(path.join(ROOT, 'examples')).filter((f) => !f.includes(`${path.sep}site${path.sep}`));
const rel = (f: string) => path.relative(ROOT, f);
const runner = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts/run-example.js'), ...args],
  { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('examples', () => {
  it('are all TypeScript', () => {
    expect(files.filter((f) => !f.endsWith('.ts')).map(rel)).toEqual([]);
  });

  it('import posixkit by its package name, never lib/ or dist/ by a relative path', () => {
    const bad = files.filter((f) => /(from|require\()\s*['"](\.\.\/)+(lib|dist)\//.test(readFileSync(f, 'utf8')));
    expect(bad.map(rel)).toEqual([]);
  });

  it('each says in its first line what it shows: one comment sentence of at most 84 characters', () => {
    const bad = files.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n')[0]])
      .filter(([, first]) => !/^\/\/ \S.{8,82}\.$/.test(first));
    expect(bad).toEqual([]);
  });

  it('speak to users: no notes about how the project was made', () => {
    const bad = files.filter((f) => /seed|issue [0-9]|CONFORMANCE|\.\.\/shared|[^\x00-\x7f]/i.test(readFileSync(f, 'utf8')));
    expect(bad.map(rel)).toEqual([]);
  });
});

describe('npm run example', () => {
  it('lists every example program with its one line, and no shared module', () => {
    const r = runner([]);
    expect(r.status).toBe(0);
    const programs = files.filter((f) => !path.basename(f).startsWith('_'));
    for (const f of programs) {
      const name = path.relative(path.join(ROOT, 'examples'), f).replace(/\.ts$/, '');
      const first = readFileSync(f, 'utf8').split('\n')[0].slice(3);
      expect(r.stdout).toContain(`${name} `);
      expect(r.stdout).toMatch(new RegExp(`^${name.replace(/[/.]/g, '\\$&')} +${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    expect(r.stdout).not.toMatch(/_framing/);
    expect(r.stdout.trim().split('\n').filter((l) => /^\S+ {2,}\S/.test(l))).toHaveLength(programs.length);
  });

  it('runs one by name and passes its exit status on; an unknown name is exit 2', () => {
    const r = runner(['getpid_getppid']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/parent getpid\(\)=\d+/);
    const bad = runner(['no_such_example']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no example no_such_example/);
  });

  it('exits 128+n when a signal n ended the example (as a shell reports it)', () => {
    const r = runner(['signal_alarm_default']); // SIGALRM's default action ends it after ~2 s
    expect(r.stdout).toMatch(/waiting\.\.\./);
    expect(r.status).toBe(128 + 14);
  });
});
