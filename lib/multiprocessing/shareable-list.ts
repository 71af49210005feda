// Python's multiprocessing.shared_memory.ShareableList: a fixed-length list
// of numbers, booleans, strings, bytes and None in a named POSIX shared
// memory segment (posixkit/mmap's SharedMemory), in CPython's byte layout,
// so a list made here attaches from Python by name and vice versa:
//   int64 length | int64 offsets[length + 1] | the items, each 8 bytes or a
//   multiple of 8 for str/bytes | char[8] struct format per item |
//   int8 back-transform code per item (0 number/bool, 1 str, 2 bytes, 3 None)
// Numbers are 'q' (int64) when integral and safe, else 'd'; bigint is 'q'.
import { invalidArgType, invalidArgValue, outOfRange, toList, validateInteger } from '../errors';
import { SharedMemory } from '../mmap';

/** The most items a new ShareableList takes (its header alone is 17 bytes an item). */
const MAX_ITEMS = 2 ** 20;

export type ShareableItem = number | bigint | boolean | string | Uint8Array | null;

const ALIGN = 8;
const CODE_VALUE = 0;
const CODE_STR = 1;
const CODE_BYTES = 2;
const CODE_NONE = 3;

// Internal state lives under symbols; the object handed out is a Proxy (for
// list[i]) that runs every method and getter on the list itself, where its
// private methods are.
const SHM = Symbol('shm');
const OFFSETS = Symbol('offsets');

function kind(v: unknown, where: string): { fmt: string; code: number; bytes?: Buffer } {
  if (v === null || v === undefined) return { fmt: 'xxxxxx?x', code: CODE_NONE };
  if (typeof v === 'boolean') return { fmt: 'xxxxxxx?', code: CODE_VALUE };
  if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw outOfRange(where, 'a 64-bit signed integer', v);
    return { fmt: 'q', code: CODE_VALUE };
  }
  if (typeof v === 'number') return { fmt: Number.isSafeInteger(v) ? 'q' : 'd', code: CODE_VALUE };
  if (typeof v === 'string') return { fmt: 's', code: CODE_STR, bytes: Buffer.from(v, 'utf8') };
  if (v instanceof Uint8Array) return { fmt: 's', code: CODE_BYTES, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
  throw invalidArgType(where, 'a number, bigint, boolean, string, Uint8Array or null', v);
}

/** A fixed-length list in shared memory, attachable by name from any process (and from Python). */
export class ShareableList implements Iterable<ShareableItem> {
  [SHM]: SharedMemory;
  [OFFSETS]: number[];
  [index: number]: ShareableItem;

  /**
   * new ShareableList([1, 'two', null]) creates a segment holding those
   * items; new ShareableList(null, { name }) attaches to an existing one.
   */
  constructor(sequence?: Iterable<ShareableItem> | null, options: { name?: string } = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { name } = options;
    if (name === undefined || (sequence !== undefined && sequence !== null)) {
      // read once, capped: an endless generator or a 2**32-1 sparse array is a RangeError, not a hang
      const items = sequence === undefined || sequence === null ? []
        : toList(sequence, 'sequence', 'an iterable', MAX_ITEMS, (x) => x as ShareableItem);
      const kinds = items.map((v, i) => kind(v, `sequence[${i}]`));
      const offsets = [0];
      let off = 0;
      const formats = kinds.map((k) => {
        if (k.fmt !== 's') {
          off += ALIGN;
          offsets.push(off);
          return k.fmt;
        }
        const size = ALIGN * (Math.floor(k.bytes!.length / ALIGN) + 1);
        off += size;
        offsets.push(off);
        return `${size}s`;
      });
      const n = items.length;
      const size = 8 + 8 * (n + 1) + off + 8 * n + n;
      this[SHM] = new SharedMemory({ name, create: true, size });
      this[OFFSETS] = offsets;
      const buf = this[SHM].buf;
      buf.writeBigInt64LE(BigInt(n), 0);
      offsets.forEach((o, i) => buf.writeBigInt64LE(BigInt(o), 8 + 8 * i));
      const fmtAt = this.#formatsAt();
      items.forEach((v, i) => {
        buf.fill(0, fmtAt + 8 * i, fmtAt + 8 * i + 8);
        buf.write(formats[i], fmtAt + 8 * i, 'ascii');
        buf.writeInt8(kinds[i].code, fmtAt + 8 * n + i);
        this.#store(i, v, formats[i], kinds[i]);
      });
    } else {
      if (typeof name !== 'string') throw invalidArgType('options.name', 'of type string', name);
      this[SHM] = new SharedMemory({ name });
      const buf = this[SHM].buf;
      const n = Number(buf.readBigInt64LE(0));
      if (n < 0 || 8 * (n + 2) > buf.length) throw invalidArgValue('options.name', name, 'is not a ShareableList segment');
      this[OFFSETS] = [];
      for (let i = 0; i <= n; i++) this[OFFSETS].push(Number(buf.readBigInt64LE(8 + 8 * i)));
    }
    return new Proxy(this, {
      get(target, key) {
        if (typeof key === 'string' && /^-?\d+$/.test(key)) return target.get(Number(key));
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
      set(target, key, value) {
        if (typeof key === 'string' && /^-?\d+$/.test(key)) {
          target.set(Number(key), value as ShareableItem);
          return true;
        }
        return Reflect.set(target, key, value, target);
      },
    });
  }

  /** The segment (close() it when done; unlink() once, to remove it). */
  get shm(): SharedMemory {
    return this[SHM];
  }

  /** Python's len(). */
  get length(): number {
    return Number(this[SHM].buf.readBigInt64LE(0));
  }

  #dataAt(): number {
    return (this.length + 2) * 8;
  }

