// What the fuzzer calls: every exported function, class (construct), method
// and getter of every public module (package.json "exports", compiled in
// dist/), and every function of the raw binding. Names are stable strings
// ('./socket:Socket#recv', 'binding:socket.recv') so a run can be replayed
// and a report read.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

// Calls that end or replace the process by contract (the batch would just
// stop) are left out; everything else is fair game inside the sandbox.
// (os.abort: as the init of its pid namespace the batch ignores SIGABRT, so
// glibc ends it with a fault, which would read as a crash.)
const SKIP_RE = /^(\.\/os:|\.:os\.|binding:)(_exit|abort|exec[lv]p?e?)$/;
// The binding's registration calls: lib/ hands them its dispatcher, error
// factory and fork callbacks once, at load. Replacing those with a random
// function only disconnects the JS layer (no memory is at stake, and the
// interrupter stops working), so these get every value but a function.
const PLUMBING = new Set(['binding:setSignalDispatcher', 'binding:setErrorFactory', 'binding:set_child_callbacks']);

// Without a sandbox (--no-sandbox) calls that reach beyond the worker are
// left out too: signals to other processes and process groups.
const SKIP_UNSANDBOXED = /(:|\.)(kill|killpg|setpgid|setsid|setitimer|alarm|fork|raise_signal|sendfile|shm_unlink)$|serve|Server|Pool|Process|Thread|getaddrinfo|gethostby|create_connection/;

const isClass = (f) => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

function isBuiltinProto(p) {
  const c = Object.prototype.hasOwnProperty.call(p, 'constructor') ? p.constructor : null;
  if (typeof c !== 'function') return false;
  if (/\[native code\]/.test(Function.prototype.toString.call(c))) return true;
  return c === require('node:events').EventEmitter;
}

function methodsOf(cls) {
  const out = [];
  const seen = new Set(['constructor']);
  // Methods inherited from a built-in (Array's reduce on a stat_result, Error's,
  // EventEmitter's) are the engine's or node's, not posixkit's: a sparse array
  // of length 2**32-1 as `this` only makes them loop for minutes.
  for (let p = cls.prototype; p && !isBuiltinProto(p); p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d.get) out.push({ name, kind: 'getter', fn: d.get });
      if (typeof d.value === 'function') out.push({ name, kind: 'method', fn: d.value });
    }
  }
  return out;
}

// Targets of one namespace object: functions, classes (+ their methods and
// getters) and, one level down, plain objects holding functions (models.forking).
function walk(prefix, obj, out, depth = 0) {
  for (const [name, v] of Object.entries(obj)) {
    const id = `${prefix}${name}`;
    if (isClass(v)) {
      out.push({ id, kind: 'construct', fn: v, cls: v });
      for (const m of methodsOf(v)) out.push({ id: `${id}#${m.name}`, kind: m.kind, fn: m.fn, cls: v });
      for (const s of Object.getOwnPropertyNames(v)) {
        if (typeof v[s] === 'function' && !['length', 'name', 'prototype'].includes(s)) {
          out.push({ id: `${id}.${s}`, kind: 'call', fn: v[s], self: v });
        }
      }
    } else if (typeof v === 'function') {
      out.push({ id, kind: 'call', fn: v, self: obj });
    } else if (v && typeof v === 'object' && depth < 1 && Object.getPrototypeOf(v) === Object.prototype
      && Object.values(v).some((x) => typeof x === 'function')) {
      walk(`${id}.`, v, out, depth + 1);
    }
  }
}

function listTargets({ sandboxed, only = null }) {
  const pkg = require(path.join(ROOT, 'package.json'));
  const out = [];
  for (const [spec, entry] of Object.entries(pkg.exports)) {
    if (spec === './package.json' || spec === './forkable') continue; // forkable only re-execs at import
    walk(`${spec}:`, require(path.join(ROOT, entry.default)), out);
  }
  const { binding } = require(path.join(ROOT, 'dist/native.js'));
  for (const [name, v] of Object.entries(binding)) {
    if (typeof v === 'function') {
      if (!name.startsWith('_') || name === '_exit') out.push({ id: `binding:${name}`, kind: 'call', fn: v, self: binding });
    } else if (v && typeof v === 'object') {
      for (const [n2, f] of Object.entries(v)) {
        if (typeof f === 'function') out.push({ id: `binding:${name}.${n2}`, kind: 'call', fn: f, self: v });
      }
    }
  }
  // one entry per id (a module re-exported by the root is still called both ways)
  const seen = new Set();
  return out.filter((t) => {
    if (seen.has(t.id) || SKIP_RE.test(t.id) || (!sandboxed && SKIP_UNSANDBOXED.test(t.id))) return false;
    if (only !== null && !only.test(t.id)) return false;
    seen.add(t.id);
    return true;
  });
}

module.exports = { listTargets, PLUMBING, ROOT };
