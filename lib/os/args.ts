// Argument checks the os families share (the generic ones live in lib/errors.ts).
import { invalidArgType, invalidArgValue, toList } from '../errors';

/** The largest integer a JS number holds exactly: offsets and counts beyond it are refused. */
export const SAFE = Number.MAX_SAFE_INTEGER;

/** A string without NUL bytes (a path, a user name): C would cut it short. */
export function cstring(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  if (value.includes('\0')) throw invalidArgValue(name, value, 'must be a string without null bytes');
  return value;
}

/**
 * Any iterable (Python takes any sequence) as an array, each element mapped by
 * `each`, read once and at most `max` items (a RangeError, or `tooLong()`, past
 * that): an endless generator or a 2**32-1 sparse array is refused at once.
 * The default is ARG_MAX's worth of pointers, above any list a syscall takes.
 */
export function iterableArg<T>(value: unknown, name: string, expected: string, each: (v: unknown) => T,
  max = 1 << 20, tooLong?: () => Error): T[] {
  return toList(value, name, expected, max, each, tooLong);
}
