// serveFtp: the FTP session on posixkit's blocking server models (forking by
// default; iterative, prefork, threading). The process or thread serving a
// control connection is dedicated to it, so the data-connection actions the
// session asks for are performed right there, synchronously, with posixkit
// sockets: the adapter's feed() returns once the transfer it started is over.
// During a transfer the control socket is polled next to the data socket, so
// ABOR (sent by ftplib with MSG_OOB; SO_OOBINLINE keeps the byte in line) and
// a vanished client stop it at once. The control socket is the one the
// blocking models lend a session during its calls (ConnInfo.socket in
// lib/server/types.ts); the event models lend none, and are refused.
import { writeSync } from 'node:fs';
import { codedError, errno as E, errnoError, invalidArgType, invalidArgValue } from '../errors';
import { serve } from '../models';
import type {
  AppServeOptions, ConnInfo, CoreRef, ListenAddress, ProtocolCore, ServeStats, Session,
} from '../server/types';
import { mmap } from '../mmap';
import { poll, POLLERR, POLLHUP, POLLIN, POLLOUT } from '../select';
import {
  AF_INET, AF_INET6, create_connection, MSG_DONTWAIT, SO_OOBINLINE, SO_REUSEADDR, SOL_SOCKET, Socket,
} from '../socket';
import { formatReply, normalizeIp } from './commands';
import { createSession, FtpSession } from './core';
import { ClientSlots } from './limits';
import { FtpAction, FtpConfig, FtpCore, Result } from './types';

/** The models on which a connection owns its process or thread, as the synchronous data actions need. */
export const FTP_MODELS: readonly string[] = Object.freeze(['forking', 'iterative', 'prefork', 'threading']);

export interface FtpServerLimits {
  /** Clients at once, over all processes/threads of the server; the next gets 421. Default 50 (pure-ftpd). */
  maxClients?: number;
  /** Clients at once from one IP; default 10. */
  maxClientsPerIp?: number;
  /** Passive listeners bind a port in [first, last] (vsftpd pasv_min_port/pasv_max_port); default any. */
  pasvPorts?: [number, number];
}

/** The serializable options a worker thread rebuilds the core from. */
export type FtpProtocolOptions = Omit<FtpConfig, 'clock'> & FtpServerLimits;

export interface ServeFtpOptions extends FtpProtocolOptions, AppServeOptions {
  /** Server model; default 'forking'. Only blocking models: forking, iterative, prefork, threading. */
  model?: string;
  /** Where to listen; default 127.0.0.1:2121. */
  address?: ListenAddress;
}

const FTP_KEYS = new Set(['root', 'anonymous', 'anonymousWrite', 'users', 'allowOverwrite', 'fileMode', 'hideDotfiles',
  'allowActive', 'idleTimeoutMs', 'acceptTimeoutMs', 'connectTimeoutMs', 'dataTimeoutMs', 'failedLoginDelayMs',
  'maxLoginFails', 'maxLineBytes', 'maxListEntries', 'maxUploadBytes', 'greeting', 'maxClients', 'maxClientsPerIp',
  'pasvPorts']);

const CHUNK = 64 * 1024;

function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function checkLimits(o: FtpServerLimits): void {
  for (const k of ['maxClients', 'maxClientsPerIp'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100_000)) throw invalidArgValue(k, v, 'must be an integer 1..100000');
  }
  const r = o.pasvPorts;
  if (r !== undefined && (!Array.isArray(r) || r.length !== 2 || !r.every((p) => Number.isInteger(p) && p >= 1024 && p <= 65535) || r[0] > r[1])) {
    throw invalidArgValue('pasvPorts', r, 'must be [first, last] with 1024 <= first <= last <= 65535');
  }
}

