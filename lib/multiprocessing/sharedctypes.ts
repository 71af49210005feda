// Value and SharedArray: Python's multiprocessing.Value / Array, typed
// memory in the shared heap (heap.ts), so forked children and worker
// threads read and write the same bytes. With a lock (the default, a new
// RLock) every get and set takes it, as Python's Synchronized wrappers do;
// a read-modify-write such as `v.value += 1` still needs the lock held
// around it: withLock(v.getLock(), () => { v.value += 1; }).
import { invalidArgType, invalidArgValue, outOfRange, validateInteger } from '../errors';
import { allocate, Block, shareBlock } from './heap';
import {
  fromShared, Lock, registerReviver, RLock, SHARE, Shareable, SharedSync,
} from './synchronize';

type NumCtor = Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
type BigCtor = BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** Python's array/ctypes typecodes on Linux x86-64 / arm64 (long is 64-bit). */
export const typecodes = {
  b: Int8Array, B: Uint8Array, h: Int16Array, H: Uint16Array, i: Int32Array, I: Uint32Array,
  l: BigInt64Array, L: BigUint64Array, q: BigInt64Array, Q: BigUint64Array, f: Float32Array, d: Float64Array,
  c: Uint8Array,
} as const;

export type Typecode = keyof typeof typecodes;
type Elem<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint : C extends 'c' ? string : number;
/** What may be stored: bigint codes also take integer numbers. */
type ElemIn<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint | number : Elem<C>;
type View = InstanceType<NumCtor> | InstanceType<BigCtor>;

export type LockOption = boolean | null | Lock | RLock;

function ctorOf(typecode: unknown): NumCtor | BigCtor {
  if (typeof typecode !== 'string') throw invalidArgType('typecode', 'of type string', typecode);
  if (!Object.prototype.hasOwnProperty.call(typecodes, typecode)) {
    throw invalidArgValue('typecode', typecode, `must be one of ${Object.keys(typecodes).join(' ')}`);
  }
  return typecodes[typecode as Typecode];
}

// As Python: true and null/undefined (lock=None) make a new RLock, false none.
function pickLock(lock: unknown): Lock | RLock | null {
  if (lock === undefined || lock === null || lock === true) return new RLock();
  if (lock === false) return null;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw invalidArgType('options.lock', 'a boolean, Lock or RLock', lock);
}

// Converts a JS value to what the typed array stores, refusing what Python's
// ctypes would refuse (wrong type) rather than storing NaN or 0 silently.
function encode(typecode: Typecode, big: boolean, v: unknown, name: string): number | bigint {
  if (typecode === 'c') {
    if (typeof v === 'string' && v.length === 1 && v.charCodeAt(0) < 256) return v.charCodeAt(0);
    if (Buffer.isBuffer(v) && v.length === 1) return v[0];
    throw invalidArgType(name, 'a one-character string (code < 256) or a 1-byte Buffer', v);
  }
  if (big) {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    throw invalidArgType(name, 'a bigint or an integer number', v);
  }
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (typecode !== 'f' && typecode !== 'd' && !Number.isInteger(v)) throw outOfRange(name, 'an integer', v);
  return v;
}

function decode(typecode: Typecode, raw: number | bigint): unknown {
  return typecode === 'c' ? String.fromCharCode(raw as number) : raw;
}

