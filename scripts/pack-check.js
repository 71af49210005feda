#!/usr/bin/env node
// Proves that the tarball a plain `npm pack` / `npm publish` makes works for a
// user without a compiler. Packs (the `prepack` script builds the prebuild),
// then installs the tarball into fresh projects whose PATH has node, npm and
// npx but no gcc/g++/make/python:
//   - npm install (install scripts run: node-gyp-build finds the prebuild)
//   - npm install --ignore-scripts
//   - pnpm 10 (build scripts off by default), fetched with `npx pnpm@10`;
//     skipped with a note when the registry cannot be reached
// and in each imports posixkit from CommonJS and ESM and forks once. In the
// npm project it also runs the CLI through npx, compiles a TypeScript
// consumer under node10/node16/bundler resolution, and checks that a musl
// system (LIBC=musl, as node-gyp-build detects Alpine) does not load the
// glibc prebuild.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { checkTypes } = require('./types-consumer');

const ROOT = path.resolve(__dirname, '..');
const PREBUILD = `prebuilds/${process.platform}-${process.arch}/posixkit.glibc.node`;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
const step = (text) => console.log(`- ${text}`);

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-pack-'));
  try {
    const tarball = pack(work);
    const bin = noCompilerBin(work);
    const env = { HOME: process.env.HOME, PATH: bin, npm_config_nodedir: '/nonexistent', npm_config_update_notifier: 'false' };

    const npmProj = project(work, 'npm');
    run(path.join(bin, 'npm'), ['install', '--no-audit', '--no-fund', tarball], { cwd: npmProj, env });
    if (fs.existsSync(path.join(npmProj, 'node_modules/posixkit/build'))) throw new Error('the install compiled instead of loading the prebuild');
    imports(npmProj, env, 'npm install');
    cli(npmProj, bin, env);
    await serverStartsAndStops(npmProj, bin, env);
    musl(npmProj, env);
    const types = await checkTypes(npmProj);
    for (const [name, errors] of Object.entries(types)) {
      if (errors) throw new Error(`TypeScript consumer (${name}) failed:\n${errors}`);
    }
    step(`TypeScript consumer compiles under ${Object.keys(types).join(', ')}`);

    const quiet = project(work, 'ignore-scripts');
    run(path.join(bin, 'npm'), ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], { cwd: quiet, env });
    imports(quiet, env, 'npm install --ignore-scripts');

    const pnpmProj = project(work, 'pnpm');
    let pnpmVersion = null;
    try {
      pnpmVersion = run(path.join(bin, 'npx'), ['-y', 'pnpm@10', '--version'], { cwd: pnpmProj, env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      step(`pnpm: skipped, npx pnpm@10 is not available here (${String(e.stderr || e.message).trim().split('\n')[0]})`);
    }
    if (pnpmVersion) {
      run(path.join(bin, 'npx'), ['-y', 'pnpm@10', 'add', tarball], { cwd: pnpmProj, env });
      imports(pnpmProj, env, `pnpm ${pnpmVersion} (build scripts not run)`);
    }
    console.log('pack check passed');
    fs.rmSync(tarball);
  } finally {
    if (process.env.PACK_CHECK_KEEP) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

// A plain `npm pack`: nothing is built beforehand, so the tarball only has a prebuild if prepack made it.
function pack(work) {
  fs.rmSync(path.join(ROOT, 'prebuilds'), { recursive: true, force: true });
  const out = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  const packed = JSON.parse(out.slice(out.indexOf('[')))[0];
  const files = packed.files.map((f) => f.path);
  for (const must of ['dist/index.js', 'dist/os.d.ts', PREBUILD, 'binding.gyp', 'native/fork.cc', 'LICENSE', 'README.md', 'bin/posixkit.js']) {
    if (!files.includes(must)) throw new Error(`tarball lacks ${must}`);
  }
  const stray = files.filter((f) => /^(test|scripts|build|node_modules)\//.test(f) || f.endsWith('.tgz'));
  if (stray.length) throw new Error(`tarball carries ${stray.join(', ')}`);
  step(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB, with ${PREBUILD}`);
  return path.join(work, packed.filename);
}

// A PATH with node, npm and npx only: no compiler, so only the prebuild can work.
function noCompilerBin(work) {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const npmDir = ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm', path.join(path.dirname(process.execPath), '../lib/node_modules/npm')]
    .find((d) => fs.existsSync(path.join(d, 'bin/npm-cli.js')));
  if (!npmDir) throw new Error('cannot find npm-cli.js');
  for (const tool of ['npm', 'npx']) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nexec "${process.execPath}" "${npmDir}/bin/${tool}-cli.js" "$@"\n`, { mode: 0o755 });
  }
  for (const tool of ['sh', 'env', 'uname', 'cat', 'ls', 'mkdir', 'rm', 'tar', 'gzip']) {
    const found = ['/bin', '/usr/bin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const c of ['gcc', 'g++', 'cc', 'make', 'python3']) {
    const r = (() => { try { run('sh', ['-c', `command -v ${c}`], { env: { PATH: bin }, stdio: 'pipe' }); return true; } catch { return false; } })();
    if (r) throw new Error(`${c} is on the test PATH`);
  }
  return bin;
}

function project(work, name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `pk-consumer-${name}`, version: '1.0.0', private: true }));
  return dir;
}

