#!/usr/bin/env node
// npm run example -- NAME [args...]: runs examples/NAME.ts (compiled to
// dist/examples by npm install / npm run build:ts). Without NAME, lists them.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '../dist/examples');
const [name, ...args] = process.argv.slice(2);
if (!name) {
  const list = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js')) : [];
  console.log(list.length ? list.map((f) => f.replace(/\.js$/, '')).join('\n') : 'no compiled examples: run npm run build:ts');
  process.exit(0);
}
const file = path.join(dir, `${name.replace(/\.(ts|js)$/, '')}.js`);
if (!fs.existsSync(file)) {
  console.error(`no example ${name} (looked for ${file}); npm run example lists them`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--single-threaded', file, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
