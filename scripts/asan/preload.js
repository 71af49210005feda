// Loaded into every node of `npm run test:asan` (NODE_OPTIONS=--require).
// The sanitizer runtime is LD_PRELOADed so the instrumented addon can load;
// node children (fixtures, vitest workers, re-execs) must keep it, but the
// external tools the tests drive (curl, python3, lftp, chromium ...) must
// not run with it: they are not ours, and some (chromium) break under it.
// So child_process hands LD_PRELOAD on only to node; strace, which runs node
// under it, gets the preload for its tracee through its own -E option.
'use strict';
const cp = require('node:child_process');
const path = require('node:path');
const { syncBuiltinESMExports } = require('node:module');

const RT = process.env.POSIXKIT_ASAN_RUNTIME;
if (RT) {
  const isNode = (file) => file === process.execPath || path.basename(String(file)) === 'node';
  const isStrace = (file) => path.basename(String(file)) === 'strace';
  const stripPairs = (pairs) => pairs.filter((p) => !p.startsWith('LD_PRELOAD='));

  // Async spawns (spawn, execFile, exec, fork) all pass through here.
  const origSpawn = cp.ChildProcess.prototype.spawn;
  cp.ChildProcess.prototype.spawn = function spawn(options) {
    if (options && Array.isArray(options.envPairs) && !isNode(options.file)) {
      options.envPairs = stripPairs(options.envPairs);
      if (isStrace(options.file) && Array.isArray(options.args)) {
        options.args = [options.args[0], '-E', `LD_PRELOAD=${RT}`, ...options.args.slice(1)];
      }
    }
    return origSpawn.call(this, options);
  };

  // The sync forms take (file, args?, options?) or (command, options?) and
  // build their env from options.env or process.env.
  const fixSync = (file, args, options) => {
    if (isNode(file)) return [args, options];
    const env = { ...((options && options.env) || process.env) };
    delete env.LD_PRELOAD;
    const a = isStrace(file) && Array.isArray(args) ? ['-E', `LD_PRELOAD=${RT}`, ...args] : args;
    return [a, { ...(options || {}), env }];
  };
  const wrapFileSync = (orig) => function wrapped(file, args, options) {
    if (args !== undefined && args !== null && !Array.isArray(args)) {
      options = args;
      args = [];
    }
    args = args ?? [];
    const [a, o] = fixSync(file, args, options);
    return orig.call(this, file, a, o);
  };
  cp.spawnSync = wrapFileSync(cp.spawnSync);
  cp.execFileSync = wrapFileSync(cp.execFileSync);
  const origExecSync = cp.execSync;
  cp.execSync = function execSync(command, options) {
    return origExecSync.call(this, command, fixSync('/bin/sh', [], options)[1]);
  };
  syncBuiltinESMExports();
}
