#!/usr/bin/env node
// Builds a variant of the addon in its own folder, leaving build/ (the addon
// that is published and that users load) alone:
//   node scripts/build-addon.js test   build-test/build/Release/posixkit.node
//       the published sources plus the test-only hooks (native/test_hooks.cc);
//       the test suite loads it (POSIXKIT_ADDON, set by vitest.config.mts)
//   node scripts/build-addon.js asan   build-asan/build/Release/posixkit.node
//       the test variant built with -fsanitize=address,undefined (npm run test:asan)
// A variant is rebuilt only when a native source, binding.gyp or this script
// is newer than it (--force always rebuilds). Prints the .node path.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const VARIANTS = ['test', 'asan'];

function addonPath(variant) {
  return path.join(ROOT, `build-${variant}`, 'build', 'Release', 'posixkit.node');
}

function newestSource() {
  const files = [path.join(ROOT, 'binding.gyp'), __filename,
    ...fs.readdirSync(path.join(ROOT, 'native')).map((f) => path.join(ROOT, 'native', f))];
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function isFresh(variant) {
  try {
    return fs.statSync(addonPath(variant)).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

// node-gyp always builds into ./build of the folder it runs in, so a variant
// gets a folder with a copy of binding.gyp whose sources point back here.
function writeGyp(dir) {
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
  const rebase = (list) => list.map((f) => (f.startsWith('native/') ? `../${f}` : f));
  const fix = (node) => {
    if (Array.isArray(node)) return node.forEach(fix);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'sources' && Array.isArray(v)) node[k] = rebase(v);
      else fix(v);
    }
  };
  fix(gyp);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'binding.gyp'), `${JSON.stringify(gyp, null, 2)}\n`);
}

function nodedir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const v = r.status === 0 ? r.stdout.trim() : '';
  return v && v !== 'undefined' && v !== 'null' ? v : undefined;
}

function build(variant, { force = false, quiet = false } = {}) {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown variant '${variant}' (${VARIANTS.join(', ')})`);
  if (!force && isFresh(variant)) return addonPath(variant);
  const dir = path.join(ROOT, `build-${variant}`);
  writeGyp(dir);
  const gypBin = require.resolve('node-gyp/bin/node-gyp.js', { paths: [ROOT] });
  const nd = nodedir();
  const args = [gypBin, 'rebuild', `--posixkit_variant=${variant}`, ...(nd ? [`--nodedir=${nd}`] : [])];
  if (!quiet) process.stderr.write(`building the ${variant} addon (${path.relative(ROOT, addonPath(variant))})\n`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`node-gyp failed building the ${variant} addon`);
  }
  return addonPath(variant);
}

module.exports = { addonPath, build, isFresh };

if (require.main === module) {
  const args = process.argv.slice(2);
  const variant = args.find((a) => !a.startsWith('--')) ?? 'test';
  try {
    process.stdout.write(`${build(variant, { force: args.includes('--force') })}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
