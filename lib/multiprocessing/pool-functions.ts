// How a Pool names a function to its forked workers (see pool.ts).
import { invalidArgType, invalidArgValue, validateFunction } from '../errors';
import { loadExport, resolveModule } from '../internal/modref';
import { stateError } from './errors';

// ---- functions ----------------------------------------------------------------
//
// A function cannot be structured-cloned. Workers are forked, so they hold a
// copy of every function the parent had at the time; what they lack is a way
// to name it. Functions get an id in this registry the first time a pool sees
// them; a worker knows the ids registered before it was forked. A task whose
// function is newer than an idle worker makes the pool replace that worker by
// a fresh fork (which knows it), once. A function may also be named by module
// path ('path/to/mod.js#name' or { module, name }): the worker require()s it.

export type ModuleRef = string | { module: string; name: string };
export type Callable = ((...args: any[]) => unknown) | ModuleRef;
export type FnRef = number | { module: string; name: string };

const registry: Array<(...args: any[]) => unknown> = [];
const ids = new Map<(...args: any[]) => unknown, number>();

/** Registers functions ahead, so pools forked afterwards need no refork for them. */
export function registerFunction(...fns: Array<(...args: any[]) => unknown>): void {
  for (const fn of fns) {
    validateFunction(fn, 'fn');
    fnRef(fn);
  }
}

/** @internal */
export function fnRef(fn: Callable): FnRef {
  if (typeof fn === 'function') {
    let id = ids.get(fn);
    if (id === undefined) {
      id = registry.length;
      registry.push(fn);
      ids.set(fn, id);
    }
    return id;
  }
  let module: unknown, name: unknown;
  if (typeof fn === 'string') {
    const i = fn.lastIndexOf('#');
    if (i <= 0 || i === fn.length - 1) throw invalidArgValue('func', fn, "must look like 'path/to/module.js#exportName'");
    module = fn.slice(0, i);
    name = fn.slice(i + 1);
  } else if (fn !== null && typeof fn === 'object') {
    ({ module, name } = fn as { module: unknown; name: unknown });
  }
  if (typeof module !== 'string' || typeof name !== 'string') {
    throw invalidArgType('func', "a function, 'module#export' or { module, name }", fn);
  }
  return { module: resolveModule(module), name };
}

/** @internal */
export function lookup(ref: FnRef): (...args: any[]) => unknown {
  if (typeof ref === 'number') {
    const fn = registry[ref];
    if (!fn) throw stateError('ERR_UNKNOWN_FUNCTION', `function #${ref} is unknown in this worker`);
    return fn;
  }
  return loadExport({ module: ref.module, export: ref.name }, 'function',
    (module, name) => stateError('ERR_UNKNOWN_FUNCTION', `${module} has no function export '${name}'`));
}

/** @internal the registry's size: a worker forked now knows ids below it. */
export function knownFunctions(): number {
  return registry.length;
}

/** @internal */
export function fnName(fn: Callable): string {
  if (typeof fn === 'function') return fn.name || '<anonymous>';
  return typeof fn === 'string' ? fn : `${fn.module}#${fn.name}`;
}
