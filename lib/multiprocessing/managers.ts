// Python's multiprocessing.managers: BaseManager runs a server process
// (manager-server.ts) holding objects that other processes reach through
// proxies (manager-proxies.ts), over a Unix socket or TCP, authenticated with
// an authkey. SyncManager (what Manager() starts) registers Python's types:
// dict, list, Namespace, Lock, RLock, Semaphore, BoundedSemaphore,
// Condition, Event, Barrier, Queue, JoinableQueue, Value, Array. Any other
// type can be registered on a subclass, as in Python.
import { invalidArgType, invalidArgValue, validateFunction } from '../errors';
import type { Address } from '../socket';
import { Pipe } from './connection';
import { stateError } from './errors';
import {
  SArray, SBarrier, SBoundedSemaphore, SCondition, SDict, SEvent, SJoinableQueue, SList, SLock, SNamespace, SQueue,
  SRLock, SSemaphore, SValue,
} from './manager-objects';
import {
  AcquirerProxy, ArrayProxy, autoProxyClass, BarrierProxy, BaseProxy, ConditionProxy, DictProxy, EventProxy,
  forgetServer, ListProxy, NamespaceProxy, request, setProxyMaker, Token, ValueProxy,
} from './manager-proxies';
import { Server, TypeSpec } from './manager-server';
import { currentProcess, Process } from './process';
import * as util from './util';

export {
  AcquirerProxy, ArrayProxy, BarrierProxy, BaseProxy, ConditionProxy, DictProxy, EventProxy, ListProxy, NamespaceProxy,
  RemoteError, ValueProxy,
} from './manager-proxies';
export type { Token } from './manager-proxies';
export { Server } from './manager-server';

type ProxyClass = new (token: Token, exposed: string[], authkey: Buffer, owned?: boolean) => BaseProxy;

export interface RegisterOptions {
  /** The proxy class for this typeid; default: one with a method per exposed name. */
  proxytype?: ProxyClass;
  /** The methods proxies may call; default the object's public methods. */
  exposed?: string[];
  /** Methods whose result stays in the server and comes back as a proxy of the given typeid. */
  method_to_typeid?: Record<string, string>;
  /** Add a method named typeid to the manager that creates such an object (default true). */
  create_method?: boolean;
}

/** What makes a registered type's objects: a function, or a class (called with new). */
export type Maker = ((...args: any[]) => unknown) | (new (...args: any[]) => unknown);

interface Registration {
  callable: Maker | null;
  proxytype: ProxyClass | null;
  exposed: string[] | null;
  methodToTypeid: Record<string, string> | null;
}

const registries = new Map<Function, Map<string, Registration>>();

function registryOf(cls: Function): Map<string, Registration> {
  const chain: Function[] = [];
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const out = new Map<string, Registration>();
  for (const c of chain) for (const [k, v] of registries.get(c) ?? []) out.set(k, v);
  return out;
}

export interface ManagerOptions {
  /** Where the server listens: a Unix socket path (default: a fresh one) or [host, port] for TCP. */
  address?: Address | null;
  /** The key clients must prove they have; default the current process's authkey. */
  authkey?: ArrayBufferView | null;
}

type State = 'initial' | 'started' | 'connected' | 'shutdown';
let managerCount = 0;

/** Python's BaseManager: a server process holding objects, and proxies to them. */
export class BaseManager implements Disposable {
  #address: Address | null;
  readonly #authkey: Buffer;
  #state: State = 'initial';
  #process: Process | null = null;

