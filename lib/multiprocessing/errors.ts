import { serialize } from 'node:v8';
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

// ---- errors that cross to another process ------------------------------------------
// Structured clone keeps an Error's class only for the built-in ones, and
// only its message, stack and cause: an error crosses as [error, its own
// properties (code, errno ...), its class name], and comes back as this
// package's class when it is one of them.

const classes: Record<string, new (message?: string) => Error> = {};

/** @internal this package's error classes, rebuilt by name on the receiving side */
export function registerErrorClass(cls: new (message?: string) => Error): void {
  classes[cls.name] = cls;
}
for (const cls of [ProcessError, TimeoutError, EOFError, Empty, Full]) registerErrorClass(cls as new (m?: string) => Error);

/** @internal */
export function errorParts(e: unknown): [unknown, Record<string, unknown>, string] {
  const extra: Record<string, unknown> = {};
  let name = '';
  if (e instanceof Error) {
    name = e.constructor.name;
    for (const [k, v] of Object.entries(e)) {
      try {
        serialize(v);
        extra[k] = v;
      } catch { /* not cloneable: dropped */ }
    }
  }
  return [e, extra, name];
}

/** @internal */
export function errorFromParts(e: unknown, extra: Record<string, unknown> | undefined, name: string | undefined): unknown {
  let out = e;
  const cls = name ? classes[name] : undefined;
  if (cls && e instanceof Error) {
    const rebuilt = new cls(e.message);
    if (e.stack) rebuilt.stack = e.stack;
    out = rebuilt;
  }
  if (extra && out !== null && typeof out === 'object') {
    for (const [k, v] of Object.entries(extra)) {
      try {
        (out as Record<string, unknown>)[k] = v;
      } catch { /* a getter-only property */ }
    }
  }
  return out;
}
