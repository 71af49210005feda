// The one place multiprocessing waits for fds: poll(2) for the synchronous
// timed waits (Connection.poll, Queue.get timeout, Process.join timeout, the
// Pool's result pump) and epoll + libuv for the async forms. Everything goes
// through posixkit/select, so the EINTR rule and the kernel calls are its.
import { codedError } from '../errors';
import * as select from '../select';
import { K as SK, sysPoll } from '../select/native';

interface PollObject {
  register(fd: number, mask?: number): void;
  poll(timeoutMs?: number | null): Array<[number, number]>;
}
const sel = select as unknown as {
  poll?: () => PollObject;
  POLLIN?: number; POLLOUT?: number; POLLHUP?: number; POLLERR?: number;
};

function need(): Required<typeof sel> {
  if (typeof sel.poll !== 'function') {
    throw codedError('ERR_NOT_AVAILABLE', 'posixkit/select is not built yet: timed waits need poll(2)');
  }
  return sel as Required<typeof sel>;
}

/**
 * Blocks until one of `fds` is readable (data, EOF or error) or `timeoutSec`
 * passes (null or undefined: forever; 0: just look). Returns the ready fds.
 */
export function waitReadable(fds: readonly number[], timeoutSec: number | null | undefined): number[] {
  const s = need();
  const p = s.poll();
  for (const fd of fds) p.register(fd, s.POLLIN);
  const ms = timeoutSec === null || timeoutSec === undefined ? null : Math.max(0, Math.ceil(timeoutSec * 1000));
  return p.poll(ms).map(([fd]) => fd);
}

export function readable(fd: number, timeoutSec: number | null | undefined): boolean {
  return waitReadable([fd], timeoutSec).length > 0;
}

/** Whether `fd` can take a write (poll(2) POLLOUT) within `timeoutSec`. */
export function writable(fd: number, timeoutSec: number | null | undefined): boolean {
  const s = need();
  const p = s.poll();
  p.register(fd, s.POLLOUT);
  const ms = timeoutSec === null || timeoutSec === undefined ? null : Math.max(0, Math.ceil(timeoutSec * 1000));
  return p.poll(ms).length > 0;
}

// One struct pollfd, reused: the hot paths (a Queue waiting for data or room)
// poll a single fd many times, and building a poll object each time costs
// more than the syscall. A signal handler that polls again meanwhile gets its
// own table (depth > 0).
const one = new Int32Array(2);
const one16 = new Uint16Array(one.buffer);
let oneDepth = 0;
const LONGEST = 20 * 86400; // poll(2) takes int milliseconds; callers loop to their deadline

/** poll(2) on one fd for `events` (POLLIN/POLLOUT); seconds, null/undefined = forever. Whether it is ready. */
export function waitFd(fd: number, events: number, timeoutSec: number | null | undefined): boolean {
  const t = timeoutSec === null || timeoutSec === undefined || timeoutSec > LONGEST ? -1 : Math.max(0, timeoutSec);
  const table = oneDepth === 0 ? one : new Int32Array(2);
  const t16 = table === one ? one16 : new Uint16Array(table.buffer);
  table[0] = fd;
  t16[2] = events;
  t16[3] = 0;
  oneDepth++;
  try {
    return sysPoll(table, 1, t) > 0;
  } finally {
    oneDepth--;
  }
}

export const POLLIN: number = SK.POLLIN;
export const POLLOUT: number = SK.POLLOUT;
