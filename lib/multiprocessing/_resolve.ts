// How code is named to another JS heap (a worker thread, or a fresh node for
// the 'spawn' and 'forkserver' start methods): a function or class cannot be
// copied there, but the module that exports it can be loaded there again.
// A value is found among the exports of the CommonJS modules this process
// has loaded (require.cache), as Python pickles a function by its module and
// qualified name.
import { invalidArgType } from '../errors';

export interface ExportRef {
  /** Absolute path of the module (a require.cache key). */
  module: string;
  /** The export's name; 'default' when the module itself is the value. */
  export: string;
}

/** Where `value` is exported from, or null if no loaded CommonJS module exports it. */
export function findExport(value: unknown): ExportRef | null {
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

/** findExport, or a TypeError that says how to make the value reachable. */
export function exportOf(value: unknown, what: string, where: string): ExportRef {
  const ref = findExport(value);
  if (ref) return ref;
  const name = typeof value === 'function' && value.name ? ` '${value.name}'` : '';
  throw invalidArgType(what,
    `a function or class exported by a loaded CommonJS module (${where} loads it by module and name; ` +
    `export${name} from its module, or pass { module, export })`, value);
}

/** Loads `ref` in this heap. */
export function loadExport(ref: ExportRef): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ref.module) as Record<string, unknown>;
  if (ref.export === 'default') {
    const d = mod?.default;
    return d !== undefined ? d : mod;
  }
  return mod?.[ref.export];
}
