// Random and truncated requests: the core never throws, and answers each
// connection with well-formed responses (status line, exact Content-Length) or closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demoRoutes, HttpCore } from '../../lib/http/index';
import { drain, parseResponses, prng } from '../helpers/http-driver';

let base: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-fuzz-'));
  fs.mkdirSync(path.join(base, 'd'));
  fs.writeFileSync(path.join(base, 'index.html'), 'home');
  fs.writeFileSync(path.join(base, 'd', 'f.txt'), 'x'.repeat(100_000));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const CORPUS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /d/f.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=5-9\r\n\r\n',
  'POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n{"a":1}',
  'POST /api/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  'GET /api/time HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n',
];
const NOISE = ['\r', '\n', '\r\n', ' ', ':', '%', '%00', '..', '/', '\0', '\xff', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', 'HEAD'];

function mutate(rnd: () => number): Buffer {
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  let s = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(CORPUS)).join(''), 'latin1');
  const ops = Math.floor(rnd() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const kind = rnd();
    if (kind < 0.3) s = s.subarray(0, at); // truncation
    else if (kind < 0.55) { const b = Buffer.from(s); if (at < b.length) b[at] = Math.floor(rnd() * 256); s = b; }
    else if (kind < 0.8) {
      const noise = pick(NOISE).replace('HEAD', 'X-HEAD');
      s = Buffer.concat([s.subarray(0, at), Buffer.from(noise, 'latin1'), s.subarray(at)]);
    } else if (kind < 0.9) s = Buffer.concat([s.subarray(0, at), s.subarray(Math.min(s.length, at + 1 + Math.floor(rnd() * 8)))]);
    else s = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  }
  return s;
}

describe('http fuzz', () => {
  it('3,000 reproducible random/truncated inputs: no throw, valid responses or close', () => {
    const core = new HttpCore({ root: base, routes: demoRoutes({ startedMs: 0, requests: () => 0 }) });
    const rnd = prng(0xC0FFEE);
    const fds = fs.readdirSync('/proc/self/fd').length;
    const deadline = Date.now() + 20_000;
    let cases = 0;
    const statuses = new Set<number>();
    for (; cases < 3000 && Date.now() < deadline; cases++) {
      const input = mutate(rnd);
      const c = core.createConnection();
      const parts: Buffer[] = [];
      let pos = 0;
      try {
        while (pos < input.length) {
          const n = 1 + Math.floor(rnd() * 64);
          c.feed(input.subarray(pos, pos + n));
          pos += n;
          parts.push(drain(c));
        }
        c.onEof();
        parts.push(drain(c));
      } catch (e) {
        throw new Error(`case ${cases} threw on ${JSON.stringify(input.toString('latin1'))}: ${(e as Error).stack}`);
      }
      const out = Buffer.concat(parts);
      // A 100 Continue may precede the final response; HEAD never appears in the inputs.
      let rs;
      try {
        rs = parseResponses(out);
      } catch (e) {
        throw new Error(`case ${cases}: bad output ${JSON.stringify(out.toString('latin1').slice(0, 300))} for ${JSON.stringify(input.toString('latin1'))}`);
      }
      for (const r of rs) statuses.add(r.status);
      expect(c.wantsClose).toBe(true);
      c.close();
    }
    expect(cases).toBeGreaterThan(500);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(fds);
    // The fuzz reached both success and the error paths.
    expect(statuses.has(200)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  });
});
