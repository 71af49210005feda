// The values the fuzzer passes: the bad ones the native rule must survive
// (wrong types, NaN, ±Infinity, -1, 2**31, 2**53, 1e19, huge strings,
// detached / zero-length / SharedArrayBuffer views, sparse huge arrays,
// hostile getters, closed and reused fds, fds >= 1024 for select), mixed with
// good ones from the worker's pool so calls also get past validation.
// Never an absolute path, a host name or a non-loopback address: the worker
// runs in a sandbox (run.js), and this keeps it harmless without one too.
'use strict';

// xorshift32: small, seedable, the same sequence on every machine.
function rng(seed) {
  let s = (seed >>> 0) || 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

const HUGE_STRING = 'x'.repeat(1 << 20);
const NUMBERS = [
  -1, 0, 1, 2, 3, 7, 8, 16, 64, 100, 1023, 1024, 1025, 4096, 65535, 65536, 2 ** 20,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 - 1, 2 ** 53, -(2 ** 53), 2 ** 63, 1e19, -1e19,
  9.3e9, 9223372036, NaN, Infinity, -Infinity, 0.5, -0.5, -0, Number.MIN_VALUE, Number.MAX_VALUE, 0.001,
];
const STRINGS = [
  '', 'a', 'fz', 'fz.sock', 'fz-dir/x', '.', '..', '\0', 'x\0y', '\0abstract', 'é☃𝄞', HUGE_STRING,
  '127.0.0.1', '::1', '0', '-1', 'NaN', 'utf8', 'latin1', 'GET / HTTP/1.1\r\n\r\n', 'USER x\r\n', '%s%n',
];

// A view whose memory has moved away (a transfer): detached, length 0.
function detached(View, n) {
  const v = new View(n);
  structuredClone(v.buffer, { transfer: [v.buffer] });
  return v;
}

function makeValues(pool) {
  const sab = (n) => new SharedArrayBuffer(n);
  const detachedView = () => detached(Uint8Array, 16);
  // A view whose buffer another thread... no: a getter detaches it when read.
  const victim = { buf: new Uint8Array(64) };
  const sparse = () => { const a = []; a.length = 2 ** 32 - 1; return a; };
  const hostileArray = () => {
    const a = [Buffer.from('x'), Buffer.from('y')];
    Object.defineProperty(a, 1, {
      enumerable: true,
      get() { try { structuredClone(victim.buf.buffer, { transfer: [victim.buf.buffer] }); } catch { /* */ } victim.buf = new Uint8Array(64); a.push(Buffer.alloc(1)); return Buffer.alloc(70000); },
    });
    return a;
  };
  const thrower = new Proxy({}, { get() { throw new Error('proxy trap'); }, has() { throw new Error('proxy trap'); },
    ownKeys() { throw new Error('proxy trap'); }, getPrototypeOf() { throw new Error('proxy trap'); } });
  const badPrimitive = { valueOf() { throw new Error('valueOf'); }, toString() { throw new Error('toString'); },
    [Symbol.toPrimitive]() { throw new Error('toPrimitive'); } };
  const endless = () => (function* forever() { for (;;) yield 1; }());
  const fdObj = (fd) => ({ fileno: () => fd });

  const makers = {
    number: (r) => (r.chance(0.5) && pool.fds.length ? r.pick(pool.fds) : r.chance(0.15) && pool.closedFds.length
      ? r.pick(pool.closedFds) : r.pick(NUMBERS)),
    string: (r) => r.pick(STRINGS),
    bytes: (r) => r.pick([
      () => Buffer.alloc(0), () => Buffer.alloc(1), () => Buffer.from('hello'), () => Buffer.alloc(4096),
      () => Buffer.alloc(1 << 20), () => new Uint8Array(sab(16)), () => new Int32Array(sab(64)), () => new Int32Array(8),
      () => new Float64Array(3), () => new BigInt64Array(2), () => new DataView(new ArrayBuffer(8)),
      () => new DataView(sab(8)), detachedView, () => detached(Int32Array, 4), () => new Uint8Array(0),
      () => new Uint8Array(new ArrayBuffer(32), 31), () => victim.buf,
      () => new Uint16Array(new ArrayBuffer(64, { maxByteLength: 128 })),
    ])(),
    list: (r) => r.pick([
      () => [], () => [Buffer.from('a')], () => pool.fds.slice(0, 3), () => [1, 2, 3], () => [r.pick(NUMBERS)],
      sparse, hostileArray, endless, () => new Set([1, 2]), () => [[1, 1, Int32Array.of(0)]],
      () => [['127.0.0.1', 0]], () => Array.from({ length: 300 }, () => 1), () => ['a', 'b'],
    ])(),
    object: (r) => r.pick([
      () => ({}), () => Object.create(null), () => thrower, () => badPrimitive, () => fdObj(r.pick(NUMBERS)),
      () => fdObj(pool.fds.length ? r.pick(pool.fds) : 0), () => ({ fileno() { throw new Error('fileno'); } }),
      () => ({ timeout: r.pick(NUMBERS), host: '127.0.0.1', port: 0 }), () => ({ prot: r.pick(NUMBERS), flags: r.pick(NUMBERS) }),
      () => ({ create: true, size: r.pick([1, 4096, 0, -1]) }), () => ({ module: 'fz-none', export: 'x' }),
      () => new Date(), () => /x/g, () => new Map(), () => Object.freeze({ a: 1 }),
      () => (pool.objects.length ? r.pick(pool.objects) : {}),
    ])(),
    address: (r) => r.pick([
      () => ['127.0.0.1', 0], () => ['127.0.0.1', pool.port], () => ['::1', 0, 0, 0], () => ['::1', pool.port6 || 0],
      () => ['127.0.0.1', 70000], () => ['127.0.0.1'], () => ['::1', 0, 2 ** 20, 2 ** 32], () => 'fz.sock',
      () => '\0fz-abstract', () => Buffer.from('\0fz'), () => new Uint8Array(sab(8)), () => HUGE_STRING.slice(0, 200),
    ])(),
    function: (r) => r.pick([() => () => {}, () => () => { throw new Error('callback'); }, () => function* g() { yield 1; },
      () => async () => 1, () => Math.max])(),
    misc: (r) => r.pick([undefined, null, true, false, Symbol('s'), 1n, 2n ** 64n, -1n]),
  };
  const kinds = Object.keys(makers);
  return (r) => {
    try {
      return makers[r.pick(kinds)](r);
    } catch {
      return undefined; // a maker that cannot build its value here (no resizable buffers...)
    }
  };
}

module.exports = { rng, makeValues, NUMBERS };
