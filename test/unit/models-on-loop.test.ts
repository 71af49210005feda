// The event models on Node's event loop (serveOnLoop, serveHttpOnLoop): the
// call returns while the server listens, clients in this same process are
// served, and stop() from a timer ends it with every fd closed.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveHttpOnLoop } from '../../lib/http';
import * as models from '../../lib/models';
import * as sig from '../../lib/signal';
import { until } from '../helpers/checks';
import { trackFds } from '../helpers/fds';
import { fdCount, runNode } from '../helpers/proc';

trackFds();

const EVENT_MODELS = ['select', 'poll', 'epoll', 'epoll-et'];
const ANY = { host: '127.0.0.1', port: 0 };

function echo(port: number, text: string, halfClose = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    const t = setTimeout(() => { c.destroy(); reject(new Error('echo timed out')); }, 10_000);
    c.on('connect', () => (halfClose ? c.end(text) : c.write(text)));
    c.on('data', (d) => {
      parts.push(d);
      if (!halfClose && Buffer.concat(parts).length >= text.length) c.end();
    });
    c.on('close', () => { clearTimeout(t); resolve(Buffer.concat(parts).toString()); });
    c.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

const after = (ms: number, fn: () => void): Promise<void> => new Promise((r) => setTimeout(() => { fn(); r(); }, ms));

describe.each(EVENT_MODELS)('%s on the loop', (model) => {
  it('returns while listening, serves clients of this process, stops from a timer', async () => {
    let listened = 0;
    const srv = models.serveOnLoop(model, { address: ANY, core: models.echoCore(), onListening: () => { listened++; } });
    expect(listened).toBe(1); // before serveOnLoop returned
    expect(srv.info.model).toBe(model);
    const port = srv.info.port!;
    expect(port).toBeGreaterThan(0);
    // Eight clients at once, each written and answered in pieces while this test's own timers run.
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => echo(port, `client ${i} `.repeat(2000), i % 2 === 0)));
    replies.forEach((r, i) => expect(r).toBe(`client ${i} `.repeat(2000)));
    let ticks = 0;
    const ticker = setInterval(() => { ticks++; }, 5);
    await after(30, () => {});
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(1); // the loop was free while the server listened
    let stats: models.ServeStats | undefined;
    await after(0, () => { srv.stop().then((s) => { stats = s; }); });
    const closed = await srv.closed;
    expect(stats ?? closed).toBe(closed);
    expect(closed).toMatchObject({ model, connections: 8, errors: 0, signal: 0 });
    expect(await srv.stop()).toBe(closed); // idempotent
    // The port is free again: nothing listens there.
    await expect(echo(port, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stop() with connections open closes them and resolves', async () => {
    const srv = models.serveOnLoop(model, { address: ANY, core: models.echoCore() });
    const c = net.connect(srv.info.port!, '127.0.0.1');
    const ended = new Promise<void>((r) => c.on('close', () => r()));
    c.on('error', () => {});
    await new Promise((r) => c.once('connect', r));
    c.write('hello');
    await new Promise((r) => c.once('data', r));
    // Idle with a connection open: the loop sleeps in libuv (a spinning watch would burn the whole 300 ms).
    const cpu = process.cpuUsage();
    await after(300, () => {});
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(150);
    setTimeout(() => { void srv.stop(); }, 10);
    const stats = await srv.closed;
    expect(stats.connections).toBe(1);
    await ended; // the server closed its side
  });
});

describe('the stop paths', () => {
  it('a stop handle stopped from a timer ends it', async () => {
    const stop = models.createStopHandle();
    try {
      const srv = models.serveOnLoop('epoll', { address: ANY, core: models.echoCore(), stop });
      setTimeout(() => stop.stop(), 20);
      const stats = await srv.closed;
      expect(stats).toMatchObject({ model: 'epoll', connections: 0, signal: 0 });
    } finally {
      stop.close();
    }
  });

  it('a signal in `signals` ends it with that signal, and its previous handler comes back', async () => {
    const prev = sig.getsignal(sig.SIGUSR2);
    const srv = models.serveOnLoop('poll', { address: ANY, core: models.echoCore(), signals: [sig.SIGUSR2] });
    setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 20);
    const stats = await srv.closed;
    expect(stats.signal).toBe(sig.SIGUSR2);
    expect(sig.getsignal(sig.SIGUSR2)).toBe(prev);
  });

  it('models that block refuse with ERR_MODEL_NOT_ON_LOOP, naming the ones that do not', () => {
    for (const m of ['iterative', 'nonblocking', 'forking', 'prefork', 'threading', 'coroutine']) {
      expect(() => models.serveOnLoop(m, { address: ANY, core: models.echoCore() }))
        .toThrow(expect.objectContaining({ code: 'ERR_MODEL_NOT_ON_LOOP', message: expect.stringContaining('select, poll, epoll, epoll-et') }));
    }
    expect(() => models.serveOnLoop('fibers', { address: ANY, core: models.echoCore() })).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_MODEL' }));
  });

  it('a bind failure throws at once, with nothing left open', () => {
    const first = models.serveOnLoop('epoll', { address: ANY, core: models.echoCore(), signals: [] });
    try {
      expect(() => models.serveOnLoop('epoll-et', { address: { host: '127.0.0.1', port: first.info.port! }, core: models.echoCore(), signals: [] }))
        .toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    } finally {
      void first.stop();
    }
    return first.closed;
  });
});

