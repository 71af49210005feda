"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Barrier = exports.Event = exports.Condition = exports.BoundedSemaphore = exports.Semaphore = exports.RLock = exports.Lock = exports.SHARE = exports.BrokenBarrierError = void 0;
exports.lockNotHeld = lockNotHeld;
exports.registerReviver = registerReviver;
exports.isSharedSync = isSharedSync;
exports.fromShared = fromShared;
exports.withLock = withLock;
// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier: the
// multiprocessing synchronization primitives on int32 words in shared memory
// (heap.ts). The uncontended paths are Atomics on those words; a contended
// caller sleeps in the kernel with futex_wait, never by sleeping and polling.
// They work across forked processes (the pages are inherited) and across
// worker threads (the words cross as a descriptor, see threading.ts).
const node_worker_threads_1 = require("node:worker_threads");
const errors_1 = require("../errors");
const native_1 = require("../native");
const heap_1 = require("./heap");
const native = (0, native_1.family)();
const ETIMEDOUT = -native.mmanConstants.ETIMEDOUT;
const ALL = 0x7fffffff;
// ---- errors ------------------------------------------------------------------
/** Raised by release() of a lock that is not held (Python: ValueError / RuntimeError). */
function lockNotHeld(what) {
    return (0, errors_1.codedError)('ERR_LOCK_NOT_HELD', what);
}
/** Barrier.wait() on a broken or reset barrier (Python's threading.BrokenBarrierError). */
class BrokenBarrierError extends Error {
    code = 'ERR_BROKEN_BARRIER';
    constructor(message = 'the barrier is broken') {
        super(message);
    }
    get name() {
        return 'BrokenBarrierError';
    }
}
exports.BrokenBarrierError = BrokenBarrierError;
// ---- helpers -----------------------------------------------------------------
/** Seconds -> an absolute deadline in ms; undefined/null = never. Negative = 0, as multiprocessing. */
function deadlineOf(timeout) {
    if (timeout === undefined || timeout === null)
        return Infinity;
    if (typeof timeout !== 'number' || Number.isNaN(timeout))
        throw (0, errors_1.invalidArgType)('timeout', 'of type number', timeout);
    if (timeout === Infinity)
        return Infinity;
    return performance.now() + Math.max(0, timeout) * 1000;
}
/** Seconds left until `deadline` (undefined = forever), or -1 when past. */
function secondsLeft(deadline) {
    if (deadline === Infinity)
        return undefined;
    const left = (deadline - performance.now()) / 1000;
    return left > 0 ? left : -1;
}
// The calling thread's identity: pid plus kernel tid. The main thread's tid
// is its pid (also in a forked child, where process.pid is refreshed); a
// worker thread, which cannot fork, keeps its own tid for life.
const workerTid = node_worker_threads_1.isMainThread ? 0 : native.gettid();
function selfIds() {
    const pid = process.pid;
    return [pid, node_worker_threads_1.isMainThread ? pid : workerTid];
}
function words(block, n) {
    return new Int32Array(block.map.buffer, block.byteOffset, n);
}
exports.SHARE = Symbol.for('posixkit.share');
const revivers = new Map();
/** @internal modules whose objects may cross to a worker register here. */
function registerReviver(kind, fn) {
    revivers.set(kind, fn);
}
/** Is `x` a descriptor made by a primitive's [SHARE]()? */
function isSharedSync(x) {
    return x !== null && typeof x === 'object' && typeof x.__posixkit_sync === 'string';
}
/** Rebuilds, in this thread, the primitive a [SHARE]() descriptor describes. */
function fromShared(desc) {
    if (isSharedSync(desc) && !revivers.has(desc.__posixkit_sync)) {
        // Value and SharedArray register from their own module, which the
        // receiving thread may not have loaded yet.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('./sharedctypes');
    }
    const revive = isSharedSync(desc) ? revivers.get(desc.__posixkit_sync) : undefined;
    if (!revive)
        throw (0, errors_1.invalidArgType)('desc', 'a shared primitive descriptor', desc);
    return revive((0, heap_1.attachBlock)(desc.block), desc.extra);
}
/**
 * Python's `with lock:`. Acquires, runs fn, releases even if fn throws, and
 * returns fn's result. (Or: `using _ = lock.hold();`.)
 */
