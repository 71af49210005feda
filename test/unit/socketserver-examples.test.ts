// The socketserver and coroutine examples, run as real programs (compiled to
// dist/examples by npm test), with real clients from this process.
import { spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import { ROOT, runNode } from '../helpers/proc';

function start(name: string, args: string[]): ChildProcess & { output: Promise<[number | null, string]> } {
  const p = spawn(process.execPath, ['--single-threaded', path.join(ROOT, 'dist/examples', `${name}.js`), ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }) as ChildProcess & { output: Promise<[number | null, string]> };
  let out = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { out += d; });
  p.output = once(p, 'close').then(([code]) => [code as number | null, out]);
  return p;
}

async function listening(p: ChildProcess): Promise<[string, number]> {
  let buf = '';
  for (;;) {
    const [d] = await once(p.stdout!, 'data');
    buf += d;
    const m = /listening on (\[[^\]]*\])/.exec(buf);
    if (m) return JSON.parse(m[1]);
  }
}

function tcpExchange(addr: [string, number], lines: string[]): string {
  using c = socket.create_connection(addr, 10);
  let out = '';
  for (const l of lines) {
    c.sendall(Buffer.from(`${l}\n`));
    while (!out.endsWith('\n')) out += c.recv(1024).toString();
    out += '|';
  }
  return out;
}

describe('socketserver examples', () => {
  for (const name of ['forking_tcp_server', 'threading_tcp_server']) {
    it(`${name}: echoes lines, stops on SIGTERM`, async () => {
      const p = start(`socketserver/${name}`, ['0']);
      const addr = await listening(p);
      const reply = tcpExchange(addr, ['one', 'two']);
      expect(reply).toMatch(/^\[\w+\] one\n\|\[\w+\] two\n\|$/);
      p.kill('SIGTERM');
      const [code, out] = await p.output;
      expect(code).toBe(0);
      expect(out).toContain('connect from ["127.0.0.1",');
      expect(out).toMatch(/server closed\n$/);
    });
  }

  it('udp_server: answers a datagram from a forked child', async () => {
    const p = start('socketserver/udp_server', ['0']);
    const addr = await listening(p);
    using c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    c.settimeout(10);
    c.sendto(Buffer.from('hello'), addr);
    const [data] = c.recvfrom(100);
    expect(data.toString()).toMatch(/^\[\d+\] hello$/);
    p.kill('SIGTERM');
    const [code, out] = await p.output;
    expect(code).toBe(0);
    expect(out).toContain('5 bytes from ["127.0.0.1",');
  });
});

describe('coroutine examples', () => {
  it('greenlet_switch prints 12 56 34 78', () => {
    const r = runNode(['dist/examples/coroutine/greenlet_switch.js']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('12\n56\n34\n78\ngr1 dead: false, gr2 dead: true\n');
  });

  it('gevent_spawn interleaves two tasks on sleep', () => {
    const r = runNode(['dist/examples/coroutine/gevent_spawn.js']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('running foo 1 2\nrunning bar\nbar again\nfoo again\n'
      + 'foo returned 3; both done in about 0.2 s, not 0.3\n');
  });

  it('gevent_server serves 3 clients at once in one thread', async () => {
    const p = start('coroutine/gevent_server', ['0', '3']);
    const addr = await listening(p);
    const cs = [0, 1, 2].map(() => socket.create_connection(addr, 10));
    // All three are connected before any is answered: only a concurrent server can answer them in reverse order.
    for (const i of [2, 1, 0]) {
      cs[i].sendall(Buffer.from(`client ${i}`));
      expect(cs[i].recv(100).toString()).toBe(`echo: client ${i}`);
    }
    cs.forEach((c) => c.close());
    const [code, out] = await p.output;
    expect(code).toBe(0);
    expect(out).toContain('served 3 clients');
  });
});