/** A session refused by a cap: the 421 reply, then close. */
class RefusedSession implements Session {
  #out: Buffer[] | null;
  constructor(reply: Buffer) { this.#out = [reply]; }
  feed(): void {}
  onEof(): void {}
  takeOutput(): Buffer[] | null { const o = this.#out; this.#out = null; return o; }
  get wantsClose(): boolean { return this.#out === null; }
  close(): void { this.#out = null; }
}

/** One control connection on a blocking model: the FtpSession plus the data connection it drives. */
export class BlockingFtpSession implements Session {
  readonly #s: FtpSession;
  readonly #ctl: Socket;
  readonly #buf = Buffer.allocUnsafe(CHUNK);
  readonly #cbuf = Buffer.allocUnsafe(4096);
  readonly #pasv: [number, number] | null;
  #release: (() => void) | null;
  #listener: Socket | null = null;
  #data: Socket | null = null;
  #ctlEof = false;
  #deferred: FtpAction[] = [];
  #closed = false;

  constructor(core: FtpCore, conn: ConnInfo, pasv: [number, number] | null, release: (() => void) | null) {
    const peer = conn.peer as [string, number];
    const local = conn.local as [string, number];
    this.#s = createSession(core, { peerAddress: peer[0], localAddress: local[0] });
    this.#ctl = conn.socket!; // the driver's, lent during our calls: never closed here
    this.#ctl.setsockopt(SOL_SOCKET, SO_OOBINLINE, 1);
    this.#pasv = pasv;
    this.#release = release;
  }

  feed(bytes: Uint8Array): void {
    this.#s.feed(bytes);
    this.#pump();
  }
  onEof(): void {
    this.#ctlEof = true;
    this.#s.onEof();
    this.#pump();
  }
  takeOutput(): Buffer[] | null {
    return this.#s.takeOutput();
  }
  get wantsClose(): boolean {
    return this.#s.wantsClose;
  }
  nextDeadline(): number | null {
    return this.#s.nextDeadline();
  }
  tick(nowMs: number): void {
    this.#s.tick(nowMs);
    this.#pump();
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try { this.#s.close(); } finally {
      this.#closeData();
      this.#release?.();
      this.#release = null;
    }
  }

  // Performs the session's actions until it asks for none; replies go out first (a 150 precedes its data).
  #pump(): void {
    for (;;) {
      const actions = this.#deferred.length > 0 ? this.#deferred.splice(0).concat(this.#s.takeActions()) : this.#s.takeActions();
      if (actions.length === 0) return;
      this.#flushCtl();
      for (const a of actions) {
        // ABOR read in the same chunk as the command it aborts: do not start that action at all.
        if (a.kind !== 'abort' && a.kind !== 'close-data' && actions.some((b) => b.kind === 'abort' && b.target === a.id)) {
          this.#complete(a.id, { ok: false, error: 'aborted' });
          continue;
        }
        this.#perform(a);
      }
    }
  }

  #flushCtl(): void {
    for (let out = this.#s.takeOutput(); out; out = this.#s.takeOutput()) for (const b of out) this.#ctl.sendall(b);
  }

  #complete(id: number, r: Result): void {
    this.#s.complete(id, r);
  }

  #perform(a: FtpAction): void {
    switch (a.kind) {
      case 'delay': sleepMs(a.ms); return this.#complete(a.id, { ok: true });
      case 'close-data': return this.#closeData();
      case 'abort': return; // a transfer is only ever aborted while it runs, inside #watchCtl
      case 'listen': return this.#complete(a.id, this.#listen(a.host, a.family));
      case 'open-data': return this.#complete(a.id, a.mode === 'passive' ? this.#accept(a.id, a.peerHost, a.timeoutMs) : this.#connect(a.host, a.port, a.timeoutMs));
      case 'send': {
        const r = this.#send(a.id, a.data, a.stallTimeoutMs);
        this.#closeData();
        return this.#complete(a.id, r);
      }
      case 'receive': {
        const r = this.#receive(a.id, a.fd, a.maxBytes, a.stallTimeoutMs);
        this.#closeData();
        return this.#complete(a.id, r);
      }
    }
  }

  #closeData(): void {
    this.#listener?.close();
    this.#listener = null;
    this.#data?.close();
    this.#data = null;
  }

