// The parent side of the pre-forking models (prefork, prefork-epoll): fork N
// workers, wait until each says it serves, then sleep in pause(2); SIGCHLD's
// handler reaps a dead worker by pid and a replacement is forked into its
// slot. A stop (SIGTERM/SIGINT or the stop handle) ends them all: TERM, then
// KILL for the ones that linger, every one reaped (no zombie).
//
//   parent: fork x N ── read N ready bytes ── pause ── SIGCHLD ── waitpid(pid, WNOHANG) ── fork
import { codedError } from '../errors';
import { Children } from '../internal/children';
import * as os from '../os';
import * as sig from '../signal';
import { SO_REUSEADDR, SO_REUSEPORT, SOCK_STREAM, SOL_SOCKET, Socket } from '../socket';
import type { ErrorWhere, ListenAddress, ServeOptions, ServeStats } from '../server/types';
import {
  armListener, ChildCounts, closeListener, familyOf, isStop, listenInfo, listenOn, makeReporter, newStats, StopControl,
} from './common';

/** What a pre-forked worker is handed: the parent's socket, the address to listen on itself (reusePort), the stop state. */
export interface WorkerStart {
  /** The parent's listening socket, or (reusePort) its bound, non-listening one: close it and listen on `address`. */
  inherited: Socket;
  address: ListenAddress;
  reusePort: boolean;
  slot: number;
  stop: StopControl;
  stats: ServeStats;
  /** Shared counters the worker adds its connections and errors to, for the parent's stats. */
  counts: ChildCounts;
  /** Say once that this worker serves. */
  ready: () => void;
}

/**
 * The whole parent side of a pre-forking model: the listening socket (or, with
 * reusePort, a bound socket that holds the port while workers open their own
 * SO_REUSEPORT sockets), the stop handlers, the workers, and the cleanup.
 * `arm`: the shared listener gets SO_RCVTIMEO (blocking accept wakes up to check for signals).
 */
export function serveWorkers(name: string, o: ServeOptions, count: number, reusePort: boolean, arm: boolean,
  run: (w: WorkerStart) => never): ServeStats {
  const stats = newStats(name);
  const report = makeReporter(name, o, stats);
  const stop = new StopControl(o);
  const counts = new ChildCounts(); // the workers accept and count
  let listener: Socket | null = null;
  try {
    let address: ListenAddress = o.address;
    if (reusePort) {
      // Connections only go to listening members of the SO_REUSEPORT group: the parent's socket never
      // listens, and keeps the port ours while a worker restarts.
      listener = holdPort(o.address);
      const [, port] = listener.getsockname() as [string, number];
      address = { host: (o.address as { host?: string }).host, port };
    } else {
      listener = listenOn(o.address, o.backlog);
      if (arm) armListener(listener);
    }
    const inherited = listener;
    superviseWorkers({
      name, count, stop, report,
      run: (slot, ready) => run({ inherited, address, reusePort, slot, stop, stats, counts, ready }),
    }, () => o.onListening?.(listenInfo(name, inherited)));
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    if (listener) closeListener(listener, o.address);
    counts.addTo(stats); // superviseWorkers has reaped every worker
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

export interface WorkerSet {
  name: string;
  count: number;
  stop: StopControl;
  report: (e: unknown, where: ErrorWhere) => void;
  /** Runs in the forked worker and never returns; `ready()` says it serves (first generation only). */
  run(slot: number, ready: () => void): never;
}

/** Forks the workers, waits for all of them to be ready, calls `onReady`, and supervises until a stop. */
export function superviseWorkers(w: WorkerSet, onReady: () => void): void {
  const { stop, report, count: n } = w;
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
  // Each first-generation worker writes one byte once it serves; replacements do not report.
  let [rd, wr] = os.pipe();
  const readyByte = Buffer.from([1]);
  try {
    const spawn = (slot: number): void => {
      const pid = os.fork();
      if (pid === 0) {
        sig.signal(sig.SIGCHLD, sig.SIG_DFL);
        if (rd >= 0) os.close(rd);
        const fd = wr;
        w.run(slot, () => {
          if (fd < 0) return;
          os.write(fd, readyByte);
          os.close(fd);
        });
      }
      workers.add(pid);
      slots.set(pid, slot);
    };
    try {
      for (let i = 0; i < n; i++) spawn(i);
      os.close(wr);
      wr = -1;
      for (let got = 0; got < n;) {
        const b = os.read(rd, n - got);
        if (b.length === 0) throw codedError('ERR_MODEL_WORKER', `${w.name}: a worker died before it could serve`);
        got += b.length;
      }
    } finally {
      if (wr >= 0) os.close(wr);
      if (rd >= 0) os.close(rd);
      rd = wr = -1;
    }
    onReady();
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
  } finally {
    workers.stop(0);
    sig.signal(sig.SIGCHLD, prevChld);
  }
}
