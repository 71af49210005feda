// prefork: N workers forked up front, each blocking in accept(2) on the one
// listening socket they inherited (the kernel hands each connection to one
// of them), serving it with blocking calls, then accepting again. With
// reusePort each worker opens its own SO_REUSEPORT socket on the same port
// and the kernel spreads connections by hash. The parent only supervises:
// it sleeps in pause(2), reaps dead workers on SIGCHLD and forks
// replacements.
//
//   parent (workers.ts): pause ── SIGCHLD ── waitpid(pid, WNOHANG) ── fork replacement
//   worker 1..N: accept ── recv/send ── close ── accept ...
import * as os from '../os';
import { AF_UNIX } from '../socket';
import {
  acceptBlocking, armListener, checkOptions, familyOf, listenOn, makeReporter, requireSingleProcess, serveConnectionBlocking,
} from './common';
import type { ServeOptions, ServeStats } from '../server/types';
import { codedError, outOfRange } from '../errors';
import { serveWorkers, WorkerStart } from './workers';

export interface PreforkOptions extends ServeOptions {
  /** Worker processes; default 4. */
  workers?: number;
  /** Each worker listens on its own SO_REUSEPORT socket (TCP only). Default false: one shared socket. */
  reusePort?: boolean;
  sendTimeoutMs?: number;
}

const NAME = 'prefork';

export function serve(o: PreforkOptions): ServeStats {
  checkOptions(o);
  requireSingleProcess(NAME, o.core);
  const n = o.workers ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw outOfRange('workers', 'an integer 1..1024', n);
  if (o.reusePort && familyOf(o.address) === AF_UNIX) {
    throw codedError('ERR_MODEL_OPTION', 'prefork reusePort needs a TCP address: SO_REUSEPORT does not apply to Unix sockets');
  }
  return serveWorkers(NAME, o, n, o.reusePort === true, true, (w) => worker(w, o));
}

function worker({ inherited, address, reusePort, slot, stop, stats, counts, ready }: WorkerStart, o: PreforkOptions): never {
  let code = 0;
  try {
    stop.dropInChild();
    const report = counts.reporter(makeReporter(NAME, o, stats));
    let sock = inherited;
    if (reusePort) {
      inherited.close();
      sock = listenOn(address, o.backlog, true);
      armListener(sock);
    }
    ready();
    const buf = Buffer.allocUnsafe(o.readSize ?? 65536);
    let id = 0;
    // A parent killed with SIGKILL cannot stop us: notice it on the accept wake-ups (every second).
    const parent = os.getppid();
    const orphaned = (): boolean => os.getppid() !== parent;
    for (;;) {
      const conn = acceptBlocking(sock, report, orphaned);
      if (conn === null) {
        if (orphaned()) break;
        continue;
      }
      try {
        id++;
        counts.connection();
        serveConnectionBlocking(NAME, conn, id, o.core, buf, { sendTimeoutMs: o.sendTimeoutMs, report });
      } finally {
        conn.close();
      }
    }
  } catch (e) {
    process.stderr.write(`posixkit prefork worker ${os.getpid()} (slot ${slot}): ${(e as Error)?.stack ?? e}\n`);
    code = 1;
  }
  os._exit(code);
}
