// Errors, built in one place. A failed syscall becomes an OSError (or the
// Python-style subclass for its errno) with Node's fields: code 'ECHILD',
// errno -10 (negative, as Node core), syscall 'waitpid', and a message like
// "ECHILD: no child processes, waitpid". Bad arguments become TypeError /
// RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE codes.
import { family } from './native';

interface ErrorsNative {
  setErrorFactory(f: (code: string, errno: number, syscall: string, message: string, path?: string) => Error): void;
  strerror(errno: number): string;
  errno: Record<string, number>;
}
const native = family<ErrorsNative>();

/** errno numbers by name, from the running kernel's headers (`errno.ECHILD === 10`). */
export const errno: Readonly<Record<string, number>> = Object.freeze({ ...native.errno });

export class OSError extends Error {
  /** Negative errno, as in Node core (`-10` for ECHILD). */
  errno: number;
  /** Symbolic name: 'ECHILD'. */
  code: string;
  /** The syscall that failed: 'waitpid'. */
  syscall: string;
  path?: string;
  // Python's OSError() takes no arguments too (socket.herror() and gaierror() are built so).
  constructor(code = '', errnoValue = 0, syscall = '', message?: string, path?: string) {
    super(message ?? (code ? `${code}: ${native.strerror(Math.abs(errnoValue))}, ${syscall}` : ''));
    this.errno = errnoValue;
    this.code = code;
    this.syscall = syscall;
    if (path !== undefined) this.path = path;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

// PEP 3151's hierarchy, so `instanceof ChildProcessError` works as in Python.
export class BlockingIOError extends OSError {}
export class ChildProcessError extends OSError {}
export class ConnectionError extends OSError {}
export class BrokenPipeError extends ConnectionError {}
export class ConnectionAbortedError extends ConnectionError {}
export class ConnectionRefusedError extends ConnectionError {}
export class ConnectionResetError extends ConnectionError {}
export class FileExistsError extends OSError {}
export class FileNotFoundError extends OSError {}
export class InterruptedError extends OSError {}
export class IsADirectoryError extends OSError {}
export class NotADirectoryError extends OSError {}
export class PermissionError extends OSError {}
export class ProcessLookupError extends OSError {}
export class TimeoutError extends OSError {}

const byCode: Record<string, typeof OSError> = {
  EAGAIN: BlockingIOError, EALREADY: BlockingIOError, EINPROGRESS: BlockingIOError,
  ECHILD: ChildProcessError,
  EPIPE: BrokenPipeError, ESHUTDOWN: BrokenPipeError,
  ECONNABORTED: ConnectionAbortedError, ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  EEXIST: FileExistsError, ENOENT: FileNotFoundError, EINTR: InterruptedError,
  EISDIR: IsADirectoryError, ENOTDIR: NotADirectoryError,
  EACCES: PermissionError, EPERM: PermissionError,
  ESRCH: ProcessLookupError, ETIMEDOUT: TimeoutError,
};

/** The error a failed syscall throws; `err` is a positive errno. */
export function errnoError(err: number, syscall: string, path?: string): OSError {
  const code = Object.keys(native.errno).find((k) => native.errno[k] === err) ?? `Unknown system error ${err}`;
  const desc = native.strerror(err).replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
  const message = `${code}: ${desc}, ${syscall}${path !== undefined ? ` '${path}'` : ''}`;
  return makeError(code, -err, syscall, message, path);
}

function makeError(code: string, errnoValue: number, syscall: string, message: string, path?: string): OSError {
  const Ctor = byCode[code] ?? OSError;
  const e = new Ctor(code, errnoValue, syscall, message, path);
  // Hide this frame and the native one, as Node does for its own errors.
  Error.captureStackTrace?.(e, makeError);
  return e;
}
native.setErrorFactory(makeError);

// ---- argument validation ---------------------------------------------------

type Coded<E extends Error> = E & { code: string };

function coded<E extends Error>(e: E, code: string): Coded<E> {
  return Object.assign(e, { code });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return `type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}`),
    'ERR_INVALID_ARG_TYPE');
}

