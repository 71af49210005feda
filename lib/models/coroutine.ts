// coroutine: one process, one thread, a gevent-style hub (posixkit/coroutine)
// waiting in epoll_wait. An acceptor task spawns a task per connection; each
// task reads and writes with cooperative socket calls that suspend it on
// EAGAIN until the hub sees the fd ready. The code reads like the blocking
// models (recv, feed, sendall) and runs like an event loop.
//
//   hub: epoll_wait ──> resume the tasks whose fds are ready
//   acceptor task: accept ──> spawn(conn task) ──> accept ...
//   conn task: recv ──> core ──> sendall ──> recv ...   (suspends on EAGAIN)
import { cooperative, CoSocket, Hub, Op, sleep, wait_read } from '../coroutine';
import { fileShrank, isFileOutput, releaseOutput } from '../server/output';
import type { Socket } from '../socket';
import {
  checkOptions, closeListener, connInfo, isPeerGone, isStop, listenInfo, listenOn, makeReporter, newStats,
  runPendingSignals, SIGNAL_CHECK_MS, StopControl,
} from './common';
import type { ErrorWhere, OutputItem, ServeOptions, ServeStats, Session } from '../server/types';

const NAME = 'coroutine';

export function serve(o: ServeOptions): ServeStats {
  checkOptions(o);
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  let listener: Socket | null = null;
  let hub: Hub | null = null;
  const conns = new Set<CoSocket>();
  try {
    listener = listenOn(o.address, o.backlog);
    hub = new Hub({ maxevents: 1024 });
    const h = hub;
    const lsock = cooperative(listener, h);
    // One receive buffer for every task: a task only suspends before recv(2) writes into it, and
    // feed() copies what it keeps before any other task runs.
    const buf = Buffer.allocUnsafe(o.readSize ?? 65536);
    o.onListening?.(listenInfo(NAME, listener));
    h.spawn(function* acceptor(): Op<void> {
      for (;;) {
        let c: CoSocket;
        try {
          [c] = yield* lsock.accept();
        } catch (e) {
          report(e, 'accept');
          yield* sleep(0.01);
          continue;
        }
        stats.connections++;
        conns.add(c);
        h.spawn(connection, c, stats.connections);
      }
    });
    // The stop handle's pipe, and a one-second tick for signals a race left pending (see SIGNAL_CHECK_MS).
    h.spawn(function* stopper(): Op<void> {
      yield* wait_read(stop.handle.fd);
      h.stop();
    });
    h.spawn(function* ticker(): Op<void> {
      for (;;) {
        yield* sleep(SIGNAL_CHECK_MS / 1000);
        try {
          runPendingSignals();
        } catch (e) {
          if (!isStop(e)) throw e;
          h.stop(); // a stop handler ran inside this task: end run() (the pipe says so too)
          return;
        }
      }
    });
    function* connection(c: CoSocket, id: number): Op<void> {
      let session: Session | null = null;
      let flushing = false;
      let closed = false;
      // One flusher at a time: two tasks sending on one socket would interleave their bytes.
      function* flush(): Op<void> {
        if (flushing || session === null) return;
        flushing = true;
        try {
          for (let items = session.takeOutput(); items !== null; items = session.takeOutput()) {
            for (let i = 0; i < items.length; i++) {
              try {
                yield* sendItem(c, items[i]);
              } catch (e) {
                for (let j = i + 1; j < items.length; j++) releaseOutput(items[j]);
                throw e;
              }
            }
          }
        } finally {
          flushing = false;
        }
      }
      try {
        session = o.core.open(connInfo(NAME, c.sock, id, () => {
          // Output another task produced for us (chat): a short task sends it.
          if (!closed && !flushing) h.spawn(function* wake(): Op<void> {
            try { yield* flush(); } catch (e) { if (!isPeerGone(e)) report(e, 'core'); c.shutdown(2); }
          });
        }));
        yield* flush();
        while (!session.wantsClose) {
          const deadline = session.nextDeadline?.() ?? null;
          c.timeout = deadline === null ? null : Math.max(0.001, (deadline - Date.now()) / 1000);
          let n: number;
          try {
            n = yield* c.recv_into(buf);
          } catch (e) {
            if ((e as { code?: string }).code !== 'ETIMEDOUT') throw e;
            session.tick?.(Date.now());
            yield* flush();
            continue;
          }
          if (n > 0) session.feed(buf.subarray(0, n));
          else session.onEof();
          yield* flush();
          if (n === 0) break; // nothing more can come in; what the session had to say is sent
        }
      } catch (e) {
        if (!isPeerGone(e)) report(e, 'core');
      } finally {
        closed = true;
        if (session) { try { session.close(); } catch (e) { report(e, 'core'); } }
        conns.delete(c);
        c.close();
      }
    }
    hub.run();
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    for (const c of conns) c.close();
    conns.clear();
    hub?.close();
    if (listener) closeListener(listener, o.address);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

function* sendItem(c: CoSocket, item: OutputItem): Op<void> {
  try {
    if (!isFileOutput(item)) {
      yield* c.sendall(item);
      return;
    }
    const n = yield* c.sendfile(item.fd, item.offset, item.length);
    if (n < item.length) throw fileShrank(item.path);
  } finally {
    releaseOutput(item);
  }
}

export type { ErrorWhere };