  #listen(host: string, family: 4 | 6): Result {
    this.#closeData();
    const s = new Socket(family === 6 ? AF_INET6 : AF_INET);
    try {
      if (this.#pasv === null) s.bind([host, 0]);
      else this.#bindInRange(s, host, this.#pasv);
      s.listen(8);
      s.setblocking(false);
      this.#listener = s;
      return { ok: true, port: (s.getsockname() as [string, number])[1] };
    } catch (e) {
      s.close();
      return { ok: false, error: String((e as { code?: string }).code ?? e) };
    }
  }

  #bindInRange(s: Socket, host: string, [lo, hi]: [number, number]): void {
    // A port left in TIME_WAIT by an earlier data connection is fine to listen on again.
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    const n = hi - lo + 1;
    const start = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++) {
      try {
        s.bind([host, lo + ((start + i) % n)]);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EADDRINUSE') throw e;
      }
    }
    throw errnoError(E.EADDRINUSE, 'bind'); // every port of the range is taken
  }

  // Passive: the client may have connected long ago (curl connects right after 229): it waits in the backlog.
  #accept(id: number, peerHost: string, timeoutMs: number): Result {
    const l = this.#listener;
    if (l === null) return { ok: false, error: 'no listener' };
    const deadline = Date.now() + timeoutMs;
    const p = poll();
    try {
      for (;;) {
        const fd = l.accept_raw();
        if (fd >= 0) {
          const c = new Socket(l.family, undefined, 0, fd);
          let ip = '';
          try { ip = normalizeIp((c.getpeername() as [string, number])[0]); } catch { /* gone */ }
          // No PASV theft: only the control peer may connect (vsftpd pasv_promiscuous=NO).
          if (ip !== peerHost) { c.close(); continue; }
          this.#data = c;
          return { ok: true };
        }
        if (fd !== -E.EAGAIN && fd !== -E.EINTR && fd !== -E.ECONNABORTED) return { ok: false, error: `accept errno ${-fd}` };
        const left = deadline - Date.now();
        if (left <= 0) return { ok: false, error: 'timeout' };
        if (this.#wait(p, l.fileno(), POLLIN, left, id)) return { ok: false, error: 'aborted' };
      }
    } finally {
      l.close();
      this.#listener = null;
    }
  }

  #connect(host: string, port: number, timeoutMs: number): Result {
    try {
      this.#data = create_connection([host, port], timeoutMs / 1000);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String((e as { code?: string }).code ?? e) };
    }
  }

  /**
   * Waits up to ms for `events` on fd while watching the control connection.
   * Returns true if the session aborted the action `id` meanwhile (ABOR, or
   * the control connection closed).
   */
  #wait(p: ReturnType<typeof poll>, fd: number, events: number, ms: number, id: number): boolean {
    p.register(fd, events);
    const ctl = this.#ctl.fileno();
    if (!this.#ctlEof) p.register(ctl, POLLIN);
    else try { p.unregister(ctl); } catch { /* not registered */ }
    for (const [f] of p.poll(Math.max(1, Math.ceil(ms)))) {
      if (f === ctl && this.#watchCtl(id)) return true;
    }
    return false;
  }

  // Reads what the client sent on the control connection during an action and feeds it to the session.
  #watchCtl(id: number): boolean {
    const n = this.#ctl.recv_into_raw(this.#cbuf, MSG_DONTWAIT);
    if (n > 0) this.#s.feed(this.#cbuf.subarray(0, n));
    else if (n === 0 || (n !== -E.EAGAIN && n !== -E.EINTR)) {
      this.#ctlEof = true;
      this.#s.onEof();
    }
    this.#flushCtl();
    let aborted = false;
    for (const a of this.#s.takeActions()) {
      if (a.kind === 'abort' && a.target === id) aborted = true;
      else this.#deferred.push(a);
    }
    return aborted;
  }

  #send(id: number, data: FtpAction & { kind: 'send' } extends { data: infer D } ? D : never, stallMs: number): Result {
    const d = this.#data;
    if (d === null) return { ok: false, error: 'no data connection' };
    d.setblocking(false);
    const p = poll();
    const isFile = !(data instanceof Uint8Array);
    const chunk: Uint8Array | null = isFile ? null : data;
    let pos = 0;
    let fileOff = isFile ? data.offset : 0;
    let fileLeft = isFile ? data.length : 0;
    let last = Date.now();
    for (;;) {
      let n: number;
      if (isFile) {
        // sendfile(2): the file's bytes go to the data socket without a copy through JS.
        if (fileLeft === 0) return { ok: true, bytes: 0 };
        n = d.sendfile_raw(data.fd, fileOff, fileLeft);
        if (n === 0) return { ok: false, error: 'file shrank' };
        if (n > 0) { fileOff += n; fileLeft -= n; last = Date.now(); continue; }
        if (n === -E.EINVAL || n === -E.EBADF || n === -E.EIO) return { ok: false, error: 'local' };
      } else {
        if (pos === chunk!.byteLength) return { ok: true, bytes: 0 };
        n = d.send_raw(chunk!, pos, chunk!.byteLength - pos);
        if (n > 0) { pos += n; last = Date.now(); continue; }
      }
      if (n === -E.EINTR) continue;
      if (n !== -E.EAGAIN) return { ok: false, error: 'reset' };
      const left = last + stallMs - Date.now();
      if (left <= 0) return { ok: false, error: 'stalled' };
      if (this.#wait(p, d.fileno(), POLLOUT, left, id)) return { ok: false, error: 'aborted' };
    }
  }

  #receive(id: number, fd: number, maxBytes: number | null, stallMs: number): Result {
    const d = this.#data;
    if (d === null) return { ok: false, error: 'no data connection' };
    d.setblocking(false);
    const p = poll();
    let total = 0;
    let last = Date.now();
    for (;;) {
      const n = d.recv_into_raw(this.#buf);
      if (n > 0) {
        total += n;
        last = Date.now();
        if (maxBytes !== null && total > maxBytes) return { ok: false, error: 'too-large' };
        try {
          for (let off = 0; off < n;) off += writeSync(fd, this.#buf, off, n - off);
        } catch (e) {
          const code = (e as { code?: string }).code;
          return { ok: false, error: code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'no-space' : 'local' };
        }
        continue;
      }
      if (n === 0) return { ok: true, bytes: total };
      if (n === -E.EINTR) continue;
      if (n !== -E.EAGAIN) return { ok: false, error: 'reset' };
      const left = last + stallMs - Date.now();
      if (left <= 0) return { ok: false, error: 'stalled' };
      if (this.#wait(p, d.fileno(), POLLIN | POLLHUP | POLLERR, left, id)) return { ok: false, error: 'aborted' };
    }
  }
}

function makeProtocol(options: FtpProtocolOptions & { clock?: () => number }, slots: ClientSlots | null, ref: CoreRef | undefined): ProtocolCore {
  checkLimits(options);
  const core = new FtpCore(options);
  const pasv = options.pasvPorts ?? null;
  // The same reply as tooManyClients() in posixkit/ftp (not imported from there: index.ts imports this module).
  const refused = (): Session => new RefusedSession(formatReply(421, 'Too many users, try again later.'));
  return {
    name: 'ftp',
    ref,
    open(conn: ConnInfo): Session {
      if (conn.socket === undefined) {
        throw codedError('ERR_MODEL_CORE_MISMATCH', `the FTP server performs data transfers synchronously and needs a blocking model (${FTP_MODELS.join(', ')}), not ${conn.model}`);
      }
      if (!Array.isArray(conn.peer) || !Array.isArray(conn.local)) {
        throw codedError('ERR_FTP_ADDRESS', 'FTP needs a TCP control connection (PORT/PASV carry IP addresses)');
      }
      let release: (() => void) | null = null;
      if (slots !== null) {
        const slot = slots.acquire(normalizeIp(conn.peer[0]));
        if (slot < 0) return refused();
        release = () => slots.release(slot);
      }
      try {
        return new BlockingFtpSession(core, conn, pasv, release);
      } catch (e) {
        release?.();
        throw e;
      }
    },
  };
}

/**
 * The FTP server as a ProtocolCore from serializable options; `shared` is the
 * client table (a SharedArrayBuffer of ClientSlots.bytes(maxClients)) all
 * threads count in. This function is the core's ref for the threading model.
 */
export function ftpProtocol(options: FtpProtocolOptions, shared?: SharedArrayBuffer | null): ProtocolCore {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  // Checked before the slots are sized from it; `shared` must be the table a
  // forking server made for the same maxClients (an array-like would be copied
  // element by element, a 2**32-1 sparse one for minutes).
  checkLimits(options);
  const max = options.maxClients ?? 50;
  if (shared !== undefined && shared !== null) {
    if (!(shared instanceof SharedArrayBuffer)) throw invalidArgType('shared', 'a SharedArrayBuffer', shared);
    if (shared.byteLength !== ClientSlots.bytes(max)) {
      throw invalidArgValue('shared', shared, `must be ${ClientSlots.bytes(max)} bytes (the slot table for maxClients ${max})`);
    }
  }
  const sab = shared ?? new SharedArrayBuffer(ClientSlots.bytes(max));
  const slots = new ClientSlots(new Int32Array(sab), max, options.maxClientsPerIp ?? 10);
  return makeProtocol(options, slots, { module: __filename, export: 'ftpProtocol', args: [options, sab] });
}

/**
 * Serves FTP on a blocking posixkit model until SIGTERM/SIGINT (or `stop`).
 * Blocks this thread; returns the model's counters.
 */
export function serveFtp(options: ServeFtpOptions): ServeStats {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const { model = 'forking', address = { host: '127.0.0.1', port: 2121 }, wrapCore, ...rest } = options;
  if (!FTP_MODELS.includes(model)) {
    throw codedError('ERR_MODEL_CORE_MISMATCH',
      `serveFtp runs on a blocking model (${FTP_MODELS.join(', ')}): each control connection owns its process or thread ` +
      `while it transfers data; ${JSON.stringify(model)} is not one`);
  }
  if ('path' in address) throw codedError('ERR_FTP_ADDRESS', 'FTP needs a TCP address (PORT/PASV carry IP addresses)');
  const ftp: Record<string, unknown> = {};
  const modelOpts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) (FTP_KEYS.has(k) ? ftp : modelOpts)[k] = v;
  const fo = ftp as unknown as FtpProtocolOptions;
  if (typeof fo.root !== 'string') throw invalidArgType('root', 'a directory path', fo.root);
  checkLimits(fo);
  let core: ProtocolCore;
  let map: ReturnType<typeof mmap> | null = null;
  if (model === 'threading') {
    core = ftpProtocol(fo);
  } else {
    // Forked children and prefork workers inherit MAP_SHARED memory: one client table for all of them.
    const max = fo.maxClients ?? 50;
    map = mmap(-1, ClientSlots.bytes(max));
    core = makeProtocol(fo, new ClientSlots(new Int32Array(map.buffer), max, fo.maxClientsPerIp ?? 10), undefined);
  }
  try {
    return serve(model, { ...modelOpts, address, core: wrapCore ? wrapCore(core) : core } as never);
  } finally {
    map?.close();
  }
}