function withOptionalLock<T>(lock: Lock | RLock | null, fn: () => T): T {
  if (!lock) return fn();
  lock.acquire();
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** A single shared number (Python's multiprocessing.Value). */
export class Value<C extends Typecode = Typecode> implements Shareable {
  readonly typecode: C;
  readonly #view: View;
  readonly #block: Block;
  readonly #lock: Lock | RLock | null;
  readonly #big: boolean;

  /**
   * Value('i', 0), Value('d', 1.5), Value('q', 10n), Value('c', 'a').
   * options.lock: true or null (default, a new RLock, as Python's lock=None), false (raw), or a Lock/RLock to use.
   */
  constructor(typecode: C, init?: ElemIn<C>, options: { lock?: LockOption } = {}, _block?: Block, _lock?: Lock | RLock | null) {
    const Ctor = ctorOf(typecode);
    this.typecode = typecode;
    this.#big = Ctor === BigInt64Array || Ctor === BigUint64Array;
    this.#block = _block ?? allocate(Ctor.BYTES_PER_ELEMENT, 8);
    this.#view = new Ctor(this.#block.map.buffer, this.#block.byteOffset, 1);
    this.#lock = _block ? (_lock ?? null) : pickLock(options?.lock);
    if (!_block && init !== undefined) this.#view[0] = encode(typecode, this.#big, init, 'init') as never;
  }

  get value(): Elem<C> {
    return withOptionalLock(this.#lock, () => decode(this.typecode, this.#view[0]) as Elem<C>);
  }

  set value(v: ElemIn<C>) {
    const raw = encode(this.typecode, this.#big, v, 'value');
    withOptionalLock(this.#lock, () => { this.#view[0] = raw as never; });
  }

  /** The lock guarding this value (Python's get_lock()); throws if made with lock: false. */
  getLock(): Lock | RLock {
    if (!this.#lock) throw invalidArgValue('lock', false, "was false: this Value has no lock (Python: 'c_int' object has no attribute 'get_lock')");
    return this.#lock;
  }

  /** The raw one-element typed array over the shared bytes (no locking). */
  get raw(): View {
    return this.#view;
  }

  [SHARE](): SharedSync {
    return {
      __posixkit_sync: 'Value',
      block: shareBlock(this.#block),
      extra: { typecode: this.typecode, lock: this.#lock ? (this.#lock as unknown as Shareable)[SHARE]() : null },
    };
  }

  toString(): string {
    return `<Synchronized wrapper for ${this.typecode}(${String(decode(this.typecode, this.#view[0]))})>`;
  }
}
registerReviver('Value', (b, extra) => {
  const e = extra as { typecode: Typecode; lock: SharedSync | null };
  return new Value(e.typecode, undefined, {}, b, e.lock ? fromShared<Lock | RLock>(e.lock) : null);
});

/**
 * A fixed-length shared array (Python's multiprocessing.Array; named
 * SharedArray so the JS Array stays itself). SharedArray('i', 10) is ten
 * zeros; SharedArray('d', [1, 2, 3]) copies the values.
 */
export class SharedArray<C extends Typecode = Typecode> implements Shareable, Iterable<Elem<C>> {
  readonly typecode: C;
  readonly length: number;
  readonly #view: View;
  readonly #block: Block;
  readonly #lock: Lock | RLock | null;
  readonly #big: boolean;

  constructor(typecode: C, sizeOrInit: number | ArrayLike<ElemIn<C>> | string, options: { lock?: LockOption } = {},
    _block?: Block, _lock?: Lock | RLock | null) {
    const Ctor = ctorOf(typecode);
    this.typecode = typecode;
    this.#big = Ctor === BigInt64Array || Ctor === BigUint64Array;
    let init: ArrayLike<unknown> | null = null;
    let length: number;
    if (typeof sizeOrInit === 'number') {
      length = validateInteger(sizeOrInit, 'size', 0, 2 ** 32);
    } else if (sizeOrInit !== null && (typeof sizeOrInit === 'object' || typeof sizeOrInit === 'string')) {
      init = sizeOrInit as ArrayLike<unknown>;
      length = init.length;
    } else {
      throw invalidArgType('sizeOrInit', 'a number or an array-like of values', sizeOrInit);
    }
    this.length = length;
    this.#block = _block ?? allocate(Math.max(1, length * Ctor.BYTES_PER_ELEMENT), 8);
    this.#view = new Ctor(this.#block.map.buffer, this.#block.byteOffset, length);
    this.#lock = _block ? (_lock ?? null) : pickLock(options?.lock);
    if (init && !_block) {
      for (let i = 0; i < length; i++) this.#view[i] = encode(typecode, this.#big, init[i], `init[${i}]`) as never;
    }
  }

  #index(i: unknown): number {
    validateInteger(i, 'index', -this.length, this.length - 1);
    const n = i as number;
    return n < 0 ? n + this.length : n;
  }

  /** arr[i] (negative counts from the end, as Python). */
  get(i: number): Elem<C> {
    const k = this.#index(i);
    return withOptionalLock(this.#lock, () => decode(this.typecode, this.#view[k]) as Elem<C>);
  }

  /** arr[i] = v */
  set(i: number, v: ElemIn<C>): void {
    const k = this.#index(i);
    const raw = encode(this.typecode, this.#big, v, 'value');
    withOptionalLock(this.#lock, () => { this.#view[k] = raw as never; });
  }

  /** A copy of the elements (arr[:]), read under the lock. */
  toArray(): Elem<C>[] {
    return withOptionalLock(this.#lock, () =>
      Array.from(this.#view as ArrayLike<number | bigint>, (x) => decode(this.typecode, x) as Elem<C>));
  }

  [Symbol.iterator](): Iterator<Elem<C>> {
    return this.toArray()[Symbol.iterator]();
  }

  getLock(): Lock | RLock {
    if (!this.#lock) throw invalidArgValue('lock', false, 'was false: this SharedArray has no lock');
    return this.#lock;
  }

  /** The raw typed array over the shared bytes (no locking): fast bulk access. */
  get raw(): View {
    return this.#view;
  }

  [SHARE](): SharedSync {
    return {
      __posixkit_sync: 'SharedArray',
      block: shareBlock(this.#block),
      extra: { typecode: this.typecode, length: this.length, lock: this.#lock ? (this.#lock as unknown as Shareable)[SHARE]() : null },
    };
  }

  toString(): string {
    return `<SynchronizedArray wrapper for ${this.typecode}[${this.length}]>`;
  }
}
registerReviver('SharedArray', (b, extra) => {
  const e = extra as { typecode: Typecode; length: number; lock: SharedSync | null };
  return new SharedArray(e.typecode, e.length, {}, b, e.lock ? fromShared<Lock | RLock>(e.lock) : null);
});

/** Python's RawValue: a Value without a lock. */
export function RawValue<C extends Typecode>(typecode: C, init?: ElemIn<C>): Value<C> {
  return new Value(typecode, init, { lock: false });
}

/** Python's RawArray: a SharedArray without a lock. */
export function RawArray<C extends Typecode>(typecode: C, sizeOrInit: number | ArrayLike<ElemIn<C>> | string): SharedArray<C> {
  return new SharedArray(typecode, sizeOrInit, { lock: false });
}

/** The type of Array(): callable with or without new, as Python's function. */
export interface ArrayFactory {
  <C extends Typecode>(typecode: C, sizeOrInit: number | ArrayLike<ElemIn<C>> | string, options?: { lock?: LockOption }): SharedArray<C>;
  new <C extends Typecode>(typecode: C, sizeOrInit: number | ArrayLike<ElemIn<C>> | string, options?: { lock?: LockOption }): SharedArray<C>;
}

/**
 * Python's multiprocessing.Array(typecode, size_or_init, lock=True): a
 * SharedArray (the class keeps its own name so the global Array stays usable).
 */
const arrayFactory = function Array<C extends Typecode>(typecode: C, sizeOrInit: number | ArrayLike<ElemIn<C>> | string,
  options: { lock?: LockOption } = {}): SharedArray<C> {
  return new SharedArray(typecode, sizeOrInit, options);
} as ArrayFactory;
// Exported under Python's name; inside this module `Array` stays the global.
export { arrayFactory as Array };
