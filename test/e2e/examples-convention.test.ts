// Examples are what users copy: they import posixkit by its package name.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);

it('no example reaches into lib/ or dist/ by a relative path', () => {
  const bad = walk(path.join(ROOT, 'examples'))
    .filter((f) => /\.(ts|js)$/.test(f) && !f.includes(`${path.sep}site${path.sep}`))
    .filter((f) => /(from|require\()\s*['"](\.\.\/)+(lib|dist)\//.test(readFileSync(f, 'utf8')));
  expect(bad.map((f) => path.relative(ROOT, f))).toEqual([]);
});
