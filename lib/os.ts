// posixkit/os: process control on the real syscalls, in the shapes of
// Python's os module (waitpid -> [pid, status], WNOHANG, _exit ...).
import { inspect } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import {
  codedError, errnoError, FileLike, INT32_MAX, invalidArgType, invalidArgValue, toFd,
  validateBytes, validateFunction, validateInt32, validateInteger,
} from './errors';
import { family } from './native';

interface ProcessNative {
  fork(): number;
  waitpid(pid: number, options: number): [number, number];
  WIFEXITED(s: number): boolean; WEXITSTATUS(s: number): number;
  WIFSIGNALED(s: number): boolean; WTERMSIG(s: number): number;
  WIFSTOPPED(s: number): boolean; WSTOPSIG(s: number): number;
  WIFCONTINUED(s: number): boolean; WCOREDUMP(s: number): boolean;
  getpid(): number; getppid(): number; gettid(): number;
  kill(pid: number, sig: number): void; killpg(pgid: number, sig: number): void;
  setsid(): number; getsid(pid: number): number;
  setpgid(pid: number, pgid: number): void; getpgid(pid: number): number; getpgrp(): number;
  nice(inc: number): number;
  pipe2(flags: number): [number, number];
  read(fd: number, buf: ArrayBufferView): number;
  write(fd: number, data: ArrayBufferView): number;
  close(fd: number): void; dup(fd: number): number; dup2(fd: number, fd2: number, inheritable: boolean): number;
  get_blocking(fd: number): boolean; set_blocking(fd: number, blocking: boolean): void;
  get_inheritable(fd: number): boolean; set_inheritable(fd: number, inheritable: boolean): void;
  execve(path: string, args: string[], env: string[], resetSigpipe?: boolean): never;
  _exit(status: number): never;
  pidfd_open(pid: number, flags: number): number;
  set_pdeathsig(sig: number): void; get_pdeathsig(): number;
  waitpid_watch(pid: number, cb: (err: Error | null, pid: number, status: number) => void, ref: boolean): void;
  set_child_callbacks(beforeExit: () => void, exit: () => void): void;
  child_loop_alive(): boolean;
  _set_condvar_fix(on: boolean): void;
  _fork_info(): ForkInfo;
  processConstants: Record<string, number>;
}
const native = family<ProcessNative>();
const K = native.processConstants;

export const WNOHANG: number = K.WNOHANG;
export const WUNTRACED: number = K.WUNTRACED;
export const WCONTINUED: number = K.WCONTINUED;
export const O_NONBLOCK: number = K.O_NONBLOCK;
export const O_CLOEXEC: number = K.O_CLOEXEC;
export const EX_OK = 0;

// ---- fork ------------------------------------------------------------------

/** Diagnostics of the fork machinery (docs/fork.md); for tests and bug reports. */
export interface ForkInfo {
  glibc: string;
  condvarFix: boolean;
  layout: 'supported' | 'unsupported' | 'unchecked';
  layoutReason: string;
  waitersAtLastFork: number;
  releasedInChild: number;
  mappingsAtLastFork: number;
}

export interface AtForkHooks {
  before?: () => void;
  after_in_parent?: () => void;
  after_in_child?: () => void;
}

const beforeHooks: Array<() => void> = [];
const parentHooks: Array<() => void> = [];
const childHooks: Array<() => void> = [];

/**
 * Python's os.register_at_fork: `before` hooks run in reverse order of
 * registration, the `after_*` hooks in registration order. A hook that throws
 * is reported on stderr and does not stop the fork (as in Python).
 */
export function register_at_fork(hooks: AtForkHooks): void {
  if (hooks === null || typeof hooks !== 'object') throw invalidArgType('hooks', 'of type object', hooks);
  const { before, after_in_parent, after_in_child } = hooks;
  if (before === undefined && after_in_parent === undefined && after_in_child === undefined) {
    throw invalidArgValue('hooks', hooks, 'must name at least one of before, after_in_parent, after_in_child');
  }
  for (const [k, f] of Object.entries({ before, after_in_parent, after_in_child })) {
    if (f !== undefined) validateFunction(f, `hooks.${k}`);
  }
  if (before) beforeHooks.push(before);
  if (after_in_parent) parentHooks.push(after_in_parent);
  if (after_in_child) childHooks.push(after_in_child);
}

function runHooks(hooks: Array<() => void>): void {
  for (const h of hooks) {
    try {
      h();
    } catch (e) {
      process.stderr.write(`Exception ignored in fork hook ${h.name || '<anonymous>'}: ${inspect(e)}\n`);
    }
  }
}

