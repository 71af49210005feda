// The same cores on different models: the chat room on the single-process
// models, and posixkit/http's core (through the one-object adapter) on an
// event model, a forking model and a threading pool, against node:http.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Running, startModel } from '../helpers/models';
import { killAll } from '../helpers/models';
import { until } from '../helpers/checks';

function chatClient(r: Running): Promise<{ sock: net.Socket; text: () => string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(r.port!, '127.0.0.1');
    let buf = '';
    sock.on('data', (d) => { buf += d; });
    sock.on('error', reject);
    sock.on('connect', () => resolve({ sock, text: () => buf }));
  });
}

describe.each(['nonblocking', 'select', 'poll', 'epoll', 'epoll-et', 'coroutine'])('chat on %s', (model) => {
  it('relays lines between clients, renames, and announces leaves', async () => {
    const r = await startModel(model, 'chat', { address: { port: 0 } });
    try {
      const a = await chatClient(r);
      const b = await chatClient(r);
      const c = await chatClient(r);
      expect(await until(() => /Welcome/.test(c.text()) && /joined/.test(a.text()), 5000)).toBe(true);
      a.sock.write('/nick alice\n');
      expect(await until(() => /you are alice/.test(a.text()), 5000)).toBe(true);
      // A line split across writes is one message.
      a.sock.write('hel');
      await new Promise((res) => setTimeout(res, 20));
      a.sock.write('lo all\r\n');
      expect(await until(() => /alice: hello all\n/.test(b.text()) && /alice: hello all\n/.test(c.text()), 5000)).toBe(true);
      expect(a.text()).not.toMatch(/alice: hello all/);
      c.sock.write('/who\n');
      expect(await until(() => /\* here: .*alice/.test(c.text()), 5000)).toBe(true);
      b.sock.destroy();
      expect(await until(() => /left/.test(a.text()), 5000)).toBe(true);
      a.sock.write('/quit\n');
      expect(await until(() => a.sock.readableEnded || /bye/.test(a.text()), 5000)).toBe(true);
      c.sock.destroy();
      a.sock.destroy();
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});

const root = mkdtempSync(path.join(tmpdir(), 'pk-http-'));
const bigFile = Buffer.alloc(3 << 20, 'posixkit ');
writeFileSync(path.join(root, 'index.html'), '<h1>hi</h1>');
writeFileSync(path.join(root, 'big.bin'), bigFile);
afterAll(() => { killAll(); rmSync(root, { recursive: true, force: true }); });

function get(port: number, p: string, agent: http.Agent): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

describe.each([
  ['epoll-et', {}], ['poll', {}], ['coroutine', {}], ['forking', {}], ['prefork', { workers: 3 }], ['threading', { pool: 3 }],
] as const)('posixkit/http on %s', (model, opts) => {
  it('serves static files (a large one streamed as a file range), routes and keep-alive', async () => {
    const r = await startModel(model, 'http', { address: { port: 0 }, root, ...opts });
    // A blocking worker is pinned by an idle keep-alive connection: fewer sockets than workers.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const idx = await get(r.port!, '/', agent);
      expect(idx.status).toBe(200);
      expect(idx.body.toString()).toBe('<h1>hi</h1>');
      const big = await get(r.port!, '/big.bin', agent);
      expect(big.status).toBe(200);
      expect(big.body.equals(bigFile)).toBe(true);
      const api = await get(r.port!, '/api/hello?name=models', agent);
      expect(JSON.parse(api.body.toString())).toEqual({ hello: 'models' });
      expect((await get(r.port!, '/missing', agent)).status).toBe(404);
      const many = await Promise.all(Array.from({ length: 20 }, () => get(r.port!, '/', agent)));
      expect(many.every((x) => x.status === 200)).toBe(true);
    } finally {
      agent.destroy();
      const { code } = await r.stop();
      r.proc.kill('SIGKILL');
      expect(code).toBe(0);
    }
  });
});

describe.each(['iterative', 'forking', 'prefork', 'threading', 'coroutine', 'epoll-et', 'select'])('session deadlines on %s', (model) => {
  it('a half-sent request gets its 408 when the header timeout passes, then the close', async () => {
    const r = await startModel(model, 'http', { address: { port: 0 }, root, httpConfig: { headerTimeoutMs: 300, lingerMs: 0 }, ...(model === 'threading' ? { pool: 2 } : {}) });
    try {
      const t0 = Date.now();
      const got = await new Promise<string>((resolve, reject) => {
        const c = net.connect(r.port!, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\n'));
        let text = '';
        c.on('data', (d) => { text += d; });
        c.on('end', () => { c.destroy(); resolve(text); });
        c.on('error', reject);
        setTimeout(() => { c.destroy(); resolve(`hung: ${text}`); }, 8000);
      });
      expect(got).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      const { code } = await r.stop();
      expect(code).toBe(0);
    } finally {
      r.proc.kill('SIGKILL');
    }
  });
});
