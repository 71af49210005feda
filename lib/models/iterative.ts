// iterative: one connection at a time. The only thread blocks in accept(2),
// then in recv(2)/send(2) of that one client until it leaves; the others
// wait in the listen backlog. The first TCP server anyone writes, and the UDP loop
// (recvfrom/sendto, one datagram at a time).
import { errno as E } from '../errors';
import { isFileOutput, releaseOutput } from '../server/output';
import { SOCK_DGRAM, Socket } from '../socket';
import { readSync } from 'node:fs';
import {
  acceptBlocking, armListener, checkOptions, closeListener, isStop, listenInfo, listenOn,
  makeReporter, newStats, runPendingSignals, serveConnectionBlocking, StopControl,
} from './common';
import type { ServeOptions, ServeStats } from '../server/types';

export interface IterativeOptions extends ServeOptions {
  /** Serve UDP datagrams instead of TCP connections: each datagram is a session fed once, then EOF. */
  udp?: boolean;
  /** SO_SNDTIMEO for a client that stops reading, ms; default 60000. */
  sendTimeoutMs?: number;
}

const NAME = 'iterative';

export function serve(o: IterativeOptions): ServeStats {
  checkOptions(o);
  const stats = newStats(NAME);
  const report = makeReporter(NAME, o, stats);
  const stop = new StopControl(o);
  let listener: Socket | null = null;
  try {
    listener = o.udp ? listenOn(o.address, 0, false, SOCK_DGRAM) : listenOn(o.address, o.backlog);
    armListener(listener);
    o.onListening?.(listenInfo(NAME, listener));
    const buf = Buffer.allocUnsafe(o.readSize ?? 65536);
    if (o.udp) udpLoop(listener, o, stats, stop, buf, report);
    else tcpLoop(listener, o, stats, stop, buf, report);
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    if (listener) closeListener(listener, o.address);
    stats.signal = stop.signal;
    stop.restore();
  }
  return stats;
}

function tcpLoop(listener: Socket, o: IterativeOptions, stats: ServeStats, stop: StopControl, buf: Buffer,
  report: ReturnType<typeof makeReporter>): void {
  for (;;) {
    stop.check();
    const conn = acceptBlocking(listener, report);
    if (conn === null) continue;
    stats.connections++;
    try {
      serveConnectionBlocking(NAME, conn, stats.connections, o.core, buf, { sendTimeoutMs: o.sendTimeoutMs, report });
    } finally {
      conn.close();
    }
  }
}

function udpLoop(sock: Socket, o: IterativeOptions, stats: ServeStats, stop: StopControl, buf: Buffer,
  report: ReturnType<typeof makeReporter>): void {
  for (;;) {
    stop.check();
    let n: number, peer;
    try {
      [n, peer] = sock.recvfrom_into(buf);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      runPendingSignals(); // SO_RCVTIMEO: see SIGNAL_CHECK_MS
      continue;
    }
    stats.connections++;
    try {
      const session = o.core.open({
        fd: sock.fileno(), peer, local: sock.getsockname(), family: sock.family, model: NAME, id: stats.connections,
        wake: () => {},
      });
      try {
        session.feed(buf.subarray(0, n));
        session.onEof();
        for (let items = session.takeOutput(); items !== null; items = session.takeOutput()) {
          for (const it of items) {
            try {
              if (!isFileOutput(it)) sock.sendto(it, peer as [string, number]);
              else {
                const chunk = Buffer.allocUnsafe(Math.min(it.length, 65507));
                const k = readSync(it.fd, chunk, 0, chunk.length, it.offset);
                sock.sendto(chunk.subarray(0, k), peer as [string, number]);
              }
            } finally {
              releaseOutput(it);
            }
          }
        }
      } finally {
        session.close();
      }
    } catch (e) {
      if (isStop(e)) throw e;
      const code = (e as { errno?: number }).errno;
      if (code !== -E.ECONNREFUSED) report(e, 'core');
    }
  }
}

