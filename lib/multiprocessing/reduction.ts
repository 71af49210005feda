// multiprocessing.reduction's fd passing: send_handle/recv_handle move an
// open fd to another process over a Unix-socket Connection (SCM_RIGHTS), in
// Python's wire form (one byte, the fd count mod 256, with the fds as
// ancillary data), so either end may be Python.
import { errno as E, errnoError, invalidArgType, toFd, validateInteger } from '../errors';
import { AF_UNIX, CMSG_SPACE, fromfd, SCM_RIGHTS, SOCK_STREAM, SOL_SOCKET, Socket } from '../socket';
import * as os from '../os';
import { EOFError } from './errors';

/** fd passing works on Linux (Python's HAVE_SEND_HANDLE). */
export const HAVE_SEND_HANDLE = true;

/** Sends the fds over a Unix stream socket: one byte (their count mod 256) carrying them as SCM_RIGHTS. */
export function sendfds(sock: Socket, fds: ArrayLike<number>): void {
  if (!(sock instanceof Socket)) throw invalidArgType('sock', 'a Socket', sock);
  const arr = Int32Array.from(Array.from(fds, (f) => toFd(f, 'fds[]')));
  sock.sendmsg([Buffer.from([arr.length % 256])], [[SOL_SOCKET, SCM_RIGHTS, arr]]);
}

/**
 * Receives up to `size` fds sent by sendfds (close-on-exec, yours to close).
 * EOFError if the peer closed; an error if the count byte does not match.
 */
export function recvfds(sock: Socket, size: number): number[] {
  if (!(sock instanceof Socket)) throw invalidArgType('sock', 'a Socket', sock);
  validateInteger(size, 'size', 1, 253);
  const [msg, anc] = sock.recvmsg(1, CMSG_SPACE(4 * size));
  if (msg.length === 0 && anc.length === 0) throw new EOFError();
  const fds: number[] = [];
  for (const [level, type, data] of anc) {
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) continue;
    for (let i = 0; i + 4 <= data.length; i += 4) fds.push(data.readInt32LE(i));
  }
  if (msg.length === 0 || fds.length % 256 !== msg[0]) {
    for (const fd of fds) {
      try { os.close(fd); } catch { /* already gone */ }
    }
    throw errnoError(E.EBADMSG ?? E.EIO, `recvfds (received ${fds.length} fds, the message said ${msg.length ? msg[0] : 'nothing'})`);
  }
  return fds;
}

function onConnection<T>(conn: { fileno(): number }, fn: (s: Socket) => T): T {
  const s = fromfd(conn, AF_UNIX, SOCK_STREAM);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/**
 * Python's send_handle(conn, handle, destination_pid): sends the open fd
 * `handle` to the process at the other end of `conn` (a Pipe() end or a
 * Unix-socket connection). The sender keeps its own fd open.
 */
export function sendHandle(conn: { fileno(): number }, handle: number, _destinationPid?: number): void {
  const fd = toFd(handle, 'handle');
  onConnection(conn, (s) => sendfds(s, [fd]));
}

/** Python's recv_handle(conn): the fd sent by sendHandle, as a new fd of this process. */
export function recvHandle(conn: { fileno(): number }): number {
  return onConnection(conn, (s) => recvfds(s, 1)[0]);
}

export { recvHandle as recv_handle, sendHandle as send_handle };
