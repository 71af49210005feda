// The select/poll/epoll echo server examples run as real processes and
// serve two clients at once (Node's net as the independent client).
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

function startServer(name: string, clients: number) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/examples', `${name}.js`), '0', String(clients)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const port = new Promise<number>((resolve, reject) => {
    const onData = () => {
      const m = /listening on \["127\.0\.0\.1",(\d+)\]/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, exited, output: () => out, errors: () => err };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
  });
}

function echo(c: net.Socket, msg: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length >= msg.length) {
        c.off('data', onData);
        resolve(got);
      }
    };
    c.on('data', onData);
    c.write(msg);
  });
}

describe('select / poll / epoll echo server examples', () => {
  for (const name of ['select_server', 'poll_server', 'epoll_server', 'epoll_et_server']) {
    it(`${name}: serves two clients at once, echoes, and exits after both leave`, async () => {
      const srv = startServer(name, 2);
      try {
        const port = await srv.port;
        const a = await connect(port);
        const b = await connect(port); // a stays connected while b is served
        expect(await echo(b, 'hello from b')).toBe('hello from b');
        expect(await echo(a, 'hello from a')).toBe('hello from a');
        const big = 'x'.repeat(20000); // more than one recv, and for epoll-et more than one drain round
        expect(await echo(a, big)).toBe(big);
        a.end();
        b.end();
        expect(await srv.exited).toBe(0);
        expect(srv.output().match(/client left/g)).toHaveLength(2);
        expect(srv.output()).toMatch(/connect from/);
      } finally {
        srv.child.kill('SIGKILL');
      }
    }, 20_000);
  }
});
