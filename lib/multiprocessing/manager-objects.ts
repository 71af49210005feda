// The objects a manager's server holds for SyncManager's types. The server is
// one thread serving every client from one event loop, so nothing here may
// block: a call that would wait (acquire a held lock, get from an empty
// queue, wait for an event ...) returns a Parked value instead, and the
// server retries it after every other request until it can finish or its
// deadline passes (see manager-server.ts). Semantics follow Python's threading
// and queue objects, which Python's manager holds.
import { invalidArgValue } from '../errors';
import { BrokenBarrierError } from './barrier';
import { Empty, Full } from './errors';
import { blockDeadline } from './sync-core';

/**
 * A call that cannot finish yet. `poll` finishes it or says not yet; at
 * `deadline`, `expire` gives the answer (a value, or throws). Without
 * `expire`, the deadline only makes the server poll once more then (the
 * call times out by itself, as a Condition wait that must still take its
 * lock back).
 */
export class Parked {
  constructor(
    readonly poll: () => { done: boolean; value?: unknown },
    readonly deadline: number,
    readonly expire?: () => unknown,
  ) {}
}

/** The client a call comes from (a connection of the server): owner of RLocks and Condition waits. */
export type ClientId = number;

let callerId: ClientId = 0;
/** @internal the server sets who is calling before each call */
export function setCaller(id: ClientId): void {
  callerId = id;
}

const now = (): number => performance.now();

// ---- locks and semaphores ------------------------------------------------------------

export class SLock {
  #held = false;

