// Faithfulness under strace -f: the forking server waits in poll(2), forks a
// child per connection and reaps it with wait4(<its pid>), never wait4(-1);
// the coroutine hub waits in epoll_wait(2) with one-shot interest.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import { ROOT } from '../helpers/proc';

const hasStrace = spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'pk-ss-strace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function traced(example: string, args: string[], calls: string, log: string) {
  const p = spawn('strace', ['-f', '-qq', '-e', `trace=${calls}`, '-o', log,
    process.execPath, '--single-threaded', path.join(ROOT, 'dist/examples', `${example}.js`), ...args],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  let out = '';
  p.stdout!.on('data', (d) => { out += d; });
  const closed = once(p, 'close');
  const line = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      await once(p.stdout!, 'data');
    }
  };
  return { p, line, closed };
}

describe.skipIf(!hasStrace)('strace', () => {
  it('ForkingTCPServer: poll, a fork per connection, wait4 by pid only', async () => {
    const log = path.join(dir, 'fork.log');
    const { line, closed } = traced('socketserver/forking_tcp_server', ['0'], 'poll,ppoll,wait4,clone,clone3,fork,vfork,kill', log);
    const m = await line(/listening on (\[[^\]]*\]) \(parent (\d+)\)/);
    const addr = JSON.parse(m[1]) as [string, number];
    // Each child answers with its pid: those are the pids the parent must wait4 by.
    const children: number[] = [];
    for (let i = 0; i < 2; i++) {
      using c = socket.create_connection(addr, 10);
      c.sendall(Buffer.from('x\n'));
      const reply = /^\[(\d+)\] x\n$/.exec(c.recv(100).toString());
      expect(reply).not.toBeNull();
      children.push(Number(reply![1]));
    }
    process.kill(Number(m[2]), 'SIGTERM');
    await closed;
    const trace = readFileSync(log, 'utf8');
    const server = Number(m[2]);
    const own = trace.split('\n').filter((l) => l.startsWith(`${server} `));
    expect(own.some((l) => /\bpoll\(\[\{fd=\d+, events=POLLIN\}, \{fd=\d+, events=POLLIN\}\], 2, 500\)/.test(l))).toBe(true);
    // A clone may be split into "<unfinished ...>" and "<... clone resumed>" lines: look for the pid anywhere.
    for (const pid of children) expect(own.some((l) => /\b(?:clone3?|fork)\b/.test(l) && l.endsWith(`= ${pid}`))).toBe(true);
    const waits = own.filter((l) => /\bwait4\(/.test(l));
    expect(waits.some((l) => /wait4\(-1\b/.test(l))).toBe(false);
    for (const pid of children) expect(waits.some((l) => l.includes(`wait4(${pid},`))).toBe(true);
  });

  it('gevent-style server: the hub waits in epoll_wait with EPOLLONESHOT interest', async () => {
    const log = path.join(dir, 'hub.log');
    const { line, closed } = traced('coroutine/gevent_server', ['0', '2'], 'epoll_wait,epoll_pwait,epoll_ctl', log);
    const m = await line(/listening on (\[[^\]]*\])/);
    const addr = JSON.parse(m[1]) as [string, number];
    const cs = [0, 1].map(() => socket.create_connection(addr, 10));
    for (const c of cs.reverse()) {
      c.sendall(Buffer.from('hi'));
      expect(c.recv(100).toString()).toBe('echo: hi');
      c.close();
    }
    await closed;
    const trace = readFileSync(log, 'utf8');
    const oneshot = /epoll_ctl\((\d+), EPOLL_CTL_(?:ADD|MOD), \d+, \{events=EPOLLIN\|EPOLLONESHOT/.exec(trace);
    expect(oneshot).not.toBeNull();
    // The hub's own epoll fd is the one waited on (libuv has its own, idle here).
    expect(new RegExp(`epoll_wait\\(${oneshot![1]}, `).test(trace)).toBe(true);
  });
});
