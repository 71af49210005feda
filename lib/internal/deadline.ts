// Timeouts and deadlines: the one parser of a timeout argument and the one
// deadline arithmetic. A timeout is in seconds (fractions allowed) and
// null/undefined means "no limit", as Python's None. What a negative timeout
// means is the one thing Python's modules disagree on, so each caller says it:
//   'error' socket.settimeout, coroutine waits: ValueError in Python
//   'zero'  threading and multiprocessing (join, acquire, get, poll): do not wait
//   'block' select.poll / epoll.poll: wait without limit
// NaN and non-numbers are refused the same way everywhere.
import { invalidArgType, outOfRange } from '../errors';

export type NegativeTimeout = 'error' | 'zero' | 'block';

/** Python's largest timeout (its clocks count int64 nanoseconds; OverflowError beyond). */
export const MAX_TIMEOUT_SECONDS = 9223372036;

/**
 * A timeout argument in seconds: a number >= 0 (at most `max`), or null for
 * no limit. RangeError (ERR_OUT_OF_RANGE) for NaN, a value above `max` and,
 * under 'error', a negative one; TypeError (ERR_INVALID_ARG_TYPE) for a
 * non-number.
 */
export function timeoutSeconds(value: unknown, name: string, negative: NegativeTimeout, max = Infinity): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number or null', value);
  if (Number.isNaN(value)) throw outOfRange(name, 'a number', value);
  if (value < 0) {
    if (negative === 'zero') return 0;
    if (negative === 'block') return null;
    throw outOfRange(name, '>= 0 or null', value);
  }
  if (value > max) throw outOfRange(name, `<= ${max}`, value);
  return value;
}

/** The deadline (performance.now() ms) `seconds` from now; Infinity for null (no limit). */
export function deadlineAfter(seconds: number | null): number {
  return seconds === null ? Infinity : performance.now() + seconds * 1000;
}

/** timeoutSeconds, then deadlineAfter. */
export function deadlineOf(value: unknown, name: string, negative: NegativeTimeout): number {
  if (value === undefined || value === null) return Infinity; // the common case of every wait, without a call
  return deadlineAfter(timeoutSeconds(value, name, negative));
}

/** Seconds left until `deadline`: null for no limit, 0 once it passed. */
export function secondsUntil(deadline: number): number | null {
  if (deadline === Infinity) return null;
  return Math.max(0, (deadline - performance.now()) / 1000);
}