/** True when V8 runs without helper threads (node --single-threaded). */
export function isSingleThreaded(): boolean {
  return process.execArgv.some((a) => a === '--single-threaded' || a === '--single_threaded');
}

/**
 * fork(2). Returns the child's pid in the parent and 0 in the child, which
 * goes on running JavaScript with a copy of the parent's memory and fds.
 * Needs `node --single-threaded` (or `import 'posixkit/forkable'` first) and
 * the main thread. The child ends through process.exit(), _exit() or the
 * natural end of its event loop, and its status reaches the parent's waitpid.
 */
export function fork(): number {
  if (!isMainThread) {
    throw codedError('ERR_FORK_NOT_MAIN_THREAD',
      'fork() is only allowed on the main thread: a worker thread cannot be forked (only the calling thread survives fork)');
  }
  if (!isSingleThreaded()) {
    throw codedError('ERR_FORK_NOT_SINGLE_THREADED',
      'fork() needs V8 to run single-threaded: start node with --single-threaded ' +
      '(e.g. `node --single-threaded app.js`), or make `import "posixkit/forkable"` the first import of the program');
  }
  prepareParent();
  runHooks(beforeHooks.length > 1 ? [...beforeHooks].reverse() : beforeHooks);
  const pid = native.fork();
  if (pid === 0) {
    setupChild();
    runHooks(childHooks);
  } else {
    runHooks(parentHooks);
  }
  return pid;
}

// A child pays for every page it writes (a copy-on-write fault) and compiles
// again every function the parent never ran, so whatever can be done once in
// the parent is (measured: the JavaScript around a bare fork went from
// 0.34 ms to 0.07 ms).
let prepared = false;
let childPid = 0; // this process's pid once it is a forked child
let fatal: { error: unknown } | null = null;

function prepareParent(): void {
  if (prepared) return;
  prepared = true;
  // process.pid is cached at start-up; a child must report its own. An
  // accessor set up here lets the child change one variable instead of
  // reshaping the process object.
  const startPid = process.pid;
  Object.defineProperty(process, 'pid', {
    get: () => childPid || startPid, configurable: true, enumerable: true,
  });
  // Node's own teardown would join V8 platform threads that do not exist in
  // a child, so every way out of a child ends in _exit once the 'exit'
  // listeners ran: process.exit(), an uncaught exception, and the natural end
  // of the loop. Node emits 'uncaughtExceptionMonitor' through process.emit
  // before it decides an error is fatal, so the same wrapper records it. In
  // the parent the wrapper only passes events through.
  const emit = process.emit;
  process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
    if (childPid === 0) return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    if (event === 'uncaughtExceptionMonitor') fatal = { error: args[0] };
    const handled = (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    if (event === 'exit') finishChild(args[0]);
    return handled;
  } as typeof process.emit;
  // Only a child's loop ever calls these (the sentinel of native/fork.cc).
  native.set_child_callbacks(
    () => { process.emit('beforeExit', exitCode(undefined)); },
    () => { process.exit(); },
  );
}

// Parenthesised so V8 compiles it eagerly, in the parent, once.
const setupChild = (function setupChild(): void {
  childPid = native.getpid();
  if (process.channel) closeInheritedIpc();
});

function exitCode(fallback: unknown): number {
  const c = process.exitCode ?? fallback ?? 0;
  const n = Number(c);
  return Number.isInteger(n) ? n : 0;
}

function finishChild(code: unknown): never {
  if (fatal && process.listenerCount('uncaughtException') === 0) {
    // Node prints the fatal error after 'exit'; the child leaves first, so say it here.
    try {
      process.stderr.write(`${inspect(fatal.error)}\n`);
    } catch { /* nothing left to report with */ }
  }
  return native._exit(exitCode(code));
}

// A process started by child_process.fork() (test runners, cluster) has an
// IPC channel to its parent. The child must neither read the parent's
// messages nor send on it: drop it silently, without the 'disconnect' event.
function closeInheritedIpc(): void {
  if (!process.channel) return;
  for (const ev of ['message', 'disconnect', 'internalMessage']) process.removeAllListeners(ev);
  try {
    process.disconnect?.();
  } catch { /* already closing */ }
}

/** Test and diagnostics hook: state of the fork machinery in this process. */
export function _fork_info(): ForkInfo {
  return native._fork_info();
}

/** Test-only: switch off the condvar release (docs/fork.md) to reproduce the hang. */
export function _set_condvar_fix(on: boolean): void {
  native._set_condvar_fix(Boolean(on));
}

