// threading: one process, several threads (posixkit/threading on
// worker_threads). Per connection: the main thread blocks in accept(2) and
// starts a thread that serves the connection with blocking calls. Pool
// (pool: N): N threads started up front, each blocking in accept(2) on the
// shared listening fd (fds belong to the process, so every thread sees it).
// A thread has its own JS heap, so the core is rebuilt in it from core.ref
// (module + export + args).
//
//   main: accept ── Thread(conn fd) ── accept ...      pool: thread 1..N: accept ── recv/send ── accept
import { writeSync } from 'node:fs';
import { codedError, outOfRange } from '../errors';
import { callExport, runnableModule } from '../internal/modref';
import * as os from '../os';
import { SHUT_RDWR, SOCK_STREAM, Socket } from '../socket';
import { Lock, Semaphore, Thread } from '../threading';
import {
  acceptBlocking, armListener, checkOptions, closeListener, isStop, listenInfo, listenOn, makeReporter, newStats,
  requireSingleProcess, runPendingSignals, serveConnectionBlocking, SIGNAL_CHECK_MS, StopControl,
} from './common';
import type { CoreRef, ErrorWhere, ProtocolCore, ServeOptions, ServeStats } from '../server/types';

export interface ThreadingOptions extends ServeOptions {
  /** Pool size: N threads accept on the shared socket. Default 0: a thread per connection. */
  pool?: number;
  /** Thread per connection: live threads at most; at the cap the main thread waits. Default 64. */
  maxThreads?: number;
  sendTimeoutMs?: number;
}

const NAME = 'threading';

function coreRef(core: ProtocolCore): CoreRef {
  const ref = core.ref;
  if (!ref || typeof ref.module !== 'string' || typeof ref.export !== 'string') {
    throw codedError('ERR_MODEL_CORE_REF',
      `the threading model rebuilds the core in each thread from core.ref { module, export, args }; the ${core.name} core has none`);
  }
  return { module: runnableModule(ref.module), export: ref.export, args: ref.args ?? [] };
}

interface Job {
  t: Thread;
  fd: number;
}

