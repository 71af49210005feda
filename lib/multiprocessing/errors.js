"use strict";
// The exceptions of Python's multiprocessing (and queue), as coded Errors so
// both `instanceof` and `err.code` work.
Object.defineProperty(exports, "__esModule", { value: true });
exports.Full = exports.Empty = exports.WorkerLostError = exports.EOFError = exports.TimeoutError = exports.BufferTooShort = exports.ProcessError = void 0;
exports.stateError = stateError;
/** Base class of the errors this package raises itself (Python's ProcessError). */
class ProcessError extends Error {
    code;
    constructor(message, code = 'ERR_PROCESS') {
        super(message);
        this.code = code;
    }
    get name() {
        return this.constructor.name;
    }
}
exports.ProcessError = ProcessError;
/** recvBytesInto: the message did not fit; `message` holds all of it. */
class BufferTooShort extends ProcessError {
    message_;
    constructor(message) {
        super(`buffer too short for a message of ${message.length} bytes`, 'ERR_BUFFER_TOO_SHORT');
        this.message_ = message;
    }
    /** The whole message that did not fit (Python: `e.args[0]`). */
    get data() {
        return this.message_;
    }
}
exports.BufferTooShort = BufferTooShort;
/** AsyncResult.get(timeout) / imap's next(timeout) ran out of time. */
class TimeoutError extends ProcessError {
    constructor(message = 'timed out') {
        super(message, 'ERR_TIMEOUT');
    }
}
exports.TimeoutError = TimeoutError;
/** The peer closed its end: nothing more to receive (Python's EOFError). */
class EOFError extends ProcessError {
    constructor(message = 'connection closed by the peer (end of file)') {
        super(message, 'ERR_EOF');
    }
}
exports.EOFError = EOFError;
/** A pool worker died (killed, crashed, _exit) while it ran this task. */
class WorkerLostError extends ProcessError {
    pid;
    exitCode;
    constructor(pid, exitCode, what) {
        const how = exitCode === null ? 'died' : exitCode < 0 ? `was killed by signal ${-exitCode}` : `exited with code ${exitCode}`;
        super(`pool worker ${pid} ${how} while running ${what}`, 'ERR_WORKER_LOST');
        this.pid = pid;
        this.exitCode = exitCode;
    }
}
exports.WorkerLostError = WorkerLostError;
/** Queue.get(block=false) or get(true, timeout) found nothing (Python's queue.Empty). */
class Empty extends ProcessError {
    constructor(message = 'queue is empty') {
        super(message, 'ERR_QUEUE_EMPTY');
    }
}
exports.Empty = Empty;
/** Queue.put(block=false) or put(v, true, timeout) found no room (Python's queue.Full). */
class Full extends ProcessError {
    constructor(message = 'queue is full') {
        super(message, 'ERR_QUEUE_FULL');
    }
}
exports.Full = Full;
/** An operation on an object in the wrong state (Python raises ValueError/AssertionError). */
function stateError(code, message) {
    return new ProcessError(message, code);
}
