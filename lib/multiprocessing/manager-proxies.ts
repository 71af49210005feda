// The client side of a manager: proxies. A proxy names an object held by a
// manager's server (its typeid, the server's address, the object's id) and
// calls its methods there, one request and reply per call over a
// Connection. Each process opens its own connection to each server (a
// forked child does not share its parent's), authenticated with the
// proxy's authkey. Proxies keep their object alive on the server: the first
// use in a process takes a reference (incref), and a proxy the garbage
// collector takes gives it back (decref, sent with that process's next
// request).
import { invalidArgType, toList } from '../errors';
import { Connection } from './connection';
import { errorFromParts, ProcessError } from './errors';
import { onForkChild } from './_fork';
import { Client } from './listener';
import type { Address } from '../socket';
import { PROXY_MARK } from './manager-server';

/** The most arguments one proxied call sends. */
const MAX_ARGS = 65536;
// The most items one extend() sends: an endless iterable is a RangeError, not a process out of memory.
const MAX_ITEMS = 2 ** 24;

/** What identifies a managed object (Python's Token). */
export interface Token {
  typeid: string;
  address: Address;
  id: string;
}

/** An exception in the server that has no class of its own here (Python's RemoteError). */
export class RemoteError extends ProcessError {
  constructor(message: string) {
    super(message, 'ERR_REMOTE');
  }
}

// ---- connections, one per server per process ----------------------------------------------

const conns = new Map<string, Connection>();
const decrefs = new Map<string, string[]>();
const keyOf = (a: Address): string => JSON.stringify(a);
// A connection is authenticated with one key: reuse it only for that key.
const connKey = (a: Address, authkey: Buffer): string => `${keyOf(a)} ${authkey.toString('hex')}`;

onForkChild(() => {
  // The parent's connections are its own: a child opens new ones.
  for (const c of conns.values()) {
    try { c.close(); } catch { /* gone */ }
  }
  conns.clear();
  decrefs.clear();
});

function connection(address: Address, authkey: Buffer): Connection {
  const k = connKey(address, authkey);
  let c = conns.get(k);
  if (!c) {
    c = Client(address, null, authkey);
    conns.set(k, c);
  }
  return c;
}

/** @internal one request to a server, its reply unpacked (errors thrown). */
export function request(address: Address, authkey: Buffer, msg: unknown[]): [string, unknown] {
  const c = connection(address, authkey);
  const k = keyOf(address);
  const pending = decrefs.get(k);
  if (pending && pending.length > 0) {
    decrefs.delete(k);
    try {
      exchange(c, ['decref', pending]);
    } catch { /* the server may be gone: nothing to give back */ }
  }
  return exchange(c, msg);
}

function exchange(c: Connection, msg: unknown[]): [string, unknown] {
  c.send(msg);
  const [kind, value] = c.recv() as [string, unknown];
  if (kind === '#ERROR') throw rebuildError(value);
  return [kind, value];
}

/** @internal drops this process's connections to a server (after it shut down). */
export function forgetServer(address: Address): void {
  const k = keyOf(address);
  for (const [ck, c] of [...conns]) {
    if (!ck.startsWith(`${k} `)) continue;
    conns.delete(ck);
    try { c.close(); } catch { /* gone */ }
  }
  decrefs.delete(k);
}

function rebuildError(parts: unknown): unknown {
  if (!Array.isArray(parts)) return new RemoteError(String(parts));
  const [e, extra, name] = parts as [unknown, Record<string, unknown>, string];
  return errorFromParts(e, extra, name);
}

const released = new FinalizationRegistry<{ address: Address; id: string; pid: number }>((h) => {
  // Registered before a fork, the same entry exists in the child: only the
  // process that took the reference gives it back.
  if (h.pid !== process.pid) return;
  const k = keyOf(h.address);
  const list = decrefs.get(k) ?? [];
  list.push(h.id);
  decrefs.set(k, list);
});

// ---- proxies -----------------------------------------------------------------------

