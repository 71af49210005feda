// What every model shares: the listening socket, the stop machinery (signal
// handlers + a wake-up pipe), error reporting, and the blocking driver that
// runs a Session over one connection with blocking recv/send.
import { unlinkSync } from 'node:fs';
import { codedError, errno as E, errnoError, invalidArgType, invalidArgValue } from '../errors';
import { WakePipe } from '../internal/wake';
import { mmap, PAGESIZE } from '../mmap';
import * as os from '../os';
import * as sig from '../signal';
import {
  AF_INET, AF_INET6, AF_UNIX, create_server, SHUT_WR, SO_RCVTIMEO, SO_SNDTIMEO, SOL_SOCKET, Socket, SockAddr,
} from '../socket';
import { fileShrank, isFileOutput, OutputItem, releaseOutput } from '../server/output';
import type {
  ConnInfo, ErrorWhere, ListenAddress, ListenInfo, ProtocolCore, ServeOptions, ServeStats, Session, StopHandle,
} from '../server/types';

/** Thrown by the stop signal handlers out of whatever blocking call they interrupted. */
export class StopRequest extends Error {
  constructor(readonly signal: number) {
    super(`server stopping (signal ${signal})`);
  }
}

export function isStop(e: unknown): e is StopRequest {
  return e instanceof StopRequest;
}

// ---- validation ---------------------------------------------------------------

export function checkOptions(o: ServeOptions): void {
  if (o === null || typeof o !== 'object') throw invalidArgType('options', 'of type object', o);
  const a = o.address as unknown as Record<string, unknown>;
  if (a === null || typeof a !== 'object') throw invalidArgType('options.address', '{ host?, port } or { path }', a);
  if ('path' in a) {
    if (typeof a.path !== 'string' || a.path.length === 0) throw invalidArgType('options.address.path', 'a non-empty string', a.path);
  } else if (!Number.isInteger(a.port) || (a.port as number) < 0 || (a.port as number) > 65535) {
    throw invalidArgValue('options.address.port', a.port, 'must be an integer 0..65535');
  }
  const c = o.core as unknown as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || typeof c.open !== 'function') {
    throw invalidArgType('options.core', 'a ProtocolCore (an object with open(conn))', c);
  }
  if (o.readSize !== undefined && (!Number.isInteger(o.readSize) || o.readSize < 1 || o.readSize > 1 << 24)) {
    throw invalidArgValue('options.readSize', o.readSize, 'must be an integer 1..16777216');
  }
}

/** Refuses a core whose sessions share memory on a model that spreads them over processes or threads. */
export function requireSingleProcess(model: string, core: ProtocolCore): void {
  if (core.sharedState) {
    throw codedError('ERR_MODEL_CORE_MISMATCH',
      `the ${core.name} core keeps state shared by its sessions, which the ${model} model would split across ` +
      'processes or threads; run it on iterative, nonblocking, select, poll, epoll, epoll-et or coroutine');
  }
}

// ---- listening -------------------------------------------------------------------

export function familyOf(address: ListenAddress): number {
  if ('path' in address) return AF_UNIX;
  return (address.host ?? '127.0.0.1').includes(':') ? AF_INET6 : AF_INET;
}

/** create_server() for a ListenAddress. A stale Unix socket file is replaced only if nobody listens on it. */
export function listenOn(address: ListenAddress, backlog = 511, reusePort = false, type?: number): Socket {
  const family = familyOf(address);
  if ('path' in address) {
    if (address.path[0] !== '\0') removeStaleUnixSocket(address.path);
    if (type !== undefined) {
      const s = new Socket(AF_UNIX, type);
      try { s.bind(address.path); } catch (e) { s.close(); throw e; }
      return s;
    }
    return create_server(address.path, { family, backlog });
  }
  const host = address.host ?? '127.0.0.1';
  if (type !== undefined) {
    const s = new Socket(family, type);
    try { s.bind([host, address.port]); } catch (e) { s.close(); throw e; }
    return s;
  }
  return create_server([host, address.port], { family, backlog, reuse_port: reusePort });
}

function removeStaleUnixSocket(path: string): void {
  const probe = new Socket(AF_UNIX);
  try {
    const r = probe.connect_ex(path);
    if (r === E.ECONNREFUSED) unlinkSync(path);
    else if (r === 0) throw errnoError(E.EADDRINUSE, 'bind', path); // a server listens there
  } finally {
    probe.close();
  }
}

