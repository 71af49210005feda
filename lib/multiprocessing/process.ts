// Process: Python's multiprocessing.Process on a real fork(2).
//
// start() forks; the child runs run() (target(...args) by default) on the
// stack of start() and leaves with _exit: 0 after a normal return, 1 after a
// throw (the error is printed, as Python prints the traceback). It never
// returns into the caller's code, so the parent's program does not go on in
// the child. The parent learns of the exit through a sentinel pipe (the child
// holds its write end, so end of file = the child is gone) for the timed
// join, waitpid(2) for the status, and pidfd + libuv for joinAsync().
import { randomBytes } from 'node:crypto';
import { constants as nodeOsConstants } from 'node:os';
import { inspect } from 'node:util';
import { invalidArgType, validateFunction } from '../errors';
import { timeoutSeconds } from '../internal/deadline';
import * as os from '../os';
import { addPrivateFd, closePrivateFd, onForkChild, runChildExitHooks } from './_fork';
import { readable } from './_wait';
import { stateError } from './errors';
import * as util from './util';

const SIGTERM = nodeOsConstants.signals.SIGTERM;
const SIGKILL = nodeOsConstants.signals.SIGKILL;

export interface ProcessOptions {
  /** Called as target(...args) in the child by the default run(). */
  target?: (...args: any[]) => unknown;
  args?: readonly unknown[];
  /** Python's kwargs: passed to the target as one last argument (an object). */
  kwargs?: Record<string, unknown>;
  /** Default: 'Process-N' ('Process-1:2' for the 2nd child of Process-1), as Python. */
  name?: string;
  /** Inherits the creating process's flag by default. */
  daemon?: boolean;
}

type State = 'initial' | 'started' | 'closed';

/** How a child is started (Python's start methods); 'fork' is the default. */
export type StartMethod = 'fork' | 'spawn' | 'forkserver';

/** @internal what a launcher needs to start a process another way than fork */
export interface LaunchInfo {
  name: string;
  daemon: boolean;
  target: ((...args: any[]) => unknown) | undefined;
  args: unknown[];
  authkey: Buffer;
  identity: number[];
}

/**
 * @internal a started child: its pid and sentinel (readable when it ends);
 * `status` set for a child that is not ours (forkserver's): its exit status
 * then comes through the sentinel, as 4 bytes.
 */
export interface Launched {
  pid: number;
  sentinel: number;
  foreign: boolean;
}

type Launcher = (p: Process, info: LaunchInfo) => Launched;
const launchers = new Map<StartMethod, Launcher>();
let defaultMethod: () => StartMethod = () => 'fork';

/** @internal spawn.ts and forkserver.ts register here; context.ts says which is the default. */
export function setLauncher(method: StartMethod, fn: Launcher): void {
  launchers.set(method, fn);
}
/** @internal */
export function setDefaultMethod(fn: () => StartMethod): void {
  defaultMethod = fn;
}

// Per-process state; a forked child resets it (see onForkChild below).
let current: Process;
let children = new Set<Process>();
let counter = 0;
let identity: number[] = [];
let daemonic = false;
let exitHookInstalled = false;
let parent: ParentProcess | null = null;
let parentWatch = -1; // the pidfd `parent` watches, if any

