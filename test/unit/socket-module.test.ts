// The module-level names of posixkit/socket beyond the socket object:
// constants and their enum groups, error classes, fd helpers, the host,
// protocol and interface databases, has_dualstack_ipv6, create_connection's
// all_errors. Python 3 on this machine is the reference where it is cheap.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import * as os from '../../lib/os';
import { OSError } from '../../lib/errors';
import { cloexec, expectErr, setup, V6 } from '../helpers/sockets';

setup();

function py(code: string): string {
  return execFileSync('python3', ['-c', code], { encoding: 'utf8', timeout: 15_000 });
}

describe('constants', () => {
  // Python's names on this machine and their values, in one run.
  const pyConsts = JSON.parse(py(`
import socket, json
print(json.dumps({n: int(getattr(socket, n)) for n in dir(socket)
  if not n.startswith('_') and isinstance(getattr(socket, n), int) and not isinstance(getattr(socket, n), bool)}))`)) as
    Record<string, number>;
  const mod = socket as unknown as Record<string, unknown>;

  it("every constant Python's socket module has here exists with Python's value (headers permitting)", () => {
    // Python defines these itself; the headers here do not have them.
    const notInHeaders = new Set(['ALG_OP_SIGN', 'ALG_OP_VERIFY', 'ALG_SET_PUBKEY', 'UDPLITE_RECV_CSCOV',
      'UDPLITE_SEND_CSCOV']);
    const missing: string[] = [];
    for (const [name, value] of Object.entries(pyConsts)) {
      if (notInHeaders.has(name)) {
        expect(mod[name], name).toBeUndefined();
        continue;
      }
      if (mod[name] === undefined) missing.push(name);
      else expect(mod[name], name).toBe(value);
    }
    expect(missing).toEqual([]);
  });

  it('the named exports and `constants` are the same table, all numbers, frozen', () => {
    const names = Object.keys(socket.constants);
    expect(names.length).toBeGreaterThan(380);
    for (const n of names) expect(mod[n], n).toBe(socket.constants[n]);
    expect(Object.isFrozen(socket.constants)).toBe(true);
    expect(() => { (socket.constants as Record<string, number>).AF_INET = 3; }).toThrow(TypeError);
  });

  it('a family of constants works with the kernel: SOL_UDP == IPPROTO_UDP, TCP_KEEPIDLE round-trips', () => {
    expect(socket.SOL_UDP).toBe(socket.IPPROTO_UDP);
    expect(socket.SOL_TCP).toBe(socket.IPPROTO_TCP);
    using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    s.setsockopt(socket.SOL_TCP, socket.TCP_KEEPIDLE, 77);
    expect(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)).toBe(77);
    s.setsockopt(socket.SOL_TCP, socket.TCP_WINDOW_CLAMP, 4096);
    expect(s.getsockopt(socket.SOL_TCP, socket.TCP_WINDOW_CLAMP)).toBeGreaterThanOrEqual(2048);
    using u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    u.setsockopt(socket.SOL_IP, socket.IP_RECVTOS, 1);
    expect(u.getsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS)).toBe(1);
  });

  it('AddressFamily/SocketKind/MsgFlag/AddressInfo: frozen groups with Python members', () => {
    const members = JSON.parse(py(`
import socket, json
print(json.dumps({e.__name__: {m.name: int(m) for m in e.__members__.values()} for e in
  (socket.AddressFamily, socket.SocketKind, socket.MsgFlag, socket.AddressInfo)}))`)) as
      Record<string, Record<string, number>>;
    for (const [name, group] of [['AddressFamily', socket.AddressFamily], ['SocketKind', socket.SocketKind],
      ['MsgFlag', socket.MsgFlag], ['AddressInfo', socket.AddressInfo]] as const) {
      expect(Object.isFrozen(group)).toBe(true);
      for (const [m, v] of Object.entries(members[name])) expect(group[m], `${name}.${m}`).toBe(v);
      for (const k of Object.keys(group)) expect(k).toBe(k.toUpperCase());
    }
    expect(socket.AddressFamily.AF_DECnet).toBeUndefined(); // not upper case: a plain constant, as in Python
    expect(socket.AF_DECnet).toBe(12);
    expect(socket.SocketKind.SOCK_STREAM).toBe(socket.SOCK_STREAM);
  });
});

