// Python's multiprocessing logging, minimal: get_logger() returns the
// 'multiprocessing' logger, log_to_stderr() gives it a stderr handler in
// Python's format ("[INFO/Process-1] message"). The package logs what
// Python's logs at the same levels (a child calling run(), its exit code,
// shutdown at exit, pool workers leaving, a manager serving).
import { format } from 'node:util';
import { invalidArgType, validateInteger } from '../errors';

export const NOTSET = 0;
export const SUBDEBUG = 5;
export const DEBUG = 10;
export const INFO = 20;
export const SUBWARNING = 25;
export const WARNING = 30;
export const ERROR = 40;
export const CRITICAL = 50;

const NAMES: Record<number, string> = {
  [SUBDEBUG]: 'SUBDEBUG', [DEBUG]: 'DEBUG', [INFO]: 'INFO', [SUBWARNING]: 'SUBWARNING',
  [WARNING]: 'WARNING', [ERROR]: 'ERROR', [CRITICAL]: 'CRITICAL',
};

/** One logged event, as a handler receives it. */
export interface LogRecord {
  name: string;
  levelno: number;
  levelname: string;
  processName: string;
  process: number;
  message: string;
}

export type LogHandler = (record: LogRecord) => void;

let processName: () => string = () => 'MainProcess';

/** @internal process.ts names the current process for log records. */
export function setProcessNameGetter(fn: () => string): void {
  processName = fn;
}

/** The 'multiprocessing' logger (Python's logging.Logger, the parts this package uses). */
export class Logger {
  readonly name = 'multiprocessing';
  level = NOTSET;
  readonly handlers: LogHandler[] = [];

  setLevel(level: number): void {
    this.level = validateInteger(level, 'level', 0, 1000);
  }

  /** The level in force: the one set, else WARNING (Python's root logger default). */
  getEffectiveLevel(): number {
    return this.level === NOTSET ? WARNING : this.level;
  }

  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  addHandler(h: LogHandler): void {
    if (typeof h !== 'function') throw invalidArgType('handler', 'a function', h);
    if (!this.handlers.includes(h)) this.handlers.push(h);
  }

  removeHandler(h: LogHandler): void {
    const i = this.handlers.indexOf(h);
    if (i >= 0) this.handlers.splice(i, 1);
  }

  /** Logs `msg` formatted printf-style with `args` (util.format: %s %d %j %o). */
  log(level: number, msg: string, ...args: unknown[]): void {
    if (!this.isEnabledFor(level) || this.handlers.length === 0) return;
    const record: LogRecord = {
      name: this.name,
      levelno: level,
      levelname: NAMES[level] ?? `Level ${level}`,
      processName: processName(),
      process: process.pid,
      message: args.length > 0 ? format(msg, ...args) : String(msg),
    };
    for (const h of this.handlers) {
      try {
        h(record);
      } catch { /* a failing handler must not break the caller */ }
    }
  }

  debug(msg: string, ...args: unknown[]): void { this.log(DEBUG, msg, ...args); }
  info(msg: string, ...args: unknown[]): void { this.log(INFO, msg, ...args); }
  warning(msg: string, ...args: unknown[]): void { this.log(WARNING, msg, ...args); }
  error(msg: string, ...args: unknown[]): void { this.log(ERROR, msg, ...args); }
  critical(msg: string, ...args: unknown[]): void { this.log(CRITICAL, msg, ...args); }
}

let logger: Logger | null = null;
let stderrHandler: LogHandler | null = null;

/** Python's get_logger(): the package's logger (made on first use; silent until it has a handler). */
export function getLogger(): Logger {
  logger ??= new Logger();
  return logger;
}

/**
 * Python's log_to_stderr(level): adds (once) a handler printing
 * "[LEVEL/ProcessName] message" to stderr, sets `level` if given, and
 * returns the logger.
 */
export function logToStderr(level?: number): Logger {
  const l = getLogger();
  if (!stderrHandler) {
    stderrHandler = (r) => process.stderr.write(`[${r.levelname}/${r.processName}] ${r.message}\n`);
    l.addHandler(stderrHandler);
  }
  if (level !== undefined && level !== null) l.setLevel(level);
  return l;
}

// The package's own log calls: nothing is built unless a logger exists.
/** @internal */
export function subDebug(msg: string, ...args: unknown[]): void { logger?.log(SUBDEBUG, msg, ...args); }
/** @internal */
export function debug(msg: string, ...args: unknown[]): void { logger?.log(DEBUG, msg, ...args); }
/** @internal */
export function info(msg: string, ...args: unknown[]): void { logger?.log(INFO, msg, ...args); }
/** @internal */
export function subWarning(msg: string, ...args: unknown[]): void { logger?.log(SUBWARNING, msg, ...args); }