function withLock(lock, fn) {
    lock.acquire();
    try {
        return fn();
    }
    finally {
        lock.release();
    }
}
function holder(lock) {
    lock.acquire();
    let held = true;
    return {
        [Symbol.dispose]() {
            if (held) {
                held = false;
                lock.release();
            }
        },
    };
}
// ---- the futex mutex (Drepper, "Futexes Are Tricky", mutex 3) ------------------
// word: 0 unlocked, 1 locked, 2 locked and maybe waiters.
function mutexLockSlow(w, i, c, deadline) {
    if (c !== 2)
        c = Atomics.exchange(w, i, 2);
    while (c !== 0) {
        const left = secondsLeft(deadline);
        if (left === -1)
            return false;
        native.futex_wait(w, i, 2, left);
        c = Atomics.exchange(w, i, 2);
    }
    return true;
}
function mutexLock(w, i, block, timeout) {
    const c = Atomics.compareExchange(w, i, 0, 1);
    if (c === 0)
        return true;
    if (!block)
        return false;
    return mutexLockSlow(w, i, c, deadlineOf(timeout));
}
/** false if it was not locked. */
function mutexUnlock(w, i) {
    const c = Atomics.compareExchange(w, i, 1, 0);
    if (c === 1)
        return true;
    if (c === 0)
        return false;
    Atomics.store(w, i, 0);
    native.futex_wake(w, i, 1);
    return true;
}
// ---- Lock --------------------------------------------------------------------
/**
 * A non-recursive lock shared by processes and threads. Any process may
 * release it (as multiprocessing.Lock, a semaphore underneath).
 */
