// Message bodies: V8 structured clone (node:v8 serialize), with a fast path.
//
// v8.serialize costs ~8 us for a two-element array (a Serializer object per
// call), which would make it the bulk of a small Queue message. Values that
// JSON represents exactly (finite numbers other than -0, strings, booleans,
// null, dense arrays and plain objects of those, not too deep) go as JSON
// text instead (~0.5 us); everything else (undefined, bigint, Map, Date,
// Buffer, typed arrays, Errors, -0, NaN...) goes through v8.serialize. A V8
// payload starts with its version tag 0xFF, which JSON text never does, so
// the reader tells them apart by the first byte and the receiver always gets
// what structured clone would give.
//
// Two binary forms start with bytes neither of those uses:
// - 0xFE: a plain array of at least NUMS_MIN numbers (the usual Pool.map
//   chunk) as raw int32 or float64 values, copied in and out by the typed
//   array builtins instead of being printed and parsed as text;
// - 0xFD: a tuple of parts, each encoded on its own (a Pool task is its
//   small header and its arguments), so a number array inside gets 0xFE.
import { deserialize, serialize } from 'node:v8';

const MAX_DEPTH = 32;

function jsonExact(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) return false;
        // A hole reads as undefined and fails the check, as it must.
        for (let i = 0; i < v.length; i++) if (!jsonExact(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v) if (!jsonExact((v as Record<string, unknown>)[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

const NUMS = 0xfe;
const PARTS = 0xfd;
const NUMS_MIN = 8;
const I32 = 1;
const F64 = 2;

/**
 * @internal A list of numbers held in a typed array, sent as the 0xFE form and
 * received as a plain array (or, by the Pool, as this wrapper again: see
 * decodeAt's `views`). Lets a Pool worker collect a chunk's results without
 * boxing each one.
 */
export class NumberList {
  constructor(readonly data: Int32Array | Float64Array, readonly int32: boolean) {}

  get length(): number {
    return this.data.length;
  }

  toArray(): number[] {
    // A plain loop: Array.from(typedArray) walks the iterator protocol, ~20x
    // slower until the JIT has seen it.
    const d = this.data;
    const out = new Array<number>(d.length);
    for (let i = 0; i < d.length; i++) out[i] = d[i];
    return out;
  }
}

/** Whether x is an int32 that reads back as itself (not -0). */
export function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

// 1 (all int32, no -0), 2 (numbers), or 0 (not a plain array of numbers).
function numberKind(v: unknown): number {
  if (v instanceof NumberList) return v.int32 ? I32 : F64;
  if (!Array.isArray(v) || v.length < NUMS_MIN || Object.getPrototypeOf(v) !== Array.prototype) return 0;
  let kind = I32;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') return 0; // a hole reads as undefined: not this form
    if (kind === I32 && ((x | 0) !== x || (x === 0 && 1 / x < 0))) kind = F64; // isInt32, inlined: this loop runs cold
  }
  return kind;
}

// The values start 8 bytes after `head`; written through a typed-array view
// straight into the frame when that lands 8-byte aligned (a frame over 4 KiB
// has its own ArrayBuffer), else copied in.
function encodeNumbers(value: number[] | NumberList, kind: number, head: number): Buffer {
  const v = value instanceof NumberList ? value.data : value;
  const size = kind === I32 ? 4 : 8;
  const frame = Buffer.allocUnsafe(head + 8 + v.length * size);
  frame[head] = NUMS;
  frame[head + 1] = kind;
  frame.writeUInt16LE(0, head + 2);
  frame.writeUInt32LE(v.length, head + 4);
  const at = frame.byteOffset + head + 8;
  if (at % 8 === 0) {
    (kind === I32 ? new Int32Array(frame.buffer, at, v.length) : new Float64Array(frame.buffer, at, v.length)).set(v);
  } else {
    const data = kind === I32 ? Int32Array.from(v) : Float64Array.from(v);
    frame.set(new Uint8Array(data.buffer, 0, data.byteLength), head + 8);
  }
  return frame;
}

function decodeNumbers(frame: Buffer, start: number): NumberList {
  const kind = frame[start + 1];
  const n = frame.readUInt32LE(start + 4);
  const size = kind === I32 ? 4 : 8;
  if ((kind !== I32 && kind !== F64) || frame.length - start - 8 !== n * size) {
    throw new RangeError('malformed number-array message');
  }
  const at = frame.byteOffset + start + 8;
  let data: Int32Array | Float64Array;
  if (at % 8 === 0) {
    data = kind === I32 ? new Int32Array(frame.buffer, at, n) : new Float64Array(frame.buffer, at, n);
  } else {
    data = kind === I32 ? new Int32Array(n) : new Float64Array(n);
    new Uint8Array(data.buffer).set(frame.subarray(start + 8, start + 8 + n * size));
  }
  return new NumberList(data, kind === I32);
}

/** The body of a message carrying `value`; throws DataCloneError for what cannot be cloned. */
export function encode(value: unknown): Buffer {
  const kind = numberKind(value);
  if (kind !== 0) return encodeNumbers(value as number[] | NumberList, kind, 0);
  if (jsonExact(value, 0)) return Buffer.from(JSON.stringify(value), 'utf8');
  return serialize(value);
}

/**
 * One message carrying the tuple `parts`, each part encoded on its own;
 * decode() gives the array back. Layout: 0xFD, 3 zero bytes, u32 count, then
 * per part u32 length, u32 padding, the padding, the body; the padding puts
 * every body 8-byte aligned in the frame, so a number array inside is read
 * in place. The last part is encoded straight into the frame.
 */
export function encodeParts(parts: unknown[]): Buffer {
  const n = parts.length;
  const bodies = new Array<Buffer>(n - 1);
  let o = 8;
  for (let i = 0; i < n - 1; i++) {
    bodies[i] = encode(parts[i]);
    o = align8(o + 8) + bodies[i].length;
  }
  const lastAt = align8(o + 8);
  const frame = encodeWithHead(parts[n - 1], lastAt);
  frame[0] = PARTS;
  frame[1] = frame[2] = frame[3] = 0;
  frame.writeUInt32LE(n, 4);
  o = 8;
  for (let i = 0; i < n; i++) {
    const at = align8(o + 8);
    const len = i < n - 1 ? bodies[i].length : frame.length - lastAt;
    frame.writeUInt32LE(len, o);
    frame.writeUInt32LE(at - o - 8, o + 4);
    frame.fill(0, o + 8, at);
    if (i < n - 1) bodies[i].copy(frame, at);
    o = at + len;
  }
  return frame;
}

function align8(x: number): number {
  return (x + 7) & ~7;
}

function decodeParts(frame: Buffer, start: number, views: boolean): unknown[] {
  const n = frame.readUInt32LE(start + 4);
  const out = new Array<unknown>(n);
  let o = start + 8;
  for (let i = 0; i < n; i++) {
    const len = frame.readUInt32LE(o);
    const at = o + 8 + frame.readUInt32LE(o + 4);
    if (at + len > frame.length) throw new RangeError('malformed message');
    out[i] = decodeAt(frame.subarray(at, at + len), 0, views);
    o = at + len;
  }
  return out;
}

/**
 * encode() with `head` spare bytes in front, for a frame header the caller
 * fills: a JSON body is written straight into the frame, not copied there.
 */
export function encodeWithHead(value: unknown, head: number): Buffer {
  const kind = numberKind(value);
  if (kind !== 0) return encodeNumbers(value as number[] | NumberList, kind, head);
  if (jsonExact(value, 0)) {
    const text = JSON.stringify(value);
    const frame = Buffer.allocUnsafe(head + Buffer.byteLength(text, 'utf8'));
    frame.write(text, head, 'utf8');
    return frame;
  }
  const body = serialize(value);
  const frame = Buffer.allocUnsafe(head + body.length);
  body.copy(frame, head);
  return frame;
}

/**
 * decode() of frame[start..]: JSON is parsed without a subarray in between.
 * With `views`, a number array comes back as a NumberList over the frame's
 * bytes (the caller then owns the frame).
 */
export function decodeAt(frame: Buffer, start: number, views = false): unknown {
  const tag = frame.length > start ? frame[start] : 0;
  if (tag === 0xff) return deserialize(frame.subarray(start));
  if (tag === NUMS) {
    const list = decodeNumbers(frame, start);
    return views ? list : list.toArray();
  }
  if (tag === PARTS) return decodeParts(frame, start, views);
  return JSON.parse(frame.toString('utf8', start));
}

export function decode(body: Buffer, views = false): unknown {
  return decodeAt(body, 0, views);
}