describe('error classes and aliases', () => {
  it('error is OSError; timeout is TimeoutError; SocketType is the socket class', () => {
    expect(socket.error).toBe(OSError);
    using s = socket.socket();
    expect(s).toBeInstanceOf(socket.SocketType);
    expect(socket.SocketType).toBe(socket.Socket);
  });

  it('herror() and gaierror() can be built without arguments, as in Python', () => {
    const h = new socket.herror();
    const g = new socket.gaierror();
    expect(h).toBeInstanceOf(OSError);
    expect(g).toBeInstanceOf(OSError);
    expect(h.message).toBe('');
    expect(g.message).toBe('');
    expect(h.name).toBe('herror');
    const full = new socket.gaierror('EAI_NONAME', socket.EAI_NONAME, 'getaddrinfo', 'msg');
    expect([full.code, full.errno, full.syscall, full.message]).toEqual(['EAI_NONAME', socket.EAI_NONAME, 'getaddrinfo', 'msg']);
  });
});

describe('CMSG_LEN / CMSG_SPACE', () => {
  it("accept lengths up to the socklen limit, like Python's", () => {
    const [lenMax, spaceMax, l0, s1, big] = JSON.parse(py(`
import socket, json
lm = 2**31 - 1 - socket.CMSG_LEN(0); sm = 2**31 - 1 - socket.CMSG_SPACE(1)
print(json.dumps([lm, sm, socket.CMSG_LEN(0), socket.CMSG_SPACE(1), [socket.CMSG_LEN(lm), socket.CMSG_SPACE(sm), socket.CMSG_LEN(2**20 + 1)]]))`)) as
      [number, number, number, number, number[]];
    expect(socket.CMSG_LEN(0)).toBe(l0);
    expect(socket.CMSG_SPACE(1)).toBe(s1);
    expect([socket.CMSG_LEN(lenMax), socket.CMSG_SPACE(spaceMax), socket.CMSG_LEN(2 ** 20 + 1)]).toEqual(big);
    // One past the limit is Python's OverflowError: a RangeError here.
    expect(() => socket.CMSG_LEN(lenMax + 1)).toThrow(RangeError);
    expect(() => socket.CMSG_SPACE(spaceMax + 1)).toThrow(RangeError);
    expect(() => socket.CMSG_LEN(-1)).toThrow(RangeError);
    expect(() => socket.CMSG_LEN(1.5)).toThrow(RangeError);
    expect(() => socket.CMSG_LEN('4' as never)).toThrow(TypeError);
  });
});

describe('fd helpers: close(fd), dup(fd)', () => {
  it('dup gives a close-on-exec duplicate of the same socket; close(fd) closes it', () => {
    const [a, b] = socket.socketpair();
    try {
      const d = socket.dup(a.fileno());
      expect(d).not.toBe(a.fileno());
      expect(cloexec(d)).toBe(true);
      os.write(d, Buffer.from('via dup'));
      expect(b.recv(16).toString()).toBe('via dup');
      socket.close(d);
      expectErr(() => os.write(d, Buffer.from('x')), 'EBADF');
      const d2 = socket.dup(a); // an object with fileno()
      expect(d2).toBeGreaterThan(0);
      socket.close(d2);
    } finally {
      a.close();
      b.close();
    }
  });

  it('bad fds: EBADF for closed ones, RangeError/TypeError for bad values', () => {
    const [r, w] = os.pipe();
    os.close(r);
    os.close(w);
    expectErr(() => socket.dup(r), 'EBADF');
    expectErr(() => socket.close(r), 'EBADF');
    expect(() => socket.close(-1)).toThrow(RangeError);
    expect(() => socket.dup('3' as never)).toThrow(TypeError);
  });
});

describe('socket object: timeout attribute, get/set_inheritable', () => {
  it('timeout mirrors gettimeout() and is read-only', () => {
    using s = socket.socket();
    expect(s.timeout).toBeNull();
    s.settimeout(2.5);
    expect(s.timeout).toBe(2.5);
    s.setblocking(false);
    expect(s.timeout).toBe(0);
    expect(() => { (s as unknown as { timeout: number }).timeout = 3; }).toThrow(TypeError);
  });

  it('inheritable flag is FD_CLOEXEC, seen in /proc; closed socket: EBADF', () => {
    const s = socket.socket();
    expect(s.get_inheritable()).toBe(false);
    expect(cloexec(s.fileno())).toBe(true);
    s.set_inheritable(true);
    expect(s.get_inheritable()).toBe(true);
    expect(cloexec(s.fileno())).toBe(false);
    s.set_inheritable(false);
    expect(cloexec(s.fileno())).toBe(true);
    s.close();
    expectErr(() => s.get_inheritable(), 'EBADF');
    expectErr(() => s.set_inheritable(true), 'EBADF');
  });
});

