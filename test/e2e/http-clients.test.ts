// serveHttp (epoll-et, in a child process) under load and in a real browser:
// a bounded wrk run (skipped without wrk) and headless Chromium rendering the
// example site's data.html (skipped without chromium).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServerChild, startServer } from '../helpers/servers';
import { fdsOf, ROOT } from '../helpers/proc';
import { have, run } from '../helpers/programs';
import { until } from '../helpers/checks';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const SITE = path.join(ROOT, 'examples/site');

// prefork serves as many keep-alive connections at once as it has workers: wrk opens that many, and
// Chromium (up to 6 connections per host) runs on the models without such a ceiling.
describe.each([['epoll-et', 8], ['forking', 4], ['prefork', 2]])('serveHttp on %s with wrk and Chromium', (model, conns) => {
  let srv: ServerChild;
  let url = '';
  beforeAll(async () => {
    srv = await startServer('http-server.js', { model, workers: 2, root: SITE, routes: 'demo' });
    url = `http://127.0.0.1:${srv.port}`;
  });
  afterAll(async () => {
    const r = await srv.stop();
    expect(r.code, srv.output()).toBe(0);
    expect(srv.output()).not.toMatch(/ERROR/);
  });

  it.skipIf(!have('wrk'))('wrk -t1 -d2s: many requests, no errors, fds back to baseline', async () => {
    await run('curl', ['-s', '-o', '/dev/null', `${url}/`]);
    const fds0 = fdsOf(srv.pid);
    const r = await run('wrk', ['-t1', `-c${conns}`, '-d2s', '--latency', `${url}/index.html`], { timeoutMs: 15_000 });
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    const total = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
    expect(total, text).toBeGreaterThan(200);
    expect(text).not.toMatch(/Non-2xx or 3xx responses/);
    expect(text).not.toMatch(/Socket errors/);
    expect(await until(() => fdsOf(srv.pid) <= fds0, 3000), `fds ${fdsOf(srv.pid)} > ${fds0}`).toBe(true);
  });

  it.skipIf(!CHROMIUM || model === 'prefork')('headless Chromium renders data.html: JSON fetched and shown, images decoded, CSS applied', async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-chromium-'));
    try {
      const r = await run(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
        '--virtual-time-budget=5000', '--dump-dom', `${url}/data.html`], { timeoutMs: 60_000 });
      const dom = r.stdout.toString();
      expect(dom, r.stderr.slice(-2000)).toContain('<p id="status" class="ok">ok</p>');
      expect(dom).toMatch(/<td id="pid">\d+<\/td>/);
      expect(dom).toMatch(/<td id="time">\d{4}-\d\d-\d\dT/);
      expect(dom).toMatch(/<body[^>]*data-images="ok"/);
      expect(dom).toMatch(/<body[^>]*data-css="ok"/);
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }, 90_000);
});
