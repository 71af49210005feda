// posixkit/threading: Python's threading.Thread on worker_threads, with the
// multiprocessing primitives (futexes in shared memory) as its Lock, Event,
// Condition ... so one Lock works across threads and forked processes.
//
// What differs from Python threads, honestly: a worker thread has its own JS
// heap, so the target is named as a module + export (code cannot be handed
// over as a closure), arguments are copied (structured clone), and only
// SharedArrayBuffer memory and posixkit's shared primitives (Lock, Value,
// SharedArray ...) are shared. There is no GIL: threads run in parallel.
import {
  isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, threadId, Worker, workerData,
} from 'node:worker_threads';
import { codedError, invalidArgType } from './errors';
import { deadlineOf, secondsUntil } from './internal/deadline';
import { loadExport, resolveModule, runnableModule } from './internal/modref';
import { register_at_fork } from './os';
import { family } from './native';
import {
  Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, fromShared, isSharedSync, Lock, RLock, Semaphore,
  SHARE, Shareable, SharedSync, withLock,
} from './multiprocessing/synchronize';

export { Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore, withLock };

interface ThreadingNative {
  futex_wait(view: Int32Array, index: number, expected: number, timeout?: number): number;
  futex_wake(view: Int32Array, index: number, count: number): number;
  gettid(): number;
}
const native = family<ThreadingNative>();

/** A thread's target: an exported function of a module the worker can require. */
export interface ThreadTarget {
  /** Absolute path (e.g. __filename) or a package specifier; relative paths resolve from the cwd. */
  module: string;
  /** The export to call; default 'default', or the module itself if it is a function. */
  export?: string;
}

export interface ThreadOptions {
  target?: ThreadTarget;
  args?: unknown[];
  name?: string;
  /** A daemon thread does not keep the process alive (Worker.unref()). Default: the current thread's. */
  daemon?: boolean;
}

// state words (SharedArrayBuffer): [done, native tid]
const DONE = 0;
const TID = 1;

interface BootData {
  __posixkit_thread: true;
  module: string;
  exportName: string;
  args: unknown;
  name: string;
  daemon: boolean;
  state: SharedArrayBuffer;
  port: MessagePort;
}

// ---- argument transport: shared primitives cross as descriptors ----------------

const TAG = '__posixkit_shared_arg';

function pack(v: unknown, seen = new Set<unknown>()): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as Partial<Shareable>)[SHARE] === 'function') return { [TAG]: (v as Shareable)[SHARE]() };
  if (seen.has(v)) return v;
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => pack(x, seen));
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = pack(x, seen);
    return out;
  }
  return v; // typed arrays, Maps, SharedArrayBuffer ...: structured clone
}

function unpack(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const tagged = (v as Record<string, unknown>)[TAG];
  if (tagged !== undefined && isSharedSync(tagged)) return fromShared(tagged as SharedSync);
  if (Array.isArray(v)) return v.map(unpack);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unpack(x);
    return out;
  }
  return v;
}

let counter = 0;

/**
 * A thread running `target.module`'s `target.export`(...args) in a worker.
 * join() blocks in the kernel (futex) like Python's; joinAsync() awaits.
 */
export class Thread {
  readonly #target: ThreadTarget | null;
  readonly #args: unknown[];
  #name: string;
  #daemon: boolean;
  #worker: Worker | null = null;
  #state: Int32Array;
  #port: MessagePort | null = null;
  #started = false;
  #exception: unknown = undefined;
  #current: boolean;

  constructor(options: ThreadOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { target, args = [], name, daemon } = options;
    if (target !== undefined && (target === null || typeof target !== 'object' || typeof target.module !== 'string')) {
      throw invalidArgType('options.target', 'an object { module: string, export?: string }', target);
    }
    if (target?.export !== undefined && typeof target.export !== 'string') {
      throw invalidArgType('options.target.export', 'of type string', target.export);
    }
    if (!Array.isArray(args)) throw invalidArgType('options.args', 'an array', args);
    if (name !== undefined && typeof name !== 'string') throw invalidArgType('options.name', 'of type string', name);
    if (daemon !== undefined && typeof daemon !== 'boolean') throw invalidArgType('options.daemon', 'of type boolean', daemon);
    this.#target = target ?? null;
    this.#args = args;
    this.#name = name ?? `Thread-${++counter}`;
    this.#daemon = daemon ?? currentThread().daemon;
    this.#state = new Int32Array(new SharedArrayBuffer(8));
    this.#current = false;
  }

  get name(): string {
    return this.#name;
  }

