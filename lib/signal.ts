// posixkit/signal: real sigaction handlers with Python's signal module shapes.
// The native handler only records the signal; the JS handler runs on the main
// thread, from the event loop or inside the blocking posixkit call the signal
// interrupted (the EINTR rule, PEP 475). See docs/signals.md.
import { isMainThread } from 'node:worker_threads';
import {
  codedError, errnoError, errno as ERRNO, FileLike, invalidArgType, invalidArgValue, OSError, outOfRange, toFd, toList,
  validateInt32, validateInteger,
} from './errors';
import { family } from './native';
import { register_at_fork } from './os';
import { defineStructSeq, StructSeq } from './os/structseq';

interface SignalNative {
  signal(signum: number, mode: number): number;
  getsignal(signum: number): number;
  has_saved(signum: number): boolean;
  siginterrupt(signum: number, flag: boolean): void;
  take_pending(): number[];
  add_pending(signum: number, count: number): void;
  after_fork_child(): void;
  pause(): void;
  alarm(seconds: number): number;
  raise_signal(signum: number): void;
  setitimer(which: number, seconds: number, interval: number): [number, number];
  getitimer(which: number): [number, number];
  strsignal(signum: number): string | null;
  valid_signals(): number[];
  sigpending(): number[];
  pthread_sigmask(how: number, signals: number[]): number[];
  sigtimedwait(signals: number[], timeout: number): number[] | null;
  signalfd(fd: number, signals: number[], flags: number): number;
  signalfd_read(fd: number, max: number): SigInfo[];
  set_wakeup_fd(fd: number, warnOnFullBuffer: boolean): number;
  take_wakeup_error(): number;
  pthread_kill(threadId: number, signalnum: number): void;
  pidfd_send_signal(pidfd: number, sig: number, flags: number): void;
}
const binding = family<{
  signal: SignalNative;
  signalConstants: Record<string, number>;
  setSignalDispatcher(f: (beforeBlocking?: boolean) => void): void;
}>();
const native = binding.signal;
const K = binding.signalConstants;
binding.setSignalDispatcher(dispatch);

// ---- constants ---------------------------------------------------------------

/** Default action (Python's signal.SIG_DFL). */
export const SIG_DFL: number = K.SIG_DFL;
/** Ignore the signal (Python's signal.SIG_IGN). */
export const SIG_IGN: number = K.SIG_IGN;
/** One more than the largest signal number. */
export const NSIG: number = K.NSIG;
export const SIGHUP: number = K.SIGHUP;
export const SIGINT: number = K.SIGINT;
export const SIGQUIT: number = K.SIGQUIT;
export const SIGILL: number = K.SIGILL;
export const SIGTRAP: number = K.SIGTRAP;
export const SIGABRT: number = K.SIGABRT;
export const SIGIOT: number = K.SIGIOT;
export const SIGBUS: number = K.SIGBUS;
export const SIGFPE: number = K.SIGFPE;
export const SIGKILL: number = K.SIGKILL;
export const SIGUSR1: number = K.SIGUSR1;
export const SIGSEGV: number = K.SIGSEGV;
export const SIGUSR2: number = K.SIGUSR2;
export const SIGPIPE: number = K.SIGPIPE;
export const SIGALRM: number = K.SIGALRM;
export const SIGTERM: number = K.SIGTERM;
export const SIGSTKFLT: number = K.SIGSTKFLT;
export const SIGCHLD: number = K.SIGCHLD;
/** System V's name for SIGCHLD. */
export const SIGCLD: number = K.SIGCLD;
export const SIGCONT: number = K.SIGCONT;
export const SIGSTOP: number = K.SIGSTOP;
export const SIGTSTP: number = K.SIGTSTP;
export const SIGTTIN: number = K.SIGTTIN;
export const SIGTTOU: number = K.SIGTTOU;
export const SIGURG: number = K.SIGURG;
export const SIGXCPU: number = K.SIGXCPU;
export const SIGXFSZ: number = K.SIGXFSZ;
export const SIGVTALRM: number = K.SIGVTALRM;
export const SIGPROF: number = K.SIGPROF;
export const SIGWINCH: number = K.SIGWINCH;
export const SIGIO: number = K.SIGIO;
export const SIGPOLL: number = K.SIGPOLL;
export const SIGPWR: number = K.SIGPWR;
export const SIGSYS: number = K.SIGSYS;
/** First real-time signal usable by programs (glibc keeps two for itself). */
export const SIGRTMIN: number = K.SIGRTMIN;
export const SIGRTMAX: number = K.SIGRTMAX;
export const SIG_BLOCK: number = K.SIG_BLOCK;
export const SIG_UNBLOCK: number = K.SIG_UNBLOCK;
export const SIG_SETMASK: number = K.SIG_SETMASK;
export const ITIMER_REAL: number = K.ITIMER_REAL;
export const ITIMER_VIRTUAL: number = K.ITIMER_VIRTUAL;
export const ITIMER_PROF: number = K.ITIMER_PROF;
export const SFD_CLOEXEC: number = K.SFD_CLOEXEC;
export const SFD_NONBLOCK: number = K.SFD_NONBLOCK;

