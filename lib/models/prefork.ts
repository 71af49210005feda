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
import { AF_UNIX, SO_REUSEADDR, SO_REUSEPORT, SOCK_STREAM, SOL_SOCKET, Socket } from '../socket';
import {
  acceptBlocking, armListener, checkOptions, closeListener, familyOf, isStop, listenInfo, listenOn, makeReporter, newStats,
  requireSingleProcess, serveConnectionBlocking, StopControl,
} from './common';
import type { ListenAddress, ServeOptions, ServeStats } from '../server/types';
import { codedError, outOfRange } from '../errors';
import { superviseWorkers } from './workers';

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
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  let listener: Socket | null = null;
  try {
    let addr: ListenAddress = o.address;
    if (o.reusePort) {
      // The parent holds the port with a bound, non-listening socket: connections only go to listening
      // members of the SO_REUSEPORT group, and the port stays ours while a worker restarts.
      listener = holdPort(o.address);
      addr = boundAddress(listener, o.address);
    } else {
      listener = listenOn(o.address, o.backlog);
      armListener(listener);
    }
    const inherited = listener;
    superviseWorkers({
      name: NAME, count: n, stop, report,
      run: (slot, ready) => worker(inherited, addr, slot, o, stop, stats, ready),
    }, () => o.onListening?.(listenInfo(NAME, inherited)));
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    if (listener) closeListener(listener, o.address);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

/** A bound, non-listening SO_REUSEPORT socket that keeps the port while workers come and go. */
export function holdPort(address: ListenAddress): Socket {
  const s = new Socket(familyOf(address), SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    s.bind([(address as { host?: string }).host ?? '127.0.0.1', (address as { port: number }).port]);
    return s;
  } catch (e) {
    s.close();
    throw e;
  }
}

/** The address the held port is bound to (port 0 resolved), for the workers' own sockets. */
export function boundAddress(held: Socket, address: ListenAddress): ListenAddress {
  const [, port] = held.getsockname() as [string, number];
  return { host: (address as { host?: string }).host, port };
}

function worker(inherited: Socket, addr: ListenAddress, slot: number, o: PreforkOptions, stop: StopControl,
  stats: ServeStats, ready: () => void): never {
  let code = 0;
  try {
    stop.dropInChild();
    const report = makeReporter(NAME, o, stats);
    let sock = inherited;
    if (o.reusePort) {
      inherited.close();
      sock = listenOn(addr, o.backlog, true);
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
