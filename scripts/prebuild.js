#!/usr/bin/env node
// Builds the N-API prebuild that `npm install posixkit` loads without a
// compiler: prebuilds/linux-x64/posixkit.glibc.node, stripped. N-API keeps it
// valid on every supported Node. The libc tag makes node-gyp-build skip it on
// musl (Alpine), which then builds from source. Runs as `prepack`, so a plain
// `npm pack` / `npm publish` always carries a fresh one. Built against the
// local headers (nodedir=/usr). Prints the newest glibc symbol version the
// addon needs (the README states it as the minimum glibc).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);

// A file left from an earlier naming would be packed next to the new one.
fs.rmSync(OUT, { recursive: true, force: true });
const bin = path.join(ROOT, 'node_modules', '.bin', 'prebuildify');
execFileSync(bin, ['--napi', '--strip', '--tag-libc', '--name', 'posixkit', '--target', `node@${process.versions.node}`], {
  cwd: ROOT, stdio: ['ignore', 2, 2], env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir || '/usr' },
});

/** The highest GLIBC_x.y version among the symbols `file` imports (objdump -T), or null without objdump. */
function minimumGlibc(file) {
  let table;
  try {
    table = execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
  } catch {
    return null;
  }
  const versions = [...table.matchAll(/\bGLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [+m[1], +m[2], +(m[3] ?? 0)]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const top = versions.at(-1);
  return top ? top.slice(0, top[2] ? 3 : 2).join('.') : null;
}

// prebuildify moves its build/Release output into prebuilds/: put a copy back, so a checkout keeps
// loading its own build (node-gyp-build prefers build/Release) instead of silently the prebuild.
const release = path.join(ROOT, 'build', 'Release', 'posixkit.node');
if (!fs.existsSync(release)) {
  fs.mkdirSync(path.dirname(release), { recursive: true });
  fs.copyFileSync(path.join(OUT, fs.readdirSync(OUT)[0]), release);
}

for (const f of fs.readdirSync(OUT)) {
  const glibc = minimumGlibc(path.join(OUT, f));
  process.stderr.write(`prebuilds/${path.basename(OUT)}/${f}${glibc ? `: needs glibc >= ${glibc}` : ''}\n`);
}
module.exports = { minimumGlibc };
