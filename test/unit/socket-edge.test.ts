// posixkit/socket edge cases: timeouts, EPIPE, ECONNRESET, CLOEXEC, use after
// close, abstract names, dual stack, datagrams and SOCK_SEQPACKET.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { BlockingIOError, BrokenPipeError, OSError, TimeoutError } from '../../lib/errors';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import * as socket from '../../lib/socket';
import {
  AF_INET, AF_INET6, AF_UNIX, cloexec, expectErr, os_errno, setup, SOCK_DGRAM, SOCK_SEQPACKET,
  SOCK_STREAM, SOL_SOCKET, V6,
} from '../helpers/sockets';

const { sockPath, pairFor } = setup();

describe('edge cases', () => {
  it('EPIPE, never SIGPIPE: the process survives sends to a closed peer (SK-02)', () => {
    const [c, a] = socket.socketpair();
    a.close();
    const e = expectErr(() => { for (let i = 0; i < 3; i++) c.send(Buffer.from('x')); }, 'EPIPE', 'send');
    expect(e).toBeInstanceOf(BrokenPipeError);
    expectErr(() => c.sendall(Buffer.from('x')), 'EPIPE', 'sendall');
    expect(c.send_raw(Buffer.from('x'))).toBe(-os_errno('EPIPE'));
    c.close();
    // and over TCP, where the first send after the close usually succeeds
    const [t, u] = pairFor(AF_INET);
    u.close();
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      try { t.send(Buffer.from('x')); outcomes.push('ok'); } catch (err) { outcomes.push((err as OSError).code); }
      sleepSync(50);
    }
    t.close();
    expect(outcomes).toContain('EPIPE');
  });

  it('peer closed with unread data -> ECONNRESET (SK-03)', () => {
    const [c, a] = pairFor(AF_INET);
    c.sendall(Buffer.from('unread'));
    sleepSync(20);
    a.close();
    sleepSync(20);
    expectErr(() => c.recv(10), 'ECONNRESET', 'recv');
    c.close();
  });

  it('timeout state machine: O_NONBLOCK whenever timeout is not null (SK-05)', () => {
    using s = socket.socket();
    expect(s.gettimeout()).toBeNull();
    expect(s.getblocking()).toBe(true);
    expect(os.get_blocking(s.fileno())).toBe(true);
    s.settimeout(1.5);
    expect(s.gettimeout()).toBe(1.5);
    expect(s.getblocking()).toBe(true);
    expect(os.get_blocking(s.fileno())).toBe(false);
    s.setblocking(false);
    expect(s.gettimeout()).toBe(0);
    expect(s.getblocking()).toBe(false);
    s.setblocking(true);
    expect(s.gettimeout()).toBeNull();
    expect(os.get_blocking(s.fileno())).toBe(true);
    using nb = socket.socket(AF_INET, SOCK_STREAM | socket.SOCK_NONBLOCK);
    expect(nb.gettimeout()).toBe(0);
    expect(nb.type).toBe(SOCK_STREAM);
    socket.setdefaulttimeout(2);
    try {
      using d = socket.socket();
      expect(d.gettimeout()).toBe(2);
      expect(os.get_blocking(d.fileno())).toBe(false);
    } finally {
      socket.setdefaulttimeout(null);
    }
  });

  it('non-blocking accept/recv: BlockingIOError fast; accepted socket is blocking (SK-06, SK-07)', () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    srv.setblocking(false);
    const t0 = performance.now();
    expect(expectErr(() => srv.accept(), 'EAGAIN', 'accept')).toBeInstanceOf(BlockingIOError);
    expect(srv.accept_raw()).toBe(-os_errno('EAGAIN'));
    expect(performance.now() - t0).toBeLessThan(1000);
    using c = socket.create_connection(srv.getsockname() as [string, number]);
    srv.settimeout(5);
    const [a] = srv.accept();
    using _a = a;
    expect(a.gettimeout()).toBeNull();
    expect(os.get_blocking(a.fileno())).toBe(true);
    a.setblocking(false);
    expectErr(() => a.recv(1), 'EAGAIN', 'recv');
    expect(a.recv_into_raw(Buffer.alloc(4))).toBe(-os_errno('EAGAIN'));
    c.send(Buffer.from('hi'));
    sleepSync(10);
    const buf = Buffer.alloc(4);
    expect(a.recv_into_raw(buf)).toBe(2);
    using c2 = socket.create_connection(srv.getsockname() as [string, number]);
    sleepSync(10);
    const fd = srv.accept_raw(socket.SOCK_NONBLOCK);
    expect(fd).toBeGreaterThan(2);
    expect(cloexec(fd)).toBe(true);
    using w = new socket.Socket(undefined, undefined, undefined, fd);
    expect(w.gettimeout()).toBe(0);
    expect(w.getpeername()).toEqual(c2.getsockname());
    expect(() => srv.accept_raw(12345)).toThrow(RangeError);
  });

  it('settimeout(t): idle accept and recv throw TimeoutError (an OSError) after about t (SK-08)', () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    srv.settimeout(0.3);
    let t0 = performance.now();
    const e = expectErr(() => srv.accept(), 'ETIMEDOUT', 'accept');
    let dt = performance.now() - t0;
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e).toBeInstanceOf(socket.timeout);
    expect(dt).toBeGreaterThanOrEqual(250);
    expect(dt).toBeLessThan(2000);
    using u = socket.socket(AF_INET, SOCK_DGRAM);
    u.bind(['127.0.0.1', 0]);
    u.settimeout(0.2);
    t0 = performance.now();
    expectErr(() => u.recvfrom(10), 'ETIMEDOUT', 'recvfrom');
    dt = performance.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(150);
    u.settimeout(0);
    expect(expectErr(() => u.recv(1), 'EAGAIN')).not.toBeInstanceOf(TimeoutError);
  });

  it('sendall: the timeout bounds the whole call; the error says how much went (SK-11)', () => {
    const [c, a] = socket.socketpair();
    const pid = runInChild(() => {
      c.close();
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        if (a.recv(1024).length === 0) break;
        sleepSync(100);
      }
      return 0;
    });
    a.close();
    c.settimeout(1);
    const t0 = performance.now();
    const e = expectErr(() => c.sendall(Buffer.alloc(8 * 1024 * 1024)), 'ETIMEDOUT', 'sendall');
    const dt = performance.now() - t0;
    c.close();
    expect(dt).toBeGreaterThanOrEqual(800);
    expect(dt).toBeLessThan(2000);
    expect((e as OSError & { bytesSent: number }).bytesSent).toBeGreaterThan(0);
    expect((e as OSError & { bytesSent: number }).bytesSent).toBeLessThan(8 * 1024 * 1024);
    expect(waitWithTimeout(pid).status).toBe(0);
  });

  it('a timed sendall interrupted by signals (no JS handler) still ends in TimeoutError, never EINTR (EINTR-05)', () => {
    const [c, a] = socket.socketpair();
    const noop = (): void => {};
    process.on('SIGALRM', noop); // libuv's handler: the signal interrupts poll() but runs no posixkit handler
    const parent = process.pid;
    const pid = runInChild(() => {
      for (let i = 0; i < 30; i++) { sleepSync(25); os.kill(parent, 14); }
      return 0;
    });
    try {
      c.settimeout(0.6);
      const t0 = performance.now();
      expectErr(() => c.sendall(Buffer.alloc(8 * 1024 * 1024)), 'ETIMEDOUT', 'sendall');
      const dt = performance.now() - t0;
      expect(dt).toBeGreaterThanOrEqual(500);
      expect(dt).toBeLessThan(2000);
    } finally {
      expect(waitWithTimeout(pid).status).toBe(0);
      process.off('SIGALRM', noop);
      c.close();
      a.close();
    }
  });

  it('sendall over a full non-blocking socket reports bytesSent with EAGAIN', () => {
    const [c, a] = socket.socketpair();
    c.setblocking(false);
    const e = expectErr(() => c.sendall(Buffer.alloc(4 * 1024 * 1024)), 'EAGAIN', 'sendall');
    expect((e as OSError & { bytesSent: number }).bytesSent).toBeGreaterThan(0);
    expect(c.send_raw(Buffer.alloc(1))).toBe(-os_errno('EAGAIN'));
    c.close();
    a.close();
  });

  it('operations after close throw EBADF and never touch a reused fd (SK-14)', () => {
    const s = socket.socket();
    const fd = s.fileno();
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(s.closed).toBe(true);
    using other = socket.socket(AF_INET, SOCK_DGRAM); // likely reuses the number
    expect(other.fileno()).toBe(fd);
    for (const op of [() => s.send(Buffer.from('x')), () => s.recv(1), () => s.bind(['127.0.0.1', 0]), () => s.listen(),
      () => s.accept(), () => s.getsockname(), () => s.settimeout(1), () => s.setsockopt(SOL_SOCKET, socket.SO_REUSEADDR, 1),
      () => s.shutdown(socket.SHUT_RDWR), () => s.recvmsg(1), () => s.sendto(Buffer.from('x'), ['127.0.0.1', 9])]) {
      expectErr(op, 'EBADF');
    }
    expect(other.getsockopt(SOL_SOCKET, socket.SO_REUSEADDR)).toBe(0);
    other.bind(['127.0.0.1', 0]);
    // A socket whose fd was closed underneath: close() reports EBADF.
    const t = socket.socket();
    os.close(t.fileno());
    expectErr(() => t.close(), 'EBADF', 'close');
  });

  it('bind to port 0 reveals the port; SO_REUSEADDR round-trips; raw options as bytes (SK-15)', () => {
    using s = socket.socket();
    expect(s.getsockopt(SOL_SOCKET, socket.SO_REUSEADDR)).toBe(0);
    s.setsockopt(SOL_SOCKET, socket.SO_REUSEADDR, 1);
    expect(s.getsockopt(SOL_SOCKET, socket.SO_REUSEADDR)).not.toBe(0);
    s.bind(['127.0.0.1', 0]);
    const [host, port] = s.getsockname() as [string, number];
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    linger.writeInt32LE(7, 4);
    s.setsockopt(SOL_SOCKET, socket.SO_LINGER, linger);
    const got = s.getsockopt(SOL_SOCKET, socket.SO_LINGER, 8);
    expect(got.length).toBe(8);
    expect(got.readInt32LE(4)).toBe(7);
    expect(s.getsockopt(SOL_SOCKET, socket.SO_TYPE)).toBe(SOCK_STREAM);
    expectErr(() => s.getsockopt(SOL_SOCKET, 9999), 'ENOPROTOOPT', 'getsockopt');
  });

  it('dup, fromfd and detach (SK-17)', () => {
    const [c, a] = socket.socketpair();
    const d = a.dup();
    const f = socket.fromfd(a.fileno());
    expect(f.family).toBe(AF_UNIX);
    expect(f.type).toBe(SOCK_STREAM);
    expect(d.fileno()).not.toBe(a.fileno());
    c.sendall(Buffer.from('abc'));
    expect(d.recv(1).toString()).toBe('a');
    expect(f.recv(1).toString()).toBe('b');
    expect(a.recv(1).toString()).toBe('c');
    d.close();
    f.close();
    const fd = a.detach();
    expect(a.fileno()).toBe(-1);
    expectErr(() => a.recv(1), 'EBADF');
    a.close(); // a no-op: the fd is no longer the object's
    c.sendall(Buffer.from('z'));
    const b = Buffer.alloc(1);
    expect(os.readinto(fd, b)).toBe(1);
    os.close(fd);
    c.close();
    expect(() => socket.fromfd(0xffffff)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('socketpair defaults to AF_UNIX, SOCK_STREAM, 0 and is bidirectional (SK-18)', () => {
    const [x, y] = socket.socketpair();
    expect([x.family, x.type, x.proto]).toEqual([AF_UNIX, SOCK_STREAM, 0]);
    x.sendall(Buffer.from('ping'));
    expect(y.recv(4).toString()).toBe('ping');
    y.sendall(Buffer.from('pong'));
    expect(x.recv(4).toString()).toBe('pong');
    x.close();
    y.close();
  });

  it('every new fd is close-on-exec (SK-19)', () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    using c = socket.create_connection(srv.getsockname() as [string, number]);
    const [a] = srv.accept();
    using _a = a;
    const [p, q] = socket.socketpair();
    using _p = p;
    using _q = q;
    using d = a.dup();
    using f = socket.fromfd(a);
    for (const s of [srv, c, a, p, q, d, f]) expect(cloexec(s.fileno())).toBe(true);
    // and an exec'd child does not see the listener
    const r = spawnSync('ls', ['/proc/self/fd'], { encoding: 'utf8' });
    expect(r.stdout.split('\n')).not.toContain(String(srv.fileno()));
  });

  it('abstract namespace: exact bytes incl. NULs; autobind with bind("") (SK-20)', () => {
    const name = Buffer.from(`\0posixkit-test-${process.pid}\0\xff`, 'latin1');
    using s = socket.socket(AF_UNIX, SOCK_STREAM);
    s.bind(name);
    s.listen();
    expect(s.getsockname()).toEqual(name);
    using c = socket.socket(AF_UNIX, SOCK_STREAM);
    c.connect(name);
    expect(c.getpeername()).toEqual(name);
    const [a] = s.accept();
    a.close();
    // a string starting with NUL is abstract too
    using t = socket.socket(AF_UNIX, SOCK_DGRAM);
    t.bind(`\0pk-str-${process.pid}`);
    expect((t.getsockname() as Buffer).toString()).toBe(`\0pk-str-${process.pid}`);
    const auto: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      using u = socket.socket(AF_UNIX, SOCK_DGRAM);
      u.bind('');
      auto.push(u.getsockname() as Buffer);
    }
    for (const a2 of auto) expect(a2.toString('latin1')).toMatch(/^\0[0-9a-f]{5}$/);
    expect(auto[0].equals(auto[1])).toBe(false);
  });

  it('Unix path sockets: a socket file appears; a stale one must be removed first', () => {
    const p = sockPath();
    {
      using s = socket.socket(AF_UNIX, SOCK_STREAM);
      expect(s.getsockname()).toBe('');
      s.bind(p);
      expect(s.getsockname()).toBe(p);
      expect(existsSync(p)).toBe(true);
    }
    using s2 = socket.socket(AF_UNIX, SOCK_STREAM);
    expectErr(() => s2.bind(p), 'EADDRINUSE', 'bind');
    rmSync(p);
    s2.bind(Buffer.from(p));
    expect(s2.getsockname()).toBe(p);
  });

  it.skipIf(!V6)('IPv6 server; dual-stack server accepts an IPv4 client (SK-22)', () => {
    using srv = socket.create_server(['::', 0], { family: AF_INET6, dualstack_ipv6: true });
    const port = (srv.getsockname() as [string, number])[1];
    expect(srv.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)).toBe(0);
    using _client = socket.create_connection(['127.0.0.1', port], 5);
    const [a, addr] = srv.accept();
    using _a = a;
    expect((addr as [string, number])[0]).toBe('::ffff:127.0.0.1');
    expect(addr).toHaveLength(4);
    using v6only = socket.create_server(['::1', 0], { family: AF_INET6 });
    expect(v6only.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)).toBe(1);
    expect(() => socket.create_server(['127.0.0.1', 0], { dualstack_ipv6: true })).toThrow(TypeError);
  });

  it('listen(0) works; a negative backlog counts as 0 (SK-23)', () => {
    using s = socket.socket();
    s.bind(['127.0.0.1', 0]);
    s.listen(0);
    using t = socket.socket();
    t.bind(['127.0.0.1', 0]);
    t.listen(-5);
    expect(t.getsockopt(SOL_SOCKET, socket.SO_ACCEPTCONN)).toBe(1);
  });

  it('create_server with reuse_port lets two sockets share a port', () => {
    using a = socket.create_server(['127.0.0.1', 0], { reuse_port: true });
    using b = socket.create_server(a.getsockname() as socket.Address, { reuse_port: true });
    expect(b.getsockname()).toEqual(a.getsockname());
    using c = socket.socket();
    c.bind(['127.0.0.1', 0]);
    expectErr(() => socket.create_server(c.getsockname() as socket.Address), 'EADDRINUSE');
  });

  it('create_connection: refused -> ConnectionRefusedError; with a timeout the socket keeps it', () => {
    let port: number;
    { using tmp = socket.socket(); tmp.bind(['127.0.0.1', 0]); port = (tmp.getsockname() as [string, number])[1]; }
    expectErr(() => socket.create_connection(['127.0.0.1', port], 2), 'ECONNREFUSED');
    using srv = socket.create_server(['127.0.0.1', 0]);
    using c = socket.create_connection(['localhost', (srv.getsockname() as [string, number])[1]], 2,
      ['127.0.0.1', 0]);
    expect(c.gettimeout()).toBe(2);
    expect(c.getpeername()).toEqual(srv.getsockname());
    using c2 = socket.socket();
    c2.settimeout(2);
    c2.connect(srv.getsockname() as socket.Address); // the EINPROGRESS + poll + SO_ERROR path
    expect(c2.getpeername()).toEqual(srv.getsockname());
  });
});

