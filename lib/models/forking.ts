// forking: the parent only accepts; fork(2) makes a child per connection,
// which serves it with blocking calls and _exits. Children are reaped by a
// SIGCHLD handler (waitpid WNOHANG over our own pids) or left to the kernel
// (SIGCHLD = SIG_IGN); a cap on live children makes the parent wait.
//
//   parent:  accept ── fork ──> child: recv/send ... _exit
//              ^ SIGCHLD: waitpid(pid, WNOHANG) for each child we own
import * as os from '../os';
import { poll, POLLIN } from '../select';
import * as sig from '../signal';
import type { Socket } from '../socket';
import {
  acceptBlocking, armListener, checkOptions, ChildCounts, closeListener, runPendingSignals, connInfo, driveBlocking, isStop, listenInfo, listenOn, makeReporter, newStats,
  requireSingleProcess, StopControl,
} from './common';
import type { ServeOptions, ServeStats } from './types';

export interface ForkingOptions extends ServeOptions {
  /** 'handler' (default): a SIGCHLD handler reaps with waitpid(pid, WNOHANG); 'ignore': SIGCHLD = SIG_IGN, the kernel reaps. */
  reap?: 'handler' | 'ignore';
  /** Live children at most; at the cap the parent waits for one to exit before accepting more. Default 256. */
  maxChildren?: number;
  /** On stop, how long children may finish their connection before SIGKILL, ms; default 0: SIGTERM at once. */
  graceMs?: number;
  sendTimeoutMs?: number;
}

const NAME = 'forking';

export function serve(o: ForkingOptions): ServeStats {
  checkOptions(NAME, o);
  requireSingleProcess(NAME, o.core);
  const max = o.maxChildren ?? 256;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxChildren must be an integer >= 1, got ${max}`);
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  const counts = new ChildCounts(); // errors the children report
  const children = new Set<number>();
  const ignore = o.reap === 'ignore';
  const reapAll = (): void => {
    for (const pid of children) {
      let r: [number, number];
      try {
        r = os.waitpid(pid, os.WNOHANG);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ECHILD') throw e; // e.g. a stop request from a signal handler
        children.delete(pid); // ECHILD: the kernel reaped it (SIG_IGN)
        continue;
      }
      if (r[0] === pid) {
        children.delete(pid);
        const code = os.waitstatus_to_exitcode(r[1]);
        if (code !== 0 && code !== -sig.SIGTERM) report(new Error(`child ${pid} exited with ${code}`), 'child');
      }
    }
  };
  const prevChld = sig.signal(sig.SIGCHLD, ignore ? sig.SIG_IGN : () => reapAll());
  let listener: Socket | null = null;
  try {
    listener = listenOn(o.address, o.backlog);
    armListener(listener);
    o.onListening?.(listenInfo(NAME, listener));
    for (;;) {
      stop.check();
      while (children.size >= max) {
        if (ignore) {
          // The kernel reaps; waitpid on the oldest blocks until it is gone, then fails with ECHILD.
          const oldest = children.values().next().value as number;
          try { os.waitpid(oldest, 0); } catch { /* ECHILD */ }
          children.delete(oldest);
        } else {
          sig.pause(); // returns once the SIGCHLD handler (or a stop handler) ran
          reapAll();
        }
      }
      const conn = acceptBlocking(listener, report);
      if (conn === null) continue;
      // SIGCHLD often lands on another thread of Node and is recorded without interrupting accept:
      // run the reaper now (one sigprocmask per connection, against a fork) so no zombie waits.
      try { runPendingSignals(); } catch (e) { conn.close(); throw e; }
      stats.connections++;
      let pid: number;
      try {
        pid = os.fork();
      } catch (e) {
        conn.close();
        report(e, 'child'); // EAGAIN/ENOMEM: drop this client, keep serving
        continue;
      }
      if (pid === 0) child(listener, conn, o, stop, stats, counts);
      children.add(pid);
      conn.close();
    }
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    if (listener) closeListener(listener, o.address);
    stopChildren(children, o.graceMs ?? 0);
    counts.addTo(stats);
    sig.signal(sig.SIGCHLD, prevChld);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

function child(listener: Socket, conn: Socket, o: ForkingOptions, stop: StopControl, stats: ServeStats, counts: ChildCounts): never {
  let code = 0;
  listener.close(); // the child's copy only; the parent keeps listening
  try {
    stop.dropInChild();
    sig.signal(sig.SIGCHLD, sig.SIG_DFL);
    const report = counts.reporter(makeReporter(NAME, o, stats));
    const session = o.core.open(connInfo(NAME, conn, stats.connections, () => {}));
    driveBlocking(conn, session, Buffer.allocUnsafe(o.readSize ?? 65536), { readSize: 0, sendTimeoutMs: o.sendTimeoutMs, report });
  } catch (e) {
    process.stderr.write(`posixkit forking child ${os.getpid()}: ${(e as Error)?.stack ?? e}\n`);
    code = 1;
  }
  try { conn.close(); } catch { /* gone */ }
  os._exit(code);
}

/** SIGTERM every child (after graceMs), SIGKILL the ones that outlive 2 s more, and reap them all. */
export function stopChildren(children: Set<number>, graceMs: number): void {
  // Waits up to `ms` for the children to exit: one pidfd per child, poll(2)
  // until each is readable (it exited), then waitpid reaps it. No sleeping.
  const waitAll = (ms: number): void => {
    const end = Date.now() + ms;
    const fds = new Map<number, number>(); // pidfd -> pid
    const reap = (pid: number): void => {
      try {
        const [p] = os.waitpid(pid, os.WNOHANG);
        if (p === pid) children.delete(pid);
      } catch {
        children.delete(pid); // not ours any more
      }
    };
    try {
      for (const pid of children) {
        try { fds.set(os.pidfd_open(pid), pid); } catch { reap(pid); }
      }
      while (children.size > 0) {
        for (const pid of [...children]) reap(pid);
        const left = end - Date.now();
        if (children.size === 0 || left <= 0) break;
        const p = poll();
        for (const [fd, pid] of fds) if (children.has(pid)) p.register(fd, POLLIN);
        p.poll(left);
      }
    } finally {
      for (const fd of fds.keys()) os.close(fd);
    }
  };
  if (graceMs > 0) waitAll(graceMs);
  for (const pid of children) { try { os.kill(pid, sig.SIGTERM); } catch { /* gone */ } }
  waitAll(2000);
  for (const pid of children) { try { os.kill(pid, sig.SIGKILL); } catch { /* gone */ } }
  for (const pid of children) { try { os.waitpid(pid, 0); } catch { /* reaped */ } }
  children.clear();
}