// ---- exit and wait ---------------------------------------------------------

/** _exit(2): ends the process now; no 'exit' listeners, no flushing. */
export function _exit(status: number): never {
  validateInt32(status, 'status');
  return native._exit(status);
}

/** waitpid(2): `[pid, status]`; `[0, 0]` under WNOHANG while the child runs. */
export function waitpid(pid: number, options: number = 0): [number, number] {
  validateInt32(pid, 'pid');
  validateInt32(options, 'options');
  return native.waitpid(pid, options);
}

/** wait(2): waits for any child; `[pid, status]`. */
export function wait(): [number, number] {
  return native.waitpid(-1, 0);
}

export interface WaitAsyncOptions {
  /** Keep the event loop alive while waiting (default true). */
  ref?: boolean;
}

/**
 * Waits for child `pid` without blocking the event loop: pidfd_open(2) makes
 * the exit a readable fd, libuv polls it, then waitpid reaps. Resolves to
 * `[pid, status]`; rejects with ECHILD for a pid that is not our child and
 * ESRCH for one that does not exist.
 */
export function waitpidAsync(pid: number, options: WaitAsyncOptions = {}): Promise<[number, number]> {
  validateInteger(pid, 'pid', 1, INT32_MAX);
  return new Promise((resolve, reject) => {
    // A pid that is not our child fails now with ECHILD instead of waiting for
    // a stranger's exit; one that already exited resolves at once.
    const [p, status] = native.waitpid(pid, WNOHANG);
    if (p === pid) return resolve([p, status]);
    native.waitpid_watch(pid, (err, q, st) => (err ? reject(err) : resolve([q, st])), options.ref !== false);
  });
}

/**
 * pidfd_open(2): an fd (close-on-exec) that polls readable once process `pid`
 * exits; wait on several children with a timeout through select/poll/epoll.
 */
export function pidfd_open(pid: number, flags = 0): number {
  return native.pidfd_open(validateInteger(pid, 'pid', 1, INT32_MAX), validateInt32(flags, 'flags'));
}

/**
 * prctl(PR_SET_PDEATHSIG): the kernel sends `sig` to this process when its
 * parent ends, however it ends (SIGKILL included); 0 clears it. Linux only,
 * not inherited by fork children, kept across execve of a non-setuid program.
 * Check getppid() after setting it: a parent that ended before the call
 * sends nothing.
 */
export function set_pdeathsig(sig: number): void {
  native.set_pdeathsig(validateInteger(sig, 'sig', 0, 64));
}

/** prctl(PR_GET_PDEATHSIG): the signal set by set_pdeathsig, or 0. */
export function get_pdeathsig(): number {
  return native.get_pdeathsig();
}

function statusArg(status: unknown): number {
  return validateInt32(status, 'status');
}
export const WIFEXITED = (status: number): boolean => native.WIFEXITED(statusArg(status));
export const WEXITSTATUS = (status: number): number => native.WEXITSTATUS(statusArg(status));
export const WIFSIGNALED = (status: number): boolean => native.WIFSIGNALED(statusArg(status));
export const WTERMSIG = (status: number): number => native.WTERMSIG(statusArg(status));
export const WIFSTOPPED = (status: number): boolean => native.WIFSTOPPED(statusArg(status));
export const WSTOPSIG = (status: number): number => native.WSTOPSIG(statusArg(status));
export const WIFCONTINUED = (status: number): boolean => native.WIFCONTINUED(statusArg(status));
export const WCOREDUMP = (status: number): boolean => native.WCOREDUMP(statusArg(status));

/** Exit code from a wait status: the code, or -signal for a killed child. */
export function waitstatus_to_exitcode(status: number): number {
  statusArg(status);
  if (native.WIFEXITED(status)) return native.WEXITSTATUS(status);
  if (native.WIFSIGNALED(status)) return -native.WTERMSIG(status);
  throw Object.assign(new RangeError(`invalid wait status: ${status}`), { code: 'ERR_INVALID_ARG_VALUE' });
}

// ---- ids, signals to processes, sessions ------------------------------------

export const getpid = (): number => native.getpid();
export const getppid = (): number => native.getppid();
/** The calling thread's id (gettid(2)). */
export const gettid = (): number => native.gettid();

