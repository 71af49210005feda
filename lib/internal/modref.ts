// Loading code by module reference: what a worker thread or a forked worker
// does to get a function or class that cannot be sent to it (code does not
// cross threads, and structured clone copies no functions). A reference is a
// module (an absolute path or a package name) and an export name; the one
// loader here requires it and checks what it found. Used by posixkit/threading
// (a Thread's target), socketserver's ThreadingMixIn (handler and server
// classes), the models' threading model (a core's ref), serveHttp (routes),
// the CLI's counting core and the multiprocessing Pool (functions by name).
// A value given as a function or class is named by findExport, among the
// exports of the CommonJS modules already loaded, as Python pickles a function
// by its module and qualified name (threading's targets and subclasses,
// multiprocessing's 'spawn' and 'forkserver' start methods).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { invalidArgType, unknownExport } from '../errors';

/** `require(module)[export]`: a module by absolute path or package name, and the export's name. */
export interface ModuleRef {
  module: string;
  export: string;
}

/** A function by module reference and the arguments to call it with (callExport). */
export interface CallRef extends ModuleRef {
  args?: unknown[];
}

/** A module name as a worker must get it: a path made absolute (from the cwd) and normal, a package name as is. */
export function resolveModule(module: string): string {
  return module.startsWith('.') || path.isAbsolute(module) ? path.resolve(module) : module;
}

const LIB = path.resolve(__dirname, '..');
const DIST = path.resolve(LIB, '..', 'dist');

/**
 * The file a worker thread can run for one of posixkit's own modules: under a
 * TypeScript loader (the tests) a module is lib/**.ts, which a worker (no
 * loader) cannot run, so its compiled twin in dist/ is used when it exists.
 */
export function runnableModule(file: string): string {
  if (!file.endsWith('.ts')) return file;
  const rel = path.relative(LIB, file);
  if (rel.startsWith('..')) return file;
  const twin = path.join(DIST, rel).replace(/\.ts$/, '.js');
  return existsSync(twin) ? twin : file;
}

/**
 * Loads `ref.export` from `ref.module` and checks it is a function (a class
 * is one). The export 'default' of a module that is itself a function is
 * that function. A missing export throws ERR_UNKNOWN_FUNCTION (or what
 * `fail` makes of the message); a missing module, Node's own error.
 */
export function loadExport<F extends (...args: any[]) => unknown>(ref: ModuleRef, what = 'function',
  fail: (module: string, name: string, what: string) => Error = unknownExport): F {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ref.module) as Record<string, unknown> | ((...a: unknown[]) => unknown);
  let f = (mod as Record<string, unknown>)[ref.export];
  if (typeof f !== 'function' && ref.export === 'default' && typeof mod === 'function') f = mod;
  if (typeof f !== 'function') throw fail(ref.module, ref.export, what);
  return f as F;
}

/** loadExport, then the function called with `args`: how a worker rebuilds a core, routes, a counting core. */
export function callExport<R>(ref: CallRef, what = 'function'): R {
  return loadExport<(...a: unknown[]) => R>(ref, what)(...(ref.args ?? []));
}

/** Where `value` is exported from, or null if no loaded CommonJS module exports it. */
export function findExport(value: unknown): ModuleRef | null {
  if (value === null || (typeof value !== 'function' && typeof value !== 'object')) return null;
  for (const [file, mod] of Object.entries(require.cache)) {
    const ex = mod?.exports as Record<string, unknown> | undefined;
    if (ex === undefined || ex === null) continue;
    if (ex === value) return { module: file, export: 'default' };
    if (typeof ex !== 'object' && typeof ex !== 'function') continue;
    for (const k of Object.keys(ex)) {
      let v: unknown;
      try {
        v = ex[k];
      } catch {
        continue; // a throwing getter is not our value
      }
      if (v === value) return { module: file, export: k };
    }
  }
  return null;
}

/** findExport, or a TypeError that says how to make the value reachable from `where`. */
export function exportOf(value: unknown, what: string, where: string): ModuleRef {
  const ref = findExport(value);
  if (ref) return ref;
  const name = typeof value === 'function' && value.name ? ` '${value.name}'` : '';
  throw invalidArgType(what,
    `a function or class exported by a loaded CommonJS module (${where} loads it by module and name; ` +
    `export${name} from its module, or pass { module, export })`, value);
}
