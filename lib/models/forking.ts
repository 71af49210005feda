// forking: the parent only accepts; fork(2) makes a child per connection,
// which serves it with blocking calls and _exits. Children are reaped by a
// SIGCHLD handler (waitpid WNOHANG over our own pids) or left to the kernel
// (SIGCHLD = SIG_IGN); a cap on live children makes the parent wait on their
// pidfds (lib/internal/children.ts, the reaper every forking server shares).
//
//   parent:  accept ── fork ──> child: recv/send ... _exit
//              ^ SIGCHLD: waitpid(pid, WNOHANG) for each child we own
import { codedError, invalidArgType, outOfRange } from '../errors';
import { checkChildPid, Children } from '../internal/children';
import * as os from '../os';
import * as sig from '../signal';
import type { Socket } from '../socket';
import {
  acceptBlocking, armListener, checkOptions, ChildCounts, closeListener, runPendingSignals, connInfo, driveBlocking, isStop, listenInfo, listenOn, makeReporter, newStats,
  requireSingleProcess, SIGNAL_CHECK_MS, StopControl,
} from './common';
import type { ServeOptions, ServeStats } from '../server/types';

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
  checkOptions(o);
  requireSingleProcess(NAME, o.core);
  const max = o.maxChildren ?? 256;
  if (!Number.isInteger(max) || max < 1) throw outOfRange('maxChildren', 'an integer >= 1', max);
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  const counts = new ChildCounts(); // errors the children report
  const children = new Children();
  const ignore = o.reap === 'ignore';
  const exited = (pid: number, status: number | null): void => {
    if (status === null) return; // the kernel reaped it (SIG_IGN)
    const code = os.waitstatus_to_exitcode(status);
    if (code !== 0 && code !== -sig.SIGTERM) report(codedError('ERR_MODEL_CHILD_EXIT', `child ${pid} exited with ${code}`), 'child');
  };
  const prevChld = sig.signal(sig.SIGCHLD, ignore ? sig.SIG_IGN : () => { children.reap(exited); });
  let listener: Socket | null = null;
  try {
    listener = listenOn(o.address, o.backlog);
    armListener(listener);
    o.onListening?.(listenInfo(NAME, listener));
    for (;;) {
      stop.check();
      while (children.size >= max) {
        stop.check();
        // One poll(2) on the children's pidfds; a signal (SIGCHLD's reaper, a stop) interrupts it too.
        children.waitAny(SIGNAL_CHECK_MS);
        runPendingSignals();
        children.reap(exited);
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
    children.stop(o.graceMs ?? 0);
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
    const session = o.core.open(connInfo(NAME, conn, stats.connections, () => {}, true));
    driveBlocking(conn, session, Buffer.allocUnsafe(o.readSize ?? 65536), { readSize: 0, sendTimeoutMs: o.sendTimeoutMs, report });
  } catch (e) {
    process.stderr.write(`posixkit forking child ${os.getpid()}: ${(e as Error)?.stack ?? e}\n`);
    code = 1;
  }
  try { conn.close(); } catch { /* gone */ }
  os._exit(code);
}

/**
 * SIGTERM every child (after graceMs), SIGKILL the ones that outlive 2 s more,
 * and reap them all; `children` ends empty. Each pid must be an integer > 0;
 * one that is not a child of this process is dropped without a signal.
 */
export function stopChildren(children: Set<number>, graceMs: number): void {
  // The caller's own Set (it ends empty): anything else, an endless generator
  // included, is refused before a pid is read.
  if (!(children instanceof Set)) throw invalidArgType('children', 'a Set of child pids', children);
  for (const pid of children) checkChildPid(pid, 'children[]');
  new Children(children).stop(graceMs);
}