// CommonJS and ESM, every subpath loads, and a fork whose child exits with a known code.
function imports(dir, env, how) {
  fs.writeFileSync(path.join(dir, 'cjs.js'), `
const pk = require('posixkit'); const os = require('posixkit/os');
const pkg = require('posixkit/package.json');
for (const k of Object.keys(pkg.exports)) if (k !== './package.json') require(k === '.' ? 'posixkit' : 'posixkit/' + k.slice(2));
const pid = os.fork(); if (pid === 0) os._exit(9);
console.log('cjs', typeof pk.os.fork, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]));`);
  fs.writeFileSync(path.join(dir, 'esm.mjs'), `
import { fork, waitpid, WEXITSTATUS } from 'posixkit/os'; import * as pk from 'posixkit';
const pid = fork(); if (pid === 0) process.exit(4);
console.log('esm', typeof pk.os.getpid, WEXITSTATUS(waitpid(pid, 0)[1]));`);
  const cjs = run(process.execPath, ['--single-threaded', 'cjs.js'], { cwd: dir, env }).trim();
  const esm = run(process.execPath, ['--single-threaded', 'esm.mjs'], { cwd: dir, env }).trim();
  if (cjs !== 'cjs function 9' || esm !== 'esm function 4') throw new Error(`${how}: unexpected output: ${cjs} / ${esm}`);
  const loaded = run(process.execPath, ['-p', "require('node-gyp-build').path(require('path').dirname(require.resolve('posixkit/package.json')))"],
    { cwd: path.join(dir, 'node_modules', 'posixkit'), env }).trim();
  if (!loaded.endsWith(PREBUILD)) throw new Error(`${how}: loads ${loaded}, not the prebuild`);
  step(`${how}: CommonJS and ESM import every subpath and fork, from ${PREBUILD}`);
}

function cli(dir, bin, env) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const version = run(path.join(bin, 'npx'), ['posixkit', '--version'], { cwd: dir, env }).trim();
  if (version !== pkg.version) throw new Error(`npx posixkit --version printed ${version}`);
  const models = run(path.join(bin, 'npx'), ['posixkit', 'models'], { cwd: dir, env });
  if (!/^epoll-et\b/m.test(models)) throw new Error(`npx posixkit models printed:\n${models}`);
  step(`npx posixkit --version (${version}) and models run from the installed package`);
}

// The http command from the installed package serves its bundled site and stops on Ctrl-C: SIGINT to
// the process group, as a terminal sends it (npx itself does not pass signals on to the command).
function serverStartsAndStops(dir, bin, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(bin, 'npx'), ['posixkit', 'http', '--port', '0', '--model', 'epoll'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const group = (signal) => { try { process.kill(-p.pid, signal); } catch { /* gone */ } };
    let out = '';
    let asked = false;
    const timer = setTimeout(() => { group('SIGKILL'); reject(new Error(`http did not start and stop in time:\n${out}`)); }, 30_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m && !asked) {
        asked = true;
        fetch(`http://127.0.0.1:${m[1]}/`).then((r) => r.text()).then((body) => {
          if (!body.includes('<html')) reject(new Error(`http served ${body.slice(0, 80)}`));
          group('SIGINT');
        }, (e) => { group('SIGKILL'); reject(e); });
      }
    });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', () => { // every process that held the output is gone
      clearTimeout(timer);
      if (/stopped by SIGINT; 1 connection, 0 errors/.test(out)) {
        step('npx posixkit http serves the bundled site and stops on Ctrl-C (SIGINT to the group)');
        resolve();
      } else reject(new Error(`http did not report its stop:\n${out}`));
    });
  });
}

function musl(dir, env) {
  try {
    run(process.execPath, ['-e', "require('posixkit/os')"], { cwd: dir, env: { ...env, LIBC: 'musl' }, stdio: 'pipe' });
  } catch (e) {
    if (/No native build was found .*libc=musl/s.test(String(e.stderr))) {
      step('on musl (LIBC=musl) the glibc prebuild is not loaded (npm install builds from source there)');
      return;
    }
    throw e;
  }
  throw new Error('the glibc prebuild loaded on musl');
}

main().catch((e) => {
  console.error(`pack check FAILED: ${e.stack || e}`);
  process.exitCode = 1;
});
