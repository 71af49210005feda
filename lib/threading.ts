// posixkit/threading: Python's threading.Thread on worker_threads, with the
// multiprocessing primitives (futexes in shared memory) as its Lock, Event,
// Condition ... so one Lock works across threads and forked processes.
//
// What differs from Python threads, honestly: a worker thread has its own JS
// heap, so code reaches it by module (a target or a Thread subclass must be
// exported by a CommonJS module, which the worker loads again), arguments and
// a subclass's fields are copied (structured clone), and only
// SharedArrayBuffer memory and posixkit's shared primitives (Lock, Value,
// SharedArray ...) are shared. There is no GIL: threads run in parallel.
import { inspect } from 'node:util';
import {
  isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, threadId, Worker, workerData,
} from 'node:worker_threads';
import { invalidArgType, outOfRange, validateInteger } from './errors';
import { deadlineAfter, secondsUntil, timeoutSeconds } from './internal/deadline';
import { exportOf, loadExport, type ModuleRef, resolveModule, runnableModule } from './internal/modref';
import { register_at_fork } from './os';
import { family } from './native';
import {
  Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore, withLock,
} from './multiprocessing/synchronize';
import * as registry from './threading/registry';
import { localArgs, pack, setLocalBase, unpack } from './multiprocessing/transport';
import { beforeChildExit } from './multiprocessing/_fork';

export { Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore, withLock };

interface ThreadingNative {
  futex_wait(view: Int32Array, index: number, expected: number, timeout?: number): number;
  futex_wake(view: Int32Array, index: number, count: number): number;
  gettid(): number;
}
const native = family<ThreadingNative>();

/** Python's threading.TIMEOUT_MAX: the longest timeout a wait accepts, in seconds. */
export const TIMEOUT_MAX = 9223372036;

/** A thread's target given by module: an exported function of a module the worker can require. */
export interface ThreadTarget {
  /** Absolute path (e.g. __filename) or a package specifier; relative paths resolve from the cwd. */
  module: string;
  /** The export to call; default 'default', or the module itself if it is a function. */
  export?: string;
}

export interface ThreadOptions {
  /** A function exported by a loaded CommonJS module, or { module, export }. */
  target?: ThreadTarget | ((...args: any[]) => unknown);
  args?: unknown[];
  /** Python's kwargs: passed to the target as one last argument (an object). */
  kwargs?: Record<string, unknown>;
  name?: string;
  /** A daemon thread does not keep the process alive (Worker.unref()). Default: the current thread's. */
  daemon?: boolean;
}

/** Python's ThreadError (RuntimeError): misuse of a thread or lock; `code` says which. */
export class ThreadError extends Error {
  code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
  override get name(): string {
    return 'ThreadError';
  }
}

/** What excepthook receives (Python's threading.ExceptHookArgs). */
export class ExceptHookArgs {
  constructor(
    readonly exc_type: Function | null,
    readonly exc_value: unknown,
    readonly exc_traceback: string | null,
    readonly thread: Thread | null,
  ) {}
}

// state words (SharedArrayBuffer): [done, native tid, thread id, started]
const DONE = 0;
const TID = 1;
const IDENT = 2;

/** @internal what a started worker receives */
export interface BootData {
  __posixkit_thread: true;
  kind: 'target' | 'subclass' | 'timer';
  ref: ModuleRef;
  args: unknown;
  fields: unknown;
  name: string;
  daemon: boolean;
  state: SharedArrayBuffer;
  registry: SharedArrayBuffer;
  slot: number;
  port: MessagePort;
  trace: ModuleRef | null;
  profile: ModuleRef | null;
}

let counter = 0;
let stackBytes = 0;
let traceHook: ModuleRef | null = null;
let profileHook: ModuleRef | null = null;
let traceFn: unknown = null;
let profileFn: unknown = null;
// The Thread objects this thread knows, by thread id (for enumerate()).
const known = new Map<number, Thread>();

function misuse(code: string, message: string): ThreadError {
  return new ThreadError(code, message);
}

/**
 * A thread: a worker that runs `target(...args)` or, in a subclass, its own
 * run(). join() blocks in the kernel (futex) like Python's; joinAsync() awaits.
 */
export class Thread {
  #target: ModuleRef | null;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #worker: Worker | null = null;
  #state: Int32Array;
  #port: MessagePort | null = null;
  #started = false;
  #exception: unknown = undefined;
  #reported = false;
  #current = false;
  #slot = -1;
  #foreign = false;

