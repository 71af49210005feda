// The single-process event loop shared by select, poll, epoll and epoll-et.
// A model supplies its Waiter (the one place that knows how it waits); the
// loop owns non-blocking sockets, feeds sessions what recv(2) returned and
// sends what they produced with send(2) until EAGAIN. Per event it allocates
// no arrays and no receive buffers (one reused buffer, recv_into).
import { codedError, errno as E, errnoError } from '../errors';
import { fileShrank, OutputQueue } from '../server/output';
import { SHUT_WR, Socket } from '../socket';
import {
  checkOptions, closeListener, connInfo, isPeerGone, isStop, listenInfo, listenOn, makeReporter, maybeRunPendingSignals, newStats, runPendingSignals,
  SIGNAL_CHECK_MS, StopControl,
} from './common';
import type { ErrorWhere, ServeOptions, ServeStats, Session } from '../server/types';

/** Readiness for one fd, as the model's wait reported it; `hup`: the peer closed its side (EPOLLRDHUP/HUP/ERR). */
export type Ready = (fd: number, readable: boolean, writable: boolean, hup?: boolean) => void;

export interface Waiter {
  /** Edge-triggered: interest is registered once (read+write) and the loop drains until EAGAIN. */
  readonly edge: boolean;
  /** An fd that is readable whenever wait(0) has something to report (epoll's own); poll and select have none. */
  readonly fd?: number;
  add(fd: number, read: boolean, write: boolean): void;
  /** Level-triggered only: change the interest of a registered fd. */
  set(fd: number, read: boolean, write: boolean): void;
  /** Called before close(2) of fd. */
  remove(fd: number): void;
  /** One wait (the model's syscall); timeoutMs < 0 blocks. Calls ready() for each fd reported. */
  wait(timeoutMs: number, ready: Ready): void;
  close(): void;
}

export interface EventOptions extends ServeOptions {
  /** Connections at most; past it new ones are accepted and closed at once (reported once per second). Default none. */
  maxConnections?: number;
}

class Conn {
  readonly queue = new OutputQueue();
  canRead = false;
  canWrite = true;
  eof = false;
  /** The wait reported the peer's FIN (edge-triggered): read until EOF, a short read proves nothing. */
  peerClosed = false;
  woken = false;
  wantR = true;
  wantW = false;
  lingerUntil = 0;
  session!: Session;
  constructor(readonly sock: Socket, readonly fd: number) {}
}

/**
 * A listening socket this loop is given rather than opens: a pre-forking
 * model's worker serves its parent's socket (or its own SO_REUSEPORT one) and
 * leaves the address to the parent (no unlink of a Unix socket file).
 */
export interface GivenListener {
  socket: Socket;
  /** Called once the loop waits on it. */
  onServing(): void;
}

export function serveEvents(name: string, o: EventOptions, makeWaiter: () => Waiter, given?: GivenListener): ServeStats {
  const loop = openEvents(name, o, makeWaiter, false, given?.socket);
  try {
    if (given) given.onServing();
    else o.onListening?.(listenInfo(name, loop.listener));
    loop.run();
  } catch (e) {
    if (!isStop(e)) throw e;
  } finally {
    loop.close();
  }
  return loop.stats;
}

/** Listens and makes the waiter, with the listener and the stop pipe registered; `onLoop`: see StopControl. */
export function openEvents(name: string, o: EventOptions, makeWaiter: () => Waiter, onLoop: boolean, given?: Socket): Loop {
  checkOptions(o);
  const stats = newStats(name);
  const report = makeReporter(name, o, stats);
  const stop = new StopControl(o, onLoop);
  let listener: Socket | null = null;
  let waiter: Waiter | null = null;
  try {
    listener = given ?? listenOn(o.address, o.backlog);
    listener.setblocking(false);
    waiter = makeWaiter();
    const loop = new Loop(name, o, listener, waiter, stop, stats, report, given !== undefined);
    loop.arm();
    return loop;
  } catch (e) {
    waiter?.close();
    if (listener && given) listener.close();
    else if (listener) closeListener(listener, o.address);
    stop.restore();
    throw e;
  }
}

export class Loop {
  readonly buf: Buffer;
  readonly lfd: number;
  readonly sfd: number;
  readonly edge: boolean;
  readonly woken: Conn[] = [];
  readonly max: number;
  /** Earliest session deadline or linger end known; the wait times out there. */
  nextScan = Infinity;
  acceptRetryAt = Infinity;
  lastLimitReport = 0;
  readonly ready: Ready;
  /** Set when the loop runs on Node's: a core's wake() must schedule a turn (no wait returns by itself). */
  onWake?: () => void;

  readonly conns = new Map<number, Conn>();

