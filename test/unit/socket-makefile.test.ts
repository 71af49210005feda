// Socket.makefile(): Python's file objects over a socket (binary buffered,
// unbuffered, text), their lifetime rules, timeouts, bad input, a Python peer
// on the other end, and the Node stream adapter.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import { BlockingIOError, OSError, TimeoutError } from '../../lib/errors';
import { expectErr, setup } from '../helpers/sockets';

setup();

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** What the peer can read right now without blocking ('' when nothing). */
function pending(s: socket.Socket): string {
  const r = Buffer.alloc(65536);
  const n = s.recv_into_raw(r, socket.MSG_DONTWAIT);
  return n > 0 ? r.subarray(0, n).toString('latin1') : '';
}

describe('binary files', () => {
  it('readline, read(n), read1, readinto, iteration, readlines and read() to the end', () => {
    const [a, b] = socket.socketpair();
    const f = a.makefile('rb');
    try {
      expect(f.mode).toBe('rb');
      expect(f.name).toBe(a.fileno());
      expect([f.readable(), f.writable(), f.seekable(), f.isatty()]).toEqual([true, false, false, false]);
      b.sendall(B('line one\nline two\nabcdefghij'));
      expect(f.readline().toString()).toBe('line one\n');
      expect(f.readline(4).toString()).toBe('line');
      expect(f.readline().toString()).toBe(' two\n');
      expect(f.read(3)!.toString()).toBe('abc');
      expect(f.read1(2)!.toString()).toBe('de');
      const into = Buffer.alloc(3);
      expect(f.readinto(into)).toBe(3);
      expect(into.toString()).toBe('fgh');
      expect(f.read(0)!.length).toBe(0);
      b.sendall(B('\nA\nB\nC\nD\n'));
      const it = f[Symbol.iterator]();
      expect(it.next().value.toString()).toBe('ij\n');
      expect(f.readlines(3).map(String)).toEqual(['A\n', 'B\n']); // stops once the hint is reached
      b.sendall(B('tail'));
      b.shutdown(socket.SHUT_WR);
      expect(f.readlines().map(String)).toEqual(['C\n', 'D\n', 'tail']);
      expect(f.read()!.length).toBe(0);
      expect(f.readline().length).toBe(0);
    } finally {
      f.close();
      a.close();
      b.close();
    }
  });

  it('read(n) waits for n bytes across several sends; read() collects until the peer closes', () => {
    const [a, b] = socket.socketpair();
    using f = a.makefile('rb', 4);
    try {
      b.sendall(B('12'));
      b.sendall(B('345'));
      b.sendall(B('6789'));
      expect(f.read(8)!.toString()).toBe('12345678');
      b.sendall(Buffer.alloc(100_000, 0x61));
      b.close();
      const rest = f.read()!;
      expect(rest.length).toBe(100_001);
      expect(rest[0]).toBe(0x39);
    } finally {
      a.close();
    }
  });

  it('writes are buffered until flush (or a full buffer); close() flushes', () => {
    const [a, b] = socket.socketpair();
    const w = a.makefile('wb', 16);
    try {
      expect(w.write(B('hello '))).toBe(6);
      expect(pending(b)).toBe('');
      w.writelines([B('wor'), new Uint8Array([0x6c, 0x64])]);
      w.flush();
      expect(pending(b)).toBe('hello world');
      w.write(B('0123456789abcdefXYZ')); // passes the 16-byte buffer: sent at once
      expect(pending(b)).toBe('0123456789abcdefXYZ');
      w.write(B('last'));
      w.close();
      expect(pending(b)).toBe('last');
      expect(w.closed).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  it("'rwb' reads and writes; the caller's buffer may be reused after write()", () => {
    const [a, b] = socket.socketpair();
    using f = a.makefile('rwb');
    try {
      const buf = B('ping\n');
      f.write(buf);
      buf.fill(0);
      f.flush();
      expect(pending(b)).toBe('ping\n');
      b.sendall(B('pong\n'));
      expect(f.readline().toString()).toBe('pong\n');
      expect(f.mode).toBe('rwb');
    } finally {
      a.close();
      b.close();
    }
  });

  it('buffering 0: each read is one recv, each write one send, readline consumes only its line', () => {
    const [a, b] = socket.socketpair();
    using f = a.makefile('rwb', 0);
    try {
      b.sendall(B('abc'));
      expect(f.read(10)!.toString()).toBe('abc');
      expect(f.write(B('xyz'))).toBe(3);
      expect(pending(b)).toBe('xyz'); // no flush needed
      b.sendall(B('one\nrest'));
      expect(f.readline().toString()).toBe('one\n');
      expect(a.recv(10).toString()).toBe('rest'); // nothing read ahead
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('text files', () => {
  it('utf-8 split across sends decodes whole characters; read(n) counts characters', () => {
    const [a, b] = socket.socketpair();
    const f = a.makefile();
    try {
      expect(f.mode).toBe('r');
      expect(f.encoding).toBe('utf-8');
      expect(f.buffer).toBeInstanceOf(socket.SocketFile);
      const bytes = Buffer.from('h\u00e9llo w\u00f6rld \u2713\nzwei\n', 'utf8');
      b.sendall(bytes.subarray(0, 2)); // 'h' and half of the e-acute
      b.sendall(bytes.subarray(2, 13));
      b.sendall(bytes.subarray(13));
      b.shutdown(socket.SHUT_WR);
      expect(f.read(5)).toBe('h\u00e9llo');
      expect(f.readline()).toBe(' w\u00f6rld \u2713\n');
      expect([...f]).toEqual(['zwei\n']);
      expect(f.read()).toBe('');
    } finally {
      f.close();
      a.close();
      b.close();
    }
  });

  it("newline: null translates '\\r\\n' and '\\r' (even split across sends); '' keeps them; '\\r\\n' writes them", () => {
    const [a, b] = socket.socketpair();
    const uni = a.makefile('r');
    try {
      b.sendall(B('one\r'));
      b.sendall(B('\ntwo\rthree\n'));
      expect(uni.readline()).toBe('one\n');
      expect(uni.readline()).toBe('two\n');
      expect(uni.readline()).toBe('three\n');
    } finally {
      uni.close();
    }
    const raw = a.makefile('r', null, { newline: '' });
    try {
      b.sendall(B('x\r\ny\rz\n'));
      expect([raw.readline(), raw.readline(), raw.readline()]).toEqual(['x\r\n', 'y\r', 'z\n']);
    } finally {
      raw.close();
    }
    const crlf = a.makefile('rw', null, { newline: '\r\n' });
    try {
      expect(crlf.write('a\nb\n')).toBe(4);
      crlf.flush();
      expect(pending(b)).toBe('a\r\nb\r\n');
      b.sendall(B('p\nq\r\n'));
      expect(crlf.readline()).toBe('p\nq\r\n'); // only '\r\n' ends a line
    } finally {
      crlf.close();
      a.close();
      b.close();
    }
  });

  it("encodings: latin-1 and ascii as Python means them, errors 'strict' and 'replace'", () => {
    const [a, b] = socket.socketpair();
    try {
      const l1 = a.makefile('rw', null, { encoding: 'latin-1' });
      l1.write('\u00ff\u0080\n');
      l1.flush();
      expect([...Buffer.from(pending(b), 'latin1')]).toEqual([0xff, 0x80, 0x0a]);
      b.sendall(Buffer.from([0x80, 0x0a])); // windows-1252 would read this as the euro sign
      expect(l1.readline()).toBe('\u0080\n');
      expect(codeOf(() => l1.write('\u20ac'))).toBe('ERR_ENCODING_NOT_SUPPORTED');
      l1.close();
      const strict = a.makefile('r', null, { encoding: 'ascii' });
      b.sendall(Buffer.from([0x41, 0xe9, 0x0a]));
      expect(codeOf(() => strict.readline())).toBe('ERR_ENCODING_INVALID_ENCODED_DATA');
      strict.close();
      const rep = a.makefile('rw', null, { encoding: 'utf-8', errors: 'replace' });
      b.sendall(Buffer.from([0x41, 0xff, 0x0a]));
      expect(rep.readline()).toBe('A\ufffd\n');
      rep.close();
      const bad = a.makefile('w', null, { encoding: 'utf-8' });
      expect(codeOf(() => bad.write('\ud800'))).toBe('ERR_ENCODING_NOT_SUPPORTED');
      bad.close();
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('lifetime and errors', () => {
  it('socket.close() while a file is open keeps the fd until the file closes (Python\'s _io_refs)', () => {
    const [a, b] = socket.socketpair();
    const f = a.makefile('rb');
    const fd = a.fileno();
    a.close();
    expect(a.closed).toBe(true);
    b.sendall(B('still\n'));
    expect(a.recv(16).toString()).toBe('still\n'); // the socket works until the file goes
    b.sendall(B('file\n'));
    expect(f.readline().toString()).toBe('file\n');
    f.close();
    expect(a.fileno()).toBe(-1);
    expectErr(() => a.recv(1), 'EBADF');
    expectErr(() => socket.dup(fd), 'EBADF'); // the fd number is really closed
    b.close();
  });

  it('closed files, wrong direction, bad arguments', () => {
    const [a, b] = socket.socketpair();
    try {
      expect(codeOf(() => a.makefile('x'))).toBe('ERR_INVALID_ARG_VALUE');
      expect(codeOf(() => a.makefile('r', 0))).toBe('ERR_INVALID_ARG_VALUE'); // unbuffered text
      expect(codeOf(() => a.makefile('r', -2))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => a.makefile('r', 1.5))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => a.makefile(3 as never))).toBe('ERR_INVALID_ARG_TYPE');
      expect(codeOf(() => a.makefile('rb', null, { encoding: 'utf-8' }))).toBe('ERR_INVALID_ARG_VALUE');
      expect(codeOf(() => a.makefile('r', null, { encoding: 'koi8-r' }))).toBe('ERR_INVALID_ARG_VALUE');
      expect(codeOf(() => a.makefile('r', null, { errors: 'ignore' }))).toBe('ERR_INVALID_ARG_VALUE');
      expect(codeOf(() => a.makefile('r', null, { newline: 'x' }))).toBe('ERR_INVALID_ARG_VALUE');
      const r = a.makefile('rb');
      const w = a.makefile('w');
      expect(codeOf(() => r.write(B('x')))).toBe('ERR_IO_UNSUPPORTED');
      expect(codeOf(() => w.read())).toBe('ERR_IO_UNSUPPORTED');
      expect(codeOf(() => w.write(5 as never))).toBe('ERR_INVALID_ARG_TYPE');
      expect(codeOf(() => r.readinto('x' as never))).toBe('ERR_INVALID_ARG_TYPE');
      expect(codeOf(() => r.read('3' as never))).toBe('ERR_INVALID_ARG_TYPE');
      r.close();
      r.close(); // idempotent
      w.close();
      for (const op of [() => r.read(), () => r.readline(), () => r.fileno(), () => w.write('x'), () => w.flush(),
        () => r.readable()]) {
        expect(codeOf(op)).toBe('ERR_IO_CLOSED');
      }
      expect(r.name).toBe(-1);
      a.close();
      expectErr(() => a.makefile('r'), 'EBADF');
    } finally {
      a.close();
      b.close();
    }
  });

  it('a read timeout is a TimeoutError; the file then refuses to read (a message may be cut in two)', () => {
    const [a, b] = socket.socketpair();
    a.settimeout(0.2);
    const f = a.makefile('rb');
    try {
      const t0 = performance.now();
      expect(() => f.read(4)).toThrow(TimeoutError);
      expect(performance.now() - t0).toBeGreaterThan(150);
      b.sendall(B('late'));
      let err: unknown;
      try { f.read(4); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(OSError);
      expect((err as Error).message).toMatch(/timed out object/);
    } finally {
      f.close();
      a.close();
      b.close();
    }
  });

  it('non-blocking socket: binary reads return null when nothing is there, text reads throw BlockingIOError', () => {
    const [a, b] = socket.socketpair();
    a.setblocking(false);
    const f = a.makefile('rb');
    const t = a.makefile('r');
    try {
      expect(f.read(4)).toBeNull();
      expect(f.read1()).toBeNull();
      expect(f.readinto(Buffer.alloc(2))).toBeNull();
      expect(() => t.read(1)).toThrow(BlockingIOError);
      b.sendall(B('ab'));
      expect(f.read(4)!.toString()).toBe('ab'); // what there was, then would-block
    } finally {
      f.close();
      t.close();
      a.close();
      b.close();
    }
  });
});

describe('with a Python peer', () => {
  it("lines written by Python's makefile read here, and ours read back by Python", async () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    const port = (srv.getsockname() as [string, number])[1];
    const py = spawn('python3', ['-c', `
import socket
s = socket.create_connection(('127.0.0.1', ${port}))
f = s.makefile('rw', encoding='utf-8', newline='')
f.write('caf\\u00e9\\r\\nzwei\\n'); f.flush()
print(repr(f.readline()), repr(f.readline()))
`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    let out = '';
    py.stdout.on('data', (d) => { out += d; });
    srv.settimeout(10);
    const [conn] = srv.accept();
    conn.settimeout(10);
    const f = conn.makefile('rw');
    try {
      expect(f.readline()).toBe('caf\u00e9\n'); // newline=null: '\r\n' read as '\n'
      expect(f.readline()).toBe('zwei\n');
      f.write('\u00fcber\nend\n');
      f.flush();
    } finally {
      f.close();
      conn.close();
    }
    const [code] = await once(py, 'close');
    expect(code).toBe(0);
    expect(out.trim()).toBe("'\u00fcber\\n' 'end\\n'");
  });
});

describe('Node stream adapter', () => {
  it('reads buffered bytes first, then waits without blocking the event loop; writes go out', async () => {
    const [a, b] = socket.socketpair();
    const f = a.makefile('rwb');
    b.sendall(B('first\nsecond'));
    expect(f.readline().toString()).toBe('first\n'); // 'second' stays in the file's buffer
    const st = f.stream();
    const chunks: Buffer[] = [];
    st.on('data', (c: Buffer) => chunks.push(c));
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    setTimeout(() => { b.sendall(B(' third')); b.shutdown(socket.SHUT_WR); }, 150);
    await once(st, 'end');
    clearInterval(timer);
    expect(Buffer.concat(chunks).toString()).toBe('second third');
    // The data came only through a timer, and the 10 ms ticker is due first: the loop kept running.
    expect(ticks).toBeGreaterThanOrEqual(1);
    const closed = once(st, 'close');
    st.write(B('reply'));
    await new Promise<void>((resolve, reject) => st.end((e?: Error | null) => (e ? reject(e) : resolve())));
    expect(pending(b)).toBe('reply');
    await closed; // both sides ended: Node destroys the stream, which closes the file
    expect(f.closed).toBe(true);
    a.close();
    b.close();
  });

  it("a big write waits for the peer to drain; a read-only file's stream is not writable", async () => {
    const [a, b] = socket.socketpair();
    const w = a.makefile('wb');
    const st = w.stream();
    expect(st.readable).toBe(false);
    const big = Buffer.alloc(2 * 1024 * 1024, 0x5a);
    const done = new Promise<void>((resolve, reject) => st.end(big, (e?: Error | null) => (e ? reject(e) : resolve())));
    let got = 0;
    const r = Buffer.alloc(65536);
    while (got < big.length) {
      await new Promise((res) => setTimeout(res, 1));
      for (;;) {
        const n = b.recv_into_raw(r, socket.MSG_DONTWAIT);
        if (n <= 0) break;
        got += n;
      }
    }
    await done;
    expect(got).toBe(big.length);
    st.destroy();
    expect(w.closed).toBe(true);
    const ro = a.makefile('rb').stream();
    expect(ro.writable).toBe(false);
    ro.destroy();
    await once(ro, 'close');
    a.close();
    b.close();
  });

  it('destroying a stream that waits for data ends the wait and gives back its epoll fd', async () => {
    const [a, b] = socket.socketpair();
    const f = a.makefile('rb');
    const st = f.stream();
    st.on('data', () => { /* flowing */ });
    await new Promise((res) => setTimeout(res, 50)); // the read now waits on its epoll set
    const closed = once(st, 'close');
    st.destroy();
    await closed;
    expect(f.closed).toBe(true);
    a.close();
    b.close(); // the fd check after the test fails if the epoll fd leaked
  });
});

describe("Python's makefile mode tests", () => {
  it("mode is kept as given ('r', 'rb', 'rw', 'w', 'wb'); 'rt', 'x', '+', 'a' are invalid modes", () => {
    for (const mode of ['r', 'rb', 'rw', 'w', 'wb']) {
      using sock = socket.socket();
      using fp = sock.makefile(mode);
      expect(fp.mode).toBe(mode);
    }
    for (const mode of ['rt', 'x', '+', 'a']) {
      using sock = socket.socket();
      expect(() => sock.makefile(mode)).toThrow(/invalid mode/);
    }
  });
});