// Python's IntEnums as frozen objects, shaped like a TypeScript numeric enum:
// `Signals.SIGINT === 2` and `Signals[2] === 'SIGINT'` (an alias such as
// SIGIOT maps to its number; the number maps back to the canonical name).
function enumLike(names: string[], aliases: string[] = []): Readonly<Record<string, number | string>> {
  const o: Record<string, number | string> = {};
  for (const n of names) {
    o[n] = K[n];
    o[K[n]] = n;
  }
  for (const a of aliases) o[a] = K[a];
  return Object.freeze(o);
}

/** Python's signal.Signals: every signal name and number (aliases SIGIOT, SIGCLD, SIGPOLL included). */
export const Signals: Readonly<Record<string, number | string>> = enumLike([
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
  'SIGRTMIN', 'SIGRTMAX',
], ['SIGIOT', 'SIGCLD', 'SIGPOLL']);
/** Python's signal.Handlers: SIG_DFL, SIG_IGN. */
export const Handlers: Readonly<Record<string, number | string>> = enumLike(['SIG_DFL', 'SIG_IGN']);
/** Python's signal.Sigmasks: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK. */
export const Sigmasks: Readonly<Record<string, number | string>> = enumLike(['SIG_BLOCK', 'SIG_UNBLOCK', 'SIG_SETMASK']);

/** A JS signal handler: called on the main thread as `handler(signum)`. */
export type SignalHandler = (signum: number) => void;
/**
 * What signal()/getsignal() report: a JS handler, SIG_DFL, SIG_IGN, or null
 * for a handler that posixkit did not install (Node's own SIGINT/SIGTERM
 * handler, libuv's for process.on() and child_process, another addon's), as
 * Python reports None. Passing that null back to signal() restores it.
 */
export type Handler = SignalHandler | number | null;

/** Raised for a bad timer id, as Python's signal.ItimerError. */
export class ItimerError extends OSError {}

// ---- handlers and their dispatch ---------------------------------------------

const MODE_HANDLER = 2;
const MODE_FOREIGN = 3;
// One table per thread even when two copies of this module are loaded (lib/
// and dist/, or a bundler's duplicate): the addon keeps one dispatcher per
// environment, and whichever copy registered last must find every handler.
const HANDLERS = Symbol.for('posixkit.signal.handlers');
const handlers: Map<number, SignalHandler> =
  ((globalThis as Record<symbol, unknown>)[HANDLERS] as Map<number, SignalHandler> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[HANDLERS] = new Map<number, SignalHandler>()) as Map<number, SignalHandler>;

function validateSignum(signalnum: unknown, name = 'signalnum'): number {
  return validateInteger(signalnum, name, 1, NSIG - 1);
}

// The faults the kernel raises on the faulting instruction. V8 handles
// SIGSEGV/SIGBUS itself (a WebAssembly out-of-bounds access traps into its
// handler and becomes a RuntimeError), and a handler that returns re-runs the
// faulting instruction forever: their disposition is never changed.
const FAULT_SIGNALS = new Set([K.SIGSEGV, K.SIGBUS, K.SIGFPE, K.SIGILL]);