export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  return coded(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(actual)}`),
    'ERR_OUT_OF_RANGE');
}

export function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  return coded(new TypeError(`The argument '${name}' ${reason}. Received ${describe(value)}`), 'ERR_INVALID_ARG_VALUE');
}

/** An integer in [min, max], or a TypeError / RangeError in Node's style. */
export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);

export function validateInt32(value: unknown, name: string, min = INT32_MIN, max = INT32_MAX): number {
  return validateInteger(value, name, min, max);
}

/** Something with a file descriptor: an int, or an object with fileno(). */
export type FileLike = number | { fileno(): number };

/** Python's fileno coercion: an fd >= 0, or obj.fileno() returning one. */
export function toFd(value: unknown, name = 'fd'): number {
  if (typeof value === 'number') return validateInt32(value, name, 0);
  if (value !== null && typeof value === 'object' && typeof (value as { fileno?: unknown }).fileno === 'function') {
    const fd = (value as { fileno(): unknown }).fileno();
    if (typeof fd !== 'number') throw invalidArgType(`${name}.fileno()`, 'of type number', fd);
    return validateInt32(fd, `${name}.fileno()`, 0);
  }
  throw invalidArgType(name, 'of type number or an object with a fileno() method', value);
}

export function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

export function validateBytes(value: unknown, name: string): ArrayBufferView {
  if (ArrayBuffer.isView(value)) return value;
  throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
}

/**
 * An iterable (an array or any other) read exactly once into a new array,
 * each item passed through `each`. More than `max` items throws
 * `tooLong()` (by default a RangeError) before any item past `max` is read,
 * so a sparse array of length 2**32-1 or an endless generator costs nothing.
 */
export function toList<T>(value: unknown, name: string, expected: string, max: number,
  each: (item: unknown, index: number) => T, tooLong?: () => Error): T[] {
  if (value === null || typeof value !== 'object' || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw invalidArgType(name, expected, value);
  }
  if (!Number.isSafeInteger(max) || max < 0) throw outOfRange('max', 'a safe integer >= 0', max);
  if (typeof each !== 'function') throw invalidArgType('each', 'of type function', each);
  const fail = (n: number): Error => (tooLong ? tooLong() : outOfRange(`${name}.length`, `<= ${max}`, n));
  if (Array.isArray(value) && value.length > max) throw fail(value.length);
  const out: T[] = [];
  for (const item of value as Iterable<unknown>) {
    if (out.length >= max) throw fail(out.length + 1);
    out.push(each(item, out.length));
  }
  return out;
}

/** A stable-coded Error for a refused operation (not an errno). */
export function codedError(code: string, message: string): Error & { code: string } {
  return coded(new Error(message), code);
}

/** A module reference whose export is missing or not what it must be (a worker loading code by name). */
export function unknownExport(module: string, name: string, what = 'function'): TypeError & { code: string } {
  return coded(new TypeError(`${module} has no exported ${what} '${name}'`), 'ERR_UNKNOWN_FUNCTION');
}

/**
 * A method of a closed object whose Python counterpart raises
 * ValueError('I/O operation on closed ...') (an epoll object): a RangeError,
 * posixkit's ValueError, with the fields of every closed fd owner's error
 * (code 'EBADF', errno, syscall), so code that tests `code` sees one rule.
 */
export function closedObject(what: string, syscall: string): RangeError & { code: string; errno: number; syscall: string } {
  const e = new RangeError(`EBADF: I/O operation on closed ${what}, ${syscall}`);
  return Object.assign(coded(e, 'EBADF'), { errno: -native.errno.EBADF, syscall });
}

/**
 * Python's KeyError: a lookup of a key that a table does not hold (a poll
 * object's unregister() of an fd it never registered). `key` is that key.
 */
export class KeyError extends Error {
  readonly code = 'ERR_KEY_NOT_FOUND';
  constructor(readonly key: unknown, message: string) {
    super(message);
  }
  override get name(): string {
    return 'KeyError';
  }
}
