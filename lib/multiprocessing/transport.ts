// What crosses to a worker thread with its arguments (or a Thread subclass's
// fields): structured clones, except posixkit's shared primitives (Lock,
// Value, SharedArray ...), which cross as descriptors of the same shared
// memory, and threading.local objects, which arrive as new, empty locals.
import { fromShared, isSharedSync, SHARE, Shareable, SharedSync } from './synchronize';
import { findExport, loadExport, type ModuleRef } from '../internal/modref';

const TAG = '__posixkit_shared_arg';
const LOCAL = '__posixkit_local';

/** Constructor arguments of each threading.local, for the copy another thread makes. */
export const localArgs = new WeakMap<object, unknown[]>();

// threading.local itself, by reference: threading sits above this module, so
// the receiver loads it by module and name (as any class), never by import.
let localBase: ModuleRef | null = null;

/** @internal threading.ts names its local class once it is loaded. */
export function setLocalBase(ref: ModuleRef): void {
  localBase = ref;
}

interface LocalDesc {
  cls: ModuleRef;
  args: unknown;
}

export function pack(v: unknown, seen = new Set<unknown>()): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as Partial<Shareable>)[SHARE] === 'function') return { [TAG]: (v as Shareable)[SHARE]() };
  const args = localArgs.get(v);
  if (args !== undefined) {
    // A subclass that is not exported arrives as a plain local (its constructor cannot be found).
    const desc: LocalDesc = { cls: findExport(v.constructor) ?? localBase!, args: pack(args, seen) };
    return { [LOCAL]: desc };
  }
  if (seen.has(v)) return v;
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => pack(x, seen));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = pack(x, seen);
    return out;
  }
  return v; // typed arrays, Maps, SharedArrayBuffer ...: structured clone
}

export function unpack(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const tagged = (v as Record<string, unknown>)[TAG];
  if (tagged !== undefined && isSharedSync(tagged)) return fromShared(tagged as SharedSync);
  const loc = (v as Record<string, unknown>)[LOCAL] as LocalDesc | undefined;
  if (loc !== undefined) {
    const Cls = loadExport(loc.cls, 'class') as unknown as new (...a: unknown[]) => object;
    return new Cls(...(unpack(loc.args) as unknown[]));
  }
  if (Array.isArray(v)) return v.map(unpack);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unpack(x);
    return out;
  }
  return v;
}
