// lib/internal/deadline.ts: the one timeout parser, and the public calls that
// go through it refusing a bad timeout the same way.
import { describe, expect, it } from 'vitest';
import * as coroutine from '../../lib/coroutine';
import { deadlineAfter, deadlineOf, secondsUntil, timeoutSeconds } from '../../lib/internal/deadline';
import { Pipe, Queue } from '../../lib/multiprocessing';
import * as select from '../../lib/select';
import * as socket from '../../lib/socket';
import { Lock } from '../../lib/threading';
import { code } from '../helpers/checks';

describe('timeoutSeconds', () => {
  it('null and undefined mean no limit under every rule', () => {
    for (const rule of ['error', 'zero', 'block'] as const) {
      expect(timeoutSeconds(null, 't', rule)).toBe(null);
      expect(timeoutSeconds(undefined, 't', rule)).toBe(null);
      expect(timeoutSeconds(1.5, 't', rule)).toBe(1.5);
      expect(timeoutSeconds(0, 't', rule)).toBe(0);
    }
  });
  it('a negative timeout: an error, no wait, or no limit, as the caller says', () => {
    expect(code(() => timeoutSeconds(-1, 't', 'error'))).toBe('ERR_OUT_OF_RANGE');
    expect(timeoutSeconds(-1, 't', 'zero')).toBe(0);
    expect(timeoutSeconds(-1, 't', 'block')).toBe(null);
  });
  it('NaN is out of range and a non-number is the wrong type, whatever the rule', () => {
    for (const rule of ['error', 'zero', 'block'] as const) {
      expect(code(() => timeoutSeconds(NaN, 't', rule))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => timeoutSeconds('1', 't', rule))).toBe('ERR_INVALID_ARG_TYPE');
    }
    expect(code(() => timeoutSeconds(11, 't', 'error', 10))).toBe('ERR_OUT_OF_RANGE');
    expect(() => timeoutSeconds(-1, 'maxWait', 'error')).toThrow(/"maxWait"/);
  });
  it('deadlines: Infinity for no limit, seconds left never below 0', () => {
    expect(deadlineAfter(null)).toBe(Infinity);
    expect(secondsUntil(Infinity)).toBe(null);
    const d = deadlineOf(0.5, 't', 'error');
    const left = secondsUntil(d)!;
    expect(left).toBeGreaterThan(0.3);
    expect(left).toBeLessThanOrEqual(0.5);
    expect(secondsUntil(deadlineAfter(0))).toBe(0);
    expect(secondsUntil(performance.now() - 1000)).toBe(0);
  });
});

describe('every timeout argument goes through it', () => {
  it('NaN: ERR_OUT_OF_RANGE from socket, select, poll, epoll, threading, multiprocessing and coroutine', () => {
    using s = socket.socket();
    const [r, w] = Pipe();
    const q = new Queue();
    const ep = select.epoll();
    const held = new Lock();
    held.acquire(); // a free lock is taken before its timeout is looked at
    try {
      const calls: Array<() => unknown> = [
        () => s.settimeout(NaN),
        () => select.select([], [], [], NaN),
        () => select.poll().poll(NaN),
        () => ep.poll(NaN),
        () => held.acquire(true, NaN),
        () => r.poll(NaN),
        () => q.get(true, NaN),
        () => coroutine.run(coroutine.sleep(NaN)),
      ];
      for (const call of calls) expect(code(call)).toBe('ERR_OUT_OF_RANGE');
    } finally {
      held.release();
      ep.close();
      q.close();
      r.close();
      w.close();
    }
  });
});