  /**
   * Registers `typeid` on this manager class (Python's classmethod
   * register): `callable(...args)` (a class is called with new) makes the
   * object in the server; by default the class also gets a method `typeid`
   * that creates one and returns its proxy. Register before start().
   */
  static register(typeid: string, callable?: Maker | null, options: RegisterOptions = {}): void {
    if (typeof typeid !== 'string' || typeid === '') throw invalidArgType('typeid', 'a non-empty string', typeid);
    if (callable !== undefined && callable !== null) validateFunction(callable, 'callable');
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { proxytype, exposed, method_to_typeid: m2t, create_method: create = true } = options;
    if (proxytype !== undefined) validateFunction(proxytype, 'options.proxytype');
    if (exposed !== undefined && (!Array.isArray(exposed) || exposed.some((x) => typeof x !== 'string'))) {
      throw invalidArgType('options.exposed', 'an array of method names', exposed);
    }
    let own = registries.get(this);
    if (!own) registries.set(this, (own = new Map()));
    own.set(typeid, { callable: callable ?? null, proxytype: proxytype ?? null, exposed: exposed ?? null, methodToTypeid: m2t ?? null });
    if (create) {
      Object.defineProperty(this.prototype, typeid, {
        value: function (this: BaseManager, ...args: unknown[]) { return this.create(typeid, ...args); },
        writable: true, configurable: true,
      });
    }
  }

  constructor(options: ManagerOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { address = null, authkey } = options;
    if (authkey !== undefined && authkey !== null && (!ArrayBuffer.isView(authkey) || authkey instanceof DataView)) {
      throw invalidArgType('options.authkey', 'a Buffer or Uint8Array', authkey);
    }
    this.#address = address;
    this.#authkey = authkey ? Buffer.from(authkey.buffer, authkey.byteOffset, authkey.byteLength) : Buffer.from(currentProcess().authkey);
  }

  /** The server's address once started (or the one given to connect to). */
  get address(): Address | null {
    return this.#address;
  }

