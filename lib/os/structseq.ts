// Python's structseq result types (os.stat_result, os.uname_result,
// resource.struct_rusage ...) as one design: a frozen Array subclass. It is
// indexable and iterable like the tuple (`const [pid, status] = r`), has
// Python's named fields as getters (`r.si_pid`), and keeps Python's extra
// named fields that are not part of the tuple (stat_result.st_blksize) off
// the array. docs/api/os.md ("Result types") describes it for users.
import { inspect } from 'node:util';
import { invalidArgType } from '../errors';
import { iterableArg } from './args';

const EXTRA = Symbol('posixkit.structseq.extra');

interface Layout {
  /** 'os.stat_result', as Python's repr shows it. */
  qualname: string;
  /** Field names of the tuple part; null for Python's unnamed fields. */
  sequence: Array<string | null>;
  /** Named fields outside the tuple. */
  extra: string[];
  /** Fills extra fields the sequence left out (null until then). */
  fill?: (extra: unknown[], items: unknown[]) => void;
}

const layouts = new WeakMap<object, Layout>();

export abstract class StructSeq<T = unknown> extends Array<T> {
  declare readonly [EXTRA]: unknown[];
  declare static readonly n_fields: number;
  declare static readonly n_sequence_fields: number;
  declare static readonly n_unnamed_fields: number;

  // map/filter/slice give plain arrays, never a half-built result object.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /**
   * Python's `stat_result(sequence)`: at least the tuple's fields, at most
   * every named field; extras not given are null.
   */
  constructor(sequence: Iterable<unknown>) {
    super();
    const layout = layouts.get(new.target);
    if (!layout) throw new TypeError(`${new.target.name} is not a posixkit result type`);
    const min = layout.sequence.length;
    const max = min + layout.extra.length;
    // read no further than one item past the longest layout (Python's TypeError for a wrong length)
    const items = iterableArg(sequence, 'sequence', 'an iterable', (v) => v, max,
      () => invalidArgType('sequence', `at most ${max} items long for ${layout.qualname}()`, sequence));
    if (items.length < min || items.length > max) {
      const bound = items.length < min ? `at least ${min}` : `at most ${max}`;
      throw invalidArgType('sequence', `${bound} items long for ${layout.qualname}() (${items.length} given)`, sequence);
    }
    for (let i = 0; i < min; i++) this.push(items[i] as T);
    const extra = items.slice(min);
    while (extra.length < layout.extra.length) extra.push(null);
    layout.fill?.(extra, items);
    Object.defineProperty(this, EXTRA, { value: Object.freeze(extra) });
    Object.freeze(this);
  }

  [inspect.custom](): string {
    const layout = layouts.get(this.constructor)!;
    const parts: string[] = [];
    layout.sequence.forEach((name, i) => {
      if (name !== null) parts.push(`${name}=${inspect(this[i])}`);
    });
    return `${layout.qualname}(${parts.join(', ')})`;
  }
}

/**
 * Gives `cls` its Python layout: getters for the named fields and Python's
 * n_fields / n_sequence_fields / n_unnamed_fields.
 */
export function defineStructSeq(cls: abstract new (...args: never[]) => StructSeq, layout: Layout): void {
  layouts.set(cls, layout);
  const proto = cls.prototype as object;
  layout.sequence.forEach((name, i) => {
    if (name !== null) {
      Object.defineProperty(proto, name, { get(this: unknown[]) { return this[i]; }, enumerable: false, configurable: true });
    }
  });
  layout.extra.forEach((name, i) => {
    Object.defineProperty(proto, name, { get(this: StructSeq) { return this[EXTRA][i]; }, enumerable: false, configurable: true });
  });
  const unnamed = layout.sequence.filter((n) => n === null).length;
  for (const [k, v] of [['n_sequence_fields', layout.sequence.length], ['n_fields', layout.sequence.length + layout.extra.length],
    ['n_unnamed_fields', unnamed]] as const) {
    Object.defineProperty(cls, k, { value: v, enumerable: true });
  }
}