  constructor(options: ThreadOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { target, args = [], kwargs, name, daemon } = options;
    let ref: ModuleRef | null = null;
    if (typeof target === 'function') {
      ref = exportOf(target, 'options.target', 'a thread');
    } else if (target !== undefined) {
      if (target === null || typeof target !== 'object' || typeof target.module !== 'string') {
        throw invalidArgType('options.target', 'a function or an object { module: string, export?: string }', target);
      }
      if (target.export !== undefined && typeof target.export !== 'string') {
        throw invalidArgType('options.target.export', 'of type string', target.export);
      }
      ref = { module: resolveModule(target.module), export: target.export ?? 'default' };
    }
    if (!Array.isArray(args)) throw invalidArgType('options.args', 'an array', args);
    if (kwargs !== undefined && (kwargs === null || typeof kwargs !== 'object')) throw invalidArgType('options.kwargs', 'an object', kwargs);
    if (name !== undefined && typeof name !== 'string') throw invalidArgType('options.name', 'of type string', name);
    if (daemon !== undefined && typeof daemon !== 'boolean') throw invalidArgType('options.daemon', 'of type boolean', daemon);
    this.#target = ref;
    this.#args = kwargs === undefined ? [...args] : [...args, kwargs];
    this.#name = name ?? `Thread-${++counter}`;
    this.#daemon = daemon ?? (current ? current.daemon : (boot()?.daemon ?? false));
    this.#state = new Int32Array(new SharedArrayBuffer(16));
  }

