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

/** The body of a message carrying `value`; throws DataCloneError for what cannot be cloned. */
export function encode(value: unknown): Buffer {
  if (jsonExact(value, 0)) return Buffer.from(JSON.stringify(value), 'utf8');
  return serialize(value);
}

/**
 * encode() with `head` spare bytes in front, for a frame header the caller
 * fills: a JSON body is written straight into the frame, not copied there.
 */
export function encodeWithHead(value: unknown, head: number): Buffer {
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

/** decode() of frame[start..]: JSON is parsed without a subarray in between. */
export function decodeAt(frame: Buffer, start: number): unknown {
  if (frame.length > start && frame[start] === 0xff) return deserialize(frame.subarray(start));
  return JSON.parse(frame.toString('utf8', start));
}

export function decode(body: Buffer): unknown {
  if (body.length > 0 && body[0] === 0xff) return deserialize(body);
  return JSON.parse(body.toString('utf8'));
}
