// Fuzz over real sockets: reproducible random and truncated HTTP requests and FTP
// command streams, split at random, sent to serveHttp (epoll-et, forking) and
// serveFtp (forking) in child processes. Every connection must end with a
// well-formed answer or a clean close within a bound; afterwards the server
// still serves a normal request and its fds and children are back.
// npm test runs a small, bounded sample; `node scripts/stress/http-ftp-fuzz.js`
// runs the same file at PK_FUZZ_SCALE=10 (and any PK_FUZZ_OFFSET into the random sequence).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectCleanStop, expectSettled, startServer } from '../helpers/servers';
import { fdsOf, ROOT } from '../helpers/proc';
import { run } from '../helpers/programs';

const SCALE = Math.max(1, Number(process.env.PK_FUZZ_SCALE || 1));
const OFFSET = Number(process.env.PK_FUZZ_OFFSET || 0);
const HTTP_N = 60 * SCALE;
const FTP_N = 40 * SCALE;
// A hang is no answer and no close for this long: far above the servers' 0.8 s timeouts, so a
// loaded machine (a slow fork, a starved process) is not mistaken for one.
const HANG_MS = 20_000;

function rng(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HTTP_CORPUS = [
  'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /index.html HTTP/1.0\r\n\r\n', 'HEAD /style.css HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  'POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n{"a":1}', 'GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /api/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}x\r\n0\r\n\r\n', 'GET /%2e%2e/x HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', 'BREW /pot HTTP/1.1\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n',
];
const FTP_WORDS = ['USER anonymous', 'USER bob', 'PASS pw', 'PASS x', 'SYST', 'FEAT', 'PWD', 'CWD pub', 'CWD ../..', 'CDUP', 'TYPE I',
  'TYPE A', 'TYPE Z', 'PASV', 'EPSV', 'EPSV ALL', 'PORT 127,0,0,1,4,1', 'EPRT |1|127.0.0.1|1025|', 'LIST', 'NLST -la', 'RETR hello.txt',
  'RETR ../../etc/passwd', 'SIZE hello.txt', 'MDTM hello.txt', 'REST 3', 'STOR x.bin', 'DELE x', 'MKD d', 'RNFR a', 'RNTO b',
  'ABOR', 'NOOP', 'OPTS UTF8 ON', 'AUTH TLS', 'HELP', 'GET / HTTP/1.1', 'QUIT', 'SITE EXEC', '\xff\xf4\xff\xf2ABOR', ''];

function mutate(r: () => number, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n && out.length > 0; i++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return out;
}

function httpInput(r: () => number): Buffer {
  const k = r();
  if (k < 0.15) return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 600) }, () => Math.floor(r() * 256)));
  const parts: Buffer[] = [];
  for (let i = 0, m = 1 + Math.floor(r() * 3); i < m; i++) {
    let s: Buffer = Buffer.from(HTTP_CORPUS[Math.floor(r() * HTTP_CORPUS.length)], 'latin1');
    if (r() < 0.4) s = mutate(r, s);
    if (r() < 0.3) s = s.subarray(0, Math.floor(r() * s.length)); // truncated
    parts.push(s);
  }
  if (k > 0.95) parts.push(Buffer.alloc(20_000, 'A')); // a line far past the limits
  return Buffer.concat(parts);
}

function ftpInput(r: () => number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, m = 1 + Math.floor(r() * 8); i < m; i++) {
    const k = r();
    if (k < 0.1) parts.push(Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))));
    else if (k < 0.13) parts.push(Buffer.alloc(5000, 'B'));
    else {
      let s: Buffer = Buffer.from(FTP_WORDS[Math.floor(r() * FTP_WORDS.length)] + (r() < 0.9 ? '\r\n' : ''), 'latin1');
      if (r() < 0.2) s = mutate(r, s);
      parts.push(s);
    }
  }
  return Buffer.concat(parts);
}

interface Outcome { data: Buffer; closed: boolean; hung: boolean }

/** Sends input in random pieces, maybe half-closes, then waits for the server to close (bounded). */
function exchange(port: number, input: Buffer, r: () => number, halfClose: boolean, limitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean, hung: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ data: Buffer.concat(got), closed, hung });
    };
    const t = setTimeout(() => finish(false, true), limitMs);
    s.on('data', (b) => got.push(b));
    s.on('error', () => finish(true, false)); // a reset is a clean end too
    s.on('close', () => finish(true, false));
    s.on('connect', () => {
      let off = 0;
      const cuts: number[] = [];
      while (off < input.length) { off += 1 + Math.floor(r() * Math.max(1, input.length / 2)); cuts.push(Math.min(off, input.length)); }
      let prev = 0;
      for (const c of cuts) { s.write(input.subarray(prev, c)); prev = c; }
      if (halfClose) s.end();
    });
  });
}

