// Terminals: pseudo-terminal pairs (openpty, forkpty, login_tty), isatty,
// ttyname, the foreground process group, the window size.
import { FileLike, toFd, validateInt32 } from '../errors';
import { family } from '../native';
import { close } from './fd';
import { _exit, fork } from './fork';
import { defineStructSeq, StructSeq } from './structseq';

interface TtyNative {
  openpty(): [number, number];
  login_tty(fd: number): void;
  isatty(fd: number): boolean;
  ttyname(fd: number): string;
  tcgetpgrp(fd: number): number;
  tcsetpgrp(fd: number, pgid: number): void;
  get_terminal_size(fd: number): [number, number];
}
const native = family<TtyNative>();

/** openpty(3): `[master, slave]` of a new pseudo-terminal, both close-on-exec. */
export function openpty(): [number, number] {
  return native.openpty();
}

/**
 * login_tty(3): makes `fd` (a terminal) the controlling terminal of a new
 * session and this process's stdin, stdout and stderr, then closes `fd`.
 */
export function login_tty(fd: FileLike): void {
  native.login_tty(toFd(fd));
}

/**
 * forkpty(3) on posixkit's fork(): `[pid, master]` in the parent; in the
 * child `[0, -1]`, with the pty's slave side as its controlling terminal and
 * stdio. Needs what fork() needs (node --single-threaded, the main thread).
 */
export function forkpty(): [number, number] {
  const [master, slave] = openpty();
  let pid: number;
  try {
    pid = fork();
  } catch (e) {
    close(master);
    close(slave);
    throw e;
  }
  if (pid === 0) {
    close(master);
    try {
      native.login_tty(slave);
    } catch {
      _exit(1); // as glibc's forkpty: the child cannot go on without its terminal
    }
    return [0, -1];
  }
  close(slave);
  return [pid, master];
}

/** isatty(3): whether `fd` is a terminal; false for a closed or negative fd, never an error. */
export function isatty(fd: FileLike): boolean {
  if (typeof fd === 'number' && validateInt32(fd, 'fd') < 0) return false;
  return native.isatty(toFd(fd));
}

/** ttyname(3): the terminal device's path (`/dev/pts/3`); OSError (ENOTTY) for a non-terminal. */
export function ttyname(fd: FileLike): string {
  return native.ttyname(toFd(fd));
}

/** tcgetpgrp(3): the foreground process group of the terminal `fd`. */
export function tcgetpgrp(fd: FileLike): number {
  return native.tcgetpgrp(toFd(fd));
}

/** tcsetpgrp(3): makes `pgid` the terminal's foreground group (SIGTTOU if called from the background). */
export function tcsetpgrp(fd: FileLike, pgid: number): void {
  native.tcsetpgrp(toFd(fd), validateInt32(pgid, 'pgid'));
}

/** Python's os.terminal_size: `[columns, lines]`. */
export class terminal_size extends StructSeq<number> {
  declare readonly columns: number;
  declare readonly lines: number;
}
defineStructSeq(terminal_size, { qualname: 'os.terminal_size', sequence: ['columns', 'lines'], extra: [] });

/** ioctl(TIOCGWINSZ) on `fd` (default stdout): the window size; OSError for a non-terminal. */
export function get_terminal_size(fd: FileLike = 1): terminal_size {
  return new terminal_size(native.get_terminal_size(toFd(fd)));
}
