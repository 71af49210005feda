#!/usr/bin/env node
// Proves that `npm install posixkit` works for a user without a compiler:
// builds the prebuild, packs the tarball, installs it into a temporary
// project with a PATH that has node and npm but no gcc/g++/make/python, and
// imports it from CommonJS and from ESM (and forks once).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });

// Always rebuilt: a prebuild left from before a native change would be packed stale.
run(process.execPath, [path.join(__dirname, 'prebuild.js')], { cwd: ROOT });
const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', os.tmpdir()], { cwd: ROOT }))[0];
const tarball = path.join(os.tmpdir(), packed.filename);
const files = packed.files.map((f) => f.path);
for (const must of ['dist/index.js', 'dist/os.d.ts', 'prebuilds/linux-x64/posixkit.node', 'binding.gyp', 'native/fork.cc']) {
  if (!files.includes(must)) throw new Error(`tarball lacks ${must}`);
}
console.log(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB`);

// A PATH with node and npm only: no compiler, so only the prebuild can work.
const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-pack-'));
const bin = path.join(proj, '.bin');
fs.mkdirSync(bin);
fs.symlinkSync(process.execPath, path.join(bin, 'node'));
const npmCli = ['/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js', path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')].find((f) => fs.existsSync(f));
if (!npmCli) throw new Error('cannot find npm-cli.js');
fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
for (const tool of ['sh', 'env', 'uname', 'cat', 'ls', 'mkdir', 'rm', 'tar', 'gzip']) {
  for (const dir of ['/bin', '/usr/bin']) {
    if (fs.existsSync(path.join(dir, tool))) { fs.symlinkSync(path.join(dir, tool), path.join(bin, tool)); break; }
  }
}
const env = { HOME: process.env.HOME, PATH: bin, npm_config_nodedir: '/nonexistent' };
for (const c of ['gcc', 'g++', 'cc', 'make', 'python3']) {
  try { execFileSync('sh', ['-c', `command -v ${c}`], { env }); throw new Error(`${c} is on the test PATH`); } catch (e) { if (e.message.includes('on the test PATH')) throw e; }
}
fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'pk-consumer', version: '1.0.0', private: true }));
run(path.join(bin, 'npm'), ['install', '--no-audit', '--no-fund', tarball], { cwd: proj, env });
if (fs.existsSync(path.join(proj, 'node_modules/posixkit/build'))) throw new Error('the install compiled instead of loading the prebuild');

fs.writeFileSync(path.join(proj, 'cjs.js'), `
const pk = require('posixkit'); const os = require('posixkit/os');
const pid = os.fork(); if (pid === 0) os._exit(9);
console.log('cjs', typeof pk.os.fork, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]));`);
fs.writeFileSync(path.join(proj, 'esm.mjs'), `
import { fork, waitpid, WEXITSTATUS } from 'posixkit/os'; import * as pk from 'posixkit';
const pid = fork(); if (pid === 0) process.exit(4);
console.log('esm', typeof pk.os.getpid, WEXITSTATUS(waitpid(pid, 0)[1]));`);
const cjs = run(process.execPath, ['--single-threaded', 'cjs.js'], { cwd: proj, env }).trim();
const esm = run(process.execPath, ['--single-threaded', 'esm.mjs'], { cwd: proj, env }).trim();
if (cjs !== 'cjs function 9' || esm !== 'esm function 4') throw new Error(`unexpected output: ${cjs} / ${esm}`);
console.log(`${cjs}\n${esm}\npack check passed (installed from the prebuild with no compiler on PATH)`);
fs.rmSync(proj, { recursive: true });
fs.rmSync(tarball);