export function listenInfo(model: string, sock: Socket): ListenInfo {
  const address = sock.getsockname();
  return {
    model,
    address,
    port: Array.isArray(address) ? address[1] : null,
    path: typeof address === 'string' ? address : null,
    pid: os.getpid(),
  };
}

/** Closes the listener and removes its Unix socket file (the owner process only). */
export function closeListener(sock: Socket, address: ListenAddress): void {
  if (!sock.closed) sock.close();
  if ('path' in address && address.path[0] !== '\0') {
    try { unlinkSync(address.path); } catch { /* already gone */ }
  }
}

// ---- errors ---------------------------------------------------------------------

/** Errors that only mean the peer went away: not reported. */
export function isPeerGone(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  // EAGAIN here is SO_SNDTIMEO: a client that stopped reading.
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ENOTCONN' || code === 'ETIMEDOUT' ||
    code === 'ECONNABORTED' || code === 'EAGAIN';
}

// ---- the signal race -------------------------------------------------------------
//
// A signal that lands while JS runs between two syscalls is recorded, but its
// JS handler only runs when a posixkit call sees EINTR; the next blocking call
// would then sleep through it. So no model blocks longer than this: accept
// and recv time out (SO_RCVTIMEO), event waits are capped, and each wake-up
// runs the handlers such a race left pending. A stop takes at most this long.
export const SIGNAL_CHECK_MS = 1000;

const NO_SIGNALS: number[] = [];
/** Runs JS handlers of signals recorded but not yet dispatched (an empty sigprocmask change). */
export function runPendingSignals(): void {
  sig.pthread_sigmask(sig.SIG_BLOCK, NO_SIGNALS);
}

let lastCheck = 0;
/** runPendingSignals() at most once per SIGNAL_CHECK_MS: for loops so busy they never time out. */
export function maybeRunPendingSignals(): void {
  const now = Date.now();
  if (now - lastCheck < SIGNAL_CHECK_MS) return;
  lastCheck = now;
  runPendingSignals();
}

/** SO_RCVTIMEO on a listener: accept(2) returns EAGAIN every SIGNAL_CHECK_MS (accepted sockets inherit it). */
export function armListener(sock: Socket): void {
  setTimeo(sock, SO_RCVTIMEO, SIGNAL_CHECK_MS);
}

/**
 * A blocking accept4(2) on an armed listener. Returns the connection, or
 * null after reporting an error (ECONNABORTED, EMFILE ...) or when
 * `stopping()` says so. StopRequest propagates.
 */
export function acceptBlocking(listener: Socket, report: (e: unknown, where: ErrorWhere) => void,
  stopping?: () => boolean): Socket | null {
  for (;;) {
    const fd = listener.accept_raw();
    if (fd >= 0) {
      const conn = new Socket(listener.family, listener.type, 0, fd);
      try { maybeRunPendingSignals(); } catch (e) { conn.close(); throw e; }
      return conn;
    }
    if (fd === -E.EAGAIN || fd === -E.EINTR) {
      runPendingSignals();
      if (stopping?.()) return null;
      continue;
    }
    if (stopping?.()) return null;
    // No listener left (closed, shut down): not something to retry.
    if (fd === -E.EBADF || fd === -E.EINVAL || fd === -E.ENOTSOCK) throw errnoError(-fd, 'accept');
    if (fd === -E.EMFILE || fd === -E.ENFILE) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    report(errnoError(-fd, 'accept'), 'accept');
    return null;
  }
}

export function makeReporter(model: string, o: ServeOptions, stats: ServeStats): (e: unknown, where: ErrorWhere) => void {
  return (e, where) => {
    stats.errors++;
    try {
      if (o.onError) o.onError(e, where);
      else process.stderr.write(`posixkit ${model} (${where}, pid ${os.getpid()}): ${(e as Error)?.stack ?? String(e)}\n`);
    } catch {
      // a reporter that throws must not take the server down
    }
  };
}

// ---- stopping ---------------------------------------------------------------------