/** @internal how a proxy of another typeid is built (managers.ts supplies it) */
export type ProxyMaker = (token: Token, exposed: string[], authkey: Buffer) => BaseProxy;
let makeProxy: ProxyMaker = (t, e, k) => new BaseProxy(t, e, k);
/** @internal */
export function setProxyMaker(fn: ProxyMaker): void {
  makeProxy = fn;
}

/** A reference to an object held by a manager's server (Python's BaseProxy). */
export class BaseProxy {
  readonly #token: Token;
  readonly #exposed: string[];
  readonly #authkey: Buffer;
  #pid: number;

  /** @internal made by a manager, or by a proxy whose method returns a managed object */
  constructor(token: Token, exposed: string[], authkey: Buffer, owned = true) {
    this.#token = token;
    this.#exposed = exposed;
    this.#authkey = authkey;
    this.#pid = owned ? process.pid : -1;
    if (owned) released.register(this, { address: token.address, id: token.id, pid: process.pid });
  }

  /** Python's _token: the object's typeid, server address and id. */
  get token(): Token {
    return this.#token;
  }

  /** The methods this proxy may call. */
  get exposed(): readonly string[] {
    return this.#exposed;
  }

  /**
   * Calls `method` with `args` on the referent, in the server; returns the
   * result (a copy), or a proxy when the method's result is itself managed.
   * Python's _callmethod.
   */
  callmethod(method: string, args: unknown[] = []): unknown {
    if (typeof method !== 'string') throw invalidArgType('method', 'of type string', method);
    // read once and capped before anything is sent: a 2**32-1 sparse array was mapped for minutes
    const argv = toList(args, 'args', 'an array of arguments', MAX_ARGS,
      (a) => (a instanceof BaseProxy ? { [PROXY_MARK]: a.#token.id } : a));
    if (this.#pid !== process.pid) {
      // First use in this process (a forked child): hold a reference of its own.
      request(this.#token.address, this.#authkey, ['incref', this.#token.id]);
      this.#pid = process.pid;
      released.register(this, { address: this.#token.address, id: this.#token.id, pid: process.pid });
    }
    const [kind, value] = request(this.#token.address, this.#authkey,
      ['call', this.#token.id, method, argv]);
    if (kind === '#PROXY') {
      const [typeid, id, exposed] = value as [string, string, string[]];
      return makeProxy({ typeid, id, address: this.#token.address }, exposed, this.#authkey);
    }
    return value;
  }

  /** Python's _callmethod. */
  _callmethod(method: string, args: unknown[] = []): unknown {
    return this.callmethod(method, args);
  }

  /** A copy of the referent (Python's _getvalue). */
  getvalue(): unknown {
    return this.callmethod('#GETVALUE');
  }

  _getvalue(): unknown {
    return this.getvalue();
  }

  toString(): string {
    return `<${this.constructor.name} object, typeid '${this.#token.typeid}' at ${this.#token.id}>`;
  }
}

/** A proxy with a method for each exposed name (Python's AutoProxy / MakeProxyType). */
export function autoProxyClass(name: string, exposed: readonly string[]): typeof BaseProxy {
  const cls = { [name]: class extends BaseProxy {} }[name];
  for (const m of exposed) {
    if (m in BaseProxy.prototype) continue;
    Object.defineProperty(cls.prototype, m, {
      value: function (this: BaseProxy, ...args: unknown[]) { return this.callmethod(m, args); },
      writable: true, configurable: true,
    });
  }
  return cls;
}

/** A lock's proxy: acquire/release (and hold()/withLock) in the server. */
export class AcquirerProxy extends BaseProxy {
  acquire(blocking = true, timeout: number | null = null): boolean {
    return this.callmethod('acquire', blocking ? [true, timeout] : [false]) as boolean;
  }

  release(): void {
    this.callmethod('release');
  }

  /** `using _ = lock.hold();` */
  hold(): Disposable {
    this.acquire();
    let held = true;
    return { [Symbol.dispose]: () => { if (held) { held = false; this.release(); } } };
  }
}

export class ConditionProxy extends AcquirerProxy {
  wait(timeout: number | null = null): boolean {
    return this.callmethod('wait', [timeout]) as boolean;
  }

  notify(n = 1): void {
    this.callmethod('notify', [n]);
  }

  notify_all(): void {
    this.callmethod('notify_all');
  }

  notifyAll(): void {
    this.notify_all();
  }

  /** Waits until predicate() is truthy (evaluated here, between waits), or the timeout. */
  wait_for<T>(predicate: () => T, timeout: number | null = null): T {
    let result = predicate();
    if (result) return result;
    const end = timeout === null ? Infinity : performance.now() + Math.max(0, timeout) * 1000;
    while (!result) {
      const left = end === Infinity ? null : (end - performance.now()) / 1000;
      if (left !== null && left <= 0) break;
      this.wait(left);
      result = predicate();
    }
    return result;
  }

  waitFor<T>(predicate: () => T, timeout: number | null = null): T {
    return this.wait_for(predicate, timeout);
  }
}

export class EventProxy extends BaseProxy {
  is_set(): boolean {
    return this.callmethod('is_set') as boolean;
  }

  isSet(): boolean {
    return this.is_set();
  }

  set(): void {
    this.callmethod('set');
  }

  clear(): void {
    this.callmethod('clear');
  }

  wait(timeout: number | null = null): boolean {
    return this.callmethod('wait', [timeout]) as boolean;
  }
}

export class BarrierProxy extends BaseProxy {
  wait(timeout?: number | null): number {
    return this.callmethod('wait', timeout === undefined ? [] : [timeout]) as number;
  }

  abort(): void {
    this.callmethod('abort');
  }

  reset(): void {
    this.callmethod('reset');
  }

  get parties(): number {
    return this.callmethod('__getattribute__', ['parties']) as number;
  }

  get n_waiting(): number {
    return this.callmethod('__getattribute__', ['n_waiting']) as number;
  }

  get broken(): boolean {
    return this.callmethod('__getattribute__', ['broken']) as boolean;
  }
}

export class ValueProxy<T = unknown> extends BaseProxy {
  get(): T {
    return this.callmethod('get') as T;
  }

  set(value: T): void {
    this.callmethod('set', [value]);
  }

  get value(): T {
    return this.get();
  }

  set value(v: T) {
    this.set(v);
  }
}

export class ArrayProxy<T = unknown> extends BaseProxy {
  len(): number {
    return this.callmethod('__len__') as number;
  }

  get length(): number {
    return this.len();
  }

  get(i: number): T {
    return this.callmethod('__getitem__', [i]) as T;
  }

  set(i: number, v: T): void {
    this.callmethod('__setitem__', [i, v]);
  }

  tolist(): T[] {
    return this.callmethod('tolist') as T[];
  }
}

/** A dict in the server (Python's DictProxy); keys are compared as a Map compares them. */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  /** d[k], or `dflt` (null) when missing (Python's get). */
  get(k: K, dflt: V | null = null): V | null {
    return this.callmethod('get', [k, dflt]) as V | null;
  }

  /** d[k]; a missing key throws ERR_KEY_ERROR (Python's KeyError). */
  getitem(k: K): V {
    return this.callmethod('__getitem__', [k]) as V;
  }

  /** d[k] = v */
  set(k: K, v: V): void {
    this.callmethod('__setitem__', [k, v]);
  }

  /** del d[k] */
  delete(k: K): void {
    this.callmethod('__delitem__', [k]);
  }

  /** k in d */
  has(k: K): boolean {
    return this.callmethod('__contains__', [k]) as boolean;
  }

  len(): number {
    return this.callmethod('__len__') as number;
  }

  get size(): number {
    return this.len();
  }

  keys(): K[] {
    return this.callmethod('keys') as K[];
  }

  values(): V[] {
    return this.callmethod('values') as V[];
  }

  items(): Array<[K, V]> {
    return this.callmethod('items') as Array<[K, V]>;
  }

  pop(k: K, ...dflt: V[]): V {
    return this.callmethod('pop', [k, ...dflt]) as V;
  }

  popitem(): [K, V] {
    return this.callmethod('popitem') as [K, V];
  }

  setdefault(k: K, dflt: V | null = null): V {
    return this.callmethod('setdefault', [k, dflt]) as V;
  }

  update(other: Iterable<[K, V]> | Record<string, V> | Map<K, V>): void {
    this.callmethod('update', [other instanceof Map ? [...other] : other]);
  }

  clear(): void {
    this.callmethod('clear');
  }

  /** A copy, as a Map. */
  copy(): Map<K, V> {
    return this.callmethod('copy') as Map<K, V>;
  }
}

/** A list in the server (Python's ListProxy); negative indexes count from the end. */
export class ListProxy<T = unknown> extends BaseProxy {
  get(i: number): T {
    return this.callmethod('__getitem__', [i]) as T;
  }

  set(i: number, v: T): void {
    this.callmethod('__setitem__', [i, v]);
  }

  delete(i: number): void {
    this.callmethod('__delitem__', [i]);
  }

  has(v: T): boolean {
    return this.callmethod('__contains__', [v]) as boolean;
  }

  len(): number {
    return this.callmethod('__len__') as number;
  }

  get length(): number {
    return this.len();
  }

  append(v: T): void {
    this.callmethod('append', [v]);
  }

  extend(vs: Iterable<T>): void {
    this.callmethod('extend', [toList(vs, 'values', 'an iterable of values', MAX_ITEMS, (v) => v)]);
  }

  insert(i: number, v: T): void {
    this.callmethod('insert', [i, v]);
  }

  pop(i = -1): T {
    return this.callmethod('pop', [i]) as T;
  }

  remove(v: T): void {
    this.callmethod('remove', [v]);
  }

  index(v: T): number {
    return this.callmethod('index', [v]) as number;
  }

  count(v: T): number {
    return this.callmethod('count', [v]) as number;
  }

  reverse(): void {
    this.callmethod('reverse');
  }

  sort(reverse = false): void {
    this.callmethod('sort', [reverse]);
  }

  /** l[start:end] */
  slice(start?: number | null, end?: number | null): T[] {
    return this.callmethod('slice', [start ?? null, end ?? null]) as T[];
  }

  /** A copy of the whole list. */
  tolist(): T[] {
    return this.callmethod('tolist') as T[];
  }
}

const NS_OWN = new Set(['token', 'exposed', 'callmethod', '_callmethod', 'getvalue', '_getvalue', 'toString', 'constructor']);

/**
 * Python's NamespaceProxy: attributes read and set on it are read and set
 * in the server (ns.x = 1 in one process, ns.x in another).
 */
export class NamespaceProxy extends BaseProxy {
  constructor(token: Token, exposed: string[], authkey: Buffer, owned = true) {
    super(token, exposed, authkey, owned);
    return new Proxy(this, {
      get(target, key) {
        if (typeof key === 'symbol' || NS_OWN.has(key)) {
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        }
        if (key === 'then') return undefined; // not a thenable
        return target.callmethod('__getattribute__', [key]);
      },
      set(target, key, value) {
        if (typeof key === 'symbol') return Reflect.set(target, key, value, target);
        target.callmethod('__setattr__', [key, value]);
        return true;
      },
      deleteProperty(target, key) {
        if (typeof key === 'symbol') return Reflect.deleteProperty(target, key);
        target.callmethod('__delattr__', [key]);
        return true;
      },
      has(target, key) {
        if (typeof key === 'symbol') return Reflect.has(target, key);
        return (target.callmethod('__dir__') as string[]).includes(key);
      },
      ownKeys(target) {
        return target.callmethod('__dir__') as string[];
      },
      getOwnPropertyDescriptor(target, key) {
        if (typeof key === 'symbol') return Reflect.getOwnPropertyDescriptor(target, key);
        const names = target.callmethod('__dir__') as string[];
        if (!names.includes(key)) return undefined;
        return { value: target.callmethod('__getattribute__', [key]), writable: true, enumerable: true, configurable: true };
      },
    });
  }
}
