// The one place multiprocessing waits for fds: poll(2) for the synchronous
// timed waits (Connection.poll, Queue.get timeout, Process.join timeout, the
// Pool's result pump) and epoll + libuv for the async forms. Everything goes
// through posixkit/select, so the EINTR rule and the kernel calls are its.
import { codedError } from '../errors';
import * as select from '../select';

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
