"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INT32_MIN = exports.INT32_MAX = exports.TimeoutError = exports.ProcessLookupError = exports.PermissionError = exports.NotADirectoryError = exports.IsADirectoryError = exports.InterruptedError = exports.FileNotFoundError = exports.FileExistsError = exports.ConnectionResetError = exports.ConnectionRefusedError = exports.ConnectionAbortedError = exports.BrokenPipeError = exports.ConnectionError = exports.ChildProcessError = exports.BlockingIOError = exports.OSError = exports.errno = void 0;
exports.errnoError = errnoError;
exports.invalidArgType = invalidArgType;
exports.outOfRange = outOfRange;
exports.invalidArgValue = invalidArgValue;
exports.validateInteger = validateInteger;
exports.validateInt32 = validateInt32;
exports.toFd = toFd;
exports.validateFunction = validateFunction;
exports.validateBytes = validateBytes;
exports.codedError = codedError;
// Errors, built in one place. A failed syscall becomes an OSError (or the
// Python-style subclass for its errno) with Node's fields: code 'ECHILD',
// errno -10 (negative, as Node core), syscall 'waitpid', and a message like
// "ECHILD: no child processes, waitpid". Bad arguments become TypeError /
// RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE codes.
const native_1 = require("./native");
const native = (0, native_1.family)();
/** errno numbers by name, from the running kernel's headers (`errno.ECHILD === 10`). */
exports.errno = Object.freeze({ ...native.errno });
class OSError extends Error {
    /** Negative errno, as in Node core (`-10` for ECHILD). */
    errno;
    /** Symbolic name: 'ECHILD'. */
    code;
    /** The syscall that failed: 'waitpid'. */
    syscall;
    path;
    constructor(code, errnoValue, syscall, message, path) {
        super(message ?? `${code}: ${native.strerror(Math.abs(errnoValue))}, ${syscall}`);
        this.errno = errnoValue;
        this.code = code;
        this.syscall = syscall;
        if (path !== undefined)
            this.path = path;
    }
    get name() {
        return this.constructor.name;
    }
}
exports.OSError = OSError;
// PEP 3151's hierarchy, so `instanceof ChildProcessError` works as in Python.
class BlockingIOError extends OSError {
}
exports.BlockingIOError = BlockingIOError;
class ChildProcessError extends OSError {
}
exports.ChildProcessError = ChildProcessError;
class ConnectionError extends OSError {
}
exports.ConnectionError = ConnectionError;
class BrokenPipeError extends ConnectionError {
}
exports.BrokenPipeError = BrokenPipeError;
class ConnectionAbortedError extends ConnectionError {
}
exports.ConnectionAbortedError = ConnectionAbortedError;
class ConnectionRefusedError extends ConnectionError {
}
exports.ConnectionRefusedError = ConnectionRefusedError;
class ConnectionResetError extends ConnectionError {
}
exports.ConnectionResetError = ConnectionResetError;
class FileExistsError extends OSError {
}
exports.FileExistsError = FileExistsError;
class FileNotFoundError extends OSError {
}
exports.FileNotFoundError = FileNotFoundError;
class InterruptedError extends OSError {
}
exports.InterruptedError = InterruptedError;
class IsADirectoryError extends OSError {
}
exports.IsADirectoryError = IsADirectoryError;
class NotADirectoryError extends OSError {
}
exports.NotADirectoryError = NotADirectoryError;
class PermissionError extends OSError {
}
exports.PermissionError = PermissionError;
class ProcessLookupError extends OSError {
}
exports.ProcessLookupError = ProcessLookupError;
class TimeoutError extends OSError {
}
exports.TimeoutError = TimeoutError;
const byCode = {
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
function errnoError(err, syscall, path) {
    const code = Object.keys(native.errno).find((k) => native.errno[k] === err) ?? `Unknown system error ${err}`;
    const desc = native.strerror(err).replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
    const message = `${code}: ${desc}, ${syscall}${path !== undefined ? ` '${path}'` : ''}`;
    return makeError(code, -err, syscall, message, path);
}
function makeError(code, errnoValue, syscall, message, path) {
    const Ctor = byCode[code] ?? OSError;
    const e = new Ctor(code, errnoValue, syscall, message, path);
    // Hide this frame and the native one, as Node does for its own errors.
    Error.captureStackTrace?.(e, makeError);
    return e;
}
native.setErrorFactory(makeError);
function coded(e, code) {
    return Object.assign(e, { code });
}
function describe(value) {
    if (value === null)
        return 'null';
    if (value === undefined)
        return 'undefined';
    if (typeof value === 'function')
        return `function ${value.name || '<anonymous>'}`;
    if (typeof value === 'object') {
        const name = value.constructor?.name;
        return name ? `an instance of ${name}` : 'an object';
    }
    let shown = String(value);
    if (shown.length > 28)
        shown = `${shown.slice(0, 25)}...`;
    if (typeof value === 'string')
        shown = `'${shown}'`;
    return `type ${typeof value} (${shown})`;
}
function invalidArgType(name, expected, actual) {
    return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}`), 'ERR_INVALID_ARG_TYPE');
}
function outOfRange(name, range, actual) {
    return coded(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(actual)}`), 'ERR_OUT_OF_RANGE');
}
function invalidArgValue(name, value, reason) {
    return coded(new TypeError(`The argument '${name}' ${reason}. Received ${describe(value)}`), 'ERR_INVALID_ARG_VALUE');
}
/** An integer in [min, max], or a TypeError / RangeError in Node's style. */
function validateInteger(value, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
    if (typeof value !== 'number')
        throw invalidArgType(name, 'of type number', value);
    if (!Number.isInteger(value))
        throw outOfRange(name, 'an integer', value);
    if (value < min || value > max)
        throw outOfRange(name, `>= ${min} && <= ${max}`, value);
    return value;
}
exports.INT32_MAX = 2 ** 31 - 1;
exports.INT32_MIN = -(2 ** 31);
function validateInt32(value, name, min = exports.INT32_MIN, max = exports.INT32_MAX) {
    return validateInteger(value, name, min, max);
}
/** Python's fileno coercion: an fd >= 0, or obj.fileno() returning one. */
function toFd(value, name = 'fd') {
    if (typeof value === 'number')
        return validateInt32(value, name, 0);
    if (value !== null && typeof value === 'object' && typeof value.fileno === 'function') {
        const fd = value.fileno();
        if (typeof fd !== 'number')
            throw invalidArgType(`${name}.fileno()`, 'of type number', fd);
        return validateInt32(fd, `${name}.fileno()`, 0);
    }
    throw invalidArgType(name, 'of type number or an object with a fileno() method', value);
}
function validateFunction(value, name) {
    if (typeof value !== 'function')
        throw invalidArgType(name, 'of type function', value);
}
function validateBytes(value, name) {
    if (ArrayBuffer.isView(value))
        return value;
    throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
}
/** A stable-coded Error for a refused operation (not an errno). */
function codedError(code, message) {
    return coded(new Error(message), code);
}