function checkAuthkey(v: unknown, name: string): Buffer {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) throw invalidArgType(name, 'a Buffer or Uint8Array', v);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export class Process {
  #target: ((...args: any[]) => unknown) | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #state: State = 'initial';
  #pid: number | null = null;
  #exitCode: number | null = null;
  #sentinel = -1;
  #creator: number;
  #identity: number[];
  #joinPromise: Promise<void> | null = null;
  #main = false;
  #authkey: Buffer;
  #method: StartMethod | null = null;
  #foreign = false;

  constructor(options: ProcessOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const { target, args = [], kwargs, name, daemon } = options;
    if (target !== undefined) validateFunction(target, 'options.target');
    if (!Array.isArray(args)) throw invalidArgType('options.args', 'an array', args);
    if (kwargs !== undefined && (kwargs === null || typeof kwargs !== 'object')) throw invalidArgType('options.kwargs', 'an object', kwargs);
    if (name !== undefined && typeof name !== 'string') throw invalidArgType('options.name', 'of type string', name);
    if (daemon !== undefined && typeof daemon !== 'boolean') throw invalidArgType('options.daemon', 'of type boolean', daemon);
    this.#target = target;
    this.#args = kwargs === undefined ? [...args] : [...args, kwargs];
    // As Python: a new process gets a copy of its creator's authkey.
    this.#authkey = current ? Buffer.from(current.#authkey) : randomBytes(32);
    this.#identity = [...identity, ++counter];
    this.#name = name ?? `Process-${this.#identity.join(':')}`;
    this.#daemon = daemon ?? daemonic;
    this.#creator = os.getpid();
  }

  /** The child's work; override it in a subclass, or pass `target`. */
  run(): unknown {
    if (this.#target) return this.#target(...this.#args);
    return undefined;
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
    if (this.#state !== 'initial') throw stateError('ERR_PROCESS_STARTED', 'process has already started');
    this.#daemon = v;
  }

  /** The child's pid once started (this process's pid for currentProcess()). */
  get pid(): number | null {
    if (this.#main || current === this) return os.getpid();
    return this.#pid;
  }
  get ident(): number | null {
    return this.pid;
  }

  /**
   * The process's authentication key (Python's authkey): 32 random bytes in
   * the main process, copied to every Process it creates. Listener, Client
   * and managers use the current process's key by default.
   */
  get authkey(): Buffer {
    return this.#authkey;
  }
  set authkey(v: Buffer) {
    this.#authkey = Buffer.from(checkAuthkey(v, 'authkey'));
  }

  /** @internal a context's Process class fixes the start method of its processes. */
  _setStartMethod(method: StartMethod): void {
    this.#method = method;
  }

  /** Python's exitcode. */
  get exitcode(): number | null {
    return this.exitCode;
  }

  /** Python's is_alive(). */
  is_alive(): boolean {
    return this.isAlive();
  }

  /**
   * null before start and while running; the exit code after, or minus the
   * signal number that killed it (-15 after terminate(), -9 after kill()).
   * Reading it reaps a child that has finished (as Python's poll()).
   */
  get exitCode(): number | null {
    if (this.#state === 'started' && this.#exitCode === null && this.#pid !== null && this.#isParent()) this.#poll(os.WNOHANG);
    return this.#exitCode;
  }

  /**
   * An fd that becomes readable (end of file) when the child ends, for
   * select/poll/epoll. It is closed once the child is reaped (join,
   * isAlive or exitCode saw the end); then -1.
   */
  get sentinel(): number {
    this.#checkNotClosed();
    if (this.#state === 'initial') throw stateError('ERR_PROCESS_NOT_STARTED', 'process not started');
    return this.#sentinel;
  }

  start(): void {
    this.#checkNotClosed();
    if (this.#main || current === this) throw stateError('ERR_PROCESS_STARTED', 'cannot start the current process');
    if (this.#state !== 'initial') throw stateError('ERR_PROCESS_STARTED', 'cannot start a process twice');
    if (this.#creator !== os.getpid()) {
      throw stateError('ERR_PROCESS_NOT_CREATOR', 'can only start a process object created by the current process');
    }
    if (daemonic) throw stateError('ERR_DAEMON_CHILDREN', 'daemonic processes are not allowed to have children');
    cleanup();
    installExitHook();
    const method = this.#method ?? defaultMethod();
    if (method !== 'fork') {
      const launch = launchers.get(method);
      if (!launch) throw stateError('ERR_START_METHOD', `start method '${method}' is not available`);
      const l = launch(this, {
        name: this.#name, daemon: this.#daemon, target: this.#target, args: this.#args, authkey: this.#authkey,
        identity: this.#identity,
      });
      this.#pid = l.pid;
      this.#sentinel = l.sentinel;
      this.#foreign = l.foreign;
      addPrivateFd(l.sentinel);
      this.#state = 'started';
      children.add(this);
      return;
    }
    const [r, w] = os.pipe();
    const parent = os.getpid();
    // The child's parent_process() watches this pidfd, not a pid: a parent that
    // ends before the child looks (the child's getppid() then names the reaper)
    // or whose pid is reused is still seen to be gone.
    let watch = -1;
    try { watch = os.pidfd_open(parent); } catch { /* no pidfds (kernel < 5.3): watch by pid */ }
    let pid: number;
    try {
      pid = os.fork();
    } catch (e) {
      os.close(r);
      os.close(w);
      if (watch >= 0) os.close(watch);
      throw e;
    }
    if (pid === 0) {
      os.close(r);
      addPrivateFd(w); // a grandchild must not keep this process looking alive
      if (this.#daemon) {
        // Python terminates daemon children when the parent exits normally; the
        // kernel does it here even when the parent is killed (SIGKILL, a crash).
        os.set_pdeathsig(nodeOsConstants.signals.SIGTERM);
        if (os.getppid() !== parent) os._exit(1); // the parent is gone already: nobody to serve
      }
      this.#bootstrap(parent, watch);
    }
    os.close(w);
    if (watch >= 0) os.close(watch);
    this.#pid = pid;
    this.#sentinel = r;
    addPrivateFd(r);
    this.#state = 'started';
    children.add(this);
  }

  // In the child: never returns.
  #bootstrap(parentPid: number, parentPidfd: number): never {
    const creator = current;
    // Inherited from the creator: the watch on its own parent, no use here.
    if (parentWatch >= 0) try { os.close(parentWatch); } catch { /* already closed */ }
    parentWatch = parentPidfd;
    parent = new ParentProcess(creator.#name, parentPid, parentPidfd);
    current = this;
    children = new Set();
    counter = 0;
    identity = this.#identity;
    daemonic = this.#daemon;
    let code = 0;
    try {
      util.info('child process calling self.run()');
      const r = this.run();
      if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
        throw stateError('ERR_ASYNC_TARGET',
          'run()/target returned a Promise: a forked child runs its target synchronously and cannot return into ' +
          "the parent's code to run the event loop; make the target synchronous");
      }
    } catch (e) {
      code = 1;
      try {
        process.stderr.write(`Process ${this.#name}:\n${inspect(e)}\n`);
      } catch { /* nowhere to report */ }
    }
    try {
      exitFunction();
    } catch { /* leaving anyway */ }
    runChildExitHooks();
    util.info('process exiting with exitcode %d', code);
    return os._exit(code);
  }

  /**
   * Waits for the child to end: without a timeout in waitpid(2); with one, in
   * poll(2) on the sentinel (no sleeping loop). Returns either way; check
   * exitCode (null means it is still running).
   */
  join(timeout?: number | null): void {
    this.#checkNotClosed();
    if (this.#main || current === this) throw stateError('ERR_JOIN_SELF', 'cannot join the current process');
    if (this.#state !== 'started') throw stateError('ERR_PROCESS_NOT_STARTED', 'can only join a started process');
    if (!this.#isParent()) throw stateError('ERR_NOT_PARENT', 'can only join a child process');
    timeoutSeconds(timeout, 'timeout', 'zero');
    if (this.#exitCode === null) {
      if (timeout === undefined || timeout === null) {
        this.#poll(0);
      } else if (timeout <= 0) {
        this.#poll(os.WNOHANG);
      } else if (readable(this.#sentinel, timeout)) {
        this.#poll(0);
      }
    }
    if (this.#exitCode !== null) children.delete(this);
  }

  /** join() for the event loop: resolves when the child has ended and is reaped. */
  joinAsync(): Promise<void> {
    this.#checkNotClosed();
    if (this.#state !== 'started') return Promise.reject(stateError('ERR_PROCESS_NOT_STARTED', 'can only join a started process'));
    if (!this.#isParent()) return Promise.reject(stateError('ERR_NOT_PARENT', 'can only join a child process'));
    if (this.#exitCode !== null) {
      children.delete(this);
      return Promise.resolve();
    }
    if (this.#foreign) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const sel = require('../select') as typeof import('../select');
      const p = sel.poll();
      p.register(this.#sentinel, sel.POLLIN);
      this.#joinPromise ??= p.pollAsync(null).then(() => {
        if (this.#exitCode === null) this.#poll(0);
        children.delete(this);
      }).finally(() => { this.#joinPromise = null; });
      return this.#joinPromise;
    }
    this.#joinPromise ??= os.waitpidAsync(this.#pid!).then(
      ([, status]) => this.#setStatus(status),
      (e) => {
        // A synchronous join()/exitCode reaped it first: the status is already known.
        if (this.#exitCode === null) throw e;
      },
    ).then(() => { children.delete(this); }).finally(() => { this.#joinPromise = null; });
    return this.#joinPromise;
  }

  isAlive(): boolean {
    if (this.#main || current === this) return true;
    this.#checkNotClosed();
    if (this.#state !== 'started' || !this.#isParent()) return false;
    if (this.#exitCode !== null) return false;
    this.#poll(os.WNOHANG);
    if (this.#exitCode === null) return true;
    children.delete(this);
    return false;
  }

  /** SIGTERM to a running child (exitCode then -15). */
  terminate(): void {
    this.#signal(SIGTERM);
  }

  /** SIGKILL to a running child (exitCode then -9). */
  kill(): void {
    this.#signal(SIGKILL);
  }

  /** Releases the sentinel; refused while the child runs. Most methods then throw. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'started') {
      if (this.exitCode === null) {
        throw stateError('ERR_PROCESS_RUNNING',
          'cannot close a process while it is still running; call join() or terminate() first');
      }
      this.#dropSentinel();
      children.delete(this);
    }
    this.#state = 'closed';
  }

  [inspect.custom](): string {
    let status: string;
    if (this.#main || current === this) status = 'started';
    else if (this.#state === 'closed') status = 'closed';
    else if (this.#state === 'initial') status = 'initial';
    else status = this.#exitCode === null ? 'started' : `stopped exitcode=${this.#exitCode}`;
    return `<${this.constructor.name} name='${this.#name}' pid=${this.pid} ${status}${this.#daemon ? ' daemon' : ''}>`;
  }

  #signal(sig: number): void {
    this.#checkNotClosed();
    if (this.#state !== 'started' || this.#exitCode !== null || this.#pid === null) return;
    try {
      os.kill(this.#pid, sig);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ESRCH') throw e;
    }
  }

  #poll(flags: number): void {
    if (this.#foreign) {
      // Not our child (a fork server's): its status comes through the sentinel.
      if (flags === os.WNOHANG && !readable(this.#sentinel, 0)) return;
      const st = Buffer.alloc(4);
      let got = 0;
      while (got < 4) {
        const n = os.readinto(this.#sentinel, st.subarray(got));
        if (n === 0) break;
        got += n;
      }
      this.#exitCode = got === 4 ? st.readInt32LE(0) : 255; // the server died before reporting: as Python
      this.#dropSentinel();
      return;
    }
    try {
      const [p, status] = os.waitpid(this.#pid!, flags);
      if (p !== 0) this.#setStatus(status);
    } catch (e) {
      // Reaped behind our back (a stray waitpid(-1)): the status is lost.
      if ((e as { code?: string }).code !== 'ECHILD') throw e;
      if (this.#exitCode === null) this.#exitCode = -1;
      this.#dropSentinel();
    }
  }

  #setStatus(status: number): void {
    if (this.#exitCode !== null) return;
    this.#exitCode = os.waitstatus_to_exitcode(status);
    // Reaped: the sentinel has told all it can. Closing it now (Python waits
    // for close() or the garbage collector) keeps finished Process objects
    // from holding fds.
    this.#dropSentinel();
  }

  #dropSentinel(): void {
    if (this.#sentinel >= 0) closePrivateFd(this.#sentinel);
    this.#sentinel = -1;
  }

  #isParent(): boolean {
    return this.#creator === os.getpid();
  }

  #checkNotClosed(): void {
    if (this.#state === 'closed') throw stateError('ERR_PROCESS_CLOSED', 'process object is closed');
  }

  /** @internal the main process's stand-in for currentProcess(). */
  static _main(): Process {
    const p = new Process({ name: 'MainProcess' });
    p.#main = true;
    counter = 0;
    return p;
  }
}

current = Process._main();
util.setProcessNameGetter(() => current.name);

onForkChild(() => {
  // A child made by a bare os.fork() is not a Process; it owns no children yet.
  children = new Set();
});

/**
 * What parentProcess() returns in a child: the process that started it
 * (Python's _ParentProcess). Not a child of the caller, so it is watched
 * through a pidfd, not waited for.
 */
export class ParentProcess {
  readonly #pidfd: number;

  /** `pidfd`: one opened on the parent before fork (-1: open one by pid when asked). */
  constructor(readonly name: string, readonly pid: number, pidfd = -1) {
    this.#pidfd = pidfd;
  }

  get ident(): number {
    return this.pid;
  }

  /** Whether it still runs (a pidfd on it is not readable yet). */
  isAlive(): boolean {
    if (this.#pidfd >= 0) return !readable(this.#pidfd, 0);
    if (os.getppid() === this.pid) return true;
    let fd: number;
    try {
      fd = os.pidfd_open(this.pid);
    } catch {
      return false;
    }
    try {
      return !readable(fd, 0);
    } finally {
      os.close(fd);
    }
  }

  is_alive(): boolean {
    return this.isAlive();
  }

  /** Waits (pidfd_open + poll) until the parent has ended, or `timeout` seconds. */
  join(timeout?: number | null): void {
    if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
      throw invalidArgType('timeout', 'a number, null or undefined', timeout);
    }
    if (this.#pidfd >= 0) {
      readable(this.#pidfd, timeout ?? null);
      return;
    }
    if (!this.isAlive()) return;
    let fd: number;
    try {
      fd = os.pidfd_open(this.pid);
    } catch {
      return; // already gone
    }
    try {
      if (this.isAlive()) readable(fd, timeout ?? null);
    } finally {
      os.close(fd);
    }
  }

  [inspect.custom](): string {
    return `<ParentProcess name='${this.name}' pid=${this.pid} ${this.isAlive() ? 'started' : 'stopped'}>`;
  }
}

/**
 * @internal in a child started by 'spawn' or 'forkserver': `p` (rebuilt from
 * what the parent sent) is this process, started by `parentName`/`parentPid`.
 */
export function adoptChild(p: Process, identityOfP: number[], authkey: Buffer, parentName: string, parentPid: number): void {
  parent = new ParentProcess(parentName, parentPid);
  p.authkey = authkey;
  current = p;
  children = new Set();
  counter = 0;
  identity = identityOfP;
  daemonic = p.daemon;
}

/** The process that started this one through Process.start(); null in the main process (Python's parent_process()). */
export function parentProcess(): ParentProcess | null {
  return parent;
}

function cleanup(): void {
  for (const p of [...children]) {
    if (p.exitCode !== null) children.delete(p);
  }
}

/** The live children started by this process (reaping those that ended). */
export function activeChildren(): Process[] {
  cleanup();
  return [...children];
}

/** The Process object of the calling process ('MainProcess' in the main one). */
export function currentProcess(): Process {
  return current;
}

/** Python's cpu_count(): the number of CPUs in the system (os.cpu_count()), as Pool's default size. */
export function cpuCount(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeOs = require('node:os') as typeof import('node:os');
  const n = nodeOs.cpus().length;
  return n > 0 ? n : nodeOs.availableParallelism();
}

// As Python's util._exit_function: at exit, daemonic children are terminated,
// then every child is joined (reaped), so none is left as a zombie or orphan.
function exitFunction(): void {
  util.info('process shutting down');
  for (const p of activeChildren()) if (p.daemon) p.terminate();
  for (const p of activeChildren()) p.join();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    try {
      exitFunction();
    } catch (e) {
      process.stderr.write(`multiprocessing exit handler: ${inspect(e)}\n`);
    }
  });
}
