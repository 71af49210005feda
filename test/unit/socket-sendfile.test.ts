// socket.sendfile / sendfile_raw (sendfile(2)), and proof that the servers
// send file bodies with it (strace) byte-exact.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errno as E } from '../../lib/errors';
import * as os from '../../lib/os';
import * as socket from '../../lib/socket';
import { startServer } from '../helpers/servers';
import { setup, AF_INET, AF_UNIX } from '../helpers/sockets';
import { run } from '../helpers/programs';

const { pairFor } = setup();
const dir = fs.mkdtempSync(path.join(tmpdir(), 'pk-sendfile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff));
const file = path.join(dir, 'data.bin');
fs.writeFileSync(file, content);

function recvExactly(s: socket.Socket, n: number): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const b = s.recv(n - got);
    if (b.length === 0) break;
    parts.push(b);
    got += b.length;
  }
  return Buffer.concat(parts);
}

describe('Socket.sendfile', () => {
  for (const family of [AF_UNIX, AF_INET]) {
    it(`sends a range, then the rest to end of file (family ${family}); the file offset does not move`, () => {
      const [a, b] = pairFor(family);
      const fd = fs.openSync(file, 'r');
      try {
        // A peer reads concurrently in a child, so more than the socket buffer can go.
        const pid = os.fork();
        if (pid === 0) {
          a.close();
          const got = recvExactly(b, 1000 + content.length - 5000);
          const ok = got.subarray(0, 1000).equals(content.subarray(100, 1100)) && got.subarray(1000).equals(content.subarray(5000));
          os._exit(ok ? 0 : 1);
        }
        b.close();
        expect(a.sendfile(fd, 100, 1000)).toBe(1000);
        expect(a.sendfile({ fileno: () => fd }, 5000)).toBe(content.length - 5000);
        expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(0);
        expect(fs.readSync(fd, Buffer.alloc(4), 0, 4, null)).toBe(4); // still at offset 0
        a.close();
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  it('a count past the end of the file sends what there is; offset at the end sends 0', () => {
    const [a, b] = pairFor(AF_UNIX);
    const small = path.join(dir, 'small.txt');
    fs.writeFileSync(small, 'hello world');
    const fd = fs.openSync(small, 'r');
    try {
      expect(a.sendfile(fd, 6, 1000)).toBe(5);
      expect(b.recv(100).toString()).toBe('world');
      expect(a.sendfile(fd, 11)).toBe(0);
      expect(a.sendfile(fd, 0, 0)).toBe(0);
    } finally {
      fs.closeSync(fd);
      a.close();
      b.close();
    }
  });

  it('sendfile_raw: one call, -EAGAIN on a full non-blocking socket, -EPIPE once the peer is gone', () => {
    const [a, b] = pairFor(AF_UNIX);
    const fd = fs.openSync(file, 'r');
    try {
      a.setblocking(false);
      let total = 0;
      let n = 0;
      for (let i = 0; i < 1000 && (n = a.sendfile_raw(fd, total % content.length, 65536)) > 0; i++) total += n;
      expect(n).toBe(-E.EAGAIN);
      expect(total).toBeGreaterThan(0);
      b.close();
      expect(a.sendfile_raw(fd, 0, 10)).toBe(-E.EPIPE);
    } finally {
      fs.closeSync(fd);
      a.close();
    }
  });

  it('errors: EPIPE carries bytesSent; a timeout is a TimeoutError; bad arguments are Node-style', () => {
    const [a, b] = pairFor(AF_UNIX);
    const fd = fs.openSync(file, 'r');
    try {
      a.settimeout(0.2);
      let err: (Error & { code?: string; bytesSent?: number }) | null = null;
      // Nobody reads b: the socket buffer fills and the timeout expires.
      for (let i = 0; i < 100 && err === null; i++) { try { a.sendfile(fd); } catch (e) { err = e as never; } }
      expect(err).toBeInstanceOf(socket.timeout);
      expect(err!.bytesSent).toBeLessThan(content.length);
      b.close();
      try { a.sendfile(fd); } catch (e) { err = e as never; }
      expect(err).toMatchObject({ code: 'EPIPE', syscall: 'sendfile', bytesSent: 0 });
      expect(() => a.sendfile('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => a.sendfile(fd, -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => a.sendfile(fd, 0, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      const dfd = os.openat2(dir, os.O_RDONLY | os.O_DIRECTORY);
      try { a.sendfile(dfd, 0, 10); } catch (e) { err = e as never; } finally { os.close(dfd); }
      expect(err).toMatchObject({ code: 'EINVAL', syscall: 'sendfile' });
    } finally {
      fs.closeSync(fd);
      a.close();
    }
    expect(() => a.sendfile(0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const hasCurl = spawnSync('curl', ['--version']).status === 0;

describe.skipIf(!hasStrace || !hasCurl)('servers send file bodies with sendfile(2)', () => {
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  const big = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + 7) & 0xff));
  fs.writeFileSync(path.join(www, 'big.bin'), big);
  const sha = createHash('sha256').update(big).digest('hex');

  for (const model of ['epoll-et', 'forking', 'coroutine']) {
    it(`${model}: a 1 MiB file goes by sendfile, not pread + send, and arrives intact`, async () => {
      const srv = await startServer('http-server.js', { model, root: www });
      const trace = path.join(dir, `${model}.trace`);
      const st = spawn('strace', ['-f', '-e', 'trace=sendfile,pread64', '-o', trace, '-p', String(srv.pid)], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 500)); // strace attached
        const r = await run('curl', ['-s', '--max-time', '10', `http://127.0.0.1:${srv.port}/big.bin`]);
        expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(sha);
      } finally {
        st.kill('SIGINT');
        await new Promise((r) => st.once('exit', r));
        await srv.stop();
      }
      const lines = fs.readFileSync(trace, 'utf8').split('\n');
      const sent = lines.filter((l) => /sendfile\(\d+, \d+, \[\d+\]/.test(l))
        .map((l) => Number(/= (\d+)$/.exec(l)?.[1] ?? 0)).reduce((x, y) => x + y, 0);
      expect(sent).toBe(big.length);
      expect(lines.filter((l) => l.includes('pread64('))).toEqual([]);
    });
  }
});
