#!/usr/bin/env node
// npm run example -- NAME [args...] runs an example: examples/**/NAME.js as it
// is, or examples/**/NAME.ts compiled to dist/examples (npm install and
// npm run build:ts compile them). Without NAME, lists them. Examples import
// posixkit by its package name, as a user's program would.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const walk = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
const sources = walk(path.join(ROOT, 'examples')).filter((f) => /\.(ts|js)$/.test(f) && !f.includes(`${path.sep}site${path.sep}`));
const nameOf = (f) => path.relative(path.join(ROOT, 'examples'), f).replace(/\.(ts|js)$/, '');

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.log(sources.map(nameOf).sort().join('\n'));
  process.exit(0);
}
const src = sources.find((f) => nameOf(f) === name || path.basename(nameOf(f)) === name);
if (!src) {
  console.error(`no example ${name}; npm run example lists them`);
  process.exit(2);
}
const file = src.endsWith('.ts') ? path.join(ROOT, 'dist', 'examples', `${nameOf(src)}.js`) : src;
if (!fs.existsSync(file)) {
  console.error(`${file} is missing: run npm run build:ts`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--single-threaded', file, ...args], { stdio: 'inherit' });
process.exit(r.status ?? (r.signal ? 128 : 1));