// A signal recorded as the program ends (its last callback or module body
// sent it) would only be seen by the event loop, which is done: run its
// handler before the process exits, as Python would have between two
// bytecodes. Installed with the first handler.
let beforeExitHooked = false;
function runBeforeExit(): void {
  if (handlers.size > 0) dispatch();
}

function kindToHandler(sig: number, kind: number): Handler {
  if (kind === SIG_DFL || kind === SIG_IGN) return kind;
  if (kind === MODE_HANDLER) return handlers.get(sig) ?? null;
  return null;
}

/**
 * Runs the JS handlers of the recorded signals, once per delivery, lowest
 * signal first. Called from the event loop and by blocking calls after
 * EINTR. Signals that arrive while handlers run are handled too before it
 * returns: a blocking call re-entered with one still recorded would sleep
 * without running its handler. If a handler throws, the calls not made yet
 * stay pending (the event loop makes them later) and the error propagates.
 */
let dispatching = 0;

function dispatch(beforeBlocking?: boolean): void {
  // A blocking call made inside a handler does not start the next handlers
  // early: the dispatcher running that handler takes them when it returns
  // (a nested handler's throw would otherwise surface in the outer handler's
  // syscall, where handler code may well catch and drop it).
  if (beforeBlocking === true && dispatching > 0) return;
  dispatching++;
  try {
    dispatchRounds();
  } finally {
    dispatching--;
  }
}

function dispatchRounds(): void {
  if (wakeupFd !== -1) reportWakeupError();
  // Bounded, so a signal flood cannot keep a blocking call from its syscall.
  for (let round = 0; round < 100; round++) {
    const pending = native.take_pending();
    if (pending.length === 0) return;
    for (let i = 0; i < pending.length; i += 2) {
      const sig = pending[i];
      let count = pending[i + 1];
      while (count > 0) {
        const h = handlers.get(sig);
        if (h === undefined) break; // now SIG_DFL/SIG_IGN: nothing to run
        count--;
        try {
          h(sig);
        } catch (e) {
          if (count > 0) native.add_pending(sig, count);
          for (let j = i + 2; j < pending.length; j += 2) native.add_pending(pending[j], pending[j + 1]);
          throw e;
        }
      }
    }
  }
}

/**
 * Python's signal.signal: sets the action for `signalnum` and returns the
 * previous one. `handler` is a function called as handler(signum), SIG_DFL,
 * SIG_IGN, or null to put back the non-posixkit handler this call replaced.
 * SIGKILL and SIGSTOP fail with EINVAL, as the kernel says. Main thread only.
 */
export function signal(signalnum: number, handler: Handler): Handler {
  const sig = validateSignum(signalnum);
  let mode: number;
  if (typeof handler === 'function') mode = MODE_HANDLER;
  else if (handler === SIG_DFL || handler === SIG_IGN) mode = handler;
  else if (handler === null) mode = MODE_FOREIGN;
  else throw invalidArgType('handler', 'a function, SIG_DFL, SIG_IGN or null', handler);
  if (FAULT_SIGNALS.has(sig)) {
    throw invalidArgValue('signalnum', signalnum,
      'is a synchronous fault signal (SIGSEGV, SIGBUS, SIGFPE or SIGILL): V8 handles these faults itself, '
      + 'so their disposition cannot be changed');
  }
  if (!isMainThread) {
    throw codedError('ERR_SIGNAL_NOT_MAIN_THREAD',
      'signal() only works in the main thread: signal handlers run on the main thread (as in Python)');
  }
  if (mode === MODE_FOREIGN && !native.has_saved(sig)) {
    throw invalidArgValue('handler', handler, 'is null, but posixkit never replaced a non-posixkit handler of this signal');
  }
  const prev = kindToHandler(sig, native.getsignal(sig));
  // The map first: a signal arriving right after the sigaction finds its handler.
  const before = handlers.get(sig);
  if (mode === MODE_HANDLER) handlers.set(sig, handler as SignalHandler);
  try {
    native.signal(sig, mode);
  } catch (e) {
    if (before) handlers.set(sig, before);
    else handlers.delete(sig);
    throw e;
  }
  if (mode !== MODE_HANDLER) handlers.delete(sig);
  else if (!beforeExitHooked) {
    beforeExitHooked = true;
    process.on('beforeExit', runBeforeExit);
  }
  return prev;
}

