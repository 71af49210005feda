// Bookkeeping shared by Process and Pool around fork().
//
// Some fds belong to this process's own multiprocessing objects and mean
// nothing in a child: the read end of a child's exit sentinel, a pool's task
// and result pipes, a child's own sentinel write end. A forked child closes
// them at once, so that (a) a Pool's worker sees end of file when the pool
// stops it even if the user forked other processes meanwhile, and (b) a
// grandchild does not hold its parent's sentinel open, which would make the
// parent look alive to the grandparent's join(timeout).
// Pipe and Queue fds are NOT here: children inherit those on purpose.
import * as os from '../os';

const privateFds = new Set<number>();
const childHooks: Array<() => void> = [];
const exitHooks: Array<() => void> = [];

export function addPrivateFd(fd: number): void {
  privateFds.add(fd);
}

export function closePrivateFd(fd: number): void {
  if (privateFds.delete(fd)) os.close(fd);
}

/** Runs in every forked child, before fork() returns there. */
export function onForkChild(hook: () => void): void {
  childHooks.push(hook);
}

/**
 * Runs in a Process child after run() returned, before it leaves: posixkit's
 * threading joins the child's non-daemon threads here (Python's
 * threading._shutdown), which os._exit would otherwise kill.
 */
export function beforeChildExit(hook: () => void): void {
  exitHooks.push(hook);
}

/** @internal the child's last step before it exits; a failing hook does not keep it from leaving. */
export function runChildExitHooks(): void {
  for (const h of exitHooks) {
    try {
      h();
    } catch { /* leaving anyway */ }
  }
}

os.register_at_fork({
  after_in_child: () => {
    for (const fd of privateFds) {
      try {
        os.close(fd);
      } catch { /* already gone */ }
    }
    privateFds.clear();
    for (const h of childHooks) h();
  },
});

/** Stops tracking `fd` without closing it (its owner closes it). */
export function forgetPrivateFd(fd: number): void {
  privateFds.delete(fd);
}