describe('serveHttpOnLoop', () => {
  it('answers a fetch() from this same process, then stops from a timer', async () => {
    const fds = fdCount();
    const srv = serveHttpOnLoop({ address: ANY, routes: 'demo', signals: [] });
    expect(srv.info.model).toBe('epoll-et');
    const res = await fetch(`http://127.0.0.1:${srv.info.port}/api/hello?name=loop`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'loop' });
    const missing = await fetch(`http://127.0.0.1:${srv.info.port}/no/such/page`);
    expect(missing.status).toBe(404);
    await missing.text();
    setTimeout(() => { void srv.stop(); }, 10);
    const stats = await srv.closed;
    expect(stats.model).toBe('epoll-et');
    expect(stats.connections).toBeGreaterThanOrEqual(1);
    // fetch() keeps its connections for reuse; they close once they read the server's EOF.
    expect(await until(() => fdCount() === fds, 5000)).toBe(true);
  });

  it('runs session deadlines on Node timers: an idle keep-alive connection is closed after idleTimeoutMs', async () => {
    const srv = serveHttpOnLoop({ model: 'select', address: ANY, routes: 'demo', idleTimeoutMs: 150, signals: [] });
    try {
      const c = net.connect(srv.info.port!, '127.0.0.1');
      c.on('error', () => {});
      let got = '';
      c.on('data', (d) => { got += d.toString(); });
      const t0 = Date.now();
      c.write('GET /api/time HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((r) => c.on('close', () => r()));
      const took = Date.now() - t0;
      expect(got).toMatch(/^HTTP\/1\.1 200 /);
      expect(took).toBeGreaterThanOrEqual(100);
      expect(took).toBeLessThan(5000);
    } finally {
      await srv.stop();
    }
  });

  it('refuses a blocking model', () => {
    expect(() => serveHttpOnLoop({ model: 'forking', address: ANY, signals: [] })).toThrow(expect.objectContaining({ code: 'ERR_MODEL_NOT_ON_LOOP' }));
  });
});

it('examples/http_on_loop: a plain Node program serves, fetches from itself, stops from a timer and exits by itself', () => {
  const r = runNode(['dist/examples/http_on_loop.js'], { execArgv: [], timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\/ \(model epoll-et\)\nGET \/api\/hello -> 200 \{ hello: 'loop' \}\nstopped: 1 connection\(s\), 0 error\(s\)\n$/);
  expect(r.status).toBe(0); // nothing left holding the loop: not killed by the timeout
});