/**
 * Python's KeyboardInterrupt: what default_int_handler throws. An Error (not an
 * OSError: no syscall failed) with the stable code ERR_KEYBOARD_INTERRUPT.
 */
export class KeyboardInterrupt extends Error {
  readonly code = 'ERR_KEYBOARD_INTERRUPT';
  constructor(message = '') {
    super(message);
    this.name = 'KeyboardInterrupt';
  }
}

/**
 * Python's signal.default_int_handler: a handler that throws KeyboardInterrupt,
 * so `signal(SIGINT, default_int_handler)` turns Ctrl-C into an exception at
 * the point the program was (Node's own default ends the process instead).
 */
export function default_int_handler(_signum?: number, _frame?: unknown): never {
  throw new KeyboardInterrupt();
}

/** The current action: a JS handler, SIG_DFL, SIG_IGN, or null (not posixkit's). */
export function getsignal(signalnum: number): Handler {
  const sig = validateSignum(signalnum);
  return kindToHandler(sig, native.getsignal(sig));
}

/**
 * Python's signal.siginterrupt: with `flag` false, system calls interrupted
 * by `signalnum` are restarted by the kernel (SA_RESTART) instead of running
 * the JS handler inside them; the handler then runs from the event loop.
 * True (posixkit's default) makes them fail with EINTR and apply the EINTR rule.
 */
export function siginterrupt(signalnum: number, flag: boolean): void {
  const sig = validateSignum(signalnum);
  if (typeof flag !== 'boolean') throw invalidArgType('flag', 'of type boolean', flag);
  if (!isMainThread) {
    throw codedError('ERR_SIGNAL_NOT_MAIN_THREAD', 'siginterrupt() only works in the main thread');
  }
  native.siginterrupt(sig, flag);
}

/**
 * pause(2): sleeps until a signal is handled; returns after the JS handler
 * ran, or throws what it threw. If a signal already arrived whose JS handler
 * has not run yet, that handler runs and pause returns without sleeping.
 */
export function pause(): void {
  if (!isMainThread) {
    throw codedError('ERR_SIGNAL_NOT_MAIN_THREAD',
      'pause() only works in the main thread: signals are delivered to the main thread');
  }
  native.pause();
}

/** alarm(2): SIGALRM in `seconds` (0 cancels); returns the seconds left of the previous alarm. */
export function alarm(seconds: number): number {
  return native.alarm(validateInteger(seconds, 'seconds', 0, 2 ** 32 - 1));
}

/** raise(3): sends `signalnum` to the calling thread; its JS handler runs before this returns. */
export function raise_signal(signalnum: number): void {
  native.raise_signal(validateSignum(signalnum));
}

function validateWhich(which: unknown, syscall: string): number {
  validateInt32(which, 'which');
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) {
    const e = errnoError(ERRNO.EINVAL, syscall);
    throw new ItimerError(e.code, e.errno, e.syscall, e.message);
  }
  return which as number;
}

// Python's limit (OverflowError beyond): its clocks count int64 nanoseconds.
const MAX_SECONDS = 9223372036;

function validateSeconds(v: unknown, name: string): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (!(v >= 0) || v > MAX_SECONDS) throw outOfRange(name, `>= 0 && <= ${MAX_SECONDS}`, v);
  return v;
}

/**
 * setitimer(2) in seconds (fractions allowed; a tiny positive value never
 * rounds to 0). Returns the previous `[delay, interval]`.
 */
export function setitimer(which: number, seconds: number, interval = 0): [number, number] {
  const w = validateWhich(which, 'setitimer');
  return native.setitimer(w, validateSeconds(seconds, 'seconds'), validateSeconds(interval, 'interval'));
}

