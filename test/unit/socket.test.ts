// posixkit/socket on IPv4, IPv6 and Unix sockets: validation, errno mapping
// and the happy path per family (edge cases: socket-edge.test.ts).
import { describe, expect, it } from 'vitest';
import { ConnectionRefusedError, errno as ERRNO } from '../../lib/errors';
import { binding } from '../../lib/native';
import { runInChild, waitWithTimeout } from '../helpers/proc';
import * as socket from '../../lib/socket';
import {
  AF_INET, AF_INET6, AF_UNIX, expectErr, os_errno, setup, SOCK_DGRAM,
  SOCK_STREAM, SOL_SOCKET, V6,
} from '../helpers/sockets';

const { sockPath, pairFor } = setup();

describe('argument validation', () => {
  it('rejects bad types and ranges before the syscall', () => {
    expect(() => socket.socket('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    using s = socket.socket(AF_INET, SOCK_DGRAM);
    expect(() => s.recv(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => s.recv('1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => s.recvfrom(-1)).toThrow(RangeError);
    expect(() => s.send('text' as never)).toThrow(/bytes-like object/);
    expect(() => s.sendall('text' as never)).toThrow(TypeError);
    expect(() => s.sendto(Buffer.from('x'), null as never)).toThrow(TypeError);
    expect(() => (s.sendto as (...a: unknown[]) => number)(Buffer.from('x'))).toThrow(TypeError);
    expect(() => (s.sendto as (...a: unknown[]) => number)(Buffer.from('x'), 0, ['127.0.0.1', 9], 4)).toThrow(TypeError);
    expect(() => s.bind(['127.0.0.1'] as never)).toThrow(TypeError);
    expect(() => s.bind([1, 2] as never)).toThrow(TypeError);
    expect(() => s.bind(['127.0.0.1', 70000])).toThrow(RangeError);
    expect(() => s.bind('/tmp/x')).toThrow(TypeError);
    expect(() => s.settimeout(-1)).toThrow(RangeError);
    expect(() => s.settimeout(NaN)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })); // Python: ValueError
    expect(() => s.settimeout('1' as never)).toThrow(TypeError);
    expect(() => s.listen(2 ** 40)).toThrow(RangeError);
    const buf = Buffer.alloc(4);
    expect(() => s.recv_into(buf, 5)).toThrow(RangeError);
    expect(() => s.getsockopt(SOL_SOCKET, socket.SO_LINGER, 5000)).toThrow(RangeError);
  });

  it('a direct call to the binding with garbage cannot crash', () => {
    const b = (binding as { socket: Record<string, (...a: unknown[]) => unknown> }).socket;
    for (const name of Object.keys(b)) {
      if (typeof b[name] !== 'function' || name.endsWith('_async')) continue;
      for (const args of [[], [-1], ['x', {}, null], [99999, 1, 2, 3, 4, 5, 6], [99999, -1, 1e10, NaN, 'x']]) {
        try { b[name](...args); } catch { /* any JS error is fine */ }
      }
    }
  });

  it('AF_UNIX: path longer than sun_path is a clear error; abstract names may use all 108 bytes', () => {
    using s = socket.socket(AF_UNIX, SOCK_STREAM);
    const e = expectErr(() => s.bind('/' + 'a'.repeat(107)), 'ENAMETOOLONG', 'bind');
    expect(e.message).toMatch(/ENAMETOOLONG/);
    s.bind(sockPath());
    using t = socket.socket(AF_UNIX, SOCK_STREAM);
    const name108 = Buffer.concat([Buffer.from([0]), Buffer.alloc(107, 0x61 + (process.pid % 20))]);
    t.bind(name108);
    expect(t.getsockname()).toEqual(name108);
    using u = socket.socket(AF_UNIX, SOCK_STREAM);
    expectErr(() => u.bind(Buffer.concat([name108, Buffer.from('x')])), 'ENAMETOOLONG');
    expect(() => u.bind('a\0b')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});

describe('errno mapping', () => {
  it('connect to a closed port: ConnectionRefusedError, connect_ex returns the errno (SK-04)', () => {
    let port: number;
    { using tmp = socket.socket(); tmp.bind(['127.0.0.1', 0]); port = (tmp.getsockname() as [string, number])[1]; }
    using s = socket.socket();
    const e = expectErr(() => s.connect(['127.0.0.1', port]), 'ECONNREFUSED', 'connect');
    expect(e).toBeInstanceOf(ConnectionRefusedError);
    expect(e.errno).toBe(-os_errno('ECONNREFUSED'));
    using s2 = socket.socket();
    expect(s2.connect_ex(['127.0.0.1', port])).toBe(os_errno('ECONNREFUSED'));
  });

  it('bind to a used address: EADDRINUSE; unknown family: EAFNOSUPPORT; unknown host: gaierror', () => {
    using a = socket.socket();
    a.bind(['127.0.0.1', 0]);
    a.listen();
    using b = socket.socket();
    expectErr(() => b.bind(a.getsockname() as socket.Address), 'EADDRINUSE', 'bind');
    expectErr(() => socket.socket(12345), 'EAFNOSUPPORT', 'socket');
    const g = expectErr(() => b.connect(['nonexistent.invalid', 80]), 'EAI_NONAME');
    expect(g).toBeInstanceOf(socket.gaierror);
    expectErr(() => b.getpeername(), 'ENOTCONN', 'getpeername');
  });
});

describe.each([
  ['IPv4', AF_INET],
  ['IPv6', AF_INET6],
  ['Unix', AF_UNIX],
])('stream sockets over %s', (_name, family) => {
  const skip = family === AF_INET6 && !V6;

  it.skipIf(skip)('echo, address shapes, EOF (SK-01, SK-09, SK-21)', () => {
    const [c, a] = pairFor(family);
    try {
      if (family === AF_INET) {
        expect(c.getpeername()).toEqual(a.getsockname());
        expect(c.getsockname()).toEqual([expect.any(String), expect.any(Number)]);
      } else if (family === AF_INET6) {
        expect(c.getpeername()).toEqual(['::1', expect.any(Number), 0, 0]);
      } else {
        expect(c.getsockname()).toBe('');
        expect(typeof a.getsockname()).toBe('string');
        expect(c.getpeername()).toBe(a.getsockname());
      }
      expect(c.family).toBe(family);
      expect(c.type).toBe(SOCK_STREAM);
      const msg = Buffer.from('Michael Gilfix was here\u1234\r\n');
      c.sendall(msg);
      const first = a.recv(msg.length - 3);
      const rest = a.recv(1024);
      expect(Buffer.concat([first, rest])).toEqual(msg);
      expect(c.send(Buffer.from('ab'))).toBe(2);
      const [data, from] = a.recvfrom(10);
      expect(data.toString()).toBe('ab');
      expect(from === null || from === '' || Array.isArray(from)).toBe(true);
      const into = Buffer.alloc(8);
      c.send(Buffer.from('xyz'));
      expect(a.recv_into(into, 2)).toBe(2);
      expect(a.recv_into(into)).toBe(1);
      expect(into.subarray(0, 1).toString()).toBe('z');
      c.close();
      c.close(); // twice is safe
      expect(a.recv(10).length).toBe(0);
    } finally {
      c.close();
      a.close();
    }
  });

  it.skipIf(skip)('sendall of 16 MiB to a reader in another process; shutdown keeps the data (SK-10, SK-16)', () => {
    const [c, a] = pairFor(family);
    const big = Buffer.alloc(16 * 1024 * 1024 + 1);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    const pid = runInChild(() => {
      a.close();
      c.sendall(big);
      c.shutdown(socket.SHUT_RDWR);
      return 0;
    });
    c.close();
    const got: Buffer[] = [];
    let total = 0;
    for (;;) {
      const b = a.recv(1 << 20);
      if (b.length === 0) break;
      got.push(b);
      total += b.length;
    }
    a.close();
    expect(waitWithTimeout(pid).status).toBe(0);
    expect(total).toBe(big.length);
    expect(Buffer.concat(got).equals(big)).toBe(true);
  });
});

describe.each([
  ['IPv4', AF_INET],
  ['IPv6', AF_INET6],
  ['Unix', AF_UNIX],
])('datagrams, timeouts and non-blocking connect over %s', (_name, family) => {
  const skip = family === AF_INET6 && !V6;
  const local = (): socket.Address => (family === AF_UNIX ? sockPath() : [family === AF_INET ? '127.0.0.1' : '::1', 0]);

  it.skipIf(skip)('SOCK_DGRAM: sendto/recvfrom/recvfrom_into/recvmsg, truncation, sender address', () => {
    using a = socket.socket(family, SOCK_DGRAM);
    using b = socket.socket(family, SOCK_DGRAM);
    a.bind(local());
    b.bind(local());
    expect(b.sendto(Buffer.from('0123456789'), a.getsockname() as socket.Address)).toBe(10);
    const [d, from] = a.recvfrom(4);
    expect(d.toString()).toBe('0123'); // the rest of the datagram is gone
    expect(from).toEqual(b.getsockname());
    b.sendto(Buffer.from('next'), 0, a.getsockname() as socket.Address);
    const buf = Buffer.alloc(10);
    expect(a.recvfrom_into(buf)).toEqual([4, b.getsockname()]);
    b.sendmsg([Buffer.from('m'), Buffer.from('sg')], [], 0, a.getsockname() as socket.Address);
    const [m, anc, flags, addr] = a.recvmsg(10);
    expect([m.toString(), anc, flags, addr]).toEqual(['msg', [], 0, b.getsockname()]);
    a.settimeout(0.1);
    expectErr(() => a.recvfrom(1), 'ETIMEDOUT', 'recvfrom');
    expectErr(() => a.recv_into(buf), 'ETIMEDOUT', 'recv_into');
    expectErr(() => a.recvmsg(1), 'ETIMEDOUT', 'recvmsg');
    a.setblocking(false);
    expectErr(() => a.recvfrom_into(buf), 'EAGAIN', 'recvfrom_into');
    expect(() => b.recvfrom(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it.skipIf(skip)('non-blocking connect: EINPROGRESS or done; connect_ex returns 0; the stream works', () => {
    using srv = socket.create_server(local(), { family });
    using c = socket.socket(family, SOCK_STREAM);
    c.setblocking(false);
    const r = c.connect_ex(srv.getsockname() as socket.Address);
    expect([0, ERRNO.EINPROGRESS, ERRNO.EAGAIN]).toContain(r);
    srv.settimeout(5);
    const [a] = srv.accept();
    using _a = a;
    c.settimeout(5);
    c.sendall(Buffer.from('ok'));
    expect(a.recv(2).toString()).toBe('ok');
    using d = socket.socket(family, SOCK_STREAM);
    expect(d.connect_ex(srv.getsockname() as socket.Address)).toBe(0);
    using e = socket.socket(family, SOCK_STREAM);
    e.settimeout(0);
    if (family === AF_UNIX) {
      // a Unix connect completes at once or fails; a second one says EISCONN
      e.connect(srv.getsockname() as socket.Address);
      expectErr(() => e.connect(srv.getsockname() as socket.Address), 'EISCONN', 'connect');
    } else {
      expectErr(() => e.connect(srv.getsockname() as socket.Address), 'EINPROGRESS', 'connect');
    }
  });

  it.skipIf(skip)('recv timeout on a stream, and recv after shutdown(SHUT_RD)', () => {
    const [c, a] = pairFor(family);
    using _c = c;
    using _a = a;
    a.settimeout(0.1);
    const t0 = performance.now();
    expectErr(() => a.recv(1), 'ETIMEDOUT', 'recv');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(80);
    c.shutdown(socket.SHUT_WR);
    expect(a.recv(1).length).toBe(0);
    expectErr(() => c.send(Buffer.from('x')), 'EPIPE', 'send');
    expectErr(() => c.shutdown(99), 'EINVAL', 'shutdown');
  });
});

