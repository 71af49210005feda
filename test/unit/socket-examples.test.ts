// The socket examples run as real programs, each pair as two processes
// (compiled to dist/examples/socket by npm test's pretest, as the rest).
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import { ROOT } from '../helpers/proc';

const dir = mkdtempSync(path.join(tmpdir(), 'pk-ex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(script: string, args: string[], execArgv: string[] = []): ChildProcess & { output: Promise<string> } {
  const p = spawn(process.execPath, [...execArgv, path.join(ROOT, 'dist/examples/socket', script), ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }) as ChildProcess & { output: Promise<string> };
  let out = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { out += d; });
  p.output = once(p, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`${script} exited ${code}: ${out}`);
    return out;
  });
  return p;
}

async function ready(p: ChildProcess): Promise<void> {
  await once(p.stdout!, 'data'); // the first line says it is listening
}

function freePort(type = socket.SOCK_STREAM): number {
  using s = socket.socket(socket.AF_INET, type);
  s.bind(['127.0.0.1', 0]);
  return (s.getsockname() as [string, number])[1];
}

describe('examples/socket (compiled)', () => {
  it('tcp_server + tcp_client', async () => {
    const port = String(freePort());
    const srv = start('tcp_server.js', [port, '1']);
    await ready(srv);
    const cli = await start('tcp_client.js', [port, 'one', 'two']).output;
    expect(cli).toBe('server got: one\nserver got: two\n');
    expect(await srv.output).toContain('received: two');
  });

  it('udp_server + udp_client: a long datagram is cut at 16 bytes', async () => {
    const port = String(freePort(socket.SOCK_DGRAM));
    const srv = start('udp_server.js', [port, '2']);
    await ready(srv);
    const cli = await start('udp_client.js', [port, 'short', 'a message longer than sixteen bytes']).output;
    expect(cli).toBe('got 5 bytes\ngot 16 bytes\n');
    expect(await srv.output).toContain(': a message longer\n');
  });

  it('unix_server + unix_client, removing a stale socket file', async () => {
    const p = path.join(dir, 'u.sock');
    writeFileSync(p, 'stale');
    const srv = start('unix_server.js', [p, '1']);
    await ready(srv);
    const cli = await start('unix_client.js', [p, 'hello', 'local']).output;
    expect(cli).toBe('HELLO\nLOCAL\n');
    await srv.output;
    expect(existsSync(p)).toBe(false);
  });

  it('udp_broadcast_send reaches two receivers on the loopback network', async () => {
    const port = String(freePort(socket.SOCK_DGRAM));
    const r1 = start('udp_broadcast_recv.js', [port, '2']);
    const r2 = start('udp_broadcast_recv.js', [port, '2']);
    await Promise.all([ready(r1), ready(r2)]);
    await start('udp_broadcast_send.js', [port, '2']).output;
    for (const out of [await r1.output, await r2.output]) {
      expect(out).toMatch(/broadcast #0/);
      expect(out).toMatch(/broadcast #1/);
    }
  });

  it('file_server + file_client: length-prefixed frames carry name and content', async () => {
    const port = String(freePort());
    const src = path.join(dir, 'payload.bin');
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    writeFileSync(src, data);
    const recvDir = path.join(dir, 'received');
    const srv = start('file_server.js', [port, recvDir, '1']);
    await ready(srv);
    expect(await start('file_client.js', [src, port]).output).toBe('ok 300000\n');
    await srv.output;
    expect(readFileSync(path.join(recvDir, 'payload.bin')).equals(data)).toBe(true);
  });

  it('fd_passing: a listener and a file travel to a forked child', async () => {
    const out = await start('fd_passing.js', [], ['--single-threaded']).output;
    expect(out).toMatch(/child \d+: got "a listener and a log file" with fds \d+,\d+/);
    expect(out).toMatch(/parent \d+: hello from the child, pid \d+/);
    expect(out).toMatch(/child exited with 0; log says: child \d+ served/);
  });

  it('socket_attributes and net_interop run', async () => {
    const attrs = await start('socket_attributes.js', []).output;
    expect(attrs).toContain('SO_REUSEADDR after:  1');
    expect(attrs).toContain("family: 2 [ 'AF_INET' ]");
    const interop = await start('net_interop.js', []).output;
    expect(interop).toContain('node client got: served by posixkit');
  });
});