  /**
   * What the thread runs: target(...args). A subclass overrides it; the
   * worker then loads the subclass from its module and calls run() on a copy
   * of this object's own fields.
   */
  run(): unknown {
    const t = this.#target;
    if (t === null) return undefined;
    return loadExport(t)(...this.#args);
  }

  get name(): string {
    return this.#name;
  }

  set name(v: string) {
    if (typeof v !== 'string') throw invalidArgType('name', 'of type string', v);
    this.#name = v;
    registry.setName(this.#slot, v);
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(v: boolean) {
    if (typeof v !== 'boolean') throw invalidArgType('daemon', 'of type boolean', v);
    if (this.#started) throw misuse('ERR_THREAD_STARTED', 'cannot set daemon status of active thread');
    this.#daemon = v;
  }

  getName(): string {
    return this.name;
  }

  setName(name: string): void {
    this.name = name;
  }

  isDaemon(): boolean {
    return this.daemon;
  }

  setDaemon(daemonic: boolean): void {
    this.daemon = daemonic;
  }

  /** Python's ident: the thread's get_ident() (Node's threadId) once started; undefined before. */
  get ident(): number | undefined {
    if (!this.#started) return undefined;
    const v = Atomics.load(this.#state, IDENT);
    return v === -1 ? undefined : v;
  }

  /** The kernel thread id (gettid) once it runs; undefined before. */
  get nativeId(): number | undefined {
    const t = Atomics.load(this.#state, TID);
    return t === 0 ? undefined : t;
  }

  get native_id(): number | undefined {
    return this.nativeId;
  }

  /** What the target threw, if it did (passed to excepthook, which prints it by default). */
  get exception(): unknown {
    this.#drain();
    return this.#exception;
  }

  /** Starts the worker; a second start() throws, as in Python. */
  start(): void {
    if (this.#started) throw misuse('ERR_THREAD_STARTED', 'threads can only be started once');
    if (this.#current || this.#foreign) throw misuse('ERR_THREAD_CURRENT', 'cannot start the current thread');
    currentThread(); // the starting thread is in the table before the new one
    const subclass = Object.getPrototypeOf(this) !== Thread.prototype && this.run !== Thread.prototype.run;
    if (!subclass && this.#target === null) {
      // Python's Thread() without a target runs nothing.
      this.#started = true;
      Atomics.store(this.#state, DONE, 1);
      return;
    }
    // A Timer is found in this module's compiled file; a user's subclass among the loaded modules.
    const kind: BootData['kind'] = this.constructor === Timer ? 'timer' : subclass ? 'subclass' : 'target';
    const ref = kind === 'timer' ? { module: runnableModule(__filename), export: 'Timer' }
      : kind === 'subclass' ? exportOf(this.constructor, 'thread class', 'a Thread subclass') : this.#target!;
    const fields = kind === 'target' ? null : pack({ ...this });
    const { port1, port2 } = new MessageChannel();
    Atomics.store(this.#state, IDENT, -1);
    const slot = registry.claim(this.#name, this.#daemon);
    const data: BootData = {
      __posixkit_thread: true,
      kind,
      ref,
      args: pack(this.#args),
      fields,
      name: this.#name,
      daemon: this.#daemon,
      state: this.#state.buffer as SharedArrayBuffer,
      registry: registry.registryBuffer(),
      slot,
      port: port2,
      trace: traceHook,
      profile: profileHook,
    };
    this.#started = true; // even if what follows fails: join() must then return, not wait
    let worker: Worker;
    try {
      const limits = stackBytes > 0 ? { resourceLimits: { stackSizeMb: stackBytes / (1024 * 1024) } } : {};
      worker = new Worker(runnableModule(__filename), { workerData: data, transferList: [port2], name: this.#name, ...limits });
    } catch (e) {
      registry.release(slot);
      Atomics.store(this.#state, DONE, 1); // a join() must not wait for a thread that never ran
      port1.close();
      throw e;
    }
    this.#slot = slot;
    this.#port = port1;
    this.#worker = worker;
    port1.on('message', () => this.#drain());
    port1.unref();
    // If the worker dies before its bootstrap could say so (a fatal error), mark it done here.
    worker.on('exit', () => this.#markDone());
    worker.on('error', (e) => this.#failed(e));
    if (this.#daemon) worker.unref();
    Atomics.store(this.#state, IDENT, worker.threadId);
    known.set(worker.threadId, this);
  }

  #markDone(): void {
    registry.release(this.#slot);
    if (Atomics.exchange(this.#state, DONE, 1) === 0) native.futex_wake(this.#state, DONE, 0x7fffffff);
    this.#drain();
    if (this.#worker) known.delete(this.#worker.threadId);
  }

  #drain(): void {
    if (!this.#port) return;
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
      const msg = m.message as { error?: unknown };
      if ('error' in msg) this.#failed(msg.error);
    }
  }

  #failed(e: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#exception = e;
    callExcepthook(e, this);
  }

  /** Running: started and its target has not returned. */
  isAlive(): boolean {
    if (this.#current) return true;
    if (this.#foreign) return registry.isLive(this.#slot);
    return this.#started && Atomics.load(this.#state, DONE) === 0;
  }

  is_alive(): boolean {
    return this.isAlive();
  }

  /**
   * Blocks until the thread ends or `timeout` seconds pass (then check
   * isAlive(), as in Python). Blocks the event loop: prefer joinAsync() in
   * event-driven code.
   */
  join(timeout?: number | null): void {
    if (this.#current) throw misuse('ERR_THREAD_CURRENT', 'cannot join current thread');
    if (!this.#started) throw misuse('ERR_THREAD_NOT_STARTED', 'cannot join thread before it is started');
    const deadline = deadlineAfter(timeoutSeconds(timeout, 'timeout', 'zero', TIMEOUT_MAX));
    while (Atomics.load(this.#state, DONE) === 0) {
      const left = secondsUntil(deadline);
      if (left === 0) break;
      native.futex_wait(this.#state, DONE, 0, left ?? undefined);
    }
    this.#drain();
  }

  /** Resolves when the worker has exited. */
  joinAsync(): Promise<void> {
    if (!this.#started) return Promise.reject(misuse('ERR_THREAD_NOT_STARTED', 'cannot join thread before it is started'));
    const w = this.#worker;
    if (!w) return Promise.resolve();
    return new Promise<void>((resolve) => {
      if (w.threadId === -1) resolve();
      else w.once('exit', () => resolve());
    }).then(() => this.#drain());
  }

  /** @internal the Thread object of the running thread. */
  static _current(name: string, daemon: boolean, tid: number, ident: number): Thread {
    const t = new Thread({ name, daemon });
    t.#becomeCurrent(tid, ident);
    return t;
  }

  /** @internal in a worker: this (subclass) object becomes the running thread. */
  _adopt(tid: number, ident: number, slot: number): void {
    this.#becomeCurrent(tid, ident);
    this.#slot = slot;
  }

  #becomeCurrent(tid: number, ident: number): void {
    this.#current = true;
    this.#started = true;
    Atomics.store(this.#state, TID, tid);
    Atomics.store(this.#state, IDENT, ident);
  }

  /** @internal a thread this one did not start (seen in the registry), or the main thread seen from a worker. */
  /** The registry slot a thread holds (-1: none). */
  static _slotOf(t: Thread): number {
    return t.#slot;
  }

  static _foreign(info: registry.SlotInfo): Thread {
    const t = new Thread({ name: info.name, daemon: info.daemon });
    t.#foreign = true;
    t.#started = true;
    t.#slot = info.slot;
    Atomics.store(t.#state, TID, info.tid);
    Atomics.store(t.#state, IDENT, info.threadId);
    return t;
  }

  toString(): string {
    const status = this.isAlive() ? 'started' : this.#started ? 'stopped' : 'initial';
    return `<${this.constructor.name}(${this.#name}, ${status}${this.#daemon ? ' daemon' : ''})>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// ---- Timer --------------------------------------------------------------------

/**
 * Python's threading.Timer: a thread that waits `interval` seconds (asleep
 * on a futex) and then calls `fn(...args)`, unless cancel() came first. `fn`
 * runs in the timer's thread, so it must be a function exported by a loaded
 * CommonJS module (or { module, export }).
 */
export class Timer extends Thread {
  readonly interval: number;
  readonly fn: ModuleRef;
  readonly fnArgs: unknown[];
  readonly finished: Int32Array;

  constructor(interval: number, fn: ThreadTarget | ((...args: any[]) => unknown), args: unknown[] = [],
    kwargs?: Record<string, unknown>) {
    super({});
    if (typeof interval !== 'number' || Number.isNaN(interval)) throw invalidArgType('interval', 'of type number', interval);
    if (interval > TIMEOUT_MAX) throw outOfRange('interval', `<= TIMEOUT_MAX (${TIMEOUT_MAX})`, interval);
    if (!Array.isArray(args)) throw invalidArgType('args', 'an array', args);
    this.interval = Math.max(0, interval);
    this.fn = typeof fn === 'function' ? exportOf(fn, 'function', 'a Timer')
      : (fn !== null && typeof fn === 'object' && typeof fn.module === 'string'
        ? { module: resolveModule(fn.module), export: fn.export ?? 'default' }
        : (() => { throw invalidArgType('function', 'a function or { module, export }', fn); })());
    this.fnArgs = kwargs === undefined ? [...args] : [...args, kwargs];
    this.finished = new Int32Array(new SharedArrayBuffer(4));
  }

  /** Stops the timer if it is still waiting (a no-op afterwards). */
  cancel(): void {
    if (Atomics.exchange(this.finished, 0, 1) === 0) native.futex_wake(this.finished, 0, 0x7fffffff);
  }

  override run(): unknown {
    const end = performance.now() + this.interval * 1000;
    while (Atomics.load(this.finished, 0) === 0) {
      const left = (end - performance.now()) / 1000;
      if (left <= 0) break;
      native.futex_wait(this.finished, 0, 0, left);
    }
    if (Atomics.exchange(this.finished, 0, 1) !== 0) return undefined; // cancelled
    return loadExport(this.fn)(...this.fnArgs);
  }
}

// ---- local ----------------------------------------------------------------------

/**
 * Python's threading.local: attributes set on it belong to the thread that
 * set them. Every JS thread has its own heap, so a local is per-thread by
 * nature; what this class adds is the crossing: passed to another thread
 * (in args or a subclass's fields) it arrives as a fresh, empty local, its
 * subclass's constructor run again with the same arguments (as Python runs
 * __init__ once per thread).
 */
export class local {
  constructor(...args: unknown[]) {
    localArgs.set(this, args);
  }
}
setLocalBase({ module: runnableModule(__filename), export: 'local' });

// ---- the current thread, the table of threads ----------------------------------

let current: Thread | null = null;

// A forked child's main thread is a new thread (its tid is the child's pid);
// the others did not survive the fork.
if (isMainThread) {
  register_at_fork({
    after_in_child: () => {
      current = null;
      known.clear();
      registry.forgetAllBut(0);
      mainSeen = null;
    },
  });
}

function boot(): BootData | undefined {
  const b = workerData as BootData | undefined;
  return b?.__posixkit_thread ? b : undefined;
}

/** The Thread object of the calling thread ('MainThread' on the main thread). */
export function currentThread(): Thread {
  if (!current) {
    const b = boot();
    if (isMainThread) {
      current = Thread._current('MainThread', false, process.pid, threadId);
      if (registry.liveSlots().length === 0) {
        const slot = registry.claim('MainThread', false);
        registry.running(slot, threadId, process.pid);
      }
    } else if (b) {
      current = Thread._current(b.name, b.daemon, native.gettid(), threadId);
    } else {
      current = Thread._current(`Worker-${threadId}`, false, native.gettid(), threadId);
    }
    known.set(threadId, current);
  }
  return current;
}

let mainSeen: Thread | null = null;

// Python's threading._shutdown: a Process child (which leaves with _exit)
// first waits for every non-daemon thread of the process, as the main
// thread of a Node program waits for its referenced workers.
function joinNonDaemon(): void {
  // Ours first: join() also reports their errors (excepthook) before the exit.
  const me = currentThread();
  for (const t of [...known.values()]) if (t !== me && !t.daemon && t.isAlive()) t.join();
  for (const info of registry.liveSlots()) {
    if (!info.daemon && info.threadId !== threadId) registry.waitReleased(info.slot);
  }
}
if (isMainThread) beforeChildExit(joinNonDaemon);

/** The main thread's Thread object (Python's main_thread()). */
export function mainThread(): Thread {
  if (isMainThread) return currentThread();
  if (mainSeen) return mainSeen;
  const info = registry.liveSlots().find((s) => s.threadId === 0);
  mainSeen = Thread._foreign(info ?? { slot: -1, threadId: 0, tid: process.pid, daemon: false, name: 'MainThread' });
  return mainSeen;
}

/**
 * The live threads of the process started through posixkit/threading, the
 * main thread first (Python's enumerate()). Threads this thread did not
 * start appear as stand-ins that report name, ident, native_id, daemon and
 * isAlive().
 */
export function enumerate(): Thread[] {
  currentThread();
  const out: Thread[] = [];
  for (const info of registry.liveSlots()) {
    if (info.threadId === -1) {
      // Claimed by start() but not running yet. Python's start() returns only
      // once the thread runs, so every thread must see it already: the starter
      // lists its own object, any other thread a stand-in (ident undefined).
      const mine = [...known.values()].find((t) => t.isAlive() && Thread._slotOf(t) === info.slot);
      out.push(mine ?? Thread._foreign(info));
      continue;
    }
    const mine = known.get(info.threadId);
    if (mine) out.push(mine);
    else if (info.threadId === 0) out.push(mainThread());
    else out.push(Thread._foreign(info));
  }
  for (const t of known.values()) if (t.isAlive() && !out.includes(t)) out.push(t);
  return out;
}

/** How many threads enumerate() lists. */
export function activeCount(): number {
  return enumerate().length;
}

/** Python's threading.get_ident(): unique among the live threads of this process (Node's threadId). */
export function getIdent(): number {
  return threadId;
}

/** Python's threading.get_native_id(): the kernel's thread id (gettid). */
export function getNativeId(): number {
  return native.gettid();
}

/**
 * Python's stack_size([size]): the stack size of threads started afterwards
 * (0: V8's default), in bytes; returns the previous value. Sizes below
 * 32 KiB are refused, as Python refuses them.
 */
export function stackSize(size?: number): number {
  const old = stackBytes;
  if (size !== undefined) {
    validateInteger(size, 'size', 0, 2 ** 40);
    if (size !== 0 && size < 32768) throw outOfRange('size', '0 or >= 32768', size);
    stackBytes = size;
  }
  return old;
}

// ---- trace and profile hooks ------------------------------------------------------

function hookRef(fn: unknown, what: string): ModuleRef | null {
  if (fn === null || fn === undefined) return null;
  if (typeof fn === 'function') return exportOf(fn, what, 'every new thread');
  throw invalidArgType(what, 'a function exported by a loaded CommonJS module, or null', fn);
}

/**
 * Python's settrace(func): func runs in every thread started afterwards,
 * called as func(thread, 'call', null) before its target and
 * func(thread, 'return', result) after it. JS has no per-line tracing, so
 * these are the only events. It must be exported by a loaded CommonJS
 * module (the thread loads it by module and name); null removes it.
 */
export function settrace(func: ((...a: any[]) => unknown) | null): void {
  traceHook = hookRef(func, 'func');
  traceFn = func ?? null;
}

/** The function given to settrace(), or null. */
export function gettrace(): unknown {
  return traceFn;
}

/** Python's setprofile(func): as settrace, for profile functions ('call' and 'return'). */
export function setprofile(func: ((...a: any[]) => unknown) | null): void {
  profileHook = hookRef(func, 'func');
  profileFn = func ?? null;
}

/** The function given to setprofile(), or null. */
export function getprofile(): unknown {
  return profileFn;
}

// ---- excepthook ---------------------------------------------------------------------

function defaultExcepthook(args: ExceptHookArgs): void {
  const name = args.thread?.name ?? getIdent();
  const v = args.exc_value as { stack?: unknown } | null;
  const text = typeof v?.stack === 'string' ? v.stack : inspect(args.exc_value);
  process.stderr.write(`Exception in thread ${name}:\n${text}\n`);
}

let hook: (args: ExceptHookArgs) => void = defaultExcepthook;

/**
 * Python's threading.excepthook(args): handles an exception a thread's run()
 * did not catch. It runs in the thread that started the failing one, when
 * the failure reaches it (at once if its event loop is free, else at its
 * next join()/isAlive()/exception). The default prints "Exception in thread
 * NAME:" and the stack to stderr; setExcepthook() replaces it.
 */
export function excepthook(args: ExceptHookArgs): void {
  hook(args);
}

/** Replaces what excepthook() does (Python: threading.excepthook = hook); null restores the default. */
export function setExcepthook(fn: ((args: ExceptHookArgs) => void) | null): void {
  if (fn !== null && typeof fn !== 'function') throw invalidArgType('hook', 'a function or null', fn);
  hook = fn ?? defaultExcepthook;
}

function callExcepthook(e: unknown, thread: Thread): void {
  const type = e !== null && typeof e === 'object' ? (e as object).constructor as Function : null;
  const stack = e instanceof Error ? e.stack ?? null : null;
  try {
    hook(new ExceptHookArgs(type, e, stack, thread));
  } catch (err) {
    process.stderr.write(`Exception in threading.excepthook:\n${inspect(err)}\n`);
  }
}

// ---- Python's spellings ---------------------------------------------------------------

export {
  activeCount as active_count, currentThread as current_thread, getIdent as get_ident,
  getNativeId as get_native_id, mainThread as main_thread, stackSize as stack_size,
};

// ---- the worker side --------------------------------------------------------------------

async function runBootstrap(b: BootData): Promise<void> {
  const state = new Int32Array(b.state);
  const tid = native.gettid();
  registry.adoptRegistry(b.registry);
  registry.running(b.slot, threadId, tid);
  Atomics.store(state, TID, tid);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    registry.release(b.slot);
    Atomics.store(state, DONE, 1);
    native.futex_wake(state, DONE, 0x7fffffff);
  };
  process.on('exit', finish);
  try {
    let self: Thread;
    if (b.kind === 'target') {
      self = currentThread();
      loadExport(b.ref); // a missing target fails before the hooks run
    } else {
      const Cls = loadExport<typeof Thread & ((...a: unknown[]) => unknown)>(b.ref, 'class');
      // Thread's constructor runs (its private state), the subclass's does not:
      // its fields come from the starting thread's object, as Python unpickles.
      self = Reflect.construct(Thread, [{ name: b.name, daemon: b.daemon }], Cls) as Thread;
      Object.assign(self, unpack(b.fields));
      self._adopt(tid, threadId, b.slot);
      current = self;
      known.set(threadId, self);
    }
    const hooks = [b.trace, b.profile].filter((r): r is ModuleRef => r !== null).map((r) => loadExport(r));
    for (const h of hooks) h(self, 'call', null);
    let result: unknown;
    if (b.kind === 'target') {
      const fn = loadExport(b.ref);
      result = await fn(...(unpack(b.args) as unknown[]));
    } else {
      result = await self.run();
    }
    for (const h of hooks) h(self, 'return', result);
  } catch (e) {
    try {
      b.port.postMessage({ error: e });
    } catch {
      b.port.postMessage({ error: String(e) });
    }
  } finally {
    b.port.close();
    finish();
  }
}

if (!isMainThread && boot()) {
  void runBootstrap(boot()!);
}
