"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SharedArray = exports.Value = exports.typecodes = void 0;
exports.RawValue = RawValue;
exports.RawArray = RawArray;
// Value and SharedArray: Python's multiprocessing.Value / Array, typed
// memory in the shared heap (heap.ts), so forked children and worker
// threads read and write the same bytes. With a lock (the default, a new
// RLock) every get and set takes it, as Python's Synchronized wrappers do;
// a read-modify-write such as `v.value += 1` still needs the lock held
// around it: withLock(v.getLock(), () => { v.value += 1; }).
const errors_1 = require("../errors");
const heap_1 = require("./heap");
const synchronize_1 = require("./synchronize");
/** Python's array/ctypes typecodes on Linux x86-64 / arm64 (long is 64-bit). */
exports.typecodes = {
    b: Int8Array, B: Uint8Array, h: Int16Array, H: Uint16Array, i: Int32Array, I: Uint32Array,
    l: BigInt64Array, L: BigUint64Array, q: BigInt64Array, Q: BigUint64Array, f: Float32Array, d: Float64Array,
    c: Uint8Array,
};
function ctorOf(typecode) {
    if (typeof typecode !== 'string')
        throw (0, errors_1.invalidArgType)('typecode', 'of type string', typecode);
    if (!Object.prototype.hasOwnProperty.call(exports.typecodes, typecode)) {
        throw (0, errors_1.invalidArgValue)('typecode', typecode, `must be one of ${Object.keys(exports.typecodes).join(' ')}`);
    }
    return exports.typecodes[typecode];
}
function pickLock(lock) {
    if (lock === undefined || lock === true)
        return new synchronize_1.RLock();
    if (lock === false || lock === null)
        return null;
    if (lock instanceof synchronize_1.Lock || lock instanceof synchronize_1.RLock)
        return lock;
    throw (0, errors_1.invalidArgType)('options.lock', 'a boolean, Lock or RLock', lock);
}
// Converts a JS value to what the typed array stores, refusing what Python's
// ctypes would refuse (wrong type) rather than storing NaN or 0 silently.
function encode(typecode, big, v, name) {
    if (typecode === 'c') {
        if (typeof v === 'string' && v.length === 1 && v.charCodeAt(0) < 256)
            return v.charCodeAt(0);
        if (Buffer.isBuffer(v) && v.length === 1)
            return v[0];
        throw (0, errors_1.invalidArgType)(name, 'a one-character string (code < 256) or a 1-byte Buffer', v);
    }
    if (big) {
        if (typeof v === 'bigint')
            return v;
        if (typeof v === 'number' && Number.isInteger(v))
            return BigInt(v);
        throw (0, errors_1.invalidArgType)(name, 'a bigint or an integer number', v);
    }
    if (typeof v !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', v);
    if (typecode !== 'f' && typecode !== 'd' && !Number.isInteger(v))
        throw (0, errors_1.outOfRange)(name, 'an integer', v);
    return v;
}
function decode(typecode, raw) {
    return typecode === 'c' ? String.fromCharCode(raw) : raw;
}
function withOptionalLock(lock, fn) {
    if (!lock)
        return fn();
    lock.acquire();
    try {
        return fn();
    }
    finally {
        lock.release();
    }
}
/** A single shared number (Python's multiprocessing.Value). */
class Value {
    typecode;
    #view;
    #block;
    #lock;
    #big;
    /**
     * Value('i', 0), Value('d', 1.5), Value('q', 10n), Value('c', 'a').
     * options.lock: true (default, a new RLock), false (raw), or a Lock/RLock to use.
     */
    constructor(typecode, init, options = {}, _block, _lock) {
        const Ctor = ctorOf(typecode);
        this.typecode = typecode;
        this.#big = Ctor === BigInt64Array || Ctor === BigUint64Array;
        this.#block = _block ?? (0, heap_1.allocate)(Ctor.BYTES_PER_ELEMENT, 8);
        this.#view = new Ctor(this.#block.map.buffer, this.#block.byteOffset, 1);
        this.#lock = _block ? (_lock ?? null) : pickLock(options?.lock);
        if (!_block && init !== undefined)
            this.#view[0] = encode(typecode, this.#big, init, 'init');
    }
    get value() {
        return withOptionalLock(this.#lock, () => decode(this.typecode, this.#view[0]));
    }
    set value(v) {
        const raw = encode(this.typecode, this.#big, v, 'value');
        withOptionalLock(this.#lock, () => { this.#view[0] = raw; });
    }
    /** The lock guarding this value (Python's get_lock()); throws if made with lock: false. */
    getLock() {
        if (!this.#lock)
            throw (0, errors_1.invalidArgValue)('lock', false, "was false: this Value has no lock (Python: 'c_int' object has no attribute 'get_lock')");
        return this.#lock;
    }
    /** The raw one-element typed array over the shared bytes (no locking). */
    get raw() {
        return this.#view;
    }
    [synchronize_1.SHARE]() {
        return {
            __posixkit_sync: 'Value',
            block: (0, heap_1.shareBlock)(this.#block),
            extra: { typecode: this.typecode, lock: this.#lock ? this.#lock[synchronize_1.SHARE]() : null },
        };
    }
    toString() {
        return `<Synchronized wrapper for ${this.typecode}(${String(decode(this.typecode, this.#view[0]))})>`;
    }
}
exports.Value = Value;
(0, synchronize_1.registerReviver)('Value', (b, extra) => {
    const e = extra;
    return new Value(e.typecode, undefined, {}, b, e.lock ? (0, synchronize_1.fromShared)(e.lock) : null);
});
/**
 * A fixed-length shared array (Python's multiprocessing.Array; named
 * SharedArray so the JS Array stays itself). SharedArray('i', 10) is ten
 * zeros; SharedArray('d', [1, 2, 3]) copies the values.
 */
class SharedArray {
    typecode;
    length;
    #view;
    #block;
    #lock;
    #big;
    constructor(typecode, sizeOrInit, options = {}, _block, _lock) {
        const Ctor = ctorOf(typecode);
        this.typecode = typecode;
        this.#big = Ctor === BigInt64Array || Ctor === BigUint64Array;
        let init = null;
        let length;
        if (typeof sizeOrInit === 'number') {
            length = (0, errors_1.validateInteger)(sizeOrInit, 'size', 0, 2 ** 32);
        }
        else if (sizeOrInit !== null && (typeof sizeOrInit === 'object' || typeof sizeOrInit === 'string')) {
            init = sizeOrInit;
            length = init.length;
        }
        else {
            throw (0, errors_1.invalidArgType)('sizeOrInit', 'a number or an array-like of values', sizeOrInit);
        }
        this.length = length;
        this.#block = _block ?? (0, heap_1.allocate)(Math.max(1, length * Ctor.BYTES_PER_ELEMENT), 8);
        this.#view = new Ctor(this.#block.map.buffer, this.#block.byteOffset, length);
        this.#lock = _block ? (_lock ?? null) : pickLock(options?.lock);
        if (init && !_block) {
            for (let i = 0; i < length; i++)
                this.#view[i] = encode(typecode, this.#big, init[i], `init[${i}]`);
        }
    }
    #index(i) {
        (0, errors_1.validateInteger)(i, 'index', -this.length, this.length - 1);
        const n = i;
        return n < 0 ? n + this.length : n;
    }
    /** arr[i] (negative counts from the end, as Python). */
    get(i) {
        const k = this.#index(i);
        return withOptionalLock(this.#lock, () => decode(this.typecode, this.#view[k]));
    }
    /** arr[i] = v */
    set(i, v) {
        const k = this.#index(i);
        const raw = encode(this.typecode, this.#big, v, 'value');
        withOptionalLock(this.#lock, () => { this.#view[k] = raw; });
    }
    /** A copy of the elements (arr[:]), read under the lock. */
    toArray() {
        return withOptionalLock(this.#lock, () => Array.from(this.#view, (x) => decode(this.typecode, x)));
    }
    [Symbol.iterator]() {
        return this.toArray()[Symbol.iterator]();
    }
    getLock() {
        if (!this.#lock)
            throw (0, errors_1.invalidArgValue)('lock', false, 'was false: this SharedArray has no lock');
        return this.#lock;
    }
    /** The raw typed array over the shared bytes (no locking): fast bulk access. */
    get raw() {
        return this.#view;
    }
    [synchronize_1.SHARE]() {
        return {
            __posixkit_sync: 'SharedArray',
            block: (0, heap_1.shareBlock)(this.#block),
            extra: { typecode: this.typecode, length: this.length, lock: this.#lock ? this.#lock[synchronize_1.SHARE]() : null },
        };
    }
    toString() {
        return `<SynchronizedArray wrapper for ${this.typecode}[${this.length}]>`;
    }
}
exports.SharedArray = SharedArray;
(0, synchronize_1.registerReviver)('SharedArray', (b, extra) => {
    const e = extra;
    return new SharedArray(e.typecode, e.length, {}, b, e.lock ? (0, synchronize_1.fromShared)(e.lock) : null);
});
/** Python's RawValue: a Value without a lock. */
function RawValue(typecode, init) {
    return new Value(typecode, init, { lock: false });
}
/** Python's RawArray: a SharedArray without a lock. */
function RawArray(typecode, sizeOrInit) {
    return new SharedArray(typecode, sizeOrInit, { lock: false });
}
