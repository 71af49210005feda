// fork(2) with a child that keeps running JavaScript, Python's
// register_at_fork hooks, and _exit. docs/fork.md explains the machinery.
import { inspect } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { codedError, invalidArgType, invalidArgValue, validateFunction, validateInt32 } from '../errors';
import { family } from '../native';

interface ForkNative {
  fork(): number;
  getpid(): number;
  _exit(status: number): never;
  set_child_callbacks(beforeExit: () => void, exit: () => void): void;
  child_loop_alive(): boolean;
}
const native = family<ForkNative>();

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

/** _exit(2): ends the process now; no 'exit' listeners, no flushing. */
export function _exit(status: number): never {
  validateInt32(status, 'status');
  return native._exit(status);
}
