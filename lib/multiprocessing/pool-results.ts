// What the caller of a Pool holds: AsyncResult, MapResult, IMapIterator.
// They collect through the pool (Pump): poll(2) for the blocking forms, the
// pool's libuv watch for the async ones.
import { inspect } from 'node:util';
import { NumberList } from './_codec';
import { deadlineOf, secondsUntil } from '../internal/deadline';
import { stateError, TimeoutError } from './errors';
import type { FnRef } from './pool-functions';

// ---- jobs: what the caller holds ---------------------------------------------------

/** @internal what a task does with its function */
export const Kind = { Apply: 0, Map: 1, Starmap: 2 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** @internal the part of a Pool its results use to collect */
export interface Pump {
  _pump(timeout: number | null): void;
  _watch(): void;
}

/** @internal */
export interface Job {
  /** chunk `index` finished: ok with a value (an array for map chunks) or an error. */
  _set(index: number, ok: boolean, value: unknown): void;
}

/** @internal */
export interface Task {
  id: number;
  job: Job;
  index: number;
  fn: FnRef;
  kind: Kind;
  /** the arguments until the message is built (then []) */
  args: unknown[];
  /** the task's message, built when it is dispatched */
  payload: Buffer | null;
  what: string;
}

export interface ApplyOptions<T> {
  callback?: (value: T) => void;
  errorCallback?: (error: unknown) => void;
}

function runCallback(cb: ((v: any) => void) | undefined, v: unknown): void {
  if (!cb) return;
  try {
    cb(v);
  } catch (e) {
    // As Python's result handler: a failing callback is reported, the pool goes on.
    process.stderr.write(`Exception in pool callback: ${inspect(e)}\n`);
  }
}

/**
 * The handle of a task (Python's ApplyResult). get/wait/ready/successful as
 * Python; also a thenable: `await pool.applyAsync(f, [x])`.
 */
export class AsyncResult<T = unknown> implements Job, PromiseLike<T> {
  protected pool: Pump;
  #done = false;
  #ok = false;
  #value: unknown;
  #cb: ApplyOptions<T>;
  #promise: Promise<T> | null = null;
  #settle: [(v: T) => void, (e: unknown) => void] | null = null;

  /** @internal */
  constructor(pool: Pump, options: ApplyOptions<T> = {}) {
    this.pool = pool;
    this.#cb = options;
  }

  /** @internal */
  _set(_index: number, ok: boolean, value: unknown): void {
    this._finish(ok, value instanceof NumberList ? value.toArray() : value);
  }

  protected _finish(ok: boolean, value: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#ok = ok;
    this.#value = value;
    if (ok) runCallback(this.#cb.callback, value);
    else runCallback(this.#cb.errorCallback, value);
    if (this.#settle) {
      if (ok) this.#settle[0](value as T);
      else this.#settle[1](value);
    }
  }

  /** Whether the result is in (collects results that arrived, never blocks). */
  ready(): boolean {
    if (!this.#done) this.pool._pump(0);
    return this.#done;
  }

  /** Whether it completed without error; throws if not ready yet (as Python). */
  successful(): boolean {
    if (!this.ready()) throw stateError('ERR_RESULT_NOT_READY', 'result is not ready');
    return this.#ok;
  }

  /** Blocks until ready or `timeout` seconds pass (null/undefined: forever). */
  wait(timeout?: number | null): void {
    const deadline = deadlineOf(timeout, 'timeout', 'zero');
    while (!this.#done) {
      const left = secondsUntil(deadline);
      if (left === 0) {
        this.pool._pump(0);
        return;
      }
      this.pool._pump(left);
    }
  }

  /** The value, or throws the task's error; TimeoutError after `timeout` seconds. */
  get(timeout?: number | null): T {
    this.wait(timeout);
    if (!this.#done) throw new TimeoutError();
    if (!this.#ok) throw this.#value;
    return this.#value as T;
  }

  then<R1 = T, R2 = never>(onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    if (!this.#promise) {
      this.#promise = new Promise<T>((res, rej) => { this.#settle = [res, rej]; });
      if (this.#done) {
        if (this.#ok) this.#settle![0](this.#value as T);
        else this.#settle![1](this.#value);
      } else {
        this.pool._watch();
      }
    }
    return this.#promise.then(onfulfilled, onrejected);
  }
}

/** mapAsync's result: get() is the list of all results in order. */
export class MapResult<T = unknown> extends AsyncResult<T[]> {
  #chunks: Array<T[] | NumberList>;
  #length: number;
  #left: number;

  /** @internal */
  constructor(pool: Pump, length: number, _chunksize: number, chunks: number, options: ApplyOptions<T[]> = {}) {
    super(pool, options);
    this.#chunks = new Array<T[] | NumberList>(chunks);
    this.#length = length;
    this.#left = chunks;
    if (chunks === 0) this._finish(true, []);
  }

  override _set(index: number, ok: boolean, value: unknown): void {
    if (!ok) {
      this._finish(false, value);
      return;
    }
    this.#chunks[index] = value as T[] | NumberList;
    if (--this.#left === 0) this._finish(true, joinChunks(this.#chunks, this.#length) as T[]);
  }
}

// The chunks of a map, in order, as one array: one pass, no intermediate
// arrays. One copy loop per element type: a single loop that saw typed and
// plain arrays would run its (cold, first-map) element accesses megamorphic,
// ~5x slower.
function joinChunks(chunks: Array<unknown[] | NumberList>, length: number): unknown[] {
  const out = new Array<unknown>(length);
  let o = 0;
  for (const c of chunks) {
    if (!(c instanceof NumberList)) o = copyPlain(out, o, c);
    else if (c.data instanceof Float64Array) o = copyF64(out, o, c.data);
    else o = copyI32(out, o, c.data);
  }
  return out;
}

function copyPlain(out: unknown[], o: number, d: unknown[]): number {
  for (let i = 0; i < d.length; i++) out[o++] = d[i];
  return o;
}

function copyF64(out: unknown[], o: number, d: Float64Array): number {
  for (let i = 0; i < d.length; i++) out[o++] = d[i];
  return o;
}

function copyI32(out: unknown[], o: number, d: Int32Array): number {
  for (let i = 0; i < d.length; i++) out[o++] = d[i];
  return o;
}

/** imap / imapUnordered: an iterator whose next(timeout) blocks, and an async iterator. */
export class IMapIterator<T = unknown> implements Job, IterableIterator<T>, AsyncIterable<T> {
  #pool: Pump;
  #ordered: boolean;
  #chunk: number;
  #length: number;
  #slots: Array<{ ok: boolean; value: unknown } | undefined>;
  #arrived: Array<{ ok: boolean; value: unknown }> = [];
  #next = 0;
  #waiters: Array<() => void> = [];

  /** @internal */
  constructor(pool: Pump, length: number, chunksize: number, ordered: boolean) {
    this.#pool = pool;
    this.#ordered = ordered;
    this.#chunk = chunksize;
    this.#length = length;
    this.#slots = new Array(length);
  }

  /** @internal */
  _set(index: number, ok: boolean, value: unknown): void {
    const base = index * this.#chunk;
    const n = Math.min(this.#chunk, this.#length - base);
    for (let i = 0; i < n; i++) {
      const item = ok ? { ok, value: (value instanceof NumberList ? value.data : value as unknown[])[i] } : { ok, value };
      if (this.#ordered) this.#slots[base + i] = item;
      else this.#arrived.push(item);
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  #take(): { ok: boolean; value: unknown } | undefined {
    if (this.#ordered) {
      const it = this.#slots[this.#next];
      if (it) this.#slots[this.#next] = undefined;
      return it;
    }
    return this.#arrived.shift();
  }

  /** The next result; blocks (TimeoutError after `timeout` seconds). */
  next(timeout?: number | null): IteratorResult<T> {
    if (this.#next >= this.#length) return { done: true, value: undefined };
    const deadline = deadlineOf(timeout, 'timeout', 'zero');
    for (;;) {
      const it = this.#take();
      if (it) return this.#yield(it);
      const left = secondsUntil(deadline);
      if (left === 0) {
        this.#pool._pump(0);
        const again = this.#take();
        if (again) return this.#yield(again);
        throw new TimeoutError();
      }
      this.#pool._pump(left);
    }
  }

  #yield(it: { ok: boolean; value: unknown }): IteratorResult<T> {
    this.#next++;
    if (!it.ok) throw it.value;
    return { done: false, value: it.value as T };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const self = this;
    return {
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (self.#next >= self.#length) return { done: true, value: undefined };
          const it = self.#take();
          if (it) return self.#yield(it);
          await new Promise<void>((res) => {
            self.#waiters.push(res);
            self.#pool._watch();
          });
        }
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
