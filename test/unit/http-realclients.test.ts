// The HTTP core under real clients (curl, wget, Python http.client), through
// the node:net reference driver, serving the bundled example site.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoRoutes, HttpCore } from '../../lib/http/index';
import { Running, serveHttp } from '../helpers/net-drivers';
import { python, run } from '../helpers/programs';

const SITE = path.resolve(__dirname, '../../examples/site');

let srv: Running;
let url = '';
beforeAll(async () => {
  const core: HttpCore = new HttpCore({ root: SITE, routes: demoRoutes({ startedMs: Date.now(), requests: () => core.requests }) });
  srv = await serveHttp(core);
  url = `http://127.0.0.1:${srv.port}`;
});
afterAll(() => srv.close());

describe('http core with real clients', () => {
  it('curl GET and HEAD of every site file, byte-exact, with types', async () => {
    const files: Array<[string, string]> = [['/index.html', 'text/html'], ['/style.css', 'text/css'], ['/app.js', 'text/javascript'],
      ['/img/logo.svg', 'image/svg+xml'], ['/img/dot.png', 'image/png'], ['/data.html', 'text/html'], ['/docs/index.html', 'text/html']];
    for (const [f, type] of files) {
      const r = await run('curl', ['-s', '-o', '-', '-w', '%{http_code} %{content_type}', url + f]);
      const body = fs.readFileSync(path.join(SITE, f));
      expect(r.stdout.subarray(0, body.length).equals(body), f).toBe(true);
      expect(r.stdout.subarray(body.length).toString()).toMatch(new RegExp(`^200 ${type.replace('+', '\\+')}`));
      const h = await run('curl', ['-sI', url + f]);
      expect(h.stdout.toString()).toContain(`Content-Length: ${body.length}\r\n`);
    }
  });
  it('curl reuses the keep-alive connection; follows the directory redirect', async () => {
    const r = await run('curl', ['-sv', '-o', '/dev/null', '-o', '/dev/null', `${url}/`, `${url}/style.css`]);
    expect(r.stderr).toMatch(/Re-using existing connection/);
    const d = await run('curl', ['-sL', '-w', '%{http_code} %{num_redirects}', `${url}/docs`]);
    expect(d.stdout.toString()).toMatch(/An index page[\s\S]*200 1$/);
  });
  it('curl --path-as-is traversal and Range', async () => {
    const t = await run('curl', ['-s', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `${url}/../../../etc/passwd`]);
    expect(t.stdout.toString()).toBe('400');
    const r = await run('curl', ['-s', '-r', '0-4', '-w', ' %{http_code}', `${url}/index.html`]);
    expect(r.stdout.toString()).toBe('<!DOC 206');
  });
  it('Python http.client: GET, JSON route and POST on one connection', async () => {
    const script = `
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', ${srv.port}, timeout=5)
out = []
c.request('GET', '/'); r = c.getresponse(); r.read(); out.append(r.status)
c.request('GET', '/api/hello?name=py'); r = c.getresponse(); out.append(json.loads(r.read())['hello'])
c.request('POST', '/api/echo', body=json.dumps({'n': 5}), headers={'Content-Type': 'application/json'})
r = c.getresponse(); out.append(json.loads(r.read())['echo']['n'])
c.request('GET', '/nope'); r = c.getresponse(); r.read(); out.append(r.status)
print(json.dumps(out))
`;
    const r = await python(script);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.toString())).toEqual([200, 'py', 5, 404]);
  });
  it.skipIf(!fs.existsSync('/usr/bin/wget'))('wget fetches the data page', async () => {
    const r = await run('wget', ['-q', '-O', '-', `${url}/data.html`]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('<script src="/app.js"></script>');
  });
});
