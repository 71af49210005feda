import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConnection, demoRoutes, FileCache, HttpConfig, HttpCore, Router } from '../../lib/http/index';
import { exchange, fakeClock, parseResponses } from '../helpers/http-driver';

let base: string;
let root: string;
const big = Buffer.alloc(200_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 8)) & 0xff;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-http-'));
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty'));
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>\n');
  fs.writeFileSync(path.join(root, 'style.css'), 'body{}\n');
  fs.writeFileSync(path.join(root, 'a.txt'), 'hello\n');
  fs.writeFileSync(path.join(root, 'noext'), 'x');
  fs.writeFileSync(path.join(root, 'sub', 'index.html'), 'sub index\n');
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  fs.utimesSync(path.join(root, 'a.txt'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function conn(extra: HttpConfig = {}) {
  return createConnection({ root, routes: demoRoutes({ startedMs: 0, requests: () => 0 }), ...extra });
}
function one(req: string, extra: HttpConfig = {}, isHead = false) {
  const c = conn(extra);
  const out = exchange(c, req);
  const rs = parseResponses(out, [isHead]);
  expect(rs.length).toBe(1);
  return { r: rs[0], c };
}
const get = (target: string, more = '') => `GET ${target} HTTP/1.1\r\nHost: x\r\n${more}\r\n`;

describe('http core: happy path', () => {
  it('serves a file with Content-Length, Date, Last-Modified and type', () => {
    const { r, c } = one(get('/a.txt'));
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello\n');
    expect(r.headers['content-length']).toBe('6');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['last-modified']).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(r.headers.date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(c.wantsClose).toBe(false);
  });
  it('index.html for / and a directory; default type octet-stream', () => {
    expect(one(get('/')).r.body.toString()).toBe('<h1>home</h1>\n');
    expect(one(get('/sub/')).r.body.toString()).toBe('sub index\n');
    expect(one(get('/noext')).r.headers['content-type']).toBe('application/octet-stream');
    expect(one(get('/style.css')).r.headers['content-type']).toBe('text/css; charset=utf-8');
  });
  it('a large file goes out as a file item, byte-exact', () => {
    const c = conn();
    c.feed(Buffer.from(get('/big.bin')));
    const out = c.takeOutput()!;
    expect(out.some((o) => !(o instanceof Uint8Array))).toBe(true);
    const c2 = conn();
    const r = parseResponses(exchange(c2, get('/big.bin')))[0];
    expect(r.body.equals(big)).toBe(true);
    for (const o of out) if (!(o instanceof Uint8Array)) require('node:fs').closeSync(o.fd);
  });
  it('HEAD: same headers, no body, next request parses', () => {
    const c = conn();
    const out = exchange(c, `HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n` + get('/a.txt'));
    const [h, g] = parseResponses(out, [true, false]);
    expect(h.status).toBe(200);
    expect(h.headers['content-length']).toBe('6');
    expect(h.body.length).toBe(0);
    expect(g.body.toString()).toBe('hello\n');
  });
  it('JSON routes, HEAD on a route, POST with a body', () => {
    const r = one(get('/api/hello?name=%3Cb%3E')).r;
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({ hello: '<b>' });
    const body = '{"a":1}';
    const p = one(`POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`).r;
    expect(JSON.parse(p.body.toString())).toEqual({ echo: { a: 1 }, bytes: 7 });
    const ch = one(`POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4;ext=1\r\n":2}\r\n0\r\nX-T: 1\r\n\r\n`).r;
    expect(JSON.parse(ch.body.toString())).toEqual({ echo: { a: 2 }, bytes: 7 });
  });
  it('a throwing handler or a CR/LF header from a route is a 500, not an exception', () => {
    const routes = new Router()
      .get('/boom', () => { throw new Error('x'); })
      .get('/inject', () => ({ body: 'x', headers: [['X-A', 'a\r\nSet-Cookie: evil=1']] }));
    expect(one(get('/boom'), { routes }).r.status).toBe(500);
    expect(() => new Router().add('GET\r\nX: y', '/x', () => ({}))).toThrow(TypeError);
    expect(() => new Router().get('x', () => ({}))).toThrow(TypeError);
    const { r } = one(get('/inject'), { routes });
    expect(r.status).toBe(500);
    expect(r.names).not.toContain('set-cookie');
  });
});

describe('http core: errors (H-01..H-08)', () => {
  const table: Array<[string, string, number]> = [
    ['extra space', 'GET /spaced out HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['bogus version FUBAR', 'GET / FUBAR\r\nHost: x\r\n\r\n', 400],
    ['HTTP/9.9.9', 'GET / HTTP/9.9.9\r\nHost: x\r\n\r\n', 400],
    ['signs', 'GET / HTTP/-9_9_9.+9_9_9\r\nHost: x\r\n\r\n', 400],
    ['12-digit major', 'GET / HTTP/100000000000.1\r\nHost: x\r\n\r\n', 400],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['HTTP/0.9 style', 'GET /\r\n\r\n', 400],
    ['blank request', '\r\n\r\n\r\n\r\n\r\n\r\n', 400],
    ['control in target', 'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['bad percent', 'GET /foo/bar% HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['bad percent %1', 'GET /%1 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['fragment', 'GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['unknown method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 501],
    ['lower-case method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n', 501],
    ['GETs', 'GETs / HTTP/1.1\r\nHost: x\r\n\r\n', 501],
    ['no Host on 1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['bad Host', 'GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n', 400],
    ['space before colon', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n', 400],
    ['no colon', 'GET / HTTP/1.1\r\nHost: x\r\nfoo\r\n\r\n', 400],
    ['bare CR', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400],
    ['CL + TE', 'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['two CL', 'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400],
    ['bad CL', 'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400],
    ['unknown coding', 'POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['body too large', 'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n', 413],
    ['POST on a static file', 'POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 405],
    ['TRACE', 'TRACE / HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    ['missing file', 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ['file with trailing slash', 'GET /a.txt/ HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ['dir without index', 'GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n', 403],
    ['Expect other', 'GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n', 417],
  ];
  for (const [name, req, status] of table) {
    it(`${name} -> ${status}`, () => {
      const { r } = one(req);
      expect(r.status).toBe(status);
      expect(r.body.length).toBe(Number(r.headers['content-length']));
      if (status === 405) expect(r.headers.allow).toBe('GET, HEAD');
    });
  }
  it('a file without read permission bits -> 403, even for root', () => {
    fs.writeFileSync(path.join(root, 'locked.txt'), 'x');
    fs.chmodSync(path.join(root, 'locked.txt'), 0);
    expect(one(get('/locked.txt')).r.status).toBe(403);
  });
  it('autoindex: escaped names, encoded hrefs; no dot-files, non-UTF-8 names or escaping symlinks', () => {
    const d = path.join(root, 'listing');
    fs.mkdirSync(path.join(d, 'sub2'), { recursive: true });
    fs.writeFileSync(path.join(d, '<b>&.txt'), 'x');
    fs.writeFileSync(path.join(d, 'sp ace'), 'x');
    fs.writeFileSync(path.join(d, '.hidden'), 'x');
    fs.writeFileSync(Buffer.concat([Buffer.from(d + '/bad'), Buffer.from([0xff, 0xfe])]), 'raw');
    fs.symlinkSync('/etc', path.join(d, 'out'));
    expect(one(get('/listing/')).r.status).toBe(403);
    const r = one(get('/listing/'), { autoindex: true }).r;
    const html = r.body.toString();
    expect(r.status).toBe(200);
    expect(html).toContain('<a href="%3Cb%3E%26.txt">&#60;b&#62;&#38;.txt</a>');
    expect(html).toContain('<a href="sp%20ace">sp ace</a>');
    expect(html).toContain('<a href="sub2/">sub2/</a>');
    expect(html).not.toContain('bad');
    expect(html).not.toContain('hidden');
    expect(html).not.toContain('"out');
    const raw = one(get('/listing/bad%FF%FE'), { autoindex: true }).r;
    expect(raw.status).toBe(400); // not UTF-8: refused by the path decoder, never served by accident
  });
  it('405 on a route lists the route methods', () => {
    expect(one('DELETE /api/echo HTTP/1.1\r\nHost: x\r\n\r\n').r.headers.allow).toBe('POST');
    expect(one('PUT /api/time HTTP/1.1\r\nHost: x\r\n\r\n').r.headers.allow).toBe('GET, HEAD');
  });
  it('414 for a long request line, 431 for a long header and for too many headers', () => {
    expect(one(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n\r\n`).r.status).toBe(414);
    expect(one(`GET / HTTP/1.1\r\nX: ${'a'.repeat(9000)}\r\n\r\n`).r.status).toBe(431);
    const many = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(one(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`).r.status).toBe(431);
    const ok = Array.from({ length: 99 }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(one(`GET / HTTP/1.1\r\nHost: x\r\n${ok}\r\n`).r.status).toBe(200);
    // An 8,000-octet request line is served (RFC 9112 §3).
    expect(one(`GET /a.txt?${'q'.repeat(7980)} HTTP/1.1\r\nHost: x\r\n\r\n`).r.status).toBe(200);
  });
  it('414 arrives before the line ends (no unbounded buffering)', () => {
    const c = conn();
    const out = exchange(c, ['GET /', 'a'.repeat(5000), 'a'.repeat(5000)]);
    expect(parseResponses(out)[0].status).toBe(414);
    expect(c.wantsClose).toBe(true);
  });
  it('reflected text is HTML-escaped; errors close when told to', () => {
    const { r } = one(get('/%3Cscript%3Ealert(1)%3C/script%3E'));
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain('<script>');
    expect(r.body.toString()).toContain('&#60;script&#62;');
  });
  it('a malformed request closes the connection and asks for a lingering close', () => {
    const c = conn();
    const out = exchange(c, 'GET / FUBAR\r\n\r\n' + get('/a.txt'));
    expect(parseResponses(out).length).toBe(1);
    expect(c.wantsClose).toBe(true);
    expect(c.lingerMs).toBeGreaterThan(0);
  });
});

describe('http core: caching, redirects, targets (H-09, H-13, H-20, H-21)', () => {
  it('If-Modified-Since -> 304 without body or Content-Length; If-None-Match disables it', () => {
    const r = one(get('/a.txt', 'If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n')).r;
    expect(r.status).toBe(304);
    expect(r.names).not.toContain('content-length');
    expect(r.body.length).toBe(0);
    expect(one(get('/a.txt', 'If-Modified-Since: Tue, 02 Jan 2024 03:04:04 GMT\r\n')).r.status).toBe(200);
    expect(one(get('/a.txt', 'If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\nIf-None-Match: "x"\r\n')).r.status).toBe(200);
    expect(one(get('/a.txt', 'If-Modified-Since: garbage\r\n')).r.status).toBe(200);
  });
  it('directory without slash -> 301 keeping the query; Location never starts with //', () => {
    const r = one(get('/sub?x=1')).r;
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/sub/?x=1');
    expect(r.body.length).toBe(Number(r.headers['content-length']));
    fs.mkdirSync(path.join(root, 'example.com'), { recursive: true });
    const inj = one(get('//example.com/%2e%2e')).r;
    expect(inj.headers.location === undefined || !inj.headers.location.startsWith('//')).toBe(true);
    const r2 = one(get('//example.com')).r;
    expect(r2.status).toBe(301);
    expect(r2.headers.location).toBe('/example.com/');
  });
  it('query and // are stripped; absolute-form accepted; leading empty line ignored', () => {
    expect(one(get('/a.txt?x=1&y')).r.body.toString()).toBe('hello\n');
    expect(one(get('//a.txt')).r.status).toBe(200);
    expect(one('GET http://x/a.txt HTTP/1.1\r\nHost: x\r\n\r\n').r.body.toString()).toBe('hello\n');
    expect(one('\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n').r.status).toBe(200);
    expect(one('GET /a.txt HTTP/1.1\nHost: x\n\n').r.status).toBe(200);
  });
  it('Range: 206, suffix, open end, 416, ignored when malformed or If-Range differs', () => {
    const r = one(get('/a.txt', 'Range: bytes=1-3\r\n')).r;
    expect([r.status, r.body.toString(), r.headers['content-range']]).toEqual([206, 'ell', 'bytes 1-3/6']);
    expect(one(get('/a.txt', 'Range: bytes=-2\r\n')).r.body.toString()).toBe('o\n');
    expect(one(get('/a.txt', 'Range: bytes=4-\r\n')).r.body.toString()).toBe('o\n');
    const u = one(get('/a.txt', 'Range: bytes=10-\r\n')).r;
    expect([u.status, u.headers['content-range']]).toEqual([416, 'bytes */6']);
    expect(one(get('/a.txt', 'Range: bytes=1-2,4-5\r\n')).r.status).toBe(200);
    expect(one(get('/a.txt', 'Range: bytes=1-3\r\nIf-Range: Mon, 01 Jan 2024 00:00:00 GMT\r\n')).r.status).toBe(200);
    const b = one(get('/big.bin', 'Range: bytes=100000-100009\r\n')).r;
    expect(b.body.equals(big.subarray(100000, 100010))).toBe(true);
  });
});

describe('http core: persistence, pipelining, 100-continue (H-10..H-12)', () => {
  it('HTTP/1.1 keeps alive; Connection: close closes and says so', () => {
    const c = conn();
    const out = exchange(c, get('/a.txt') + get('/a.txt', 'Connection: close\r\n') + get('/a.txt'));
    const rs = parseResponses(out);
    expect(rs.length).toBe(2);
    expect(rs[1].headers.connection).toBe('close');
    expect(c.wantsClose).toBe(true);
  });
  it('HTTP/1.0 closes unless keep-alive', () => {
    const a = one('GET /a.txt HTTP/1.0\r\n\r\n');
    expect(a.r.headers.connection).toBe('close');
    expect(a.c.wantsClose).toBe(true);
    const b = one('GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(b.r.headers.connection).toBe('keep-alive');
    expect(b.c.wantsClose).toBe(false);
  });
  it('50 pipelined requests in one write, with a 404 and a HEAD inside, answered in order', () => {
    const c = conn();
    let input = '';
    const heads: boolean[] = [];
    for (let i = 0; i < 50; i++) {
      if (i === 10) { input += get('/missing'); heads.push(false); }
      else if (i === 20) { input += `HEAD /style.css HTTP/1.1\r\nHost: x\r\n\r\n`; heads.push(true); }
      else if (i % 3 === 0) { input += get('/big.bin'); heads.push(false); }
      else { input += get(`/a.txt?i=${i}`); heads.push(false); }
    }
    const rs = parseResponses(exchange(c, input), heads);
    expect(rs.length).toBe(50);
    rs.forEach((r, i) => {
      if (i === 10) expect(r.status).toBe(404);
      else if (i === 20) expect([r.status, r.body.length]).toEqual([200, 0]);
      else if (i % 3 === 0) expect(r.body.equals(big)).toBe(true);
      else expect(r.body.toString()).toBe('hello\n');
    });
    expect(c.requestCount).toBe(50);
  });
  it('a bodied request followed by a pipelined one is not mis-parsed', () => {
    const c = conn();
    const out = exchange(c, `POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}` + get('/a.txt'));
    const rs = parseResponses(out);
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
    expect(rs[1].body.toString()).toBe('hello\n');
  });
  it('a client that pipelines without reading is cut off at a bounded buffer', () => {
    const c = conn({ limits: { maxBody: 1000, maxHeadBytes: 1000 } });
    const req = Buffer.from(get('/big.bin'));
    for (let i = 0; i < 1000 && !c.wantsClose; i++) c.feed(req);
    expect(c.wantsClose).toBe(true);
    expect(c.takeOutput()).toBeNull();
  });
  it('byte-at-a-time delivery', () => {
    const c = conn();
    const req = get('/a.txt') + get('/style.css');
    const out = exchange(c, [...req].map((ch) => ch));
    expect(parseResponses(out).map((r) => r.status)).toEqual([200, 200]);
  });
  it('request cap per connection', () => {
    const c = conn({ maxRequestsPerConnection: 3 });
    const rs = parseResponses(exchange(c, get('/a.txt').repeat(5)));
    expect(rs.length).toBe(3);
    expect(rs[2].headers.connection).toBe('close');
  });
  it('Expect: 100-continue sends 100 before the final response; ignored on 1.0; refused route gets no 100', () => {
    const c = conn();
    const first = exchange(c, `POST /api/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`);
    expect(first.toString()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    const rest = parseResponses(exchange(c, '{}'));
    expect(rest[0].status).toBe(200);
    const c10 = conn();
    const o10 = exchange(c10, `POST /api/echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`);
    expect(o10.toString()).not.toContain('100 Continue');
    const bad = conn();
    const ob = exchange(bad, `POST /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`);
    expect(ob.toString()).not.toContain('100 Continue');
    expect(parseResponses(ob)[0].status).toBe(405);
    expect(bad.wantsClose).toBe(true);
  });
  it('EOF after complete requests answers them, then closes; EOF mid-head closes silently', () => {
    const c = conn();
    const out = exchange(c, get('/a.txt') + 'GET /a.t', true);
    expect(parseResponses(out).length).toBe(1);
    expect(c.wantsClose).toBe(true);
  });
});

describe('http core: timeouts (H-18)', () => {
  it('slowloris: the head deadline is absolute, not reset per byte -> 408 and close', () => {
    const clk = fakeClock();
    const c = conn({ clock: clk.now, headerTimeoutMs: 1000 });
    exchange(c, 'GET / HTTP/1.1\r\n');
    for (let i = 0; i < 9; i++) { clk.advance(100); c.feed(Buffer.from('X-a: b\r\n')); c.tick(clk.now()); }
    expect(c.wantsClose).toBe(false);
    expect(c.nextDeadline()).toBe(clk.now() + 100);
    clk.advance(100);
    c.tick(clk.now());
    const out = exchange(c, []);
    expect(parseResponses(out)[0].status).toBe(408);
    expect(c.wantsClose).toBe(true);
  });
  it('idle keep-alive connection closes silently at the idle deadline', () => {
    const clk = fakeClock();
    const c = conn({ clock: clk.now, idleTimeoutMs: 5000 });
    exchange(c, get('/a.txt'));
    expect(c.nextDeadline()).toBe(clk.now() + 5000);
    clk.advance(4999);
    c.tick(clk.now());
    expect(c.wantsClose).toBe(false);
    clk.advance(1);
    c.tick(clk.now());
    expect(c.wantsClose).toBe(true);
    expect(c.takeOutput()).toBeNull();
  });
  it('slow body -> 408', () => {
    const clk = fakeClock();
    const c = conn({ clock: clk.now, bodyTimeoutMs: 1000 });
    exchange(c, `POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{`);
    clk.advance(1000);
    c.tick();
    expect(parseResponses(exchange(c, []))[0].status).toBe(408);
  });
});

describe('http core: file cache', () => {
  it('off by default; on, a hit is served from memory until the TTL, HEAD/Range/304 included', () => {
    const clk = fakeClock();
    const f = path.join(root, 'cached.txt');
    fs.writeFileSync(f, 'version 1');
    fs.utimesSync(f, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'));
    const core = new HttpCore({ root, fileCacheMs: 1000, clock: clk.now });
    const body = () => parseResponses(exchange(core.createConnection(), get('/cached.txt')))[0].body.toString();
    expect(body()).toBe('version 1');
    expect(core.cache!.size).toBe(1);
    fs.writeFileSync(f, 'version 2!');
    expect(body()).toBe('version 1');
    const rr = parseResponses(exchange(core.createConnection(), get('/cached.txt', 'Range: bytes=0-6\r\n')))[0];
    expect([rr.status, rr.body.toString()]).toEqual([206, 'version']);
    const nm = parseResponses(exchange(core.createConnection(), get('/cached.txt', 'If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n')))[0];
    expect(nm.status).toBe(304);
    clk.advance(1000);
    expect(body()).toBe('version 2!');
    expect(new HttpCore({ root }).cache).toBeNull();
    // A file removed stays served until the TTL; then 404. Never content from outside the root.
    fs.unlinkSync(f);
    expect(body()).toBe('version 2!');
    clk.advance(1000);
    expect(parseResponses(exchange(core.createConnection(), get('/cached.txt')))[0].status).toBe(404);
  });
  it('FileCache evicts the oldest entries past its bounds', () => {
    const cache = new FileCache(1e9, 10, 3);
    const e = (n: number) => ({ bytes: Buffer.alloc(n), size: n, mtimeMs: 0, contentType: '', real: '', at: 0 });
    cache.put('a', e(4)); cache.put('b', e(4)); cache.put('c', e(4));
    expect(['a', 'b', 'c'].map((k) => cache.get(k, 0) !== null)).toEqual([false, true, true]);
    cache.put('d', e(1)); cache.put('e', e(1));
    expect(cache.size).toBe(3);
    cache.put('big', e(11));
    expect(cache.get('big', 0)).toBeNull();
  });
});

describe('http core: small files read by the lookup', () => {
  it('each response owns its bytes: the reused read buffer never leaks one file into another', () => {
    const core = new HttpCore({ root });
    const c = core.createConnection();
    // Pipelined: every response is produced before any is taken, so an aliased buffer would show.
    c.feed(Buffer.from(get('/a.txt') + get('/style.css') + get('/noext') + get('/a.txt')));
    const bodies = parseResponses(exchange(c, [])).map((r) => r.body.toString());
    expect(bodies).toEqual(['hello\n', 'body{}\n', 'x', 'hello\n']);
    // Cached entries are copies too.
    const cached = new HttpCore({ root, fileCacheMs: 60_000 });
    for (const t of ['/a.txt', '/style.css', '/a.txt', '/style.css']) {
      expect(parseResponses(exchange(cached.createConnection(), get(t)))[0].body.toString()).toBe(t === '/a.txt' ? 'hello\n' : 'body{}\n');
    }
  });
  it('files at and just over the in-buffer limit, a symlink inside the root, an empty file, HEAD', () => {
    const d = path.join(root, 'edge');
    fs.mkdirSync(d);
    try {
      const at = Buffer.alloc(64 * 1024, 0x61);
      fs.writeFileSync(path.join(d, 'at.bin'), at);
      fs.writeFileSync(path.join(d, 'over.bin'), Buffer.concat([at, Buffer.from('b')]));
      fs.writeFileSync(path.join(d, 'empty.txt'), '');
      fs.symlinkSync('../a.txt', path.join(d, 'link.txt'));
      const r1 = one(get('/edge/at.bin')).r;
      expect([r1.status, r1.body.equals(at)]).toEqual([200, true]);
      const r2 = one(get('/edge/over.bin')).r;
      expect([r2.status, r2.body.length, r2.body[r2.body.length - 1]]).toEqual([200, 65537, 0x62]);
      expect(one(get('/edge/link.txt')).r.body.toString()).toBe('hello\n');
      const r3 = one(get('/edge/empty.txt')).r;
      expect([r3.status, r3.headers['content-length'], r3.body.length]).toEqual([200, '0', 0]);
      const h = one('HEAD /edge/at.bin HTTP/1.1\r\nHost: x\r\n\r\n', {}, true).r;
      expect([h.status, h.headers['content-length'], h.body.length]).toEqual([200, '65536', 0]);
      // smallFileBytes below the file: it goes out as a file item, still byte-exact.
      const r4 = one(get('/edge/at.bin'), { smallFileBytes: 100 }).r;
      expect(r4.body.equals(at)).toBe(true);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
  it('smallFileBytes must be a non-negative integer', () => {
    for (const bad of [-1, 1.5, NaN, '10']) {
      expect(() => new HttpCore({ root, smallFileBytes: bad as number })).toThrow(expect.objectContaining({
        code: typeof bad === 'string' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE' }));
    }
    expect(one(get('/a.txt'), { smallFileBytes: 0 }).r.body.toString()).toBe('hello\n');
  });
});

describe('http core: shared core and access log', () => {
  it('log entries escape control characters; counters are shared', () => {
    const entries: string[] = [];
    const core = new HttpCore({ root, log: (e) => entries.push(`${e.method} ${e.target} ${e.status}`) });
    exchange(core.createConnection(), get('/a.txt'));
    exchange(core.createConnection(), get('/%0d%0aFAKE'));
    expect(core.requests).toBe(2);
    expect(entries[0]).toBe('GET /a.txt 200');
    expect(entries[1]).not.toMatch(/[\r\n]/);
  });
});
