// A TypeScript project that depends on posixkit compiles under every
// moduleResolution (node10, node16, bundler): scripts/types-consumer.js
// imports each exported subpath. pack-check runs the same consumer against
// the packed tarball; here it runs against this checkout (dist/ is built by
// npm test's pretest).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const consumer = require(path.join(ROOT, 'scripts/types-consumer.js')) as {
  checkTypes(dir: string): Promise<Record<string, string | null>>;
  subpaths(pkg: unknown): string[];
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

it('typesVersions maps exactly the exported subpaths to their types (node10 finds them only there)', () => {
  const fromExports = Object.entries(pkg.exports as Record<string, { types?: string }>)
    .filter(([k, v]) => k !== '.' && v.types)
    .map(([k, v]) => [k.slice(2), [v.types!.replace(/^\.\//, '')]]);
  expect(pkg.typesVersions).toEqual({ '*': Object.fromEntries(fromExports) });
  for (const [, [file]] of fromExports) expect(existsSync(path.join(ROOT, file as string)), file as string).toBe(true);
});

it('package.json says what a registry page and a resolver need', () => {
  expect(pkg.type).toBe('commonjs');
  expect(pkg.license).toBe('MIT');
  expect(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) posixkit contributors\n/);
  expect(pkg.repository.url).toBe('git+https://github.com/posixkit/posixkit.git');
  expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/posixkit\/posixkit/);
  expect(pkg.bugs.url).toBe('https://github.com/posixkit/posixkit/issues');
  expect(pkg.scripts.prepack).toBe('node scripts/prebuild.js');
});

it('a consumer compiles under node10, node16 and bundler resolution', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pk-types-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(ROOT, path.join(dir, 'node_modules', 'posixkit'));
    expect(consumer.subpaths(pkg)).toContain('posixkit/os');
    expect(await consumer.checkTypes(dir)).toEqual({ node10: null, node16: null, bundler: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000); // three tsc runs: ~20 s on an idle 2-core machine, minutes on a loaded one