export function kill(pid: number, signal: number): void {
  native.kill(validateInt32(pid, 'pid'), validateInt32(signal, 'signal'));
}
export function killpg(pgid: number, signal: number): void {
  native.killpg(validateInt32(pgid, 'pgid'), validateInt32(signal, 'signal'));
}
export const setsid = (): number => native.setsid();
export function getsid(pid: number): number {
  return native.getsid(validateInt32(pid, 'pid'));
}
export function setpgid(pid: number, pgid: number): void {
  native.setpgid(validateInt32(pid, 'pid'), validateInt32(pgid, 'pgid'));
}
export function getpgid(pid: number): number {
  return native.getpgid(validateInt32(pid, 'pid'));
}
export const getpgrp = (): number => native.getpgrp();
/** nice(2): adds `increment` to the niceness and returns the new value. */
export function nice(increment: number): number {
  return native.nice(validateInt32(increment, 'increment', -40, 40));
}

// ---- file descriptors ------------------------------------------------------

/** pipe(2) -> `[readFd, writeFd]`, both close-on-exec (PEP 446). */
export function pipe(): [number, number] {
  return native.pipe2(O_CLOEXEC);
}

/** pipe2(2) with O_NONBLOCK and/or O_CLOEXEC. */
export function pipe2(flags: number): [number, number] {
  validateInt32(flags, 'flags');
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) throw invalidArgValue('flags', flags, 'may only contain O_NONBLOCK and O_CLOEXEC');
  return native.pipe2(flags);
}

/** read(2) of at most `n` bytes; an empty Buffer means end of file. Blocks. */
export function read(fd: FileLike, n: number): Buffer {
  const f = toFd(fd);
  validateInteger(n, 'n', 0, 2 ** 31 - 1);
  const buf = Buffer.allocUnsafe(n);
  const got = native.read(f, buf);
  return got === n ? buf : buf.subarray(0, got);
}

/** read(2) into a caller-owned buffer; returns the byte count. */
export function readinto(fd: FileLike, buffer: ArrayBufferView): number {
  return native.read(toFd(fd), validateBytes(buffer, 'buffer'));
}

/** write(2): one call, may write less than given; returns the byte count. */
export function write(fd: FileLike, data: ArrayBufferView | string): number {
  const f = toFd(fd);
  const bytes = typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
  return native.write(f, bytes);
}

export function close(fd: FileLike): void {
  native.close(toFd(fd));
}

/** dup(2), the new fd close-on-exec (as Python's os.dup). */
export function dup(fd: FileLike): number {
  return native.dup(toFd(fd));
}

/** dup2(2); `inheritable` false makes fd2 close-on-exec (dup3). Returns fd2. */
export function dup2(fd: FileLike, fd2: number, inheritable = true): number {
  return native.dup2(toFd(fd), validateInt32(fd2, 'fd2', 0), Boolean(inheritable));
}

export function get_blocking(fd: FileLike): boolean {
  return native.get_blocking(toFd(fd));
}
export function set_blocking(fd: FileLike, blocking: boolean): void {
  native.set_blocking(toFd(fd), Boolean(blocking));
}
export function get_inheritable(fd: FileLike): boolean {
  return native.get_inheritable(toFd(fd));
}
export function set_inheritable(fd: FileLike, inheritable: boolean): void {
  native.set_inheritable(toFd(fd), Boolean(inheritable));
}

// ---- exec --------------------------------------------------------------------

function execArgs(path: unknown, args: unknown): [string, string[]] {
  if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw invalidArgType('args', 'an array of strings', args);
  }
  if (args.length === 0) throw invalidArgValue('args', args, 'must not be empty');
  if (args[0] === '') throw invalidArgValue('args', args, 'must start with a non-empty program name');
  return [path, args as string[]];
}

/** execv(3): replaces the process image; returns only by throwing. */
export function execv(path: string, args: string[]): never {
  return execve(path, args, process.env);
}

/**
 * execve(2). SIGPIPE, which Node ignores, is reset to its default first (as
 * libuv does for spawned programs), and the signal mask is cleared.
 */
export function execve(path: string, args: string[], env: Record<string, string | undefined>): never {
  const [p, a] = execArgs(path, args);
  if (env === null || typeof env !== 'object') throw invalidArgType('env', 'of type object', env);
  const envp: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.includes('=') || k === '') throw invalidArgValue('env', k, 'has an illegal variable name');
    envp.push(`${k}=${v}`);
  }
  return native.execve(p, a, envp, true);
}

export { errnoError };

// openat2(2) and the open flags live in lib/file.ts (native/file.cc); Python's os has them too.
export {
  AT_FDCWD, O_APPEND, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY,
  O_RDWR, O_SYNC, O_TRUNC, O_WRONLY, openat2, OpenAt2Options, RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
} from './file';
