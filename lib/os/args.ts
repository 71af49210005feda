// Argument checks the os families share (the generic ones live in lib/errors.ts).
import { invalidArgType, invalidArgValue } from '../errors';

/** The largest integer a JS number holds exactly: offsets and counts beyond it are refused. */
export const SAFE = Number.MAX_SAFE_INTEGER;

/** A string without NUL bytes (a path, a user name): C would cut it short. */
export function cstring(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  if (value.includes('\0')) throw invalidArgValue(name, value, 'must be a string without null bytes');
  return value;
}

/** Any iterable (Python takes any sequence) as an array, each element mapped by `each`. */
export function iterableArg<T>(value: unknown, name: string, expected: string, each: (v: unknown) => T): T[] {
  if (value === null || typeof value !== 'object' || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw invalidArgType(name, expected, value);
  }
  return Array.from(value as Iterable<unknown>, each);
}