  constructor(readonly name: string, readonly o: EventOptions, readonly listener: Socket, readonly w: Waiter,
    readonly stop: StopControl, readonly stats: ServeStats,
    readonly report: (e: unknown, where: ErrorWhere) => void, readonly given = false) {
    this.buf = Buffer.allocUnsafe(o.readSize ?? 65536);
    this.lfd = listener.fileno();
    this.sfd = stop.handle.fd;
    this.edge = w.edge;
    this.max = o.maxConnections ?? Infinity;
    this.ready = (fd, r, wr, hup) => this.onReady(fd, r, wr, hup === true);
  }

  /** Registers the listener and the stop pipe; both only read. */
  arm(): void {
    this.w.add(this.lfd, true, false);
    this.w.add(this.sfd, true, false);
  }

  run(): never {
    for (;;) {
      this.stop.check();
      const deadline = this.deadline();
      const before = Date.now();
      const timeout = deadline !== Infinity ? Math.min(SIGNAL_CHECK_MS, Math.max(0, deadline - before)) : SIGNAL_CHECK_MS;
      this.w.wait(timeout, this.ready);
      if (timeout > 0 && Date.now() - before >= timeout) runPendingSignals();
      else maybeRunPendingSignals();
      this.afterWait();
    }
  }

  /** Closes every connection (their sessions first), the waiter, the listener; restores the signal handlers. */
  close(): void {
    for (const c of this.conns.values()) {
      try { c.session?.close(); } catch (e) { this.report(e, 'core'); }
      c.queue.dispose();
      c.sock.close();
    }
    this.conns.clear();
    this.w.close();
    if (this.given) this.listener.close();
    else closeListener(this.listener, this.o.address);
    this.stats.signal = this.stop.signal;
    this.stop.restore();
  }

  /** When the loop must run again without an event: the earliest session deadline, linger end or accept retry. */
  deadline(): number {
    return Math.min(this.nextScan, this.acceptRetryAt);
  }

  /** What follows every wait: sessions woken by their cores, a due accept retry, due timers. */
  afterWait(): void {
    const woken = this.woken;
    for (let i = 0; i < woken.length; i++) {
      const c = woken[i];
      c.woken = false;
      if (this.conns.get(c.fd) === c) this.service(c);
    }
    woken.length = 0;
    const now = Date.now();
    if (now >= this.acceptRetryAt) {
      this.acceptRetryAt = Infinity;
      if (!this.edge) this.w.set(this.lfd, true, false);
      this.acceptMany();
    }
    if (now >= this.nextScan) this.scanTimers(now);
  }

  onReady(fd: number, r: boolean, wr: boolean, hup: boolean): void {
    if (fd === this.lfd) return this.acceptMany();
    if (fd === this.sfd) return this.stop.check();
    const c = this.conns.get(fd);
    if (c === undefined) return;
    if (hup) c.peerClosed = true;
    if (r) c.canRead = true;
    if (wr) c.canWrite = true;
    this.service(c);
  }

  acceptMany(): void {
    // Level-triggered: a bounded batch, the listener stays ready. Edge-triggered: until EAGAIN.
    for (let i = 0; this.edge || i < 64; i++) {
      const fd = this.listener.accept_raw();
      if (fd < 0) {
        if (fd === -E.EAGAIN || fd === -E.EINTR) return;
        if (fd === -E.ECONNABORTED) continue;
        // EMFILE/ENFILE: the backlog waits; retry in 100 ms rather than spin on a ready listener.
        this.report(errnoError(-fd, 'accept'), 'accept');
        this.acceptRetryAt = Date.now() + 100;
        if (!this.edge) this.w.set(this.lfd, false, false);
        return;
      }
      this.open(fd);
    }
  }

  open(fd: number): void {
    this.stats.connections++;
    const sock = new Socket(this.listener.family, this.listener.type, 0, fd);
    if (this.conns.size >= this.max) {
      sock.close();
      const now = Date.now();
      if (now - this.lastLimitReport > 1000) {
        this.lastLimitReport = now;
        this.report(codedError('ERR_MODEL_MAX_CONNECTIONS', `${this.name}: maxConnections (${this.max}) reached; new connections are closed`), 'limit');
      }
      return;
    }
    const c = new Conn(sock, fd);
    try {
      sock.setblocking(false);
      this.w.add(fd, true, this.edge);
    } catch (e) {
      sock.close();
      this.report(e, 'limit');
      return;
    }
    this.conns.set(fd, c);
    try {
      c.session = this.o.core.open(connInfo(this.name, sock, this.stats.connections, () => {
        if (!c.woken) { c.woken = true; this.woken.push(c); this.onWake?.(); }
      }));
    } catch (e) {
      this.report(e, 'core');
      this.drop(c);
      return;
    }
    this.service(c); // a greeting (FTP 220) goes out at once
  }

