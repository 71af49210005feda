#!/usr/bin/env node
// npm run example                      lists the examples, each with what it shows
// npm run example -- NAME [args...]    runs one: examples/**/NAME.ts, compiled to
//                                      dist/examples by npm install / npm run build:ts
// Examples are TypeScript programs importing posixkit by its package name, as
// a user's program would. The first line of each is a comment saying what it
// shows; files named _*.ts are modules examples share, not programs. The exit
// status is the example's, or 128 + n when a signal n ended it (as a shell
// reports it).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { constants } = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const walk = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);

/** The example programs: name (path under examples/ without .ts), file, one-line description. */
function examples() {
  return walk(EXAMPLES)
    .filter((f) => f.endsWith('.ts') && !path.basename(f).startsWith('_') && !f.includes(`${path.sep}site${path.sep}`))
    .map((file) => {
      const first = fs.readFileSync(file, 'utf8').split('\n')[0];
      return { name: path.relative(EXAMPLES, file).replace(/\.ts$/, ''), file, summary: first.replace(/^\/\/\s*/, '') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function main(argv) {
  const [name, ...args] = argv;
  const all = examples();
  if (!name) {
    const width = Math.max(...all.map((e) => e.name.length));
    console.log(all.map((e) => `${e.name.padEnd(width)}  ${e.summary}`).join('\n'));
    console.log('\nnpm run example -- NAME [args...] runs one.');
    return 0;
  }
  const ex = all.find((e) => e.name === name || path.basename(e.name) === name);
  if (!ex) {
    console.error(`no example ${name}; npm run example lists them`);
    return 2;
  }
  const file = path.join(ROOT, 'dist', 'examples', `${ex.name}.js`);
  if (!fs.existsSync(file)) {
    console.error(`${file} is missing: run npm run build:ts`);
    return 2;
  }
  const r = spawnSync(process.execPath, ['--single-threaded', file, ...args], { stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.signal) return 128 + constants.signals[r.signal];
  return r.status;
}

module.exports = { examples };
if (require.main === module) process.exitCode = main(process.argv.slice(2));
