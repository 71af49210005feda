// The one reaper of forked children, shared by the forking servers (models'
// forking and prefork, socketserver's ForkingMixIn). Children are reaped by
// pid (waitpid(pid, WNOHANG)), never with waitpid(-1), so children the
// program forked itself are left to it. Waiting for "any of them to exit",
// with a timeout, is one poll(2) on their pidfds (pidfd_open(2)): no pipe
// held by the child, no sleeping. Only pids that are > 0 and children of this
// process are ever signalled.
import { outOfRange } from '../errors';
import * as os from '../os';
import { Poll, POLLIN } from '../select';
import { SIGKILL, SIGTERM } from '../signal';

/** How long stop() gives children between SIGTERM and SIGKILL, ms. */
export const KILL_AFTER_MS = 2000;

/** A pid a caller may ask us to signal: an integer > 0 (0 and negatives name process groups). */
export function checkChildPid(pid: unknown, name = 'pid'): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid > 0x7fffffff) {
    throw outOfRange(name, 'an integer pid > 0 (a child of this process)', pid);
  }
  return pid;
}

/**
 * The live children of one server. `pids` may be a set the program also
 * sees and edits (ForkingMixIn.activeChildren).
 */
export class Children {
  readonly pids: Set<number>;

  constructor(pids: Set<number> = new Set()) {
    this.pids = pids;
  }

  get size(): number {
    return this.pids.size;
  }

  /** Tracks a child just forked. */
  add(pid: number): void {
    this.pids.add(checkChildPid(pid));
  }

  /**
   * Reaps every child that has exited (waitpid(pid, WNOHANG) each, or
   * blocking: waitpid(pid, 0) each) and forgets it; `onExit` gets its wait
   * status, or null for a pid that is not our child any more (ECHILD: reaped
   * elsewhere, or SIGCHLD ignored). Returns how many were reaped. Any other
   * error (a signal handler's throw out of waitpid) propagates.
   */
  reap(onExit?: (pid: number, status: number | null) => void, blocking = false): number {
    let n = 0;
    for (const pid of [...this.pids]) {
      let status: number | null;
      try {
        const [p, st] = os.waitpid(pid, blocking ? 0 : os.WNOHANG);
        if (p !== pid) continue;
        status = st;
      } catch (e) {
        if ((e as { code?: string }).code !== 'ECHILD') throw e;
        status = null;
      }
      this.pids.delete(pid);
      n++;
      onExit?.(pid, status);
    }
    return n;
  }

  /**
   * Blocks until one of the children has exited or `timeoutMs` passed
   * (< 0: no limit); does not reap. True if one is ready to reap (or none
   * is left to wait for). The pidfds live for this call only, so the server
   * holds no fd per child.
   */
  waitAny(timeoutMs: number): boolean {
    if (this.pids.size === 0) return true;
    const p = new Poll();
    const fds: number[] = [];
    let blind = false;
    try {
      for (const pid of this.pids) {
        let fd: number;
        try {
          fd = os.pidfd_open(pid);
        } catch (e) {
          if ((e as { code?: string }).code === 'ESRCH') return true; // gone already: reap it
          blind = true; // EMFILE ...: this one cannot wake us
          continue;
        }
        fds.push(fd);
        p.register(fd, POLLIN);
      }
      // A child without a pidfd is looked at again in 10 ms: say "maybe" so the caller reaps.
      if (blind) {
        p.poll(timeoutMs < 0 ? 10 : Math.min(10, timeoutMs));
        return true;
      }
      return p.poll(timeoutMs < 0 ? null : timeoutMs).length > 0;
    } finally {
      for (const fd of fds) os.close(fd);
    }
  }

  /**
   * Ends every child: waits up to graceMs for them to finish on their own,
   * then SIGTERM, then SIGKILL for those alive KILL_AFTER_MS later, and reaps
   * them all. Only our own children are signalled: a pid that is not (any
   * more) a child of this process is dropped untouched.
   */
  stop(graceMs: number): void {
    if (graceMs > 0) this.#waitAll(graceMs);
    this.#signalAll(SIGTERM);
    this.#waitAll(KILL_AFTER_MS);
    this.#signalAll(SIGKILL);
    this.reap(undefined, true);
  }

  #waitAll(ms: number): void {
    const end = Date.now() + ms;
    for (;;) {
      this.reap();
      const left = end - Date.now();
      if (this.pids.size === 0 || left <= 0) return;
      this.waitAny(left);
    }
  }

  // Signals the children that are still ours: reap() first drops the exited
  // and the foreign ones, so every pid left is a live child of this process.
  #signalAll(sig: number): void {
    this.reap();
    for (const pid of this.pids) {
      try { os.kill(pid, sig); } catch { /* exited since: reaped below */ }
    }
  }
}
