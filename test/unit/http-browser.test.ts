// Headless Chromium (Debian's package) loads the example site through the HTTP
// core and runs its script: the JSON routes render, images decode, CSS applies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demoRoutes, HttpCore } from '../../lib/http/index';
import { Running, serveHttp } from '../helpers/net-drivers';
import { run } from '../helpers/programs';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const SITE = path.resolve(__dirname, '../../examples/site');
let srv: Running;
let profile = '';

describe.skipIf(!CHROMIUM)('http core with headless Chromium', () => {
  beforeAll(async () => {
    const core: HttpCore = new HttpCore({ root: SITE, routes: demoRoutes({ startedMs: Date.now(), requests: () => core.requests }) });
    srv = await serveHttp(core);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-chromium-'));
  });
  afterAll(async () => {
    await srv?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it('renders data.html: JSON fetched and shown, images decoded, stylesheet applied', async () => {
    const r = await run(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', `http://127.0.0.1:${srv.port}/data.html`], { timeoutMs: 60_000 });
    const dom = r.stdout.toString();
    expect(dom).toContain('<p id="status" class="ok">ok</p>');
    expect(dom).toMatch(/<td id="pid">\d+<\/td>/);
    expect(dom).toMatch(/<td id="time">\d{4}-\d\d-\d\dT/);
    expect(dom).toMatch(/<body[^>]*data-images="ok"/);
    expect(dom).toMatch(/<body[^>]*data-css="ok"/);
  }, 90_000);
});