  /** Reads what the session wants, sends what it produced, and updates the interest. */
  service(c: Conn): void {
    const s = c.session;
    try {
      if (c.lingerUntil > 0) return this.linger(c);
      for (;;) {
        if (c.canRead && !c.eof && s.wantsRead !== false) {
          const n = c.sock.recv_into_raw(this.buf);
          if (n > 0) {
            s.feed(this.buf.subarray(0, n));
            // Level-triggered: one read per report. Edge-triggered: a short read drained the socket, so no
            // recv(2) to meet EAGAIN: data or a FIN arriving later is a new edge. A FIN already reported
            // (EPOLLRDHUP) gets no new edge: then read on until recv returns 0 (nginx's pending_eof).
            if (!this.edge || (n < this.buf.length && !c.peerClosed)) c.canRead = false;
          } else if (n === 0) {
            c.eof = true;
            s.onEof();
          } else if (n === -E.EAGAIN) {
            c.canRead = false;
          } else if (n !== -E.EINTR) {
            return this.drop(c); // ECONNRESET: the peer vanished
          }
        }
        const items = s.takeOutput();
        if (items !== null) c.queue.push(items);
        if (!this.flush(c)) return this.drop(c);
        if (s.wantsClose && c.queue.empty) return this.finish(c);
        // Edge-triggered: drain while reads are possible and wanted (no new edge would come).
        if (!(this.edge && c.canRead && !c.eof && s.wantsRead !== false)) break;
      }
      if (!this.edge) this.interest(c, !c.eof && s.wantsRead !== false, !c.queue.empty);
      // Deadlines that move later are found by the scan at the earlier time; an earlier one moves the scan.
      if (s.nextDeadline !== undefined) {
        const d = s.nextDeadline();
        if (d !== null && d < this.nextScan) this.nextScan = d;
      }
    } catch (e) {
      if (isStop(e)) throw e;
      if (!isPeerGone(e)) this.report(e, 'core');
      this.drop(c);
    }
  }

  interest(c: Conn, r: boolean, w: boolean): void {
    if (r === c.wantR && w === c.wantW) return;
    c.wantR = r;
    c.wantW = w;
    this.w.set(c.fd, r, w);
  }

  /** send(2) (sendfile(2) for a file) until the queue is empty or EAGAIN; false if the peer is gone. */
  flush(c: Conn): boolean {
    const q = c.queue;
    while (!q.empty && c.canWrite) {
      const file = q.peekFile();
      if (file !== null) {
        const n = c.sock.sendfile_raw(file.fd, file.offset, file.length);
        if (n > 0) q.consume(n);
        else if (n === 0) throw fileShrank(file.path);
        else if (n === -E.EAGAIN) c.canWrite = false;
        else if (n !== -E.EINTR) return false;
        continue;
      }
      const data = q.peek()!;
      const n = c.sock.send_raw(data, 0, data.byteLength);
      if (n >= 0) q.consume(n);
      else if (n === -E.EAGAIN) c.canWrite = false;
      else if (n !== -E.EINTR) return false;
    }
    return true;
  }

  finish(c: Conn): void {
    const ms = c.session.lingerMs ?? 0;
    if (ms > 0 && !c.eof) {
      try { c.sock.shutdown(SHUT_WR); } catch { return this.drop(c); }
      c.lingerUntil = Date.now() + ms;
      if (c.lingerUntil < this.nextScan) this.nextScan = c.lingerUntil;
      if (!this.edge) this.interest(c, true, false);
      return this.linger(c);
    }
    this.drop(c);
  }

  linger(c: Conn): void {
    for (;;) {
      const n = c.sock.recv_into_raw(this.buf);
      if (n === -E.EAGAIN) {
        if (Date.now() >= c.lingerUntil) this.drop(c);
        return;
      }
      if (n <= 0) return this.drop(c);
    }
  }

  drop(c: Conn): void {
    if (this.conns.get(c.fd) !== c) return;
    this.conns.delete(c.fd);
    try { c.session?.close(); } catch (e) { this.report(e, 'core'); }
    c.queue.dispose();
    try { this.w.remove(c.fd); } catch { /* not registered */ }
    c.sock.close();
  }

  scanTimers(now: number): void {
    this.nextScan = Infinity; // service() below may lower it again
    let next = Infinity;
    for (const c of this.conns.values()) {
      if (c.lingerUntil > 0) {
        if (now >= c.lingerUntil) this.drop(c);
        else next = Math.min(next, c.lingerUntil);
        continue;
      }
      const d = c.session.nextDeadline?.() ?? null;
      if (d === null) continue;
      if (now >= d) {
        try {
          c.session.tick!(now);
        } catch (e) {
          this.report(e, 'core');
          this.drop(c);
          continue;
        }
        this.service(c);
        const d2 = this.conns.get(c.fd) === c ? c.session.nextDeadline?.() ?? null : null;
        if (d2 !== null) next = Math.min(next, Math.max(d2, now + 1));
      } else {
        next = Math.min(next, d);
      }
    }
    const n = Math.min(this.nextScan, next);
    this.nextScan = n === Infinity ? n : Math.max(n, now + 1); // a deadline tick() did not move must not spin
  }
}

