// The native slice of posixkit/select (native/select.cc) and the helpers its
// two TS modules share.
import { INT32_MAX } from '../errors';
import { timeoutSeconds } from '../internal/deadline';
import { family } from '../native';

export interface SelectNative {
  select(fds: Int32Array, nr: number, nw: number, nx: number, timeoutSec: number, out: Int32Array): number;
  poll(table: Int32Array, nfds: number, timeoutSec: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, events: number): number;
  epoll_wait(epfd: number, out: Int32Array, maxevents: number, timeoutSec: number): number;
  fd_watch_new(fd: number, cb: (err: Error | null) => void): object;
  fd_watch_start(w: object): void;
  fd_watch_stop(w: object): void;
  fd_watch_close(w: object): void;
  selectConstants: Record<string, number>;
}
export const native = family<SelectNative>();
export const K = native.selectConstants;

// The binding object holds every family's functions and is in dictionary
// mode; the waits are fetched once so a hot loop does not look them up.
export const sysSelect = native.select;
export const sysPoll = native.poll;
export const sysEpollWait = native.epoll_wait;

/**
 * A timeout in seconds (`scale` units per second: 1000 for poll's
 * milliseconds) as the native waits take it: -1 (block) for
 * undefined/null/negative, else >= 0 and at most what poll(2)'s int
 * milliseconds hold.
 */
export function blockingSeconds(value: unknown, name: string, scale = 1): number {
  const t = timeoutSeconds(value, name, 'block', Math.floor((INT32_MAX / 1000) * scale));
  return t === null ? -1 : t / scale;
}