/** getitimer(2): `[delay, interval]` in seconds. */
export function getitimer(which: number): [number, number] {
  return native.getitimer(validateWhich(which, 'getitimer'));
}

/** strsignal(3): "Hangup" for SIGHUP; null for a number the system does not describe. */
export function strsignal(signalnum: number): string | null {
  return native.strsignal(validateSignum(signalnum));
}

/** Every signal number valid here (sigfillset(3), which omits glibc's internal ones). */
export function valid_signals(): Set<number> {
  return new Set(native.valid_signals());
}

/** sigpending(2): signals blocked and waiting, for this thread and the process. */
export function sigpending(): Set<number> {
  return new Set(native.sigpending());
}

function toSignalArray(signals: unknown): number[] {
  return toList(signals, 'signals', 'an iterable of signal numbers', 1024, (s) => validateSignum(s, 'signals[]'));
}

/**
 * pthread_sigmask(3) for the calling thread: SIG_BLOCK, SIG_UNBLOCK or
 * SIG_SETMASK; returns the previous mask. Handlers of signals it unblocks
 * run before it returns.
 */
export function pthread_sigmask(how: number, mask: Iterable<number>): Set<number> {
  validateInt32(how, 'how');
  const signals = toSignalArray(mask);
  // Another `how` is the kernel's EINVAL, as Python reports it (an OSError).
  if (how !== SIG_BLOCK && how !== SIG_UNBLOCK && how !== SIG_SETMASK) throw errnoError(ERRNO.EINVAL, 'pthread_sigmask');
  return new Set(native.pthread_sigmask(how, signals));
}

/** Python's signal.struct_siginfo: what sigwaitinfo/sigtimedwait return. */
export class struct_siginfo extends StructSeq<number> {
  declare readonly si_signo: number;
  declare readonly si_code: number;
  declare readonly si_errno: number;
  declare readonly si_pid: number;
  declare readonly si_uid: number;
  declare readonly si_status: number;
  declare readonly si_band: number;
}
defineStructSeq(struct_siginfo, {
  qualname: 'signal.struct_siginfo',
  sequence: ['si_signo', 'si_code', 'si_errno', 'si_pid', 'si_uid', 'si_status', 'si_band'],
  extra: [],
});
/** The former name of struct_siginfo. */
export type SigwaitInfo = struct_siginfo;

/**
 * sigwaitinfo(2): waits until one of `sigset` is pending and takes it
 * (it is not delivered). Block the signals first with pthread_sigmask.
 * Other signals' handlers run meanwhile (EINTR rule).
 */
export function sigwaitinfo(sigset: Iterable<number>): struct_siginfo {
  return new struct_siginfo(native.sigtimedwait(toSignalArray(sigset), -1)!);
}

/** sigtimedwait(2): as sigwaitinfo, or null once `timeout` seconds passed. */
export function sigtimedwait(sigset: Iterable<number>, timeout: number): struct_siginfo | null {
  const list = toSignalArray(sigset);
  const r = native.sigtimedwait(list, validateSeconds(timeout, 'timeout'));
  return r === null ? null : new struct_siginfo(r);
}

/** sigwait(3): as sigwaitinfo, returning the signal number. */
export function sigwait(sigset: Iterable<number>): number {
  return sigwaitinfo(sigset).si_signo;
}

/** One record read from a signalfd (struct signalfd_siginfo). */
export interface SigInfo {
  ssi_signo: number; ssi_errno: number; ssi_code: number; ssi_pid: number; ssi_uid: number;
  ssi_fd: number; ssi_tid: number; ssi_band: number; ssi_overrun: number; ssi_trapno: number;
  ssi_status: number; ssi_int: number; ssi_ptr: number; ssi_utime: number; ssi_stime: number;
  ssi_addr: number;
}

/**
 * signalfd(2): a file descriptor that becomes readable when one of `signals`
 * is pending; select/poll/epoll can watch it. Block the signals first with
 * pthread_sigmask(SIG_BLOCK, ...), or they are delivered as usual. Created
 * close-on-exec; `flags` may add SFD_NONBLOCK. Pass an existing signalfd as
 * `fd` to change its mask.
 */