  #specs(): Map<string, TypeSpec> {
    const specs = new Map<string, TypeSpec>();
    for (const [k, r] of registryOf(this.constructor)) {
      specs.set(k, { callable: r.callable, exposed: r.exposed, methodToTypeid: r.methodToTypeid });
    }
    return specs;
  }

  /**
   * Forks the server process and waits until it listens. `initializer(...initargs)`
   * runs in the server first.
   */
  start(initializer?: ((...a: any[]) => unknown) | null, initargs: unknown[] = []): void {
    if (this.#state !== 'initial') throw stateError('ERR_MANAGER_STATE', `manager already ${this.#state}`);
    if (initializer !== undefined && initializer !== null) validateFunction(initializer, 'initializer');
    const specs = this.#specs();
    const [r, w] = Pipe(false);
    const address = this.#address;
    const authkey = this.#authkey;
    const p = new Process({
      name: `${this.constructor.name}-${++managerCount}`,
      // The server ends with this process (SIGTERM at exit, or the kernel's
      // parent-death signal if this process is killed).
      daemon: !currentProcess().daemon,
      target: () => {
        r.close();
        if (initializer) initializer(...initargs);
        let server: Server;
        try {
          server = new Server(specs, address, authkey);
        } catch (e) {
          w.send(['error', e]);
          throw e;
        }
        w.send(['ok', server.address]);
        w.close();
        server.serveForever();
      },
    });
    p._setStartMethod('fork'); // the server runs the closure above: it must be a fork of this process
    p.start();
    w.close();
    let reply: [string, unknown];
    try {
      reply = r.recv() as [string, unknown];
    } finally {
      r.close();
    }
    if (reply[0] !== 'ok') {
      p.join(1);
      throw reply[1];
    }
    this.#address = reply[1] as Address;
    this.#process = p;
    this.#state = 'started';
    const owner = process.pid;
    // Before the multiprocessing exit hook joins children: shut the server down.
    process.prependListener('exit', () => {
      if (process.pid === owner && this.#state === 'started') {
        try { this.shutdown(); } catch { /* exiting anyway */ }
      }
    });
  }

  /** Uses a server some process started (or serves with getServer()) at this manager's address. */
  connect(): void {
    if (this.#state !== 'initial') throw stateError('ERR_MANAGER_STATE', `manager already ${this.#state}`);
    if (this.#address === null) throw invalidArgValue('address', null, 'must be given to connect');
    request(this.#address, this.#authkey, ['dummy']);
    this.#state = 'connected';
  }

  /**
   * A Server for this manager's types at its address, to run in this very
   * process: getServer().serveForever() blocks and serves until a client
   * asks it to shut down.
   */
  getServer(): Server {
    if (this.#state !== 'initial') throw stateError('ERR_MANAGER_STATE', `manager already ${this.#state}`);
    return new Server(this.#specs(), this.#address, this.#authkey);
  }

  /** Creates an object of a registered typeid in the server and returns its proxy. */
  create(typeid: string, ...args: unknown[]): BaseProxy {
    if (this.#state !== 'started' && this.#state !== 'connected') {
      throw stateError('ERR_MANAGER_STATE', this.#state === 'initial' ? 'manager not started (call start() or connect())' : 'manager has shut down');
    }
    const [, value] = request(this.#address!, this.#authkey, ['create', typeid, args]);
    const [id, exposed] = value as [string, string[]];
    return buildProxy({ typeid, id, address: this.#address! }, exposed, this.#authkey, this.constructor);
  }

  /** Asks the server to stop, waits a second for it, then kills it (started managers only). */
  shutdown(): void {
    if (this.#state !== 'started') {
      if (this.#state === 'connected') forgetServer(this.#address!);
      this.#state = 'shutdown';
      return;
    }
    this.#state = 'shutdown';
    util.info('sending shutdown message to manager');
    try {
      request(this.#address!, this.#authkey, ['shutdown']);
    } catch { /* already gone */ }
    forgetServer(this.#address!);
    const p = this.#process!;
    p.join(1);
    if (p.exitCode === null) {
      p.terminate();
      p.join(1);
      if (p.exitCode === null) {
        p.kill();
        p.join();
      }
    }
  }

  /** Waits for a started server process to end (after shutdown()). */
  join(timeout?: number | null): void {
    if (!this.#process) throw stateError('ERR_MANAGER_STATE', 'manager has no server process');
    this.#process.join(timeout);
  }

  [Symbol.dispose](): void {
    this.shutdown();
  }

  // Python's spellings.
  get_server(): Server {
    return this.getServer();
  }
}

// The proxy class of a typeid, from the manager class that registered it.
function buildProxy(token: Token, exposed: string[], authkey: Buffer, managerClass: Function | null): BaseProxy {
  const reg = managerClass ? registryOf(managerClass).get(token.typeid) : undefined;
  const cls = reg?.proxytype ?? known.get(token.typeid) ?? autoProxyClass(token.typeid, exposed);
  return new cls(token, exposed, authkey);
}

// Proxies returned by methods (method_to_typeid) of another manager class's
// object: their typeid's proxy class is found by name among all registrations.
const known = new Map<string, ProxyClass>();
setProxyMaker((token, exposed, authkey) => {
  for (const reg of registries.values()) {
    const r = reg.get(token.typeid);
    if (r?.proxytype) return new r.proxytype(token, exposed, authkey);
  }
  return buildProxy(token, exposed, authkey, null);
});

/** Python's SyncManager: what Manager() starts, with Python's shared types registered. */
export class SyncManager extends BaseManager {}

const QUEUE_METHODS = ['put', 'get', 'put_nowait', 'get_nowait', 'qsize', 'empty', 'full'];
SyncManager.register('Queue', (maxsize = 0) => new SQueue(maxsize as number), { exposed: QUEUE_METHODS });
SyncManager.register('JoinableQueue', (maxsize = 0) => new SJoinableQueue(maxsize as number),
  { exposed: [...QUEUE_METHODS, 'task_done', 'join'] });
SyncManager.register('Event', () => new SEvent(), { proxytype: EventProxy });
SyncManager.register('Lock', () => new SLock(), { proxytype: AcquirerProxy });
SyncManager.register('RLock', () => new SRLock(), { proxytype: AcquirerProxy });
SyncManager.register('Semaphore', (v = 1) => new SSemaphore(v as number), { proxytype: AcquirerProxy });
SyncManager.register('BoundedSemaphore', (v = 1) => new SBoundedSemaphore(v as number), { proxytype: AcquirerProxy });
SyncManager.register('Condition', (lock?: unknown) => new SCondition(lock as SLock | SRLock | undefined), { proxytype: ConditionProxy });
SyncManager.register('Barrier', (parties: unknown, action?: unknown, timeout?: unknown) =>
  new SBarrier(parties as number, action, (timeout ?? null) as number | null), { proxytype: BarrierProxy });
SyncManager.register('dict', (init?: unknown) => new SDict(init as Record<string, unknown>), { proxytype: DictProxy });
SyncManager.register('list', (init?: unknown) => new SList(init as unknown[]), { proxytype: ListProxy });
SyncManager.register('Namespace', (init?: unknown) => new SNamespace((init ?? {}) as Record<string, unknown>),
  { proxytype: NamespaceProxy, exposed: ['__getattribute__', '__setattr__', '__delattr__', '__dir__'] });
SyncManager.register('Value', (typecode: unknown, value: unknown, lock?: unknown) => new SValue(String(typecode), value, lock),
  { proxytype: ValueProxy, exposed: ['get', 'set'] });
SyncManager.register('Array', (typecode: unknown, seq: unknown, lock?: unknown) =>
  new SArray(String(typecode), seq as Iterable<unknown> | number, lock),
{ proxytype: ArrayProxy, exposed: ['__len__', '__getitem__', '__setitem__', 'tolist'] });
for (const [typeid, cls] of [['Event', EventProxy], ['Lock', AcquirerProxy], ['RLock', AcquirerProxy], ['Semaphore', AcquirerProxy],
  ['BoundedSemaphore', AcquirerProxy], ['Condition', ConditionProxy], ['Barrier', BarrierProxy], ['dict', DictProxy],
  ['list', ListProxy], ['Namespace', NamespaceProxy], ['Value', ValueProxy], ['Array', ArrayProxy]] as Array<[string, ProxyClass]>) {
  known.set(typeid, cls);
}

export interface SyncManager {
  Queue<T = unknown>(maxsize?: number): BaseProxy & QueueMethods<T>;
  JoinableQueue<T = unknown>(maxsize?: number): BaseProxy & QueueMethods<T> & { task_done(): void; join(): void };
  Event(): EventProxy;
  Lock(): AcquirerProxy;
  RLock(): AcquirerProxy;
  Semaphore(value?: number): AcquirerProxy;
  BoundedSemaphore(value?: number): AcquirerProxy;
  Condition(lock?: AcquirerProxy): ConditionProxy;
  Barrier(parties: number, action?: null, timeout?: number | null): BarrierProxy;
  dict<K = unknown, V = unknown>(init?: Record<string, V> | Array<[K, V]>): DictProxy<K, V>;
  list<T = unknown>(init?: T[]): ListProxy<T>;
  Namespace(init?: Record<string, unknown>): NamespaceProxy & Record<string, any>;
  Value<T = unknown>(typecode: string, value: T, lock?: boolean): ValueProxy<T>;
  Array<T = unknown>(typecode: string, sequence: T[] | number, lock?: boolean): ArrayProxy<T>;
}

export interface QueueMethods<T> {
  put(item: T, block?: boolean, timeout?: number | null): void;
  get(block?: boolean, timeout?: number | null): T;
  put_nowait(item: T): void;
  get_nowait(): T;
  qsize(): number;
  empty(): boolean;
  full(): boolean;
}

/** Python's multiprocessing.Manager(): a started SyncManager. */
export function Manager(options: ManagerOptions = {}): SyncManager {
  const m = new SyncManager(options);
  m.start();
  return m;
}