async function many(n: number, parallel: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => { while (next < n) await one(next++); }));
}

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-fuzz-'));
  fs.cpSync(path.join(ROOT, 'examples/site'), root, { recursive: true });
  fs.mkdirSync(path.join(root, 'pub'));
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe.each([['epoll-et'], ['forking']])('HTTP fuzz over sockets on %s', (model) => {
  it(`${HTTP_N} reproducible random inputs: each answered with HTTP/1.x status lines or closed; server keeps serving; no leak`, async () => {
    const srv = await startServer('http-server.js', { model, root, routes: 'demo', headerTimeoutMs: 800, idleTimeoutMs: 800, bodyTimeoutMs: 800, lingerMs: 100 });
    try {
      await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${srv.port}/`]);
      const fds0 = fdsOf(srv.pid);
      const r = rng(0xC0FFEE + OFFSET);
      const bad: string[] = [];
      let answered = 0;
      await many(HTTP_N, 8, async (i) => {
        const input = httpInput(r);
        const o = await exchange(srv.port, input, r, r() < 0.5, HANG_MS);
        const text = o.data.toString('latin1');
        if (/^HTTP\/1\.[01] \d{3} /.test(text)) answered++;
        if (o.hung) bad.push(`#${i} hung: ${JSON.stringify(input.toString('latin1').slice(0, 80))}`);
        else if (text.length > 0 && !/^HTTP\/1\.[01] \d{3} /.test(text)) bad.push(`#${i} bad answer: ${JSON.stringify(text.slice(0, 80))}`);
      });
      expect(bad).toEqual([]);
      expect(answered).toBeGreaterThan(HTTP_N / 2); // most inputs get a status line; the rest were closed silently
      const ok = await run('curl', ['-s', '-w', '%{http_code}', '-o', '/dev/null', `http://127.0.0.1:${srv.port}/index.html`]);
      expect(ok.stdout.toString()).toBe('200');
      await expectSettled(srv, fds0);
    } finally {
      await expectCleanStop(srv);
    }
  }, 60_000 + 2_000 * SCALE * 10);
});

describe('FTP fuzz over sockets on forking', () => {
  it(`${FTP_N} reproducible random command streams: replies are well-formed or the connection closes; server keeps serving; no leak`, async () => {
    const srv = await startServer('ftp-server.js', {
      model: 'forking', root, users: { bob: { password: 'pw' } }, idleTimeoutMs: 800, acceptTimeoutMs: 500, connectTimeoutMs: 500,
      dataTimeoutMs: 800, failedLoginDelayMs: 20, maxClients: 64, maxClientsPerIp: 64,
    });
    try {
      await run('curl', ['-s', '--list-only', `ftp://127.0.0.1:${srv.port}/`]);
      const fds0 = fdsOf(srv.pid);
      const r = rng(0xF7F + OFFSET);
      const bad: string[] = [];
      let replies = 0;
      await many(FTP_N, 8, async (i) => {
        const input = ftpInput(r);
        const o = await exchange(srv.port, input, r, r() < 0.5, HANG_MS);
        const lines = o.data.toString('latin1').split('\r\n');
        if (lines[lines.length - 1] === '') lines.pop();
        replies += lines.length;
        if (o.hung) bad.push(`#${i} hung: ${JSON.stringify(input.toString('latin1').slice(0, 120))}`);
        else if (lines.length > 0 && !/^220 /.test(lines[0])) bad.push(`#${i} no greeting: ${JSON.stringify(lines[0])}`);
        else {
          // Every line is a reply line (NNN space/dash) or the inside of a multi-line reply.
          let inMulti: string | null = null;
          for (const l of lines) {
            if (inMulti !== null) { if (l.startsWith(`${inMulti} `)) inMulti = null; continue; }
            const m = /^(\d{3})([ -])/.exec(l);
            if (!m) { bad.push(`#${i} bad line: ${JSON.stringify(l.slice(0, 80))}`); break; }
            if (m[2] === '-') inMulti = m[1];
          }
        }
      });
      expect(bad).toEqual([]);
      expect(replies).toBeGreaterThan(2 * FTP_N);
      const ok = await run('curl', ['-s', `ftp://127.0.0.1:${srv.port}/hello.txt`]);
      expect(ok.stdout.toString()).toBe('hello\n');
      expect(fs.readdirSync(root).filter((f) => f.endsWith('.part'))).toEqual([]);
      await expectSettled(srv, fds0);
    } finally {
      await expectCleanStop(srv);
    }
  }, 60_000 + 2_000 * SCALE * 10);
});
