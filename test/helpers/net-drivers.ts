// Test-only reference drivers on node:net, so real clients (curl, Python)
// can talk to the pure cores before the posixkit models drive them. They show
// the driver contract in its simplest event-driven form; the real drivers are
// the server models (posixkit/models).
import * as fs from 'node:fs';
import * as net from 'node:net';
import { HttpCore, OutputQueue } from '../../lib/http/index';
import { createSession, FtpAction, FtpCore, FtpSession } from '../../lib/ftp/index';

export interface Running {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function track(server: net.Server): () => Promise<void> {
  const socks = new Set<net.Socket>();
  server.on('connection', (s) => { socks.add(s); s.on('close', () => socks.delete(s)); });
  return () => new Promise((r) => { for (const s of socks) s.destroy(); server.close(() => r()); });
}

export async function serveHttp(core: HttpCore): Promise<Running> {
  const server = net.createServer((sock) => {
    const conn = core.createConnection();
    const q = new OutputQueue();
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const flush = () => {
      if (done) return;
      for (let out = conn.takeOutput(); out; out = conn.takeOutput()) q.push(out);
      for (let chunk = q.peek(); chunk; chunk = q.peek()) { sock.write(Buffer.from(chunk)); q.consume(chunk.length); }
      clearTimeout(timer);
      if (conn.wantsClose) { done = true; conn.close(); sock.end(); return; }
      const d = conn.nextDeadline();
      if (d !== null) timer = setTimeout(() => { conn.tick(); flush(); }, Math.max(0, d - Date.now()));
    };
    sock.on('data', (b) => { conn.feed(b); flush(); });
    sock.on('end', () => { conn.onEof(); flush(); });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => { clearTimeout(timer); conn.close(); q.dispose(); });
    flush();
  });
  const port = await listen(server);
  return { port, close: track(server) };
}

/** Per-session data-connection state of the FTP reference driver. */
class FtpData {
  listener: net.Server | null = null;
  pending: net.Socket[] = [];
  waiters: Array<(s: net.Socket) => void> = [];
  sock: net.Socket | null = null;
  inflight = new Map<number, () => void>();
  closeAll(): void {
    this.listener?.close();
    this.listener = null;
    for (const s of this.pending) s.destroy();
    this.pending = [];
    this.sock?.destroy();
    this.sock = null;
  }
}

export async function serveFtp(core: FtpCore): Promise<Running> {
  const server = net.createServer((ctl) => {
    const s: FtpSession = createSession(core, { peerAddress: ctl.remoteAddress!, localAddress: ctl.localAddress! });
    const data = new FtpData();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      for (let out = s.takeOutput(); out; out = s.takeOutput()) for (const b of out) ctl.write(b);
      for (const a of s.takeActions()) perform(s, data, a, flush);
      clearTimeout(timer);
      if (s.wantsClose) { ctl.end(); return; }
      const d = s.nextDeadline();
      if (d !== null) timer = setTimeout(() => { s.tick(); flush(); }, Math.max(0, d - Date.now()));
    };
    ctl.on('data', (b) => { s.feed(b); flush(); });
    ctl.on('end', () => { s.onEof(); flush(); });
    ctl.on('error', () => ctl.destroy());
    ctl.on('close', () => { clearTimeout(timer); s.close(); data.closeAll(); });
    flush();
  });
  const port = await listen(server);
  return { port, close: track(server) };
}

function perform(s: FtpSession, data: FtpData, a: FtpAction, flush: () => void): void {
  const done = (r: Parameters<FtpSession['complete']>[1]) => { data.inflight.delete(a.id); s.complete(a.id, r); flush(); };
  switch (a.kind) {
    case 'delay': setTimeout(() => done({ ok: true }), a.ms); return;
    case 'close-data': data.closeAll(); return;
    case 'abort': data.inflight.get(a.target)?.(); return;
    case 'listen': {
      data.closeAll();
      const l = net.createServer((sock) => {
        const w = data.waiters.shift();
        if (w) w(sock); else data.pending.push(sock);
      });
      data.listener = l;
      l.once('error', () => done({ ok: false, error: 'listen failed' }));
      l.listen(0, a.host, () => done({ ok: true, port: (l.address() as net.AddressInfo).port }));
      return;
    }
    case 'open-data': {
      let finished = false;
      const fin = (sock: net.Socket | null, err?: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(t);
        data.listener?.close();
        data.listener = null;
        if (!sock) return done({ ok: false, error: err ?? 'failed' });
        data.sock = sock;
        done({ ok: true });
      };
      const t = setTimeout(() => fin(null, 'timeout'), a.timeoutMs);
      data.inflight.set(a.id, () => fin(null, 'aborted'));
      if (a.mode === 'active') {
        const c = net.connect(a.port, a.host, () => fin(c));
        c.once('error', () => fin(null, 'connect failed'));
        return;
      }
      const take = (sock: net.Socket) => {
        // No PASV theft: only the control peer may connect (vsftpd pasv_promiscuous=NO).
        if (sock.remoteAddress?.replace(/^::ffff:/, '') !== a.peerHost) { sock.destroy(); data.waiters.push(take); return; }
        fin(sock);
      };
      const p = data.pending.shift();
      if (p) take(p); else data.waiters.push(take);
      return;
    }
    case 'send': {
      const sock = data.sock!;
      data.sock = null;
      let ok = true;
      let rs: fs.ReadStream | null = null;
      let ended = false;
      sock.on('error', () => { ok = false; });
      // Complete only when no read of the session's fd is pending any more: the session closes it at once.
      const settle = (r: Parameters<FtpSession['complete']>[1]) => {
        if (!data.inflight.has(a.id)) return;
        data.inflight.delete(a.id);
        if (rs && !ended && !rs.closed) rs.once('close', () => done(r)); else done(r);
      };
      data.inflight.set(a.id, () => { ok = false; rs?.destroy(); sock.destroy(); settle({ ok: false, error: 'aborted' }); });
      const end = () => sock.end(() => settle(ok ? { ok: true } : { ok: false, error: 'reset' }));
      if (a.data instanceof Uint8Array) { sock.write(a.data); end(); return; }
      if (a.data.length === 0) { end(); return; }
      rs = fs.createReadStream('', { fd: a.data.fd, start: a.data.offset, end: a.data.offset + a.data.length - 1, autoClose: false, emitClose: true });
      rs.on('error', () => { ok = false; sock.destroy(); settle({ ok: false, error: 'read failed' }); });
      sock.on('close', () => { if (!sock.writableFinished) { rs?.destroy(); settle({ ok: false, error: 'reset' }); } });
      rs.pipe(sock, { end: false });
      rs.on('end', () => { ended = true; end(); });
      return;
    }
    case 'receive': {
      const sock = data.sock!;
      data.sock = null;
      let bytes = 0;
      let failed: string | null = null;
      data.inflight.set(a.id, () => { sock.destroy(); done({ ok: false, error: 'aborted' }); });
      sock.on('data', (b: Buffer) => {
        bytes += b.length;
        if (a.maxBytes !== null && bytes > a.maxBytes) { failed = 'too-large'; sock.destroy(); return; }
        fs.writeSync(a.fd, b);
      });
      sock.on('error', () => { failed = failed ?? 'reset'; });
      sock.on('close', () => { if (data.inflight.has(a.id)) done(failed ? { ok: false, error: failed } : { ok: true, bytes }); });
      return;
    }
  }
}