export function serve(o: ThreadingOptions): ServeStats {
  checkOptions(o);
  requireSingleProcess(NAME, o.core);
  const ref = coreRef(o.core);
  const pool = o.pool ?? 0;
  const max = o.maxThreads ?? 64;
  if (!Number.isInteger(pool) || pool < 0 || pool > 1024) throw outOfRange('pool', 'an integer 0..1024', pool);
  if (!Number.isInteger(max) || max < 1) throw outOfRange('maxThreads', 'an integer >= 1', max);
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  // Shared with the threads: [0] errors reported there, [1] stopping, [2] connections a pool accepted.
  const shared = new Int32Array(new SharedArrayBuffer(12));
  let listener: Socket | null = null;
  const target = { module: runnableModule(__filename), export: pool > 0 ? 'poolThread' : 'connectionThread' };
  const opts = { readSize: o.readSize ?? 65536, sendTimeoutMs: o.sendTimeoutMs ?? 60_000 };
  const jobs: Job[] = [];
  let slots: Int32Array | null = null;
  const lock = new Lock();
  let poolThreads: Thread[] = [];
  // Joins finished connection threads and closes their fds (after each accept, and every second while idle).
  const reapJobs = (): boolean => {
    for (let i = jobs.length - 1; i >= 0; i--) {
      if (jobs[i].t.isAlive()) continue;
      jobs[i].t.join();
      os.close(jobs[i].fd);
      jobs.splice(i, 1);
    }
    return false;
  };
  try {
    listener = listenOn(o.address, o.backlog);
    armListener(listener);
    o.onListening?.(listenInfo(NAME, listener));
    if (pool > 0) {
      slots = new Int32Array(new SharedArrayBuffer(4 * pool)).fill(-1);
      const exited = new Semaphore(0);
      const start = (i: number): Thread => {
        const t = new Thread({
          target, name: `pool-${i}`, daemon: true,
          args: [listener!.fileno(), listener!.family, ref, opts, shared, slots, i, lock, exited],
        });
        t.start();
        return t;
      };
      const threads = (poolThreads = Array.from({ length: pool }, (_, i) => start(i)));
      for (;;) {
        stop.check();
        // A pool thread ended? (Wakes every SIGNAL_CHECK_MS for signals a race left pending.)
        if (!exited.acquire(true, SIGNAL_CHECK_MS / 1000)) { runPendingSignals(); continue; }
        for (let i = 0; i < pool; i++) {
          if (threads[i].isAlive()) continue;
          threads[i].join();
          report(codedError('ERR_MODEL_WORKER_EXIT', `pool thread ${i} ended; starting a new one`), 'worker');
          threads[i] = start(i);
        }
      }
    }
    const free = new Semaphore(max);
    for (;;) {
      stop.check();
      free.acquire();
      let conn: Socket | null;
      try {
        conn = acceptBlocking(listener, report, reapJobs);
      } catch (e) {
        free.release();
        throw e;
      }
      if (conn === null) {
        free.release();
        continue;
      }
      stats.connections++;
      // The main thread keeps the fd: a thread shuts it down when done, the main thread closes it after
      // join, so a stopping server never shuts down a number that was reused.
      const fd = conn.detach();
      const t = new Thread({
        target, name: `conn-${stats.connections}`, daemon: true,
        args: [fd, listener.family, ref, opts, shared, stats.connections, free],
      });
      try {
        t.start();
      } catch (e) {
        os.close(fd);
        free.release();
        report(e, 'worker');
        continue;
      }
      jobs.push({ t, fd });
      reapJobs();
    }
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    Atomics.store(shared, 1, 1);
    // Wake every thread first (shutdown(2) makes a blocked accept fail with EINVAL and a blocked recv
    // return 0), join them, and only then close the listener: a thread must never accept on a
    // closed, maybe reused, fd number.
    if (listener) { try { listener.shutdown(SHUT_RDWR); } catch { /* not connected */ } }
    for (const j of jobs) {
      if (j.t.isAlive()) { try { shutdownFd(j.fd); } catch { /* gone */ } }
    }
    if (slots) {
      lock.acquire();
      try {
        for (let i = 0; i < slots.length; i++) {
          const fd = Atomics.load(slots, i);
          if (fd >= 0) shutdownFd(fd);
        }
      } finally {
        lock.release();
      }
    }
    for (const t of poolThreads) t.join(5);
    for (const j of jobs) {
      j.t.join(5);
      try { os.close(j.fd); } catch { /* closed */ }
    }
    jobs.length = 0;
    if (listener) closeListener(listener, o.address);
    stats.errors += Atomics.load(shared, 0);
    stats.connections += Atomics.load(shared, 2);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

function shutdownFd(fd: number): void {
  const d = os.dup(fd);
  const s = new Socket(undefined, undefined, undefined, d);
  try { s.shutdown(SHUT_RDWR); } catch { /* not connected */ } finally { s.close(); }
}

// ---- the thread side ------------------------------------------------------------

interface ThreadOpts {
  readSize: number;
  sendTimeoutMs: number;
}

function loadCore(ref: CoreRef): ProtocolCore {
  return callExport<ProtocolCore>(ref);
}

function threadReporter(shared: Int32Array): (e: unknown, where: ErrorWhere) => void {
  // Straight to fd 2: a worker's process.stderr goes through the main thread's event loop, which is blocked.
  return (e, where) => {
    Atomics.add(shared, 0, 1);
    try { writeSync(2, `posixkit threading (${where}, tid ${os.gettid()}): ${(e as Error)?.stack ?? String(e)}\n`); } catch { /* no stderr */ }
  };
}

/** Thread target: serves one connection; the fd stays the main thread's (shut down here, closed there). */
export function connectionThread(fd: number, family: number, ref: CoreRef, opts: ThreadOpts, shared: Int32Array,
  id: number, free: Semaphore): void {
  const report = threadReporter(shared);
  const sock = new Socket(family, undefined, 0, fd);
  try {
    serveConnectionBlocking(NAME, sock, id, loadCore(ref), Buffer.allocUnsafe(opts.readSize), { sendTimeoutMs: opts.sendTimeoutMs, report });
  } catch (e) {
    report(e, 'core');
  } finally {
    try { sock.shutdown(SHUT_RDWR); } catch { /* peer gone */ }
    sock.detach();
    free.release();
  }
}

/** Thread target: a pool member accepting on the shared listening fd until the server stops. */
export function poolThread(lfd: number, family: number, ref: CoreRef, opts: ThreadOpts, shared: Int32Array,
  slots: Int32Array, i: number, lock: Lock, exited: Semaphore): void {
  const report = threadReporter(shared);
  let listener: Socket | null = null;
  try {
    listener = new Socket(family, SOCK_STREAM, 0, lfd);
    const core = loadCore(ref);
    const buf = Buffer.allocUnsafe(opts.readSize);
    let id = 0;
    while (Atomics.load(shared, 1) === 0) {
      let conn: Socket | null;
      try {
        conn = acceptBlocking(listener, report, () => Atomics.load(shared, 1) !== 0);
        if (conn !== null) Atomics.add(shared, 2, 1);
      } catch (e) {
        if (Atomics.load(shared, 1) !== 0) break; // the listener was shut down: stopping
        throw e;
      }
      if (conn === null) continue;
      lock.acquire();
      Atomics.store(slots, i, conn.fileno());
      lock.release();
      try {
        if (Atomics.load(shared, 1) !== 0) break;
        serveConnectionBlocking(NAME, conn, ++id, core, buf, { sendTimeoutMs: opts.sendTimeoutMs, report });
      } finally {
        lock.acquire();
        Atomics.store(slots, i, -1);
        lock.release();
        conn.close();
      }
    }
  } catch (e) {
    report(e, 'worker');
  } finally {
    listener?.detach(); // the main thread's
    exited.release();
  }
}