describe('protocol, host and interface databases', () => {
  it('getprotobyname matches Python; unknown names are OSError', () => {
    const want = JSON.parse(py(`import socket, json; print(json.dumps([socket.getprotobyname(n) for n in ('tcp', 'udp', 'icmp', 'ipv6-icmp')]))`));
    expect(['tcp', 'udp', 'icmp', 'ipv6-icmp'].map((n) => socket.getprotobyname(n))).toEqual(want);
    expect(socket.getprotobyname('tcp')).toBe(socket.IPPROTO_TCP);
    expectErr(() => socket.getprotobyname('no-such-proto'), 'ENOENT', 'getprotobyname');
    expectErr(() => socket.getprotobyname('tcp\0x'), 'ENOENT', 'getprotobyname');
    expect(() => socket.getprotobyname(6 as never)).toThrow(TypeError);
  });

  it("a lone surrogate in a host or service name is refused (Python's UnicodeEncodeError), not looked up as U+FFFD", () => {
    expect(() => socket.getaddrinfo('localhost', '\uD800')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => socket.getaddrinfo('a\uDC00b', 80)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => socket.gethostbyaddr('\uD800')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(socket.getaddrinfo('localhost', '80', socket.AF_INET)[0][4]).toEqual(['127.0.0.1', 80]); // pairs are fine
  });

  it('getservbyname/getservbyport agree with Python', () => {
    const want = JSON.parse(py(`import socket, json; print(json.dumps([socket.getservbyname('http'), socket.getservbyname('domain', 'udp'), socket.getservbyport(22), socket.getservbyport(53, 'udp')]))`));
    expect([socket.getservbyname('http'), socket.getservbyname('domain', 'udp'), socket.getservbyport(22),
      socket.getservbyport(53, 'udp')]).toEqual(want);
  });

  it('if_nameindex/if_nametoindex/if_indextoname agree with Python and /sys/class/net', () => {
    const want = JSON.parse(py(`import socket, json; print(json.dumps(socket.if_nameindex()))`));
    const got = socket.if_nameindex();
    expect(got).toEqual(want);
    expect(got.length).toBeGreaterThan(0);
    for (const [idx, name] of got) {
      expect(socket.if_nametoindex(name)).toBe(idx);
      expect(socket.if_indextoname(idx)).toBe(name);
    }
    const lo = got.find(([, n]) => n === 'lo');
    if (lo) expect(lo[0]).toBe(Number(require('node:fs').readFileSync('/sys/class/net/lo/ifindex', 'utf8')));
  });

  it('interface lookups: unknown names ENODEV, unknown indexes ENXIO, bad input TypeError/RangeError', () => {
    expectErr(() => socket.if_nametoindex('no-such-if0'), 'ENODEV', 'if_nametoindex');
    expectErr(() => socket.if_nametoindex('lo\0'), 'ENODEV', 'if_nametoindex');
    const unused = Math.max(...socket.if_nameindex().map(([i]) => i)) + 1000;
    expectErr(() => socket.if_indextoname(unused), 'ENXIO', 'if_indextoname');
    expect(() => socket.if_indextoname(-1)).toThrow(RangeError);
    expect(() => socket.if_indextoname(2 ** 32)).toThrow(RangeError);
    expect(() => socket.if_indextoname('1' as never)).toThrow(TypeError);
    expect(() => socket.if_nametoindex(1 as never)).toThrow(TypeError);
  });

  it('gethostbyname_ex/gethostbyaddr/getfqdn agree with Python on loopback and this host', () => {
    const want = JSON.parse(py(`
import socket, json
print(json.dumps([socket.gethostbyname_ex('localhost'), socket.gethostbyaddr('127.0.0.1'), socket.getfqdn(),
  socket.getfqdn('localhost'), socket.getfqdn('127.0.0.1'), socket.getfqdn('no-such-host.invalid')]))`));
    expect([socket.gethostbyname_ex('localhost'), socket.gethostbyaddr('127.0.0.1'), socket.getfqdn(),
      socket.getfqdn('localhost'), socket.getfqdn('  127.0.0.1 '), socket.getfqdn('no-such-host.invalid')]).toEqual(want);
    expect(socket.getfqdn('0.0.0.0')).toBe(socket.getfqdn());
    expect(() => socket.getfqdn(1 as never)).toThrow(TypeError);
  });

  it('a numeric address with no name is a herror with h_errno 1, as Python reports it', () => {
    const [errno, msg] = JSON.parse(py(`
import socket, json
try: socket.gethostbyaddr('192.0.2.77')
except socket.herror as e: print(json.dumps([e.errno, e.strerror]))`));
    let err: unknown;
    try { socket.gethostbyaddr('192.0.2.77'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(socket.herror);
    expect((err as OSError).errno).toBe(errno);
    expect((err as OSError).code).toBe('HOST_NOT_FOUND');
    expect((err as OSError).message).toContain(msg);
    expect(() => socket.gethostbyname_ex('no-such-host.invalid')).toThrow(socket.herror);
    expect(() => socket.gethostbyname_ex('a\0b')).toThrow(TypeError);
  });

  it('sethostname: a new UTS namespace sees the name, the machine keeps its own', () => {
    const before = socket.gethostname();
    const script = `const s = require(${JSON.stringify(require.resolve('../../dist/socket.js'))});
      s.sethostname('pk-uts-test'); const a = s.gethostname();
      s.sethostname(Buffer.from('pk-bytes')); const b = s.gethostname();
      let long; try { s.sethostname('x'.repeat(65)); } catch (e) { long = e.code; }
      let nul; try { s.sethostname('a\\0b'); } catch (e) { nul = e.code; }
      console.log(JSON.stringify([a, b, long, nul]));`;
    // unshare is not node, so the sanitizer harness keeps its runtime from it: pass it on to the node it runs.
    const rt = process.env.POSIXKIT_ASAN_RUNTIME;
    const r = spawnSync('unshare', ['-u', ...(rt ? ['env', `LD_PRELOAD=${rt}`] : []), process.execPath, '-e', script],
      { encoding: 'utf8', timeout: 15_000 });
    if (r.status !== 0 && /unshare failed|Operation not permitted/.test(r.stderr)) return; // no namespaces here
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['pk-uts-test', 'pk-bytes', 'EINVAL', 'ERR_INVALID_ARG_VALUE']);
    expect(socket.gethostname()).toBe(before);
    expect(() => socket.sethostname(5 as never)).toThrow(TypeError);
  });
});

describe('has_dualstack_ipv6, create_connection(all_errors)', () => {
  it("has_dualstack_ipv6 answers as Python's probe does", () => {
    expect(socket.has_dualstack_ipv6()).toBe(py('import socket; print(socket.has_dualstack_ipv6())').trim() === 'True');
  });

  it('all_errors: an AggregateError with every failure; default: the last error alone', () => {
    // A port nobody listens on, on both loopbacks: 'localhost' may give ::1 and 127.0.0.1.
    const port = (() => {
      using s = socket.socket();
      s.bind(['127.0.0.1', 0]);
      return (s.getsockname() as [string, number])[1];
    })();
    const addrs = socket.getaddrinfo('localhost', port, 0, socket.SOCK_STREAM);
    let agg: unknown;
    try { socket.create_connection(['localhost', port], 5, null, { all_errors: true }); } catch (e) { agg = e; }
    expect(agg).toBeInstanceOf(AggregateError);
    expect((agg as AggregateError).message).toBe('create_connection failed');
    expect((agg as AggregateError).errors).toHaveLength(addrs.length);
    for (const e of (agg as AggregateError).errors) expect((e as OSError).code).toBe('ECONNREFUSED');
    let one: unknown;
    try { socket.create_connection(['localhost', port], 5); } catch (e) { one = e; }
    expect(one).toBeInstanceOf(socket.error);
    expect((one as OSError).code).toBe('ECONNREFUSED');
    expect(() => socket.create_connection(['127.0.0.1', port], 5, null, null as never)).toThrow(TypeError);
  });

  it('a non-OSError (bad source_address) is thrown at once, not collected', () => {
    expect(() => socket.create_connection(['127.0.0.1', 9], 5, 'bad' as never, { all_errors: true }))
      .toThrow(TypeError);
  });

  it.runIf(V6)('connects when one of several addresses works, with all_errors too', () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    const port = (srv.getsockname() as [string, number])[1];
    using c = socket.create_connection(['127.0.0.1', port], 5, null, { all_errors: true });
    const [a] = srv.accept();
    a.close();
    expect(c.getpeername()).toEqual(['127.0.0.1', port]);
  });
});

describe('recvmsg_into', () => {
  it('scatters one message over several buffers of any view type; shape [nbytes, ancdata, flags, address]', () => {
    const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
    try {
      b.send(Buffer.from('abcdefghij'));
      const x = Buffer.alloc(3);
      const y = new Uint16Array(2); // 4 bytes
      const z = new DataView(new ArrayBuffer(8));
      const [n, anc, flags, addr] = a.recvmsg_into(new Set<ArrayBufferView>([x, y, z]));
      expect([n, anc, flags, addr]).toEqual([10, [], 0, null]);
      expect(x.toString()).toBe('abc');
      expect(Buffer.from(y.buffer).toString()).toBe('defg');
      expect(Buffer.from(z.buffer, 0, 3).toString()).toBe('hij');
      // A datagram longer than all buffers: MSG_TRUNC, the rest is dropped.
      b.send(Buffer.from('0123456789'));
      const [m, , f2] = a.recvmsg_into([Buffer.alloc(4)]);
      expect(m).toBe(4);
      expect(f2 & socket.MSG_TRUNC).toBe(socket.MSG_TRUNC);
    } finally {
      a.close();
      b.close();
    }
  });

  it('carries SCM_RIGHTS ancillary data and UDP addresses, like recvmsg', () => {
    const [a, b] = socket.socketpair();
    const [r, w] = os.pipe();
    try {
      socket.send_fds(b, [Buffer.from('fd')], [w]);
      const buf = Buffer.alloc(8);
      const [n, anc] = a.recvmsg_into([buf], socket.CMSG_SPACE(4));
      expect(buf.subarray(0, n).toString()).toBe('fd');
      expect(anc).toHaveLength(1);
      const [level, type, data] = anc[0];
      expect([level, type, data.length]).toEqual([socket.SOL_SOCKET, socket.SCM_RIGHTS, 4]);
      const got = data.readInt32LE(0);
      expect(cloexec(got)).toBe(true); // MSG_CMSG_CLOEXEC
      os.write(got, Buffer.from('x'));
      expect(os.read(r, 1).toString()).toBe('x');
      os.close(got);
    } finally {
      os.close(r);
      os.close(w);
      a.close();
      b.close();
    }
    using u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    using v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    u.bind(['127.0.0.1', 0]);
    v.bind(['127.0.0.1', 0]);
    v.sendto(Buffer.from('udp'), u.getsockname() as socket.Address);
    const into = Buffer.alloc(8);
    const [n, , , from] = u.recvmsg_into([into]);
    expect(into.subarray(0, n).toString()).toBe('udp');
    expect(from).toEqual(v.getsockname());
  });

  it('bad input, closed socket, timeout', () => {
    const [a, b] = socket.socketpair();
    try {
      expect(() => a.recvmsg_into(5 as never)).toThrow(TypeError);
      expect(() => a.recvmsg_into(null as never)).toThrow(TypeError);
      expect(() => a.recvmsg_into(['str'] as never)).toThrow(TypeError);
      expect(() => a.recvmsg_into([Buffer.alloc(1)], -1)).toThrow(RangeError);
      expect(() => a.recvmsg_into([Buffer.alloc(1)], 0, 1.5)).toThrow(RangeError);
      a.settimeout(0.1);
      expect(() => a.recvmsg_into([Buffer.alloc(1)])).toThrow(socket.timeout);
      a.close();
      expectErr(() => a.recvmsg_into([Buffer.alloc(1)]), 'EBADF', 'recvmsg_into');
    } finally {
      a.close();
      b.close();
    }
  });

  it('a signal handler that detaches the buffer mid-call: the retry is refused (ERR_BUFFER_CHANGED), nothing is written to the old memory', async () => {
    const signal = await import('../../lib/signal');
    const [a, b] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
    const target = new Uint8Array(16);
    let detached = false;
    signal.signal(signal.SIGALRM, () => {
      if (!detached) {
        structuredClone(target.buffer, { transfer: [target.buffer] }); // detaches target
        detached = true;
        b.send(Buffer.from('late data'));
      }
    });
    try {
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      expect(() => a.recvmsg_into([target])).toThrow(expect.objectContaining({ code: 'ERR_BUFFER_CHANGED' }));
      expect(detached).toBe(true);
      expect(target.byteLength).toBe(0);
      expect(a.recv(64).toString()).toBe('late data'); // the datagram was left for the next receive
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, signal.SIG_DFL);
      a.close();
      b.close();
    }
  });
});