class PipeStopHandle implements StopHandle {
  readonly #pipe = new WakePipe();
  #stopped = false;
  get fd(): number { return this.#pipe.readFd; }
  get stopped(): boolean { return this.#stopped; }
  stop(): void {
    if (this.#stopped || this.#pipe.closed) return;
    this.#stopped = true;
    this.#pipe.wake();
  }
  reset(): void {
    this.#stopped = false;
    this.#pipe.drain();
  }
  close(): void {
    this.#pipe.close();
  }
  [Symbol.dispose](): void { this.close(); }
}

/** A stop handle: stop() writes a byte to a close-on-exec pipe that event models wait on. */
export function createStopHandle(): StopHandle {
  return new PipeStopHandle();
}

/**
 * The stop state of one serve() call: the signal handlers it installed (they
 * record the signal, write the wake-up pipe and throw StopRequest out of the
 * blocking call they interrupted), and the handle.
 */
export class StopControl {
  readonly handle: StopHandle;
  readonly #own: boolean;
  #prev = new Map<number, sig.Handler>();
  signal = 0;
  /** `onLoop`: the handlers only record and wake (nothing blocking to interrupt; a throw would be uncaught). */
  constructor(o: ServeOptions, onLoop = false) {
    this.#own = o.stop === undefined;
    this.handle = o.stop ?? createStopHandle();
    for (const s of o.signals ?? [sig.SIGTERM, sig.SIGINT]) {
      this.#prev.set(s, sig.signal(s, (signum) => {
        this.signal = signum;
        this.handle.stop();
        if (!onLoop) throw new StopRequest(signum);
      }));
    }
  }
  get stopped(): boolean { return this.handle.stopped; }
  /** Throws StopRequest if stop() was called (by a core or a hook) since the last check. */
  check(): void {
    if (this.handle.stopped) throw new StopRequest(this.signal);
  }
  /** In a forked child: the parent's handlers and pipe are not the child's business. */
  dropInChild(): void {
    for (const s of this.#prev.keys()) sig.signal(s, sig.SIG_DFL);
    this.#prev.clear();
    if (this.#own) this.handle.close();
  }
  restore(): void {
    for (const [s, h] of this.#prev) {
      try { sig.signal(s, h); } catch { sig.signal(s, sig.SIG_DFL); }
    }
    this.#prev.clear();
    if (this.#own) this.handle.close();
  }
}

// ---- connections -------------------------------------------------------------------

/** What a session learns of its connection; `lend` (blocking models): the socket, lent during the session's calls. */
export function connInfo(model: string, sock: Socket, id: number, wake: () => void, lend = false): ConnInfo {
  let peer: SockAddr = null;
  let local: SockAddr = null;
  try { peer = sock.getpeername(); } catch { /* gone already */ }
  try { local = sock.getsockname(); } catch { /* gone already */ }
  const info: ConnInfo = { fd: sock.fileno(), peer, local, family: sock.family, model, id, wake };
  return lend ? { ...info, socket: sock } : info;
}

const NO_WAKE = (): void => {};

const timeval = Buffer.alloc(16);
function setTimeo(sock: Socket, opt: number, ms: number): void {
  const s = Math.floor(ms / 1000);
  timeval.writeBigInt64LE(BigInt(s), 0);
  timeval.writeBigInt64LE(BigInt(Math.floor((ms - s * 1000) * 1000)), 8);
  sock.setsockopt(SOL_SOCKET, opt, timeval);
}

/** Sends one output item with blocking send(2)s; a file range goes by sendfile(2). Releases the item. */
export function sendItemBlocking(sock: Socket, item: OutputItem): void {
  try {
    if (!isFileOutput(item)) {
      if (item.byteLength > 0) sock.sendall(item);
      return;
    }
    const n = sock.sendfile(item.fd, item.offset, item.length);
    if (n < item.length) throw fileShrank(item.path);
  } finally {
    releaseOutput(item);
  }
}

export interface BlockingDriverOptions {
  readSize: number;
  /** Seconds a blocked send may wait for a peer that does not read (SO_SNDTIMEO); default 60. */
  sendTimeoutMs?: number;
  report: (e: unknown, where: ErrorWhere) => void;
}

/**
 * Runs one session over a blocking socket: recv(2) blocks, sendall blocks.
 * Deadlines of the session become SO_RCVTIMEO, so the read itself times out
 * (no poll(2) next to it). Returns when the session is done or the peer is
 * gone; StopRequest propagates. Closes the session, not the socket.
 */
export function driveBlocking(sock: Socket, session: Session, buf: Buffer, o: BlockingDriverOptions): void {
  let rcvTimeo = -1;
  try {
    setTimeo(sock, SO_SNDTIMEO, o.sendTimeoutMs ?? 60_000);
    flushBlocking(sock, session);
    while (!session.wantsClose) {
      const deadline = session.nextDeadline?.() ?? null;
      const want = deadline === null ? SIGNAL_CHECK_MS : Math.min(SIGNAL_CHECK_MS, Math.max(1, deadline - Date.now()));
      if (want !== rcvTimeo) {
        setTimeo(sock, SO_RCVTIMEO, want);
        rcvTimeo = want;
      }
      const n = sock.recv_into_raw(buf);
      if (n > 0) session.feed(buf.subarray(0, n));
      else if (n === 0) {
        session.onEof();
        flushBlocking(sock, session);
        break; // nothing more can come in; what the session had to say is sent
      }
      else if (n === -E.EAGAIN) {
        // SO_RCVTIMEO: a session deadline (tick, then send what it produced: a 408, a goodbye), or the
        // one-second wake-up for signals a race left pending.
        runPendingSignals();
        if (deadline === null || Date.now() < deadline) continue;
        session.tick?.(Date.now());
      }
      else if (n === -E.EINTR) continue;
      else break; // ECONNRESET and friends: the peer is gone
      flushBlocking(sock, session);
    }
    const linger = session.lingerMs ?? 0;
    if (linger > 0) lingerBlocking(sock, buf, linger);
  } catch (e) {
    if (isStop(e)) throw e;
    if (!isPeerGone(e)) o.report(e, 'core');
  } finally {
    try { session.close(); } catch (e) { o.report(e, 'core'); }
  }
}

/**
 * Opens a session for an accepted connection and drives it to its end with
 * blocking calls; a core that fails to open it is reported. The caller closes conn.
 */
export function serveConnectionBlocking(model: string, conn: Socket, id: number, core: ProtocolCore, buf: Buffer,
  o: { sendTimeoutMs?: number; report: (e: unknown, where: ErrorWhere) => void }): void {
  let session: Session;
  try {
    session = core.open(connInfo(model, conn, id, NO_WAKE, true));
  } catch (e) {
    o.report(e, 'core');
    return;
  }
  driveBlocking(conn, session, buf, { readSize: buf.length, sendTimeoutMs: o.sendTimeoutMs, report: o.report });
}

function flushBlocking(sock: Socket, session: Session): void {
  for (let items = session.takeOutput(); items !== null; items = session.takeOutput()) {
    for (let i = 0; i < items.length; i++) {
      try {
        sendItemBlocking(sock, items[i]);
      } catch (e) {
        for (let j = i + 1; j < items.length; j++) releaseOutput(items[j]);
        throw e;
      }
    }
  }
}

// Lingering close (nginx): shut down writing, read and drop until EOF or the deadline, so
// unread input does not turn close(2) into a reset that destroys the reply in flight.
function lingerBlocking(sock: Socket, buf: Buffer, ms: number): void {
  try { sock.shutdown(SHUT_WR); } catch { return; }
  const end = Date.now() + ms;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return;
    setTimeo(sock, SO_RCVTIMEO, left);
    if (sock.recv_into_raw(buf) <= 0) return;
  }
}

export function newStats(model: string): ServeStats {
  return { model, connections: 0, errors: 0, signal: 0 };
}

/**
 * Connections and errors counted in forked processes (prefork workers,
 * forking children). A child's own ServeStats copy dies with it, so they
 * count on an anonymous MAP_SHARED page that the parent adds up when it stops.
 */
export class ChildCounts {
  readonly #map = mmap(-1, PAGESIZE);
  readonly #words = new Int32Array(this.#map.buffer, 0, 2);
  /** In a child: one more connection accepted. */
  connection(): void {
    Atomics.add(this.#words, 0, 1);
  }
  /** In a child: a reporter that also counts the error for the parent. */
  reporter(report: (e: unknown, where: ErrorWhere) => void): (e: unknown, where: ErrorWhere) => void {
    return (e, where) => {
      Atomics.add(this.#words, 1, 1);
      report(e, where);
    };
  }
  /** In a child: adds the counters of a loop that has ended (a prefork-epoll worker's). */
  addFrom(stats: ServeStats): void {
    Atomics.add(this.#words, 0, stats.connections);
    Atomics.add(this.#words, 1, stats.errors);
  }
  /** In the parent, once the children are gone: adds their counts to `stats` and unmaps the page. */
  addTo(stats: ServeStats): void {
    if (this.#map.closed) return;
    stats.connections += Atomics.load(this.#words, 0);
    stats.errors += Atomics.load(this.#words, 1);
    this.#map.close();
  }
}