describe('datagrams', () => {
  it('UDP sendto/recvfrom; a short bufsize truncates the datagram (SK-12)', () => {
    using a = socket.socket(AF_INET, SOCK_DGRAM);
    using b = socket.socket(AF_INET, SOCK_DGRAM);
    a.bind(['127.0.0.1', 0]);
    expect(b.sendto(Buffer.from('hello world'), a.getsockname() as socket.Address)).toBe(11);
    const [data, from] = a.recvfrom(5);
    expect(data.toString()).toBe('hello');
    expect((from as [string, number])[1]).toEqual((b.getsockname() as [string, number])[1]);
    b.sendto(Buffer.from('second'), 0, a.getsockname() as socket.Address);
    const into = Buffer.alloc(3);
    const [nb, from2] = a.recvfrom_into(into);
    expect(nb).toBe(3);
    expect(into.toString()).toBe('sec');
    expect(from2).toEqual(from);
    b.connect(a.getsockname() as socket.Address);
    b.send(Buffer.from('x'));
    expect(a.recv(10).toString()).toBe('x');
    // MSG_TRUNC via recvmsg reports the cut
    b.send(Buffer.from('0123456789'));
    const [d, , flags] = a.recvmsg(4);
    expect(d.toString()).toBe('0123');
    expect(flags & socket.MSG_TRUNC).toBeTruthy();
  });

  it.skipIf(!V6)('UDP over IPv6', () => {
    using a = socket.socket(AF_INET6, SOCK_DGRAM);
    using b = socket.socket(AF_INET6, SOCK_DGRAM);
    a.bind(['::1', 0]);
    b.sendto(Buffer.from('v6'), a.getsockname() as socket.Address);
    const [data, from] = a.recvfrom(10);
    expect(data.toString()).toBe('v6');
    expect(from).toEqual(['::1', expect.any(Number), 0, 0]);
  });

  it('UDP broadcast needs SO_BROADCAST (EACCES without it)', () => {
    using s = socket.socket(AF_INET, SOCK_DGRAM);
    expectErr(() => s.sendto(Buffer.from('x'), ['255.255.255.255', 9]), 'EACCES', 'sendto');
    s.setsockopt(SOL_SOCKET, socket.SO_BROADCAST, 1);
    expect(s.getsockopt(SOL_SOCKET, socket.SO_BROADCAST)).toBe(1);
  });

  it('SOCK_SEQPACKET keeps message boundaries', () => {
    const p = sockPath();
    using srv = socket.socket(AF_UNIX, SOCK_SEQPACKET);
    srv.bind(p);
    srv.listen();
    using c = socket.socket(AF_UNIX, SOCK_SEQPACKET);
    c.connect(p);
    const [a] = srv.accept();
    using _a = a;
    expect(a.type).toBe(SOCK_SEQPACKET);
    c.send(Buffer.from('one'));
    c.send(Buffer.from('two2'));
    c.sendmsg([Buffer.from('thr'), Buffer.from('ee')]);
    expect(a.recv(100).toString()).toBe('one');
    expect(a.recv(100).toString()).toBe('two2');
    expect(a.recv(100).toString()).toBe('three');
    c.close();
    expect(a.recv(100).length).toBe(0);
  });

  it('sendmsg gathers buffers; recvmsg on a stream', () => {
    const [x, y] = socket.socketpair();
    expect(x.sendmsg([Buffer.from('ab'), new Uint8Array([99]), Buffer.alloc(0)])).toBe(3);
    const [data, anc, flags, addr] = y.recvmsg(10, 0);
    expect(data.toString()).toBe('abc');
    expect(anc).toEqual([]);
    expect(flags).toBe(0);
    expect(addr === null || addr === '').toBe(true);
    expect(() => x.sendmsg([Buffer.from('x')], [[1, 2, 'bad' as never]])).toThrow(TypeError);
    x.close();
    y.close();
  });
});

