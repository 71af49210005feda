// The exceptions of Python's multiprocessing (and queue), as coded Errors so
// both `instanceof` and `err.code` work.

/** Base class of the errors this package raises itself (Python's ProcessError). */
export class ProcessError extends Error {
  code: string;
  constructor(message: string, code = 'ERR_PROCESS') {
    super(message);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** recvBytesInto: the message did not fit; `message` holds all of it. */
export class BufferTooShort extends ProcessError {
  message_: Buffer;
  constructor(message: Buffer) {
    super(`buffer too short for a message of ${message.length} bytes`, 'ERR_BUFFER_TOO_SHORT');
    this.message_ = message;
  }
  /** The whole message that did not fit (Python: `e.args[0]`). */
  get data(): Buffer {
    return this.message_;
  }
}

/** AsyncResult.get(timeout) / imap's next(timeout) ran out of time. */
export class TimeoutError extends ProcessError {
  constructor(message = 'timed out') {
    super(message, 'ERR_TIMEOUT');
  }
}

/** The peer closed its end: nothing more to receive (Python's EOFError). */
export class EOFError extends ProcessError {
  constructor(message = 'connection closed by the peer (end of file)') {
    super(message, 'ERR_EOF');
  }
}

/** A pool worker died (killed, crashed, _exit) while it ran this task. */
export class WorkerLostError extends ProcessError {
  pid: number;
  exitCode: number | null;
  constructor(pid: number, exitCode: number | null, what: string) {
    const how = exitCode === null ? 'died' : exitCode < 0 ? `was killed by signal ${-exitCode}` : `exited with code ${exitCode}`;
    super(`pool worker ${pid} ${how} while running ${what}`, 'ERR_WORKER_LOST');
    this.pid = pid;
    this.exitCode = exitCode;
  }
}

/** Queue.get(block=false) or get(true, timeout) found nothing (Python's queue.Empty). */
export class Empty extends ProcessError {
  constructor(message = 'queue is empty') {
    super(message, 'ERR_QUEUE_EMPTY');
  }
}

/** Queue.put(block=false) or put(v, true, timeout) found no room (Python's queue.Full). */
export class Full extends ProcessError {
  constructor(message = 'queue is full') {
    super(message, 'ERR_QUEUE_FULL');
  }
}

/** An operation on an object in the wrong state (Python raises ValueError/AssertionError). */
export function stateError(code: string, message: string): ProcessError {
  return new ProcessError(message, code);
}