  acquire(block = true, timeout: number | null = null): boolean | Parked {
    if (!this.#held) return (this.#held = true);
    const d = blockDeadline(block, timeout);
    if (d <= now()) return false;
    return new Parked(() => (this.#held ? { done: false } : { done: true, value: (this.#held = true) }), d, () => false);
  }

  release(): void {
    if (!this.#held) throw Object.assign(new Error('release unlocked lock'), { code: 'ERR_LOCK_NOT_HELD' });
    this.#held = false;
  }

  locked(): boolean {
    return this.#held;
  }
}

export class SRLock {
  #owner: ClientId | null = null;
  #count = 0;

  acquire(block = true, timeout: number | null = null): boolean | Parked {
    const me = callerId;
    const take = (): boolean => {
      if (this.#owner === me) {
        this.#count++;
        return true;
      }
      if (this.#owner !== null) return false;
      this.#owner = me;
      this.#count = 1;
      return true;
    };
    if (take()) return true;
    const d = blockDeadline(block, timeout);
    if (d <= now()) return false;
    return new Parked(() => (take() ? { done: true, value: true } : { done: false }), d, () => false);
  }

  release(): void {
    if (this.#owner !== callerId || this.#count === 0) {
      throw Object.assign(new Error('cannot release un-acquired lock'), { code: 'ERR_LOCK_NOT_HELD' });
    }
    if (--this.#count === 0) this.#owner = null;
  }

  /** @internal Condition: give up every level, return them. */
  releaseAll(): number {
    const n = this.#count;
    this.#owner = null;
    this.#count = 0;
    return n;
  }

  /** @internal Condition: take it back with `n` levels for `owner`, if free. */
  retake(owner: ClientId, n: number): boolean {
    if (this.#owner !== null) return false;
    this.#owner = owner;
    this.#count = n;
    return true;
  }

  isOwned(owner: ClientId): boolean {
    return this.#owner === owner;
  }
}

export class SSemaphore {
  protected value: number;

  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) throw invalidArgValue('value', value, 'must be an integer >= 0');
    this.value = value;
  }

  acquire(block = true, timeout: number | null = null): boolean | Parked {
    const take = (): boolean => (this.value > 0 ? (this.value--, true) : false);
    if (take()) return true;
    const d = blockDeadline(block, timeout);
    if (d <= now()) return false;
    return new Parked(() => (take() ? { done: true, value: true } : { done: false }), d, () => false);
  }

  release(n = 1): void {
    this.value += n;
  }

  get_value(): number {
    return this.value;
  }
}

export class SBoundedSemaphore extends SSemaphore {
  readonly #max: number;

  constructor(value = 1) {
    super(value);
    this.#max = value;
  }

  override release(n = 1): void {
    if (this.value + n > this.#max) {
      throw Object.assign(new Error('Semaphore released too many times'), { code: 'ERR_SEMAPHORE_RELEASED_TOO_MANY' });
    }
    this.value += n;
  }
}

// ---- Event, Condition, Barrier ----------------------------------------------------------

export class SEvent {
  #flag = false;

  is_set(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
  }

  clear(): void {
    this.#flag = false;
  }

  wait(timeout: number | null = null): boolean | Parked {
    if (this.#flag) return true;
    const d = blockDeadline(true, timeout);
    if (d <= now()) return false;
    return new Parked(() => (this.#flag ? { done: true, value: true } : { done: false }), d, () => this.#flag);
  }
}

export class SCondition {
  readonly lock: SLock | SRLock;
  #seq = 0;
  #waiting = new Map<number, { notified: boolean }>();
  #ticket = 0;

  constructor(lock?: SLock | SRLock | null) {
    this.lock = lock ?? new SRLock();
  }

  acquire(block = true, timeout: number | null = null): boolean | Parked {
    return this.lock.acquire(block, timeout);
  }

  release(): void {
    this.lock.release();
  }

  #held(): boolean {
    return this.lock instanceof SRLock ? this.lock.isOwned(callerId) : this.lock.locked();
  }

  wait(timeout: number | null = null): boolean | Parked {
    if (!this.#held()) throw Object.assign(new Error('cannot wait on un-acquired lock'), { code: 'ERR_LOCK_NOT_HELD' });
    const me = callerId;
    const ticket = ++this.#ticket;
    const entry = { notified: false };
    this.#waiting.set(ticket, entry);
    const levels = this.lock instanceof SRLock ? this.lock.releaseAll() : (this.lock.release(), 1);
    const retake = (): boolean => (this.lock instanceof SRLock ? this.lock.retake(me, levels) : this.lock.acquire(false) === true);
    const d = blockDeadline(true, timeout);
    let timedOut = false;
    return new Parked(() => {
      if (!entry.notified && !timedOut && d <= now()) {
        timedOut = true;
        this.#waiting.delete(ticket);
      }
      if (!entry.notified && !timedOut) return { done: false };
      return retake() ? { done: true, value: !timedOut } : { done: false };
    }, d);
  }

  notify(n = 1): void {
    if (!this.#held()) throw Object.assign(new Error('cannot notify on un-acquired lock'), { code: 'ERR_LOCK_NOT_HELD' });
    this.#seq++;
    for (const [ticket, entry] of this.#waiting) {
      if (n-- <= 0) break;
      entry.notified = true;
      this.#waiting.delete(ticket);
    }
  }

  notify_all(): void {
    this.notify(Number.MAX_SAFE_INTEGER);
  }
}

export class SBarrier {
  readonly parties: number;
  #count = 0;
  #generation = 0;
  #brokenGens = new Set<number>();
  #broken = false;
  readonly #timeout: number | null;

  constructor(parties: number, _action?: unknown, timeout: number | null = null) {
    if (!Number.isInteger(parties) || parties < 1) throw invalidArgValue('parties', parties, 'must be an integer >= 1');
    this.parties = parties;
    this.#timeout = timeout;
  }

  get n_waiting(): number {
    return this.#count;
  }

  get broken(): boolean {
    return this.#broken;
  }

  #end(broken: boolean): void {
    if (broken) {
      this.#brokenGens.add(this.#generation);
      this.#broken = true;
    }
    this.#count = 0;
    this.#generation++;
  }

  wait(timeout?: number | null): number | Parked {
    if (this.#broken) throw new BrokenBarrierError();
    const gen = this.#generation;
    const index = this.#count++;
    if (this.#count === this.parties) {
      this.#end(false);
      return index;
    }
    const d = blockDeadline(true, timeout === undefined ? this.#timeout : timeout);
    const outcome = (): { done: boolean; value?: unknown } => {
      if (this.#generation === gen) return { done: false };
      if (this.#brokenGens.has(gen)) throw new BrokenBarrierError();
      return { done: true, value: index };
    };
    return new Parked(outcome, d, () => {
      if (this.#generation === gen) this.#end(true);
      throw new BrokenBarrierError();
    });
  }

  reset(): void {
    if (this.#count > 0) this.#end(true);
    this.#broken = false;
  }

  abort(): void {
    this.#end(true);
  }
}

// ---- queues -------------------------------------------------------------------------

export class SQueue {
  readonly #items: unknown[] = [];
  readonly #maxsize: number;
  protected unfinished = 0;

  constructor(maxsize = 0) {
    this.#maxsize = Number.isInteger(maxsize) ? maxsize : 0;
  }

  #full(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }

  put(item: unknown, block = true, timeout: number | null = null): void | Parked {
    const add = (): void => {
      this.#items.push(item);
      this.unfinished++;
    };
    if (!this.#full()) return add();
    const d = blockDeadline(block, timeout);
    if (d <= now()) throw new Full();
    return new Parked(() => (this.#full() ? { done: false } : (add(), { done: true })), d, () => { throw new Full(); });
  }

  get(block = true, timeout: number | null = null): unknown {
    if (this.#items.length > 0) return this.#items.shift();
    const d = blockDeadline(block, timeout);
    if (d <= now()) throw new Empty();
    return new Parked(() => (this.#items.length > 0 ? { done: true, value: this.#items.shift() } : { done: false }), d,
      () => { throw new Empty(); });
  }

  put_nowait(item: unknown): void | Parked {
    return this.put(item, false);
  }

  get_nowait(): unknown {
    return this.get(false);
  }

  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.#full();
  }
}

export class SJoinableQueue extends SQueue {
  task_done(): void {
    if (this.unfinished <= 0) {
      throw Object.assign(new Error('task_done() called too many times'), { code: 'ERR_TASK_DONE_TOO_MANY' });
    }
    this.unfinished--;
  }

  join(): void | Parked {
    if (this.unfinished === 0) return undefined;
    return new Parked(() => (this.unfinished === 0 ? { done: true } : { done: false }), Infinity, () => undefined);
  }
}

// ---- dict, list, Namespace, Value, Array ---------------------------------------------------

/** A KeyError as Python raises it (missing key), with a stable code. */
function keyError(key: unknown): Error {
  return Object.assign(new Error(`KeyError: ${typeof key === 'string' ? `'${key}'` : String(key)}`), { code: 'ERR_KEY_ERROR' });
}

function indexArg(i: unknown, len: number, assign = false): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw Object.assign(new TypeError('list indices must be integers'), { code: 'ERR_INVALID_ARG_TYPE' });
  const k = i < 0 ? i + len : i;
  if (k < 0 || k >= len) throw Object.assign(new RangeError(`list ${assign ? 'assignment ' : ''}index out of range`), { code: 'ERR_OUT_OF_RANGE' });
  return k;
}

export class SDict {
  readonly map: Map<unknown, unknown>;

  constructor(init?: Iterable<[unknown, unknown]> | Record<string, unknown> | null) {
    this.map = new Map(init === undefined || init === null ? [] : Symbol.iterator in Object(init)
      ? init as Iterable<[unknown, unknown]> : Object.entries(init));
  }

  __getitem__(k: unknown): unknown {
    if (!this.map.has(k)) throw keyError(k);
    return this.map.get(k);
  }

  __setitem__(k: unknown, v: unknown): void {
    this.map.set(k, v);
  }

  __delitem__(k: unknown): void {
    if (!this.map.delete(k)) throw keyError(k);
  }

  __contains__(k: unknown): boolean {
    return this.map.has(k);
  }

  __len__(): number {
    return this.map.size;
  }

  get(k: unknown, dflt: unknown = null): unknown {
    return this.map.has(k) ? this.map.get(k) : dflt;
  }

  keys(): unknown[] {
    return [...this.map.keys()];
  }

  values(): unknown[] {
    return [...this.map.values()];
  }

  items(): Array<[unknown, unknown]> {
    return [...this.map.entries()];
  }

  pop(k: unknown, ...dflt: unknown[]): unknown {
    if (this.map.has(k)) {
      const v = this.map.get(k);
      this.map.delete(k);
      return v;
    }
    if (dflt.length > 0) return dflt[0];
    throw keyError(k);
  }

  popitem(): [unknown, unknown] {
    const last = [...this.map.entries()].pop();
    if (!last) throw keyError('popitem(): dictionary is empty');
    this.map.delete(last[0]);
    return last;
  }

  setdefault(k: unknown, dflt: unknown = null): unknown {
    if (!this.map.has(k)) this.map.set(k, dflt);
    return this.map.get(k);
  }

  update(other: Iterable<[unknown, unknown]> | Record<string, unknown>): void {
    for (const [k, v] of Symbol.iterator in Object(other) ? other as Iterable<[unknown, unknown]> : Object.entries(other)) this.map.set(k, v);
  }

  clear(): void {
    this.map.clear();
  }

  copy(): Map<unknown, unknown> {
    return new Map(this.map);
  }
}

export class SList {
  readonly items: unknown[];

  constructor(init?: Iterable<unknown> | null) {
    this.items = init === undefined || init === null ? [] : [...init];
  }

  __getitem__(i: unknown): unknown {
    return this.items[indexArg(i, this.items.length)];
  }

  __setitem__(i: unknown, v: unknown): void {
    this.items[indexArg(i, this.items.length, true)] = v;
  }

  __delitem__(i: unknown): void {
    this.items.splice(indexArg(i, this.items.length, true), 1);
  }

  __len__(): number {
    return this.items.length;
  }

  __contains__(v: unknown): boolean {
    return this.items.some((x) => sameValue(x, v));
  }

  /** items[start:end] (Python slice bounds, negative counting from the end). */
  slice(start?: number | null, end?: number | null): unknown[] {
    return this.items.slice(start ?? undefined, end ?? undefined);
  }

  append(v: unknown): void {
    this.items.push(v);
  }

  extend(vs: Iterable<unknown>): void {
    this.items.push(...vs);
  }

  insert(i: number, v: unknown): void {
    const n = this.items.length;
    const k = i < 0 ? Math.max(0, i + n) : Math.min(i, n);
    this.items.splice(k, 0, v);
  }

  pop(i = -1): unknown {
    if (this.items.length === 0) throw Object.assign(new RangeError('pop from empty list'), { code: 'ERR_OUT_OF_RANGE' });
    return this.items.splice(indexArg(i, this.items.length), 1)[0];
  }

  remove(v: unknown): void {
    const k = this.items.findIndex((x) => sameValue(x, v));
    if (k < 0) throw invalidArgValue('value', v, 'is not in the list (list.remove(x): x not in list)');
    this.items.splice(k, 1);
  }

  index(v: unknown): number {
    const k = this.items.findIndex((x) => sameValue(x, v));
    if (k < 0) throw invalidArgValue('value', v, 'is not in the list');
    return k;
  }

  count(v: unknown): number {
    return this.items.filter((x) => sameValue(x, v)).length;
  }

  reverse(): void {
    this.items.reverse();
  }

  /** Sorts in place: numbers numerically, strings by code point, as Python orders them. */
  sort(reverse = false): void {
    this.items.sort((a, b) => {
      const r = (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
      return reverse ? -r : r;
    });
  }

  tolist(): unknown[] {
    return [...this.items];
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    try {
      return JSON.stringify(a) === JSON.stringify(b);
    } catch {
      return false;
    }
  }
  return false;
}

export class SNamespace {
  readonly attrs: Record<string, unknown>;

  constructor(init: Record<string, unknown> = {}) {
    this.attrs = { ...init };
  }

  __getattribute__(name: string): unknown {
    if (!Object.prototype.hasOwnProperty.call(this.attrs, name)) {
      throw Object.assign(new Error(`'Namespace' object has no attribute '${name}'`), { code: 'ERR_NO_ATTRIBUTE' });
    }
    return this.attrs[name];
  }

  __setattr__(name: string, value: unknown): void {
    this.attrs[name] = value;
  }

  __delattr__(name: string): void {
    if (!Object.prototype.hasOwnProperty.call(this.attrs, name)) {
      throw Object.assign(new Error(`'Namespace' object has no attribute '${name}'`), { code: 'ERR_NO_ATTRIBUTE' });
    }
    delete this.attrs[name];
  }

  __dir__(): string[] {
    return Object.keys(this.attrs);
  }
}

export class SValue {
  constructor(readonly typecode: string, public value: unknown, _lock?: unknown) {}

  get(): unknown {
    return this.value;
  }

  set(v: unknown): void {
    this.value = v;
  }
}

export class SArray {
  readonly items: unknown[];

  constructor(readonly typecode: string, sequence: Iterable<unknown> | number, _lock?: unknown) {
    this.items = typeof sequence === 'number' ? new Array(sequence).fill(0) : [...sequence];
  }

  __len__(): number {
    return this.items.length;
  }

  __getitem__(i: number): unknown {
    return this.items[indexArg(i, this.items.length)];
  }

  __setitem__(i: number, v: unknown): void {
    this.items[indexArg(i, this.items.length, true)] = v;
  }

  tolist(): unknown[] {
    return [...this.items];
  }
}
