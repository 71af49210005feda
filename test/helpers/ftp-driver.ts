// An in-memory driver for FtpSession: performs its data actions against
// buffers instead of sockets, so whole client sessions replay without a network.
import { readSync, writeSync } from 'node:fs';
import { createSession, FtpAction, FtpConfig, FtpCore, FtpSession, Result } from '../../lib/ftp/index';

export interface Reply {
  code: number;
  lines: string[];
  /** The reply's raw text, CRLFs included. */
  raw: string;
}

export interface DriverOptions {
  peer?: string;
  local?: string;
  /** open-data fails (accept timeout). */
  dataFails?: boolean;
  /** send/receive actions stay in flight until release() or an abort. */
  hold?: boolean;
  /** receive completes with this error instead of ok. */
  receiveError?: string;
}

export class MemDriver {
  readonly session: FtpSession;
  readonly actions: FtpAction[] = [];
  readonly transfers: Buffer[] = [];
  /** What the "client" sends on the data connection for the next receive actions. */
  uploads: Buffer[] = [];
  delayedMs = 0;
  /** The replies sent before any command (the 220). */
  readonly greeting: Reply[];
  closedData = 0;
  #raw = '';
  #replies: Reply[] = [];
  #held: FtpAction[] = [];
  #port = 40000;

  constructor(config: FtpConfig | FtpCore, readonly opts: DriverOptions = {}) {
    this.session = createSession(config, { peerAddress: opts.peer ?? '127.0.0.1', localAddress: opts.local ?? '127.0.0.1' });
    this.pump();
    this.greeting = this.takeReplies();
  }

  /** Sends raw bytes on the control connection and runs the session until it waits on nothing we can do. */
  send(bytes: string | Buffer): Reply[] {
    this.session.feed(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    this.pump();
    return this.takeReplies();
  }

  cmd(line: string): Reply[] {
    return this.send(line + '\r\n');
  }

  /** Sends a command and returns its single final code (asserting there is exactly one final reply). */
  code(line: string): number {
    const rs = this.cmd(line).filter((r) => r.code >= 200);
    if (rs.length !== 1) throw new Error(`${line}: expected one final reply, got ${JSON.stringify(rs.map((r) => r.raw))}`);
    return rs[0].code;
  }

  takeReplies(): Reply[] {
    const r = this.#replies;
    this.#replies = [];
    return r;
  }

  /** Completes held transfers (as if the data finished now). */
  release(): Reply[] {
    const held = this.#held;
    this.#held = [];
    for (const a of held) this.#finish(a);
    this.pump();
    return this.takeReplies();
  }

  pump(): void {
    for (let guard = 0; guard < 1000; guard++) {
      const out = this.session.takeOutput();
      if (out) for (const b of out) this.#parse(b);
      const acts = this.session.takeActions();
      if (acts.length === 0 && !out) return;
      for (const a of acts) this.#perform(a);
    }
    throw new Error('driver loop did not settle');
  }

  #perform(a: FtpAction): void {
    this.actions.push(a);
    switch (a.kind) {
      case 'listen': this.session.complete(a.id, { ok: true, port: this.#port++ }); break;
      case 'open-data':
        this.session.complete(a.id, this.opts.dataFails ? { ok: false, error: 'timeout' } : { ok: true });
        break;
      case 'delay': this.delayedMs += a.ms; this.session.complete(a.id, { ok: true }); break;
      case 'close-data': this.closedData++; break;
      case 'abort': {
        const i = this.#held.findIndex((h) => h.id === a.target);
        if (i >= 0) {
          const [h] = this.#held.splice(i, 1);
          this.session.complete(h.id, { ok: false, error: 'aborted' });
        }
        break;
      }
      case 'send': case 'receive':
        if (this.opts.hold) this.#held.push(a);
        else this.#finish(a);
        break;
    }
  }

  #finish(a: FtpAction): void {
    let r: Result = { ok: true };
    if (a.kind === 'send') {
      if (a.data instanceof Uint8Array) this.transfers.push(Buffer.from(a.data));
      else {
        const buf = Buffer.alloc(a.data.length);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(a.data.fd, buf, got, buf.length - got, a.data.offset + got);
          if (n <= 0) break;
          got += n;
        }
        this.transfers.push(buf.subarray(0, got));
      }
    } else if (a.kind === 'receive') {
      const data = this.uploads.shift() ?? Buffer.alloc(0);
      if (this.opts.receiveError) r = { ok: false, error: this.opts.receiveError };
      else if (a.maxBytes !== null && data.length > a.maxBytes) r = { ok: false, error: 'too-large' };
      else writeSync(a.fd, data);
    }
    this.session.complete(a.id, r);
  }

  #parse(b: Buffer): void {
    this.#raw += b.toString('latin1');
    for (;;) {
      const m = /^(\d{3})([ -])/.exec(this.#raw);
      if (!m) { if (this.#raw) throw new Error(`bad reply start: ${JSON.stringify(this.#raw.slice(0, 80))}`); return; }
      let end: number;
      if (m[2] === ' ') end = this.#raw.indexOf('\r\n');
      else {
        const re = new RegExp(`\\r\\n${m[1]} [^\\r\\n]*\\r\\n`, 'g');
        const mm = re.exec(this.#raw);
        end = mm ? mm.index + mm[0].length - 2 : -1;
      }
      if (end < 0) return;
      const raw = this.#raw.slice(0, end + 2);
      this.#raw = this.#raw.slice(end + 2);
      this.#replies.push({ code: Number(m[1]), lines: raw.split('\r\n').slice(0, -1), raw });
    }
  }
}