export function signalfd(signals: Iterable<number>, flags: number = SFD_CLOEXEC, fd = -1): number {
  const list = toSignalArray(signals);
  validateInt32(flags, 'flags');
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) throw invalidArgValue('flags', flags, 'may only contain SFD_CLOEXEC and SFD_NONBLOCK');
  validateInt32(fd, 'fd', -1);
  return native.signalfd(fd, list, flags);
}

/**
 * Reads and decodes up to `max` records from a signalfd. Blocks until one
 * is pending unless the fd is non-blocking (then EAGAIN: BlockingIOError).
 */
export function signalfd_read(fd: FileLike, max = 16): SigInfo[] {
  return native.signalfd_read(toFd(fd), validateInteger(max, 'max', 1, 64));
}

// ---- wakeup fd, signals to threads and pidfds --------------------------------------

let wakeupFd = -1;

export interface WakeupFdOptions {
  /** Report a full fd (EAGAIN) on stderr, as other write errors are; default true. */
  warn_on_full_buffer?: boolean;
}

/**
 * Python's signal.set_wakeup_fd: for every signal with a posixkit handler,
 * the native handler writes its number as one byte to `fd`, so a select/
 * poll/epoll loop wakes up. `fd` must be non-blocking (ERR_INVALID_ARG_VALUE
 * otherwise); -1 stops it. Returns the previous fd (-1: none). A failed
 * write is reported on stderr when JS next runs ("Exception ignored when
 * trying to write to the signal wakeup fd"), a full buffer only with
 * warn_on_full_buffer. Main thread only.
 */
export function set_wakeup_fd(fd: number, options: WakeupFdOptions = {}): number {
  validateInt32(fd, 'fd', -1);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const warn = options.warn_on_full_buffer === undefined ? true : options.warn_on_full_buffer;
  if (typeof warn !== 'boolean') throw invalidArgType('options.warn_on_full_buffer', 'of type boolean', warn);
  if (!isMainThread) {
    throw codedError('ERR_SIGNAL_NOT_MAIN_THREAD', 'set_wakeup_fd() only works in the main thread');
  }
  const prev = native.set_wakeup_fd(fd, warn);
  wakeupFd = fd;
  return prev;
}

function reportWakeupError(): void {
  const err = native.take_wakeup_error();
  if (err === 0) return;
  const e = errnoError(err, 'write');
  try {
    process.stderr.write(`Exception ignored when trying to write to the signal wakeup fd:\n${e.name}: ${e.message}\n`);
  } catch { /* no stderr to report to */ }
}

/**
 * Python's signal.pthread_kill: sends `signalnum` to one thread of this
 * process (tgkill(2)), named by its kernel thread id: os.gettid() or
 * threading.getNativeId() in that thread (posixkit threads are worker
 * threads, not pthread_t handles). 0 probes. A handler of a signal sent to
 * the calling main thread runs before this returns.
 */
export function pthread_kill(thread_id: number, signalnum: number): void {
  native.pthread_kill(validateInteger(thread_id, 'thread_id', 1, 2 ** 31 - 1), validateInteger(signalnum, 'signalnum', 0, NSIG - 1));
}

/**
 * pidfd_send_signal(2): sends `sig` to the process behind `pidfd` (from
 * os.pidfd_open), immune to pid reuse. `siginfo` must be null, as in Python.
 */
export function pidfd_send_signal(pidfd: FileLike, sig: number, siginfo: null = null, flags = 0): void {
  const fd = toFd(pidfd, 'pidfd');
  if (siginfo !== null && siginfo !== undefined) throw invalidArgType('siginfo', 'null', siginfo);
  native.pidfd_send_signal(fd, validateInteger(sig, 'sig', 0, NSIG - 1), validateInteger(flags, 'flags', 0, 2 ** 32 - 1));
}

// A forked child keeps the handlers (they are memory and dispositions) but
// not the parent's undispatched signals.
register_at_fork({ after_in_child: () => native.after_fork_child() });
