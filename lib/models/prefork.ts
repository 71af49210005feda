// prefork: N workers forked up front, each blocking in accept(2) on the one
// listening socket they inherited (the kernel hands each connection to one
// of them), serving it with blocking calls, then accepting again. With
// reusePort each worker opens its own SO_REUSEPORT socket on the same port
// and the kernel spreads connections by hash. The parent only supervises:
// it sleeps in pause(2), reaps dead workers on SIGCHLD and forks
// replacements.
//
//   parent: pause ── SIGCHLD ── waitpid(pid, WNOHANG) ── fork replacement
//   worker 1..N: accept ── recv/send ── close ── accept ...
import * as os from '../os';
import * as sig from '../signal';
import { AF_UNIX, SO_REUSEADDR, SO_REUSEPORT, SOCK_STREAM, SOL_SOCKET, Socket } from '../socket';
import {
  acceptBlocking, armListener, checkOptions, ChildCounts, closeListener, familyOf, isStop, listenInfo, listenOn, makeReporter, newStats,
  requireSingleProcess, serveConnectionBlocking, StopControl,
} from './common';
import type { ListenAddress, ServeOptions, ServeStats } from '../server/types';
import { codedError, outOfRange } from '../errors';
import { Children } from '../internal/children';

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
  const counts = new ChildCounts(); // the workers accept and count
  const workers = new Children();
  const slots = new Map<number, number>(); // pid -> slot
  const dead: number[] = [];
  const exited = (pid: number, status: number | null): void => {
    const slot = slots.get(pid)!;
    slots.delete(pid);
    dead.push(slot);
    const code = status === null || status === 0 ? 0 : os.waitstatus_to_exitcode(status);
    if (!stop.stopped) report(codedError('ERR_MODEL_WORKER_EXIT', `worker ${pid} (slot ${slot}) exited with ${code}; replacing it`), 'worker');
  };
  const reap = (): void => { workers.reap(exited); };
  const prevChld = sig.signal(sig.SIGCHLD, () => reap());
  let listener: Socket | null = null;
  try {
    let addr: ListenAddress = o.address;
    if (o.reusePort) {
      // The parent holds the port with a bound, non-listening socket: connections only go to listening
      // members of the SO_REUSEPORT group, and the port stays ours while a worker restarts.
      listener = holdPort(o.address);
      const [, port] = listener.getsockname() as [string, number];
      addr = { host: (o.address as { host?: string }).host, port };
    } else {
      listener = listenOn(o.address, o.backlog);
      armListener(listener);
    }
    // With reusePort the workers open the listening sockets: each says so on a pipe before we announce.
    let [rd, wr] = o.reusePort ? os.pipe() : [-1, -1];
    const spawn = (slot: number): void => {
      const pid = os.fork();
      if (pid === 0) worker(listener!, addr, slot, o, stop, stats, counts, rd, wr);
      workers.add(pid);
      slots.set(pid, slot);
    };
    try {
      for (let i = 0; i < n; i++) spawn(i);
      if (wr >= 0) {
        os.close(wr);
        wr = -1;
        for (let got = 0; got < n;) {
          const b = os.read(rd, n - got);
          if (b.length === 0) throw codedError('ERR_MODEL_WORKER', 'prefork: a worker died before it could listen');
          got += b.length;
        }
      }
    } finally {
      if (wr >= 0) os.close(wr);
      if (rd >= 0) os.close(rd);
      rd = wr = -1; // replacements do not report
    }
    o.onListening?.(listenInfo(NAME, listener));
    const starts: number[] = [];
    for (;;) {
      stop.check();
      if (dead.length === 0) sig.pause(); // SIGCHLD's handler reaps; a stop handler throws (pause checks for pending ones)
      reap();
      while (dead.length > 0) {
        stop.check();
        // A worker that dies at once, over and over (a core that throws on load), must not become a fork storm.
        const now = Date.now();
        starts.push(now);
        while (starts.length > 0 && starts[0] < now - 1000) starts.shift();
        if (starts.length > 2 * n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
        spawn(dead.shift()!);
      }
    }
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    if (listener) closeListener(listener, o.address);
    workers.stop(0);
    counts.addTo(stats);
    sig.signal(sig.SIGCHLD, prevChld);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

function holdPort(address: ListenAddress): Socket {
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

function worker(inherited: Socket, addr: ListenAddress, slot: number, o: PreforkOptions, stop: StopControl,
  stats: ServeStats, counts: ChildCounts, rd: number, wr: number): never {
  let code = 0;
  try {
    if (rd >= 0) os.close(rd);
    stop.dropInChild();
    sig.signal(sig.SIGCHLD, sig.SIG_DFL);
    const report = counts.reporter(makeReporter(NAME, o, stats));
    let sock = inherited;
    if (o.reusePort) {
      inherited.close();
      sock = listenOn(addr, o.backlog, true);
      armListener(sock);
    }
    if (wr >= 0) {
      os.write(wr, Buffer.from([1]));
      os.close(wr);
    }
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