  #formatsAt(): number {
    return this.#dataAt() + this[OFFSETS][this[OFFSETS].length - 1];
  }

  #pos(i: unknown): number {
    const n = this.length;
    validateInteger(i, 'index', -n, n - 1);
    const k = i as number;
    return k < 0 ? k + n : k;
  }

  /** The struct format of item i, as Python stores it ('q', 'd', '16s' ...). */
  #format(i: number): string {
    const at = this.#formatsAt() + 8 * i;
    const raw = this[SHM].buf.subarray(at, at + 8);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? 8 : end).toString('ascii');
  }

  /** list[i] (negative counts from the end). */
  get(index: number): ShareableItem {
    const i = this.#pos(index);
    const buf = this[SHM].buf;
    const at = this.#dataAt() + this[OFFSETS][i];
    const code = buf.readInt8(this.#formatsAt() + 8 * this.length + i);
    const fmt = this.#format(i);
    if (code === CODE_NONE) return null;
    if (fmt.endsWith('s')) {
      const size = Number.parseInt(fmt, 10);
      let raw = buf.subarray(at, at + size);
      let end = raw.length;
      while (end > 0 && raw[end - 1] === 0) end--; // Python strips trailing NULs
      raw = raw.subarray(0, end);
      return code === CODE_STR ? raw.toString('utf8') : Buffer.from(raw);
    }
    if (fmt === 'q') {
      const v = buf.readBigInt64LE(at);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    if (fmt === 'd') return buf.readDoubleLE(at);
    if (fmt === 'xxxxxxx?') return buf[at + 7] !== 0;
    throw invalidArgValue('format', fmt, `is not one ShareableList writes (item ${i})`);
  }

  /** list[i] = value. A str or bytes item must fit the room the item had when the list was made. */
  set(index: number, value: ShareableItem): void {
    const i = this.#pos(index);
    const k = kind(value, 'value');
    const room = this[OFFSETS][i + 1] - this[OFFSETS][i];
    let fmt = k.fmt;
    if (fmt === 's') {
      if (k.bytes!.length > room) throw outOfRange('value', `a str/bytes item of at most ${room} bytes here (bytes/str item exceeds available storage)`, k.bytes!.length);
      const cur = this.#format(i);
      fmt = cur.endsWith('s') ? cur : `${room}s`;
    }
    const buf = this[SHM].buf;
    const fmtAt = this.#formatsAt() + 8 * i;
    buf.fill(0, fmtAt, fmtAt + 8);
    buf.write(fmt, fmtAt, 'ascii');
    buf.writeInt8(k.code, this.#formatsAt() + 8 * this.length + i);
    this.#store(i, value, fmt, k);
  }

  #store(i: number, v: ShareableItem, fmt: string, k: { bytes?: Buffer }): void {
    const buf = this[SHM].buf;
    const at = this.#dataAt() + this[OFFSETS][i];
    if (fmt.endsWith('s')) {
      const size = Number.parseInt(fmt, 10);
      buf.fill(0, at, at + size);
      k.bytes!.copy(buf, at);
    } else if (fmt === 'q') {
      buf.writeBigInt64LE(typeof v === 'bigint' ? v : BigInt(v as number), at);
    } else if (fmt === 'd') {
      buf.writeDoubleLE(v as number, at);
    } else {
      buf.fill(0, at, at + 8);
      if (fmt === 'xxxxxxx?') buf[at + 7] = v ? 1 : 0;
    }
  }

  /** The struct format of all items, as Python's `format`. */
  get format(): string {
    let f = '';
    for (let i = 0; i < this.length; i++) f += this.#format(i);
    return f;
  }

  /** How many items equal `value` (Python's count). */
  count(value: ShareableItem): number {
    return this.toArray().filter((x) => same(x, value)).length;
  }

  /** The first index of `value`; ERR_INVALID_ARG_VALUE if it is not there (Python: ValueError). */
  index(value: ShareableItem): number {
    const i = this.toArray().findIndex((x) => same(x, value));
    if (i < 0) throw invalidArgValue('value', value, 'is not in this ShareableList');
    return i;
  }

  toArray(): ShareableItem[] {
    const out: ShareableItem[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }

  [Symbol.iterator](): Iterator<ShareableItem> {
    return this.toArray()[Symbol.iterator]();
  }

  toString(): string {
    return `ShareableList(${JSON.stringify(this.toArray(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}, name='${this[SHM].name}')`;
  }
}

function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  // eslint-disable-next-line eqeqeq
  return a === b || (typeof a === 'bigint' || typeof b === 'bigint' ? a == b : false);
}