class Lock {
    #w;
    #block;
    constructor(block) {
        this.#block = block ?? (0, heap_1.allocate)(4, 4);
        this.#w = words(this.#block, 1);
    }
    /**
     * Takes the lock. block=false: try once. timeout (seconds): give up after
     * it. Returns whether the lock was taken.
     */
    acquire(block = true, timeout) {
        const c = Atomics.compareExchange(this.#w, 0, 0, 1);
        if (c === 0)
            return true;
        if (!block)
            return false;
        return mutexLockSlow(this.#w, 0, c, deadlineOf(timeout));
    }
    /** Releases; throws ERR_LOCK_NOT_HELD if the lock is not locked. */
    release() {
        if (!mutexUnlock(this.#w, 0))
            throw lockNotHeld('release unlocked lock');
    }
    /** Is it held (by anyone)? */
    locked() {
        return Atomics.load(this.#w, 0) !== 0;
    }
    /** `using _ = lock.hold();` acquires now and releases at the end of the scope. */
    hold() {
        return holder(this);
    }
    [exports.SHARE]() {
        return { __posixkit_sync: 'Lock', block: (0, heap_1.shareBlock)(this.#block) };
    }
    toString() {
        return `<Lock(owner=${this.locked() ? 'held' : 'None'})>`;
    }
}
exports.Lock = Lock;
registerReviver('Lock', (b) => new Lock(b));
// ---- RLock -------------------------------------------------------------------
// words: [mutex, owner pid, owner tid, count]
/** A recursive lock: its owner (process and thread) may take it again; release as often. */
class RLock {
    #w;
    #block;
    constructor(block) {
        this.#block = block ?? (0, heap_1.allocate)(16, 4);
        this.#w = words(this.#block, 4);
    }
    acquire(block = true, timeout) {
        const w = this.#w;
        const [pid, tid] = selfIds();
        if (Atomics.load(w, 1) === pid && Atomics.load(w, 2) === tid) {
            Atomics.add(w, 3, 1);
            return true;
        }
        if (!mutexLock(w, 0, block, timeout))
            return false;
        Atomics.store(w, 1, pid);
        Atomics.store(w, 2, tid);
        Atomics.store(w, 3, 1);
        return true;
    }
    release() {
        if (!this.isOwned())
            throw lockNotHeld('cannot release un-acquired lock');
        const w = this.#w;
        if (Atomics.sub(w, 3, 1) > 1)
            return;
        Atomics.store(w, 1, 0);
        Atomics.store(w, 2, 0);
        mutexUnlock(w, 0);
    }
    /** Held by the calling thread of this process? */
    isOwned() {
        const [pid, tid] = selfIds();
        return Atomics.load(this.#w, 1) === pid && Atomics.load(this.#w, 2) === tid && Atomics.load(this.#w, 3) > 0;
    }
    /** @internal Condition.wait: release every level, return the count. */
    _releaseSave() {
        const w = this.#w;
        const count = Atomics.load(w, 3);
        Atomics.store(w, 3, 0);
        Atomics.store(w, 1, 0);
        Atomics.store(w, 2, 0);
        mutexUnlock(w, 0);
        return count;
    }
    /** @internal Condition.wait: take the lock back with its count. */
    _acquireRestore(count) {
        const w = this.#w;
        mutexLock(w, 0, true, undefined);
        const [pid, tid] = selfIds();
        Atomics.store(w, 1, pid);
        Atomics.store(w, 2, tid);
        Atomics.store(w, 3, count);
    }
    hold() {
        return holder(this);
    }
    [exports.SHARE]() {
        return { __posixkit_sync: 'RLock', block: (0, heap_1.shareBlock)(this.#block) };
    }
    toString() {
        const w = this.#w;
        const count = Atomics.load(w, 3);
        return count ? `<RLock(${Atomics.load(w, 1)}:${Atomics.load(w, 2)}, ${count})>` : '<RLock(None, 0)>';
    }
}
exports.RLock = RLock;
registerReviver('RLock', (b) => new RLock(b));
// ---- Semaphore -----------------------------------------------------------------
// words: [value, sleepers, max (BoundedSemaphore; 0 = unbounded)]
function checkValue(value) {
    (0, errors_1.validateInteger)(value, 'value', Number.MIN_SAFE_INTEGER, 0x7fffffff);
    if (value < 0)
        throw (0, errors_1.outOfRange)('value', '>= 0', value);
    return value;
}
/** A counting semaphore shared by processes and threads. */
class Semaphore {
    w;
    #block;
    constructor(value = 1, block) {
        this.#block = block ?? (0, heap_1.allocate)(12, 4);
        this.w = words(this.#block, 3);
        if (!block)
            Atomics.store(this.w, 0, checkValue(value));
    }
    /** Decrements, blocking while the value is 0 (up to `timeout` seconds). */
    acquire(block = true, timeout) {
        const w = this.w;
        if (this.#tryDown())
            return true;
        if (!block)
            return false;
        const deadline = deadlineOf(timeout);
        Atomics.add(w, 1, 1);
        try {
            for (;;) {
                const left = secondsLeft(deadline);
                if (left === -1)
                    return this.#tryDown();
                native.futex_wait(w, 0, 0, left);
                if (this.#tryDown())
                    return true;
            }
        }
        finally {
            Atomics.sub(w, 1, 1);
        }
    }
    #tryDown() {
        const w = this.w;
        let v = Atomics.load(w, 0);
        while (v > 0) {
            const seen = Atomics.compareExchange(w, 0, v, v - 1);
            if (seen === v)
                return true;
            v = seen;
        }
        return false;
    }
    /** Increments by n (default 1), waking up to n sleepers. */
    release(n = 1) {
        (0, errors_1.validateInteger)(n, 'n', 1, 0x7fffffff);
        this.up(n);
    }
    up(n) {
        Atomics.add(this.w, 0, n);
        // A sleeper counts itself before it sleeps and futex_wait re-checks the
        // value in the kernel, so either it sees the new value or we see it.
        if (Atomics.load(this.w, 1) > 0)
            native.futex_wake(this.w, 0, n);
    }
    /** multiprocessing's get_value(). */
    getValue() {
        return Atomics.load(this.w, 0);
    }
    hold() {
        return holder(this);
    }
    [exports.SHARE]() {
        return { __posixkit_sync: this.constructor.name, block: (0, heap_1.shareBlock)(this.#block) };
    }
    toString() {
        return `<${this.constructor.name}(value=${this.getValue()})>`;
    }
}
exports.Semaphore = Semaphore;
registerReviver('Semaphore', (b) => new Semaphore(0, b));
/** A Semaphore whose release() past its initial value throws (ValueError in Python). */
class BoundedSemaphore extends Semaphore {
    constructor(value = 1, block) {
        super(value, block);
        if (!block)
            Atomics.store(this.w, 2, value);
    }
    up(n) {
        const w = this.w;
        const max = Atomics.load(w, 2);
        let v = Atomics.load(w, 0);
        for (;;) {
            if (v + n > max)
                throw (0, errors_1.codedError)('ERR_SEMAPHORE_RELEASED_TOO_MANY', 'Semaphore released too many times');
            const seen = Atomics.compareExchange(w, 0, v, v + n);
            if (seen === v)
                break;
            v = seen;
        }
        if (Atomics.load(w, 1) > 0)
            native.futex_wake(w, 0, n);
    }
}
exports.BoundedSemaphore = BoundedSemaphore;
registerReviver('BoundedSemaphore', (b) => new BoundedSemaphore(0, b));
// ---- Condition -----------------------------------------------------------------
// word: [sequence]; notify bumps it and wakes sleepers on it.
/** A condition variable over a Lock or RLock (a new RLock by default), shared by processes. */
class Condition {
    #w;
    #block;
    #lock;
    constructor(lock, block) {
        if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
            throw (0, errors_1.invalidArgType)('lock', 'a Lock or RLock', lock);
        }
        this.#lock = lock ?? new RLock();
        this.#block = block ?? (0, heap_1.allocate)(4, 4);
        this.#w = words(this.#block, 1);
    }
    acquire(block = true, timeout) {
        return this.#lock.acquire(block, timeout);
    }
    release() {
        this.#lock.release();
    }
    hold() {
        return holder(this);
    }
    #checkHeld(what) {
        const lock = this.#lock;
        const held = lock instanceof RLock ? lock.isOwned() : lock.locked();
        if (!held)
            throw lockNotHeld(`cannot ${what} on un-acquired lock`);
    }
    /**
     * Releases the lock, sleeps until notified (or `timeout` seconds), takes
     * the lock back. Returns false on timeout. Like every condition variable
     * it may wake without a notify: loop on your predicate (or use waitFor).
     */
    wait(timeout) {
        this.#checkHeld('wait');
        const deadline = deadlineOf(timeout);
        const seq = Atomics.load(this.#w, 0);
        const lock = this.#lock;
        const saved = lock instanceof RLock ? lock._releaseSave() : (lock.release(), 1);
        let r = 0;
        try {
            const left = secondsLeft(deadline);
            r = left === -1 ? ETIMEDOUT : native.futex_wait(this.#w, 0, seq, left);
        }
        finally {
            if (lock instanceof RLock)
                lock._acquireRestore(saved);
            else
                lock.acquire();
        }
        return r !== ETIMEDOUT;
    }
    /** Waits until predicate() is truthy or the timeout passes; returns the last predicate value. */
    waitFor(predicate, timeout) {
        const deadline = deadlineOf(timeout);
        let result = predicate();
        while (!result) {
            const left = secondsLeft(deadline);
            if (left === -1)
                break;
            this.wait(left);
            result = predicate();
        }
        return result;
    }
    /** Wakes up to n waiters (the lock must be held). */
    notify(n = 1) {
        this.#checkHeld('notify');
        (0, errors_1.validateInteger)(n, 'n', 0, Number.MAX_SAFE_INTEGER);
        Atomics.add(this.#w, 0, 1);
        if (n > 0)
            native.futex_wake(this.#w, 0, Math.min(n, ALL));
    }
    notifyAll() {
        this.notify(ALL);
    }
    [exports.SHARE]() {
        return {
            __posixkit_sync: 'Condition',
            block: (0, heap_1.shareBlock)(this.#block),
            extra: this.#lock[exports.SHARE](),
        };
    }
    toString() {
        return `<Condition(${this.#lock})>`;
    }
}
exports.Condition = Condition;
registerReviver('Condition', (b, extra) => new Condition(fromShared(extra), b));
// ---- Event -----------------------------------------------------------------------
// word: [flag]
/** A flag processes can wait for: set() wakes every waiter. */
class Event {
    #w;
    #block;
    constructor(block) {
        this.#block = block ?? (0, heap_1.allocate)(4, 4);
        this.#w = words(this.#block, 1);
    }
    isSet() {
        return Atomics.load(this.#w, 0) === 1;
    }
    set() {
        if (Atomics.exchange(this.#w, 0, 1) === 0)
            native.futex_wake(this.#w, 0, ALL);
    }
    clear() {
        Atomics.store(this.#w, 0, 0);
    }
    /** Blocks until set (or `timeout` seconds); returns the flag (false on timeout). */
    wait(timeout) {
        if (Atomics.load(this.#w, 0) === 1)
            return true;
        const deadline = deadlineOf(timeout);
        for (;;) {
            const left = secondsLeft(deadline);
            if (left === -1)
                return Atomics.load(this.#w, 0) === 1;
            native.futex_wait(this.#w, 0, 0, left);
            if (Atomics.load(this.#w, 0) === 1)
                return true;
        }
    }
    [exports.SHARE]() {
        return { __posixkit_sync: 'Event', block: (0, heap_1.shareBlock)(this.#block) };
    }
    toString() {
        return `<Event(${this.isSet() ? 'set' : 'unset'})>`;
    }
}
exports.Event = Event;
registerReviver('Event', (b) => new Event(b));
// ---- Barrier -----------------------------------------------------------------------
// words: [mutex, waiting, generation, broken, outcome bits, parties]. Waiters
// sleep on the generation word; whoever ends a generation (the last arrival,
// abort, reset, a timeout) bumps it and wakes them all. Bit (gen & 31) of the
// outcome word says whether generation `gen` ended broken, so a waiter that
// wakes late still learns how its own generation ended.
/** A barrier for a fixed number of parties (processes or threads). */
class Barrier {
    #w;
    #block;
    #action;
    #timeout;
    /**
     * parties: how many wait() calls release each other. action: run by the
     * last arrival (in its own process) before the others are released.
     * timeout: the default for wait().
     */
    constructor(parties, action, timeout, block) {
        if (action !== undefined && action !== null && typeof action !== 'function') {
            throw (0, errors_1.invalidArgType)('action', 'of type function', action);
        }
        if (timeout !== undefined && timeout !== null && typeof timeout !== 'number') {
            throw (0, errors_1.invalidArgType)('timeout', 'of type number', timeout);
        }
        this.#action = action ?? null;
        this.#timeout = timeout ?? null;
        this.#block = block ?? (0, heap_1.allocate)(24, 4);
        this.#w = words(this.#block, 6);
        if (!block)
            Atomics.store(this.#w, 5, (0, errors_1.validateInteger)(parties, 'parties', 1, 0x7fffffff));
    }
    get parties() {
        return Atomics.load(this.#w, 5);
    }
    /** How many are waiting now. */
    get nWaiting() {
        return Atomics.load(this.#w, 1);
    }
    get broken() {
        return Atomics.load(this.#w, 3) === 1;
    }
    #lock() {
        mutexLock(this.#w, 0, true, undefined);
    }
    #unlock() {
        mutexUnlock(this.#w, 0);
    }
    // With the mutex held: end the current generation.
    #endGeneration(broken) {
        const w = this.#w;
        const g = Atomics.load(w, 2);
        const bit = 1 << (g & 31);
        const next = 1 << ((g + 1) & 31);
        let bits = Atomics.load(w, 4) & ~next;
        bits = broken ? bits | bit : bits & ~bit;
        Atomics.store(w, 4, bits);
        Atomics.store(w, 1, 0);
        if (broken)
            Atomics.store(w, 3, 1);
        Atomics.add(w, 2, 1);
        native.futex_wake(w, 2, ALL);
    }
    /**
     * Waits for all parties. Returns this caller's arrival index (0 ..
     * parties-1). Throws BrokenBarrierError if the barrier is or becomes
     * broken (abort, reset, a timeout of any waiter, a throwing action).
     */
    wait(timeout) {
        const w = this.#w;
        const deadline = deadlineOf(timeout === undefined ? this.#timeout : timeout);
        this.#lock();
        if (Atomics.load(w, 3) === 1) {
            this.#unlock();
            throw new BrokenBarrierError();
        }
        const g = Atomics.load(w, 2);
        const index = Atomics.add(w, 1, 1);
        if (index + 1 === Atomics.load(w, 5)) {
            try {
                this.#action?.();
            }
            catch (e) {
                this.#endGeneration(true);
                this.#unlock();
                throw e;
            }
            this.#endGeneration(false);
            this.#unlock();
            return index;
        }
        this.#unlock();
        while (Atomics.load(w, 2) === g) {
            const left = secondsLeft(deadline);
            if (left === -1) {
                this.#lock();
                if (Atomics.load(w, 2) === g)
                    this.#endGeneration(true);
                this.#unlock();
                break;
            }
            native.futex_wait(w, 2, g, left);
        }
        if (Atomics.load(w, 4) & (1 << (g & 31)))
            throw new BrokenBarrierError();
        return index;
    }
    /** Back to the initial state; current waiters get BrokenBarrierError. */
    reset() {
        this.#lock();
        if (Atomics.load(this.#w, 1) > 0)
            this.#endGeneration(true);
        Atomics.store(this.#w, 3, 0);
        this.#unlock();
    }
    /** Breaks the barrier: current and future wait() calls throw until reset(). */
    abort() {
        this.#lock();
        this.#endGeneration(true);
        this.#unlock();
    }
    [exports.SHARE]() {
        return { __posixkit_sync: 'Barrier', block: (0, heap_1.shareBlock)(this.#block), extra: { timeout: this.#timeout } };
    }
    toString() {
        return `<Barrier(waiters=${this.nWaiting}/${this.parties}${this.broken ? ', broken' : ''})>`;
    }
}
exports.Barrier = Barrier;
registerReviver('Barrier', (b, extra) => new Barrier(0, null, extra.timeout, b));
