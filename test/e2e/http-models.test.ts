// serveHttp on the posixkit models, in a child process, against real clients:
// curl (GET, HEAD, keep-alive reuse, Range, traversal on a real socket) and
// Python's http.client. The same small suite per model; fds and zombies of
// the server are checked after the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectSettled, ServerChild, startServer } from '../helpers/servers';
import { fdsOf, ROOT } from '../helpers/proc';
import { python, run } from '../helpers/programs';

const SITE = path.join(ROOT, 'examples/site');
let root = '';
let big: Buffer;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-http-e2e-'));
  fs.cpSync(SITE, path.join(root, 'site'), { recursive: true });
  big = randomBytes(3 * 1024 * 1024 + 17); // over smallFileBytes: a FileOutput streamed in chunks
  fs.writeFileSync(path.join(root, 'site', 'big.bin'), big);
  fs.writeFileSync(path.join(root, 'secret.txt'), 'CANARY-OUTSIDE-ROOT');
  fs.symlinkSync('../secret.txt', path.join(root, 'site', 'escape.txt'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const MODELS: Array<[string, Record<string, unknown>]> = [
  ['epoll-et', {}], ['epoll', {}], ['poll', {}], ['select', {}],
  ['forking', {}], ['prefork', { workers: 2 }], ['threading', {}], ['iterative', {}], ['coroutine', {}],
];

const PY_CLIENT = `
import http.client, sys, json
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)
out = []
for p in ['/', '/style.css', '/api/time', '/missing', '/big.bin']:
    c.request('GET', p)
    r = c.getresponse()
    body = r.read()
    out.append([p, r.status, len(body), r.getheader('Content-Type')])
c.request('HEAD', '/index.html')
r = c.getresponse(); r.read()
out.append(['HEAD', r.status, int(r.getheader('Content-Length'))])
c.request('POST', '/api/echo', body=json.dumps({'a': 1}), headers={'Content-Type': 'application/json'})
r = c.getresponse()
out.append(['POST', r.status, json.loads(r.read())])
print(json.dumps(out))
`;

describe.each(MODELS)('serveHttp on %s', (model, extra) => {
  let srv: ServerChild;
  let url = '';
  beforeAll(async () => {
    srv = await startServer('http-server.js', { model, ...extra, root: path.join(root, 'site'), routes: 'demo', lingerMs: 200, headerTimeoutMs: 1000 });
    url = `http://127.0.0.1:${srv.port}`;
  });
  afterAll(async () => {
    const r = await srv.stop();
    expect(r.code, srv.output()).toBe(0);
    expect(srv.output()).not.toMatch(/ERROR/);
  });

  it('curl GET, HEAD, keep-alive reuse, Range, a 3 MiB file; traversal refused; no fd or zombie left', async () => {
    const first = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${url}/`]);
    expect(first.stdout.toString()).toBe('200');
    await new Promise((r) => setTimeout(r, 100));
    const fds0 = fdsOf(srv.pid);

    const index = fs.readFileSync(path.join(SITE, 'index.html'));
    const g = await run('curl', ['-s', `${url}/index.html`]);
    expect(g.stdout.equals(index)).toBe(true);

    const h = await run('curl', ['-sI', `${url}/index.html`]);
    expect(h.stdout.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(h.stdout.toString()).toContain(`Content-Length: ${index.length}\r\n`);
    expect(h.stdout.toString()).toMatch(/Content-Type: text\/html/);

    const ka = await run('curl', ['-sv', '-o', '/dev/null', '-o', '/dev/null', `${url}/`, `${url}/style.css`]);
    expect(ka.stderr).toMatch(/Re-using existing connection/);
    expect(ka.stderr.match(/< HTTP\/1\.1 200/g)?.length).toBe(2);

    const rg = await run('curl', ['-s', '-r', '10-19', '-w', ' %{http_code}', `${url}/index.html`]);
    expect(rg.stdout.toString()).toBe(`${index.subarray(10, 20).toString()} 206`);

    const b = await run('curl', ['-s', `${url}/big.bin`]);
    expect(sha(b.stdout)).toBe(sha(big));

    for (const [p, code] of [['/../secret.txt', '400'], ['/%2e%2e/secret.txt', '400'], ['/..%2fsecret.txt', '400'],
      ['/escape.txt', '403'], ['//etc/passwd', '404'], ['/%00', '400']] as const) {
      const t = await run('curl', ['-s', '--path-as-is', '-w', '\n%{http_code}', url + p]);
      expect(t.stdout.toString(), p).not.toContain('CANARY');
      expect(t.stdout.toString().split('\n').pop(), p).toBe(code);
    }

    const api = await run('curl', ['-s', `${url}/api/hello?name=posix`]);
    expect(JSON.parse(api.stdout.toString())).toEqual({ hello: 'posix' });

    // Connections are closed by now (curl exited); the server's fds come back to where they were.
    await expectSettled(srv, fds0);
  });

  it('a request head left unfinished gets 408 and a close once headerTimeoutMs (1 s) passes', async () => {
    const t0 = Date.now();
    const got = await new Promise<string>((resolve) => {
      const c = net.connect(srv.port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      let data = '';
      const t = setTimeout(() => { c.destroy(); resolve(`HUNG: ${data}`); }, 8000);
      c.on('data', (b) => { data += b; });
      c.on('error', () => {});
      c.on('close', () => { clearTimeout(t); resolve(data); });
    });
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
  });

  it('Python http.client: one keep-alive connection, several requests', async () => {
    const r = await python(PY_CLIENT, [String(srv.port)]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.toString());
    expect(out[0]).toEqual(['/', 200, 1034, 'text/html; charset=utf-8']);
    expect(out[1][1]).toBe(200);
    expect(out[2][1]).toBe(200);
    expect(out[3][1]).toBe(404);
    expect(out[4]).toEqual(['/big.bin', 200, big.length, 'application/octet-stream']);
    expect(out[5]).toEqual(['HEAD', 200, 1034]);
    expect(out[6]).toEqual(['POST', 200, { echo: { a: 1 }, bytes: 8 }]);
  });
});