  set name(v: string) {
    if (typeof v !== 'string') throw invalidArgType('name', 'of type string', v);
    this.#name = v;
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(v: boolean) {
    if (typeof v !== 'boolean') throw invalidArgType('daemon', 'of type boolean', v);
    if (this.#started) throw codedError('ERR_THREAD_STARTED', 'cannot set daemon status of active thread');
    this.#daemon = v;
  }

  /** The kernel thread id (gettid), once started; undefined before. */
  get nativeId(): number | undefined {
    const t = Atomics.load(this.#state, TID);
    return t === 0 ? undefined : t;
  }

  /** What the target threw, if it did (Python prints it; so do we). */
  get exception(): unknown {
    this.#drain();
    return this.#exception;
  }

  /** Starts the worker; a second start() throws, as in Python. */
  start(): void {
    if (this.#started) throw codedError('ERR_THREAD_STARTED', 'threads can only be started once');
    if (this.#current) throw codedError('ERR_THREAD_CURRENT', 'cannot start the current thread');
    this.#started = true;
    if (!this.#target) {
      // Python's Thread() without a target runs nothing.
      Atomics.store(this.#state, DONE, 1);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.unref();
    const moduleSpec = resolveModule(this.#target.module);
    const data: BootData = {
      __posixkit_thread: true,
      module: moduleSpec,
      exportName: this.#target.export ?? 'default',
      args: pack(this.#args),
      name: this.#name,
      daemon: this.#daemon,
      state: this.#state.buffer as SharedArrayBuffer,
      port: port2,
    };
    let worker: Worker;
    try {
      worker = new Worker(runnableModule(__filename), { workerData: data, transferList: [port2], name: this.#name });
    } catch (e) {
      this.#markDone(); // a join() must not wait for a thread that never ran
      port1.close();
      throw e;
    }
    this.#worker = worker;
    // If the worker dies before its bootstrap could say so (a fatal error), mark it done here.
    worker.on('exit', () => this.#markDone());
    worker.on('error', (e) => { if (this.#exception === undefined) this.#exception = e; });
    if (this.#daemon) worker.unref();
  }

  #markDone(): void {
    if (Atomics.exchange(this.#state, DONE, 1) === 0) native.futex_wake(this.#state, DONE, 0x7fffffff);
  }

  #drain(): void {
    if (!this.#port) return;
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
      const msg = m.message as { error?: unknown };
      if ('error' in msg) this.#exception = msg.error;
    }
  }

  /** Running: started and its target has not returned. */
  isAlive(): boolean {
    if (this.#current) return true;
    return this.#started && Atomics.load(this.#state, DONE) === 0;
  }

  /**
   * Blocks until the thread ends or `timeout` seconds pass (then check
   * isAlive(), as in Python). Blocks the event loop: prefer joinAsync() in
   * event-driven code.
   */
  join(timeout?: number | null): void {
    if (!this.#started) throw codedError('ERR_THREAD_NOT_STARTED', 'cannot join thread before it is started');
    if (this.#current) throw codedError('ERR_THREAD_CURRENT', 'cannot join current thread');
    const deadline = deadlineOf(timeout, 'timeout', 'zero');
    while (Atomics.load(this.#state, DONE) === 0) {
      const left = secondsUntil(deadline);
      if (left === 0) break;
      native.futex_wait(this.#state, DONE, 0, left ?? undefined);
    }
    this.#drain();
  }

  /** Resolves when the worker has exited. */
  joinAsync(): Promise<void> {
    if (!this.#started) return Promise.reject(codedError('ERR_THREAD_NOT_STARTED', 'cannot join thread before it is started'));
    const w = this.#worker;
    if (!w) return Promise.resolve();
    return new Promise<void>((resolve) => {
      if (w.threadId === -1) resolve();
      else w.once('exit', () => resolve());
    }).then(() => this.#drain());
  }

  /** @internal the Thread object of the running thread. */
  static _current(name: string, daemon: boolean, tid: number): Thread {
    const t = new Thread({ name, daemon });
    t.#current = true;
    t.#started = true;
    Atomics.store(t.#state, TID, tid);
    return t;
  }

  toString(): string {
    const status = this.#current || this.isAlive() ? 'started' : this.#started ? 'stopped' : 'initial';
    return `<Thread(${this.#name}, ${status}${this.#daemon ? ' daemon' : ''})>`;
  }
}

let current: Thread | null = null;
// A forked child's main thread is a new thread (its tid is the child's pid).
if (isMainThread) register_at_fork({ after_in_child: () => { current = null; } });

/** The Thread object of the calling thread ('MainThread' on the main thread). */
export function currentThread(): Thread {
  if (!current) {
    const boot = workerData as BootData | undefined;
    if (isMainThread) current = Thread._current('MainThread', false, process.pid);
    else if (boot?.__posixkit_thread) current = Thread._current(boot.name, boot.daemon, native.gettid());
    else current = Thread._current(`Worker-${threadId}`, false, native.gettid());
  }
  return current;
}

/** Python's threading.get_ident(): unique among the live threads of this process. */
export function getIdent(): number {
  return threadId;
}

/** Python's threading.get_native_id(): the kernel's thread id (gettid). */
export function getNativeId(): number {
  return native.gettid();
}

// ---- the worker side -------------------------------------------------------

async function runBootstrap(boot: BootData): Promise<void> {
  const state = new Int32Array(boot.state);
  Atomics.store(state, TID, native.gettid());
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    Atomics.store(state, DONE, 1);
    native.futex_wake(state, DONE, 0x7fffffff);
  };
  process.on('exit', finish);
  try {
    const fn = loadExport({ module: boot.module, export: boot.exportName });
    await fn(...(unpack(boot.args) as unknown[]));
  } catch (e) {
    process.stderr.write(`Exception in thread ${boot.name}:\n${(e as Error)?.stack ?? String(e)}\n`);
    try {
      boot.port.postMessage({ error: e });
    } catch {
      boot.port.postMessage({ error: String(e) });
    }
  } finally {
    boot.port.close();
    finish();
  }
}

if (!isMainThread && (workerData as BootData | undefined)?.__posixkit_thread) {
  void runBootstrap(workerData as BootData);
}
