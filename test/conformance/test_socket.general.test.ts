// Port of CPython 3.11 Lib/test/test_socket.py, part 1: the classes without a
// client thread (GeneralModuleTests, TestExceptions, CmsgMacroTests,
// InheritanceTest, NonblockConstantTest, TestLinuxAbstractNamespace,
// TestUnixDomain, SendRecvFdsTests, CreateServer*, NetworkConnectionNoServer).
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { errno } from '../../lib/errors';
import {
  bind_unix_socket, fdCloexec, fdNonblock, find_unused_port, HOST, HOSTv6, IPV6_ENABLED, LOOPBACK_TIMEOUT, make_bad_fd, requireIPv6, TESTFN, unlink, withDefaultTimeout, ZeroDivisionError,
} from './support/helpers';
import { ForkThread } from './support/thread';
import {
  OSError, OverflowError, pyErrno, requires, run, strict, TestCase, TimeoutError, ValueError,
} from './support/unittest';

const SOCK_MAX_SIZE = 16 * 1024 * 1024 + 1;
// test unicode string and carriage return
const MSG = Buffer.from('Michael Gilfix was here\u1234\r\n', 'utf8');
const S = strict(socket, 'socket');

class GeneralModuleTests extends TestCase {
  test_SocketType_is_socketobject(): void {}
  test_repr(): void {}
  test_csocket_repr(): void {}
  test_weakref(): void {}

  testSocketError(): void {
    // Testing socket module exceptions
    this.assertRaises(OSError, () => { throw new (OSError as unknown as new () => Error)(); });
    this.assertRaises(OSError, () => { throw new (S.herror)(); });
    this.assertRaises(OSError, () => { throw new (S.gaierror)(); });
  }

  testSendtoErrors(): void {
    // Testing that sendto doesn't mask failures. See #10169.
    const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    this.addCleanup(() => s.close());
    s.bind(['', 0]);
    const sockname = s.getsockname() as socket.Address;
    const sendto = s.sendto.bind(s) as (...a: unknown[]) => number;
    // 2 args
    let e = this.assertRaises(TypeError, () => sendto('\u2620', sockname));
    this.assertEqual(String(e.message), "a bytes-like object is required, not 'str'");
    e = this.assertRaises(TypeError, () => sendto(5, sockname)); // 5j: a number is not bytes-like either
    this.assertEqual(String(e.message), "a bytes-like object is required, not 'number'");
    e = this.assertRaises(TypeError, () => sendto(Buffer.from('foo'), null));
    this.assertIn('not NoneType', String(e.message));
    // 3 args
    e = this.assertRaises(TypeError, () => sendto('\u2620', 0, sockname));
    this.assertEqual(String(e.message), "a bytes-like object is required, not 'str'");
    e = this.assertRaises(TypeError, () => sendto(5, 0, sockname));
    this.assertEqual(String(e.message), "a bytes-like object is required, not 'number'");
    e = this.assertRaises(TypeError, () => sendto(Buffer.from('foo'), 0, null));
    this.assertIn('not NoneType', String(e.message));
    this.assertRaises(TypeError, () => sendto(Buffer.from('foo'), 'bar', sockname));
    this.assertRaises(TypeError, () => sendto(Buffer.from('foo'), null, null));
    // wrong number of args
    e = this.assertRaises(TypeError, () => sendto(Buffer.from('foo')));
    this.assertIn('(1 given)', String(e.message));
    // [python-only] sendto(b'foo', 0, sockname, 4): JS ignores extra arguments (Python's arity check)
  }

  testCrucialConstants(): void {
    // Testing for mission critical constants
    for (const n of ['AF_INET', 'AF_INET6', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_RDM', 'SOCK_SEQPACKET',
      'SOL_SOCKET', 'SO_REUSEADDR']) {
      this.assertIsInstance(S[n], Number, n);
    }
  }

  testCrucialIpProtoConstants(): void {
    for (const n of ['IPPROTO_TCP', 'IPPROTO_UDP', 'IPPROTO_IPV6']) this.assertIsInstance(S[n], Number, n);
  }

  test_socket_methods(): void {
    // socket methods that depend on a configure HAVE_ check (_accept is accept here).
    const names = ['accept', 'bind', 'connect', 'connect_ex', 'getpeername', 'getsockname', 'listen', 'recvfrom',
      'recvfrom_into', 'sendto', 'setsockopt', 'shutdown'];
    for (const name of names) {
      if (typeof (socket.Socket.prototype as unknown as Record<string, unknown>)[name] !== 'function') {
        this.fail(`socket method ${name} is missing`);
      }
    }
  }

  testHostnameRes(): void {
    // Testing hostname resolution mechanisms
    const hostname = socket.gethostname();
    let ip: string;
    try {
      ip = socket.gethostbyname(hostname);
    } catch (e) {
      if (e instanceof OSError) this.skipTest('name lookup failure');
      throw e;
    }
    this.assertTrue(ip.indexOf('.') >= 0, 'Error resolving host to ip.');
    let hname: string, aliases: string[];
    try {
      [hname, aliases] = socket.gethostbyaddr(ip);
    } catch (e) {
      if (e instanceof OSError) this.skipTest('name lookup failure');
      throw e;
    }
    const all_host_names = [hostname, hname, ...aliases];
    const fqhn = S.getfqdn(ip);
    if (!all_host_names.includes(fqhn)) {
      this.fail(`Error testing host resolution mechanisms. (fqdn: ${fqhn}, all: ${all_host_names})`);
    }
  }

  test_host_resolution(): void {
    for (const addr of ['127.0.0.1', '10.0.0.1', '255.255.255.255']) {
      this.assertEqual(socket.gethostbyname(addr), addr);
    }
    for (const host of ['127.0.0.1']) this.assertIn(host, socket.gethostbyaddr(host)[2]);
  }

  test_host_resolution_bad_address(): void {
    for (const addr of ['0.1.1.~1', '1+.1.1.1', '::1q', '::1::2', '1:1:1:1:1:1:1:1:1']) {
      this.assertRaises(OSError, () => socket.gethostbyname(addr));
      this.assertRaises(OSError, () => socket.gethostbyaddr(addr));
    }
  }

  test_sethostname(): void {
    const oldhn = socket.gethostname();
    try {
      S.sethostname('new');
    } catch (e) {
      if (pyErrno(e) === errno.EPERM) this.skipTest('test should be run as root');
      throw e;
    }
    try {
      // running test as root!
      this.assertEqual(socket.gethostname(), 'new');
      // Should work with bytes objects too
      S.sethostname(Buffer.from('bar'));
      this.assertEqual(socket.gethostname(), 'bar');
    } finally {
      S.sethostname(oldhn);
    }
  }

  testInterfaceNameIndex(): void {
    const interfaces = S.if_nameindex() as [number, string][];
    for (const [index, name] of interfaces) {
      this.assertIsInstance(index, Number);
      this.assertIsInstance(name, String);
      // interface indices are non-zero integers
      this.assertGreater(index, 0);
      const _index = S.if_nametoindex(name);
      this.assertIsInstance(_index, Number);
      this.assertEqual(index, _index);
      const _name = S.if_indextoname(index);
      this.assertIsInstance(_name, String);
      this.assertEqual(name, _name);
    }
  }

  testInvalidInterfaceIndexToName(): void {
    this.assertRaises(OSError, () => S.if_indextoname(0));
    this.assertRaises(TypeError, () => S.if_indextoname('_DEADBEEF'));
  }

  testInvalidInterfaceNameToIndex(): void {
    this.assertRaises(TypeError, () => S.if_nametoindex(0));
    this.assertRaises(OSError, () => S.if_nametoindex('_DEADBEEF'));
  }

  testRefCountGetNameInfo(): void {}

  testInterpreterCrash(): void {
    // Making sure getnameinfo doesn't crash the interpreter
    try {
      socket.getnameinfo(['x', 0, 0, 0], 0);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
    }
  }

  testNtoH(): void {
    // This just checks that htons etc. are their own inverse,
    // when looking at the lower 16 or 32 bits.
    const sizes: [(x: number) => number, number][] = [[socket.htonl, 32], [socket.ntohl, 32], [socket.htons, 16],
      [socket.ntohs, 16]];
    for (const [func, size] of sizes) {
      const mask = 2 ** size - 1;
      const and = (i: number): number => (size === 32 ? (i & mask) >>> 0 : i & mask);
      for (const i of [0, 1, 0xffff, ~0xffff, 2, 0x01234567, 0x76543210]) {
        this.assertEqual(and(i), and(func(func(and(i)))));
      }
      const swapped = func(mask);
      this.assertEqual(and(swapped), mask);
      this.assertRaises(OverflowError, () => func(2 ** 34));
    }
  }

  testNtoHErrors(): void {
    const INT_MIN = -(2 ** 31), INT_MAX = 2 ** 31 - 1;
    const s_good_values = [0, 1, 2, 0xffff];
    const l_good_values = [...s_good_values, 0xffffffff];
    const l_bad_values = [-1, -2, 2 ** 32, 2 ** 1000];
    const s_bad_values = [...l_bad_values, INT_MIN - 1, INT_MAX + 1, 2 ** 16, INT_MAX];
    for (const k of s_good_values) {
      socket.ntohs(k);
      socket.htons(k);
    }
    for (const k of l_good_values) {
      socket.ntohl(k);
      socket.htonl(k);
    }
    for (const k of s_bad_values) {
      this.assertRaises(OverflowError, () => socket.ntohs(k));
      this.assertRaises(OverflowError, () => socket.htons(k));
    }
    for (const k of l_bad_values) {
      this.assertRaises(OverflowError, () => socket.ntohl(k));
      this.assertRaises(OverflowError, () => socket.htonl(k));
    }
  }

  testGetServBy(): void {
    const eq = (a: unknown, b: unknown): void => this.assertEqual(a, b);
    // Find one service that exists, then check all the related interfaces.
    let service = '';
    let port = -1;
    for (const s of ['daytime', 'qotd', 'domain']) {
      try {
        port = socket.getservbyname(s, 'tcp');
        service = s;
        break;
      } catch (e) {
        if (!(e instanceof OSError)) throw e;
      }
    }
    if (port < 0) throw new OSError('ENOENT', -2, 'getservbyname');
    // Try same call with optional protocol omitted
    const port2 = socket.getservbyname(service);
    eq(port, port2);
    // Try udp, but don't barf if it doesn't exist
    let udpport: number | null;
    try {
      udpport = socket.getservbyname(service, 'udp');
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      udpport = null;
    }
    if (udpport !== null) eq(udpport, port);
    // Now make sure the lookup by port returns the same service name
    eq(socket.getservbyport(port2), service);
    eq(socket.getservbyport(port, 'tcp'), service);
    if (udpport !== null) eq(socket.getservbyport(udpport, 'udp'), service);
    // Make sure getservbyport does not accept out of range ports.
    this.assertRaises(OverflowError, () => socket.getservbyport(-1));
    this.assertRaises(OverflowError, () => socket.getservbyport(65536));
  }

  testDefaultTimeout(): void {
    // The default timeout should initially be None
    this.assertEqual(socket.getdefaulttimeout(), null);
    {
      using s = socket.socket();
      this.assertEqual(s.gettimeout(), null);
    }
    // Set the default timeout to 10, and see if it propagates
    withDefaultTimeout(10, () => {
      this.assertEqual(socket.getdefaulttimeout(), 10);
      {
        using sock = socket.socket();
        this.assertEqual(sock.gettimeout(), 10);
      }
      // Reset the default timeout to None, and see if it propagates
      socket.setdefaulttimeout(null);
      this.assertEqual(socket.getdefaulttimeout(), null);
      {
        using sock = socket.socket();
        this.assertEqual(sock.gettimeout(), null);
      }
    });
    // Check that setting it to an invalid value raises ValueError
    this.assertRaises(ValueError, () => socket.setdefaulttimeout(-1));
    // Check that setting it to an invalid type raises TypeError
    this.assertRaises(TypeError, () => socket.setdefaulttimeout('spam' as never));
  }

  testIPv4_inet_aton_fourbytes(): void {
    // It must return 4 bytes.
    this.assertEqual(Buffer.alloc(4), socket.inet_aton('0.0.0.0'));
    this.assertEqual(Buffer.alloc(4, 0xff), socket.inet_aton('255.255.255.255'));
  }

  testIPv4toString(): void {
    const f = socket.inet_aton;
    const g = (a: string): Buffer => socket.inet_pton(socket.AF_INET, a);
    const assertInvalid = (func: (a: string) => unknown, a: string): void => {
      this.assertRaises([OSError, ValueError], () => func(a));
    };
    const b = (...x: number[]): Buffer => Buffer.from(x);
    this.assertEqual(b(0, 0, 0, 0), f('0.0.0.0'));
    this.assertEqual(b(0xff, 0, 0xff, 0), f('255.0.255.0'));
    this.assertEqual(b(0xaa, 0xaa, 0xaa, 0xaa), f('170.170.170.170'));
    this.assertEqual(b(1, 2, 3, 4), f('1.2.3.4'));
    this.assertEqual(b(0xff, 0xff, 0xff, 0xff), f('255.255.255.255'));
    assertInvalid(f, '0.0.0.');
    assertInvalid(f, '300.0.0.0');
    assertInvalid(f, 'a.0.0.0');
    assertInvalid(f, '1.2.3.4.5');
    assertInvalid(f, '::1');

    this.assertEqual(b(0, 0, 0, 0), g('0.0.0.0'));
    this.assertEqual(b(0xff, 0, 0xff, 0), g('255.0.255.0'));
    this.assertEqual(b(0xaa, 0xaa, 0xaa, 0xaa), g('170.170.170.170'));
    this.assertEqual(b(0xff, 0xff, 0xff, 0xff), g('255.255.255.255'));
    assertInvalid(g, '0.0.0.');
    assertInvalid(g, '300.0.0.0');
    assertInvalid(g, 'a.0.0.0');
    assertInvalid(g, '1.2.3.4.5');
    assertInvalid(g, '::1');
  }

  testIPv6toString(): void {
    const f = (a: string): Buffer => socket.inet_pton(socket.AF_INET6, a);
    const assertInvalid = (a: string): void => {
      this.assertRaises([OSError, ValueError], () => f(a));
    };
    const hex = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');
    this.assertEqual(Buffer.alloc(16), f('::'));
    this.assertEqual(Buffer.alloc(16), f('0::0'));
    this.assertEqual(Buffer.concat([hex('0001'), Buffer.alloc(14)]), f('1::'));
    this.assertEqual(hex('45ef76cb001a56efafeb0bac1924aeae'), f('45ef:76cb:1a:56ef:afeb:bac:1924:aeae'));
    this.assertEqual(Buffer.concat([hex('ad420abc'), Buffer.alloc(4), hex('0127000002540002')]), f('ad42:abc::127:0:254:2'));
    this.assertEqual(Buffer.concat([hex('0012000a'), Buffer.alloc(12)]), f('12:a::'));
    assertInvalid('0x20::');
    assertInvalid(':::');
    assertInvalid('::0::');
    assertInvalid('1::abc::');
    assertInvalid('1::abc::def');
    assertInvalid('1:2:3:4:5:6');
    assertInvalid('1:2:3:4:5:6:');
    assertInvalid('1:2:3:4:5:6:7:8:0');
    assertInvalid('1:2:3:4:5:6:7:8:');

    this.assertEqual(Buffer.concat([Buffer.alloc(12), hex('fe2a1740')]), f('::254.42.23.64'));
    this.assertEqual(Buffer.concat([hex('0042'), Buffer.alloc(8), hex('a29bfe2a1740')]), f('42::a29b:254.42.23.64'));
    this.assertEqual(hex('0042a8b900000002ffffa29bfe2a1740'), f('42:a8b9:0:2:ffff:a29b:254.42.23.64'));
    assertInvalid('255.254.253.252');
    assertInvalid('1::260.2.3.0');
    assertInvalid('1::0.be.e.0');
    assertInvalid('1:2:3:4:5:6:7:1.2.3.4');
    assertInvalid('::1.2.3.4:0');
    assertInvalid('0.100.200.0:3:4:5:6:7:8');
  }

  testStringToIPv4(): void {
    const f = socket.inet_ntoa;
    const g = (a: Uint8Array): string => socket.inet_ntop(socket.AF_INET, a);
    const assertInvalid = (func: (a: Uint8Array) => unknown, a: Uint8Array): void => {
      this.assertRaises([OSError, ValueError], () => func(a));
    };
    const b = (...x: number[]): Buffer => Buffer.from(x);
    this.assertEqual('1.0.1.0', f(b(1, 0, 1, 0)));
    this.assertEqual('170.85.170.85', f(b(0xaa, 0x55, 0xaa, 0x55)));
    this.assertEqual('255.255.255.255', f(b(0xff, 0xff, 0xff, 0xff)));
    this.assertEqual('1.2.3.4', f(b(1, 2, 3, 4)));
    assertInvalid(f, Buffer.alloc(3));
    assertInvalid(f, Buffer.alloc(5));
    assertInvalid(f, Buffer.alloc(16));
    this.assertEqual('170.85.170.85', f(new Uint8Array([0xaa, 0x55, 0xaa, 0x55]))); // bytearray

    this.assertEqual('1.0.1.0', g(b(1, 0, 1, 0)));
    this.assertEqual('170.85.170.85', g(b(0xaa, 0x55, 0xaa, 0x55)));
    this.assertEqual('255.255.255.255', g(b(0xff, 0xff, 0xff, 0xff)));
    assertInvalid(g, Buffer.alloc(3));
    assertInvalid(g, Buffer.alloc(5));
    assertInvalid(g, Buffer.alloc(16));
    this.assertEqual('170.85.170.85', g(new Uint8Array([0xaa, 0x55, 0xaa, 0x55])));
  }

  testStringToIPv6(): void {
    const f = (a: Uint8Array): string => socket.inet_ntop(socket.AF_INET6, a);
    const assertInvalid = (a: Uint8Array): void => {
      this.assertRaises([OSError, ValueError], () => f(a));
    };
    this.assertEqual('::', f(Buffer.alloc(16)));
    this.assertEqual('::1', f(Buffer.concat([Buffer.alloc(15), Buffer.from([1])])));
    this.assertEqual('aef:b01:506:1001:ffff:9997:55:170', f(Buffer.from('0aef0b0105061001ffff999700550170', 'hex')));
    this.assertEqual('::1', f(new Uint8Array([...Buffer.alloc(15), 1])));
    assertInvalid(Buffer.alloc(15, 0x12));
    assertInvalid(Buffer.alloc(17, 0x12));
    assertInvalid(Buffer.alloc(4, 0x12));
  }

  testSockName(): void {
    // Testing getsockname()
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    this.addCleanup(() => sock.close());
    let port = 0;
    for (let i = 0; ; i++) {
      port = find_unused_port();
      try {
        sock.bind(['0.0.0.0', port]);
        break;
      } catch (e) {
        if (pyErrno(e) !== errno.EADDRINUSE || i === 5) throw e;
      }
    }
    const name = sock.getsockname() as [string, number];
    let my_ip_addr: string;
    try {
      my_ip_addr = socket.gethostbyname(socket.gethostname());
    } catch (e) {
      if (e instanceof OSError) this.skipTest('name lookup failure');
      throw e;
    }
    this.assertIn(name[0], ['0.0.0.0', my_ip_addr], `${name[0]} invalid`);
    this.assertEqual(name[1], port);
  }

  testGetSockOpt(): void {
    // We know a socket should start without reuse==0
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    this.addCleanup(() => sock.close());
    const reuse = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR);
    this.assertFalse(reuse !== 0, 'initial mode is reuse');
  }

  testSetSockOpt(): void {
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    this.addCleanup(() => sock.close());
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
    const reuse = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR);
    this.assertFalse(reuse === 0, 'failed to set reuse mode');
  }

  testSendAfterClose(): void {
    // testing send() after close() with timeout
    let sock: socket.Socket;
    {
      using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
      sock = s;
      sock.settimeout(1);
    }
    this.assertRaises(OSError, () => sock.send(Buffer.from('spam')));
  }

  testCloseException(): void {
    const sock = socket.socket();
    sock.bind(['127.0.0.1', 0]); // socket._LOCALHOST
    socket.socket(undefined, undefined, undefined, sock.fileno()).close();
    try {
      sock.close();
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
      this.assertIn(pyErrno(err), [errno.EBADF, errno.ENOTSOCK]);
      return;
    }
    this.fail('close() should raise EBADF/ENOTSOCK');
  }

  testNewAttributes(): void {
    // testing .family, .type and .protocol
    using sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    this.assertEqual(sock.family, socket.AF_INET);
    this.assertIn(sock.type, [socket.SOCK_STREAM | socket.SOCK_CLOEXEC, socket.SOCK_STREAM]);
    this.assertEqual(sock.proto, 0);
  }

  test_getsockaddrarg(): void {
    const sock = socket.socket();
    this.addCleanup(() => sock.close());
    let port = find_unused_port();
    const big_port = port + 65536;
    const neg_port = port - 65536;
    this.assertRaises(OverflowError, () => sock.bind([HOST, big_port]));
    this.assertRaises(OverflowError, () => sock.bind([HOST, neg_port]));
    for (let i = 0; ; i++) {
      port = find_unused_port();
      try {
        sock.bind([HOST, port]);
        break;
      } catch (e) {
        if (pyErrno(e) !== errno.EADDRINUSE || i === 5) throw e;
      }
    }
  }

  testGetaddrinfo(): void {
    try {
      socket.getaddrinfo('localhost', 80);
    } catch (err) {
      if (err instanceof socket.gaierror && pyErrno(err) === socket.constants.EAI_SERVICE) this.skipTest('buggy libc version');
      throw err;
    }
    // len of every sequence is supposed to be == 5
    for (const info of socket.getaddrinfo(HOST, null)) this.assertEqual(info.length, 5);
    // host can be a domain name, a string representation of an IPv4/v6 address or None
    socket.getaddrinfo('localhost', 80);
    socket.getaddrinfo('127.0.0.1', 80);
    socket.getaddrinfo(null, 80);
    if (IPV6_ENABLED) socket.getaddrinfo('::1', 80);
    // port can be a string service name such as "http", a numeric port number or None
    socket.getaddrinfo(HOST, 'http');
    socket.getaddrinfo(HOST, 80);
    socket.getaddrinfo(HOST, null);
    // test family and socktype filters
    let infos = socket.getaddrinfo(HOST, 80, socket.AF_INET, socket.SOCK_STREAM);
    for (const [family, type] of infos) {
      this.assertEqual(family, socket.AF_INET);
      // [python-only] repr(family) == '<AddressFamily.AF_INET: 2>' (enum repr)
      this.assertEqual(String(family), String(socket.AF_INET));
      this.assertEqual(type, socket.SOCK_STREAM);
      // [python-only] repr(type) == '<SocketKind.SOCK_STREAM: 1>' (enum repr)
      this.assertEqual(String(type), String(socket.SOCK_STREAM));
    }
    infos = socket.getaddrinfo(HOST, null, 0, socket.SOCK_STREAM);
    for (const [, socktype] of infos) this.assertEqual(socktype, socket.SOCK_STREAM);
    // test proto and flags arguments
    socket.getaddrinfo(HOST, null, 0, 0, socket.SOL_TCP);
    socket.getaddrinfo(HOST, null, 0, 0, 0, socket.AI_PASSIVE);
    // a server willing to support both IPv4 and IPv6 will usually do this
    socket.getaddrinfo(null, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE);
    // [python-only] the keyword-argument forms (host=, port=, family=, type=, proto=, flags=)
    // Issue #6697: a lone surrogate cannot be encoded (UnicodeEncodeError is a ValueError)
    this.assertRaises(ValueError, () => socket.getaddrinfo('localhost', '\uD800'));
    // bpo-17269: test workaround for OS X platform bug segfault
    try {
      socket.getaddrinfo('localhost', null, 0, 0, 0, socket.AI_NUMERICSERV);
    } catch (e) {
      if (!(e instanceof socket.gaierror)) throw e;
    }
  }

  test_getnameinfo(): void {
    // only IP addresses are allowed
    this.assertRaises(OSError, () => socket.getnameinfo(['mail.python.org', 0], 0));
  }

  test_idna(): void {
    requires('network');
    // Check for internet access before running test (issue #12804, issue #25138).
    try {
      socket.gethostbyname('python.org');
    } catch (e) {
      if (e instanceof OSError) this.skipTest(`Resource 'python.org' is not available`);
      throw e;
    }
    // these should all be successful
    const domain = '\u0438\u0441\u043f\u044b\u0442\u0430\u043d\u0438\u0435.pythontest.net';
    socket.gethostbyname(domain);
    socket.gethostbyname_ex(domain);
    socket.getaddrinfo(domain, 0, socket.AF_UNSPEC, socket.SOCK_STREAM);
  }

  check_sendall_interrupted(with_timeout: boolean): void {
    // Our signal handlers clobber the C errno by calling a math function with
    // an invalid domain value (math.acosh(0) is NaN in JS: nothing to raise).
    const ok_handler = (): void => {};
    const raising_handler = (): void => {
      throw new ZeroDivisionError();
    };
    const [c, s] = socket.socketpair();
    const old_alarm = signal.signal(signal.SIGALRM, raising_handler);
    try {
      if (with_timeout) {
        // Just above the one second minimum for signal.alarm
        c.settimeout(1.5);
      }
      this.assertRaises(ZeroDivisionError, () => {
        signal.alarm(1);
        c.sendall(Buffer.alloc(SOCK_MAX_SIZE, 'x'));
      });
      if (with_timeout) {
        signal.signal(signal.SIGALRM, ok_handler);
        signal.alarm(1);
        this.assertRaises(TimeoutError, () => c.sendall(Buffer.alloc(SOCK_MAX_SIZE, 'x')));
      }
    } finally {
      signal.alarm(0);
      signal.signal(signal.SIGALRM, old_alarm);
      c.close();
      s.close();
    }
  }

  test_sendall_interrupted(): void {
    this.check_sendall_interrupted(false);
  }

  test_sendall_interrupted_with_timeout(): void {
    this.check_sendall_interrupted(true);
  }

  test_dealloc_warn(): void {}
  test_name_closed_socketio(): void {
    using sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    const fp = sock.makefile('rb');
    fp.close();
    // Python checks repr(fp) == "<_io.BufferedReader name=-1>": the name it shows
    this.assertEqual(fp.name, -1);
  }

  test_unusable_closed_socketio(): void {
    using sock = socket.socket();
    const fp = sock.makefile('rb', 0);
    this.assertTrue(fp.readable());
    this.assertFalse(fp.writable());
    this.assertFalse(fp.seekable());
    fp.close();
    this.assertRaises(ValueError, () => fp.readable());
    this.assertRaises(ValueError, () => fp.writable());
    this.assertRaises(ValueError, () => fp.seekable());
  }

  test_socket_close(): void {
    const sock = socket.socket();
    try {
      sock.bind([HOST, 0]);
      S.close(sock.fileno());
      this.assertRaises(OSError, () => sock.listen(1));
    } finally {
      // sock.close() fails with EBADF
      this.assertRaises(OSError, () => sock.close());
    }
    this.assertRaises(TypeError, () => S.close(null));
    this.assertRaises(OSError, () => S.close(-1));
  }

  test_makefile_mode(): void {
    for (const mode of ['r', 'rb', 'rw', 'w', 'wb']) {
      using sock = socket.socket();
      const encoding = mode.includes('b') ? undefined : 'utf-8';
      using fp = sock.makefile(mode, null, { encoding });
      this.assertEqual(fp.mode, mode, `mode=${mode}`);
    }
  }

  test_makefile_invalid_mode(): void {
    for (const mode of ['rt', 'x', '+', 'a']) {
      using sock = socket.socket();
      this.assertRaisesRegex(ValueError, 'invalid mode', () => sock.makefile(mode));
    }
  }

  test_pickle(): void {}

  test_listen_backlog(): void {
    for (const backlog of [0, -1]) {
      using srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
      srv.bind([HOST, 0]);
      srv.listen(backlog);
    }
    using srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    srv.bind([HOST, 0]);
    srv.listen();
  }

  test_listen_backlog_overflow(): void {
    // bpo-15989
    using srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    srv.bind([HOST, 0]);
    this.assertRaises(OverflowError, () => srv.listen(2 ** 31));
  }

  test_flowinfo(): void {
    requireIPv6();
    this.assertRaises(OverflowError, () => socket.getnameinfo([HOSTv6, 0, 0xffffffff], 0));
    using s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM);
    this.assertRaises(OverflowError, () => s.bind([HOSTv6, 0, -10]));
  }

  test_getaddrinfo_ipv6_basic(): void {
    requireIPv6();
    const infos = socket.getaddrinfo('ff02::1de:c0:face:8D', 1234, socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP);
    this.assertEqual(infos.length, 1);
    this.assertEqual(infos[0][4], ['ff02::1de:c0:face:8d', 1234, 0, 0]);
  }

  test_getfqdn_filter_localhost(): void {
    this.assertEqual(S.getfqdn(), S.getfqdn('0.0.0.0'));
    this.assertEqual(S.getfqdn(), S.getfqdn('::'));
  }

  test_getaddrinfo_ipv6_scopeid_symbolic(): void {
    requireIPv6();
    // Just pick up any network interface (Linux, Mac OS X)
    const [ifindex, test_interface] = S.if_nameindex()[0];
    const infos = socket.getaddrinfo(`ff02::1de:c0:face:8D%${test_interface}`, 1234, socket.AF_INET6, socket.SOCK_DGRAM,
      socket.IPPROTO_UDP);
    this.assertEqual(infos.length, 1);
    // Note missing interface name part in IPv6 address
    this.assertEqual(infos[0][4], ['ff02::1de:c0:face:8d', 1234, 0, ifindex]);
  }

  test_getnameinfo_ipv6_scopeid_symbolic(): void {
    requireIPv6();
    const [ifindex, test_interface] = S.if_nameindex()[0];
    const sockaddr: [string, number, number, number] = ['ff02::1de:c0:face:8D', 1234, 0, ifindex];
    const nameinfo = socket.getnameinfo(sockaddr, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV);
    this.assertEqual(nameinfo, [`ff02::1de:c0:face:8d%${test_interface}`, '1234']);
  }

  test_str_for_enums(): void {}

  test_socket_consistent_sock_type(): void {
    const sock_type = socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC;
    using s = socket.socket(socket.AF_INET, sock_type);
    this.assertEqual(s.type, socket.SOCK_STREAM);
    s.settimeout(1);
    this.assertEqual(s.type, socket.SOCK_STREAM);
    s.settimeout(0);
    this.assertEqual(s.type, socket.SOCK_STREAM);
    s.setblocking(true);
    this.assertEqual(s.type, socket.SOCK_STREAM);
    s.setblocking(false);
    this.assertEqual(s.type, socket.SOCK_STREAM);
  }

  test_unknown_socket_family_repr(): void {
    // When created with a family that's not one of the known AF_*/SOCK_*
    // constants, socket.family just returns the number.
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    const fd = sock.detach();
    const afs = Object.entries(socket.constants).filter(([n]) => n.startsWith('AF_')).map(([, v]) => v);
    const unknown_family = Math.max(...afs) + 1;
    const kinds = Object.entries(socket.constants)
      .filter(([n]) => n.startsWith('SOCK_') && n !== 'SOCK_NONBLOCK' && n !== 'SOCK_CLOEXEC').map(([, v]) => v);
    const unknown_type = Math.max(...kinds) + 1;
    using s = socket.socket(unknown_family, unknown_type, 23, fd);
    this.assertEqual(s.family, unknown_family);
    this.assertEqual(s.type, unknown_type);
    // some OS like macOS ignore proto
    this.assertIn(s.proto, [0, 23]);
  }

  test__sendfile_use_sendfile(): void {}

  _test_socket_fileno(s: socket.Socket, family: number, stype: number): void {
    this.assertEqual(s.family, family);
    this.assertEqual(s.type, stype);
    const fd = s.fileno();
    const s2 = socket.socket(undefined, undefined, undefined, fd);
    this.addCleanup(() => s2.close());
    // detach old fd to avoid double close
    s.detach();
    this.assertEqual(s2.family, family);
    this.assertEqual(s2.type, stype);
    this.assertEqual(s2.fileno(), fd);
  }

  test_socket_fileno(): void {
    let s = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    const s1 = s;
    this.addCleanup(() => s1.close());
    s.bind([HOST, 0]);
    this._test_socket_fileno(s, socket.AF_INET, socket.SOCK_STREAM);

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    const s2 = s;
    this.addCleanup(() => s2.close());
    s.bind([HOST, 0]);
    this._test_socket_fileno(s, socket.AF_INET, socket.SOCK_DGRAM);

    if (IPV6_ENABLED) {
      s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM);
      const s3 = s;
      this.addCleanup(() => s3.close());
      s.bind([HOSTv6, 0, 0, 0]);
      this._test_socket_fileno(s, socket.AF_INET6, socket.SOCK_STREAM);
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'sockfileno'));
    this.addCleanup(() => rmSync(dir, { recursive: true, force: true }));
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    const s4 = s;
    this.addCleanup(() => s4.close());
    s.bind(path.join(dir, 'socket'));
    this._test_socket_fileno(s, socket.AF_UNIX, socket.SOCK_STREAM);
  }

  test_socket_fileno_rejects_float(): void {
    this.assertRaises(TypeError, () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, 42.5));
  }

  test_socket_fileno_rejects_other_types(): void {
    this.assertRaises(TypeError, () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, 'foo' as never));
  }

  test_socket_fileno_rejects_invalid_socket(): void {
    this.assertRaisesRegex(ValueError, 'negative file descriptor', () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, -1));
  }

  test_socket_fileno_rejects_negative(): void {
    this.assertRaisesRegex(ValueError, 'negative file descriptor', () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, -42));
  }

  test_socket_fileno_requires_valid_fd(): void {
    let e = this.assertRaises(OSError, () => socket.socket(undefined, undefined, undefined, make_bad_fd()));
    this.assertIn(pyErrno(e), [errno.EBADF, 10038]);
    e = this.assertRaises(OSError, () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, make_bad_fd()));
    this.assertIn(pyErrno(e), [errno.EBADF, 10038]);
  }

  test_socket_fileno_requires_socket_fd(): void {
    const name = `${TESTFN}_afile`;
    const afile = openSync(name, 'w+');
    this.addCleanup(() => { closeSync(afile); unlink(name); });
    this.assertRaises(OSError, () => socket.socket(undefined, undefined, undefined, afile));
    const e = this.assertRaises(OSError, () => socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, afile));
    this.assertEqual(pyErrno(e), errno.ENOTSOCK);
  }

  test_addressfamily_enum(): void {}
  test_socketkind_enum(): void {}
  test_msgflag_enum(): void {}
  test_addressinfo_enum(): void {}
}

class TestExceptions extends TestCase {
  testExceptionTree(): void {
    this.assertTrue(OSError.prototype instanceof Error);
    this.assertTrue(socket.herror.prototype instanceof OSError);
    this.assertTrue(socket.gaierror.prototype instanceof OSError);
    this.assertTrue(socket.timeout.prototype instanceof OSError);
    this.assertIs(S.error, OSError);
    this.assertIs(socket.timeout, TimeoutError);
  }

  test_setblocking_invalidfd(): void {
    // Regression test for issue #28471
    const sock0 = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0);
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, sock0.fileno());
    sock0.close();
    this.addCleanup(() => sock.detach());
    this.assertRaises(OSError, () => sock.setblocking(false));
  }
}

const socklen_t_limit = 0x7fffffff;

class CmsgMacroTests extends TestCase {
  testCMSG_LEN(): void {
    // Test CMSG_LEN() with various valid and invalid values, checking the
    // assumptions used by recvmsg() and sendmsg().
    const toobig = socklen_t_limit - socket.CMSG_LEN(0) + 1;
    const values = [...Array(257).keys(), ...Array.from({ length: 257 }, (_, i) => toobig - 257 + i)];
    // struct cmsghdr has at least three members, two of which are ints
    this.assertGreater(socket.CMSG_LEN(0), 4 * 2);
    for (const n of values) {
      const ret = socket.CMSG_LEN(n);
      // This is how recvmsg() calculates the data size
      this.assertEqual(ret - socket.CMSG_LEN(0), n);
      this.assertLessEqual(ret, socklen_t_limit);
    }
    this.assertRaises(OverflowError, () => socket.CMSG_LEN(-1));
    // sendmsg() shares code with these functions, and requires that it reject values over the limit.
    this.assertRaises(OverflowError, () => socket.CMSG_LEN(toobig));
    this.assertRaises(OverflowError, () => socket.CMSG_LEN(Number.MAX_SAFE_INTEGER)); // sys.maxsize
  }

  testCMSG_SPACE(): void {
    const toobig = socklen_t_limit - socket.CMSG_SPACE(1) + 1;
    const values = [...Array(257).keys(), ...Array.from({ length: 257 }, (_, i) => toobig - 257 + i)];
    let last = socket.CMSG_SPACE(0);
    // struct cmsghdr has at least three members, two of which are ints
    this.assertGreater(last, 4 * 2);
    for (const n of values) {
      const ret = socket.CMSG_SPACE(n);
      this.assertGreaterEqual(ret, last);
      this.assertGreaterEqual(ret, socket.CMSG_LEN(n));
      this.assertGreaterEqual(ret, n + socket.CMSG_LEN(0));
      this.assertLessEqual(ret, socklen_t_limit);
      last = ret;
    }
    this.assertRaises(OverflowError, () => socket.CMSG_SPACE(-1));
    this.assertRaises(OverflowError, () => socket.CMSG_SPACE(toobig));
    this.assertRaises(OverflowError, () => socket.CMSG_SPACE(Number.MAX_SAFE_INTEGER));
  }
}

class InheritanceTest extends TestCase {
  sockInh(sock: socket.Socket): boolean {
    return strict(sock, 'Socket').get_inheritable();
  }

  test_SOCK_CLOEXEC(): void {
    using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_CLOEXEC);
    this.assertEqual(s.type, socket.SOCK_STREAM);
    this.assertFalse(this.sockInh(s));
  }

  test_default_inheritable(): void {
    using sock = socket.socket();
    this.assertEqual(this.sockInh(sock), false);
  }

  test_dup(): void {
    using sock = socket.socket();
    const newsock = sock.dup();
    sock.close();
    using _n = newsock;
    this.assertEqual(this.sockInh(newsock), false);
  }

  test_set_inheritable(): void {
    using sock = socket.socket();
    const s = strict(sock, 'Socket');
    s.set_inheritable(true);
    this.assertEqual(this.sockInh(sock), true);
    s.set_inheritable(false);
    this.assertEqual(this.sockInh(sock), false);
  }

  test_get_inheritable_cloexec(): void {
    using sock = socket.socket();
    const fd = sock.fileno();
    this.assertEqual(this.sockInh(sock), false);
    // clear FD_CLOEXEC flag
    let flags = fcntl.fcntl(fd, fcntl.F_GETFD);
    flags &= ~fcntl.FD_CLOEXEC;
    fcntl.fcntl(fd, fcntl.F_SETFD, flags);
    this.assertEqual(this.sockInh(sock), true);
  }

  test_set_inheritable_cloexec(): void {
    using sock = socket.socket();
    const fd = sock.fileno();
    this.assertEqual(fdCloexec(fd), 1);
    strict(sock, 'Socket').set_inheritable(true);
    this.assertEqual(fdCloexec(fd), 0);
  }

  test_socketpair(): void {
    const [s1, s2] = socket.socketpair();
    this.addCleanup(() => s1.close());
    this.addCleanup(() => s2.close());
    this.assertEqual(this.sockInh(s1), false);
    this.assertEqual(this.sockInh(s2), false);
  }
}

class NonblockConstantTest extends TestCase {
  checkNonblock(s: socket.Socket, nonblock = true, timeout = 0.0): void {
    if (nonblock) {
      this.assertEqual(s.type, socket.SOCK_STREAM);
      this.assertEqual(s.gettimeout(), timeout);
      this.assertTrue(fdNonblock(s.fileno()));
      if (timeout === 0) this.assertFalse(s.getblocking());
      else this.assertTrue(s.getblocking());
    } else {
      this.assertEqual(s.type, socket.SOCK_STREAM);
      this.assertEqual(s.gettimeout(), null);
      this.assertFalse(fdNonblock(s.fileno()));
      this.assertTrue(s.getblocking());
    }
  }

  test_SOCK_NONBLOCK(): void {
    {
      using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK);
      this.checkNonblock(s);
      s.setblocking(true);
      this.checkNonblock(s, false);
      s.setblocking(false);
      this.checkNonblock(s);
      s.settimeout(null);
      this.checkNonblock(s, false);
      s.settimeout(2.0);
      this.checkNonblock(s, true, 2.0);
      s.setblocking(true);
      this.checkNonblock(s, false);
    }
    // defaulttimeout
    const t = socket.getdefaulttimeout();
    try {
      socket.setdefaulttimeout(0.0);
      { using s = socket.socket(); this.checkNonblock(s); }
      socket.setdefaulttimeout(null);
      { using s = socket.socket(); this.checkNonblock(s, false); }
      socket.setdefaulttimeout(2.0);
      { using s = socket.socket(); this.checkNonblock(s, true, 2.0); }
      socket.setdefaulttimeout(null);
      { using s = socket.socket(); this.checkNonblock(s, false); }
    } finally {
      socket.setdefaulttimeout(t);
    }
  }
}

const UNIX_PATH_MAX = 108;

class TestLinuxAbstractNamespace extends TestCase {
  testLinuxAbstractNamespace(): void {
    const address = Buffer.from('\x00python-test-hello\x00\xff', 'latin1');
    using s1 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s1.bind(address as never);
    s1.listen();
    using s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s2.connect(s1.getsockname() as never);
    using _s3 = s1.accept()[0];
    this.assertEqual(s1.getsockname(), address);
    this.assertEqual(s2.getpeername(), address);
  }

  testMaxName(): void {
    const address = Buffer.concat([Buffer.from([0]), Buffer.alloc(UNIX_PATH_MAX - 1, 'h')]);
    using s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s.bind(address as never);
    this.assertEqual(s.getsockname(), address);
  }

  testNameOverflow(): void {
    const address = '\x00' + 'h'.repeat(UNIX_PATH_MAX);
    using s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    this.assertRaises(OSError, () => s.bind(address));
  }

  testStrName(): void {
    // Check that an abstract name can be passed as a string.
    const s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    try {
      s.bind('\x00python\x00test\x00');
      this.assertEqual(s.getsockname(), Buffer.from('\x00python\x00test\x00'));
    } finally {
      s.close();
    }
  }

  testBytearrayName(): void {
    // Check that an abstract name can be passed as a bytearray.
    using s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s.bind(new Uint8Array(Buffer.from('\x00python\x00test\x00')) as never);
    this.assertEqual(s.getsockname(), Buffer.from('\x00python\x00test\x00'));
  }

  testAutobind(): void {
    // Binding to an empty string binds to an available address in the
    // abstract namespace (unix(7) "Autobind feature").
    const abstract_address = /^\0[0-9a-f]{5}/;
    using s1 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s1.bind('');
    this.assertRegex((s1.getsockname() as Buffer).toString('latin1'), abstract_address);
    // Each socket is bound to a different abstract address.
    using s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
    s2.bind('');
    this.assertRegex((s2.getsockname() as Buffer).toString('latin1'), abstract_address);
    this.assertNotEqual(s1.getsockname(), s2.getsockname());
  }
}

class TestUnixDomain extends TestCase {
  sock!: socket.Socket;

  override setUp(): void {
    this.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM);
  }

  override tearDown(): void {
    this.sock.close();
  }

  bind(sock: socket.Socket, p: string | Buffer): void {
    bind_unix_socket(sock, p as never);
  }

  testUnbound(): void {
    // Issue #30205 (note getsockname() can return None on OS X)
    this.assertIn(this.sock.getsockname(), ['', null]);
  }

  testStrAddr(): void {
    // Test binding to and retrieving a normal string pathname.
    const p = path.resolve(TESTFN);
    this.bind(this.sock, p);
    this.addCleanup(() => unlink(p));
    this.assertEqual(this.sock.getsockname(), p);
  }

  testBytesAddr(): void {
    // Test binding to a bytes pathname.
    const p = path.resolve(TESTFN);
    this.bind(this.sock, Buffer.from(p));
    this.addCleanup(() => unlink(p));
    this.assertEqual(this.sock.getsockname(), p);
  }

  testSurrogateescapeBind(): void {
    // A valid non-ASCII pathname (os_helper.TESTFN_UNICODE), given as a
    // string: JS strings are Unicode and encode to UTF-8, which is what
    // surrogateescape round-trips to in Python.
    const p = path.resolve(`${TESTFN}-\u00e0\u00f2\u0258\u0141\u011f`);
    this.bind(this.sock, p);
    this.addCleanup(() => unlink(p));
    this.assertEqual(this.sock.getsockname(), p);
  }

  testUnencodableAddr(): void {
    // os_helper.TESTFN_UNENCODABLE is None on Linux with a UTF-8 file system encoding
    this.skipTest('No unencodable filename available');
  }
}

class SendRecvFdsTests extends TestCase {
  testSendAndRecvFds(): void {
    const close_pipes = (pipes: [number, number][]): void => {
      for (const [fd1, fd2] of pipes) {
        os.close(fd1);
        os.close(fd2);
      }
    };
    const close_fds = (fds: number[]): void => {
      for (const fd of fds) os.close(fd);
    };
    // send 10 file descriptors
    const pipes: [number, number][] = [];
    for (let i = 0; i < 10; i++) pipes.push(os.pipe());
    this.addCleanup(() => close_pipes(pipes));
    const fds = pipes.map(([rfd]) => rfd);
    // use a UNIX socket pair to exchange file descriptors locally
    const [sock1, sock2] = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM);
    let msg: Buffer, fds2: number[], flags: number;
    try {
      socket.send_fds(sock1, [MSG], fds);
      // request more data and file descriptors than expected
      [msg, fds2, flags] = socket.recv_fds(sock2, MSG.length * 2, fds.length * 2);
      const got = fds2;
      this.addCleanup(() => close_fds(got));
    } finally {
      sock1.close();
      sock2.close();
    }
    this.assertEqual(msg, MSG);
    this.assertEqual(fds2.length, fds.length);
    this.assertEqual(flags, 0);
    // don't test addr

    // test that file descriptors are connected
    pipes.forEach(([, wfd], index) => os.write(wfd, String(index)));
    fds2.forEach((rfd, index) => this.assertEqual(os.read(rfd, 100), Buffer.from(String(index))));
  }
}

class CreateServerTest extends TestCase {
  test_address(): void {
    const port = find_unused_port();
    {
      using sock = socket.create_server(['127.0.0.1', port]);
      this.assertEqual((sock.getsockname() as [string, number])[0], '127.0.0.1');
      this.assertEqual((sock.getsockname() as [string, number])[1], port);
    }
    if (IPV6_ENABLED) {
      using sock = socket.create_server(['::1', port], { family: socket.AF_INET6 });
      this.assertEqual((sock.getsockname() as [string, number])[0], '::1');
      this.assertEqual((sock.getsockname() as [string, number])[1], port);
    }
  }

  test_family_and_type(): void {
    let sock: socket.Socket;
    {
      using s0 = socket.create_server(['127.0.0.1', 0]);
      sock = s0;
      this.assertEqual(sock.family, socket.AF_INET);
      this.assertEqual(sock.type, socket.SOCK_STREAM);
    }
    if (IPV6_ENABLED) {
      using s = socket.create_server(['::1', 0], { family: socket.AF_INET6 });
      this.assertEqual(s.family, socket.AF_INET6);
      this.assertEqual(sock.type, socket.SOCK_STREAM);
    }
  }

  test_reuse_port(): void {
    {
      using sock = socket.create_server(['localhost', 0]);
      const opt = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT);
      this.assertEqual(opt, 0);
    }
    {
      using sock = socket.create_server(['localhost', 0], { reuse_port: true });
      const opt = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT);
      this.assertNotEqual(opt, 0);
    }
  }

  test_ipv6_only_default(): void {
    requireIPv6();
    using sock = socket.create_server(['::1', 0], { family: socket.AF_INET6 });
    this.assertTrue(sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY));
  }

  test_dualstack_ipv6_family(): void {
    if (!S.has_dualstack_ipv6()) this.skipTest('dualstack_ipv6 not supported');
    requireIPv6();
    using sock = socket.create_server(['::1', 0], { family: socket.AF_INET6, dualstack_ipv6: true });
    this.assertEqual(sock.family, socket.AF_INET6);
  }
}

class CreateServerFunctionalTest extends TestCase {
  timeout = LOOPBACK_TIMEOUT;

  /** The echo server "thread" is a forked child (its socket is its own copy). */
  echo_server(sock: socket.Socket): void {
    sock.settimeout(this.timeout);
    const thread = new ForkThread(() => {
      using s = sock;
      const [conn] = s.accept();
      using c = conn;
      const msg = c.recv(1024);
      if (!msg.length) return;
      c.sendall(msg);
    }).start();
    this.addCleanup(() => { thread.join(this.timeout); thread.kill(); });
  }

  echo_client(addr: socket.Address, family: number): void {
    using sock = socket.socket(family);
    sock.settimeout(this.timeout);
    sock.connect(addr);
    sock.sendall(Buffer.from('foo'));
    this.assertEqual(sock.recv(1024), Buffer.from('foo'));
  }

  test_tcp4(): void {
    const port = find_unused_port();
    using sock = socket.create_server(['', port]);
    this.echo_server(sock);
    this.echo_client(['127.0.0.1', port], socket.AF_INET);
  }

  test_tcp6(): void {
    requireIPv6();
    const port = find_unused_port();
    using sock = socket.create_server(['', port], { family: socket.AF_INET6 });
    this.echo_server(sock);
    this.echo_client(['::1', port], socket.AF_INET6);
  }

  test_dual_stack_client_v4(): void {
    if (!S.has_dualstack_ipv6()) this.skipTest('dualstack_ipv6 not supported');
    requireIPv6();
    const port = find_unused_port();
    using sock = socket.create_server(['', port], { family: socket.AF_INET6, dualstack_ipv6: true });
    this.echo_server(sock);
    this.echo_client(['127.0.0.1', port], socket.AF_INET);
  }

  test_dual_stack_client_v6(): void {
    if (!S.has_dualstack_ipv6()) this.skipTest('dualstack_ipv6 not supported');
    requireIPv6();
    const port = find_unused_port();
    using sock = socket.create_server(['', port], { family: socket.AF_INET6, dualstack_ipv6: true });
    this.echo_server(sock);
    this.echo_client(['::1', port], socket.AF_INET6);
  }
}

class NetworkConnectionNoServer extends TestCase {
  test_connect(): void {
    const port = find_unused_port();
    const cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    this.addCleanup(() => cli.close());
    const e = this.assertRaises(OSError, () => cli.connect([HOST, port]));
    this.assertEqual(pyErrno(e), errno.ECONNREFUSED);
  }

  test_create_connection(): void {
    // Issue #9792: errors raised by create_connection() should have a proper errno attribute.
    const port = find_unused_port();
    const e = this.assertRaises(OSError, () => socket.create_connection([HOST, port]));
    this.assertIn(pyErrno(e), [errno.ECONNREFUSED, errno.ENETUNREACH, errno.EADDRNOTAVAIL]);
  }

  test_create_connection_all_errors(): void {
    const port = find_unused_port();
    let eg: unknown = null;
    try {
      (socket.create_connection as (...a: unknown[]) => unknown)([HOST, port], undefined, undefined, { all_errors: true });
    } catch (e) {
      eg = e;
    }
    if (eg === null) this.fail('expected connection to fail');
    this.assertIsInstance(eg, AggregateError); // ExceptionGroup
    for (const e of (eg as AggregateError).errors) this.assertIsInstance(e, OSError);
    const addresses = socket.getaddrinfo('localhost', port, 0, socket.SOCK_STREAM);
    // assert that we got an exception for each address
    this.assertEqual(addresses.length, (eg as AggregateError).errors.length);
  }

  test_create_connection_timeout(): void {
    // Issue #9792: create_connection() should not recast timeout errors as
    // generic socket errors. mocked_socket_module: a socket whose connect()
    // raises TimeoutError('timed out').
    const orig = socket.Socket.prototype.connect;
    socket.Socket.prototype.connect = function connect(): void {
      throw new TimeoutError('ETIMEDOUT', -errno.ETIMEDOUT, 'connect', 'timed out');
    };
    try {
      socket.create_connection([HOST, 1234]);
    } catch (e) {
      if (e instanceof TimeoutError) return;
      if (e instanceof OSError && (IPV6_ENABLED || pyErrno(e) !== errno.EAFNOSUPPORT)) throw e;
      return;
    } finally {
      socket.Socket.prototype.connect = orig;
    }
    this.fail('TimeoutError not raised');
  }
}

run('test_socket', [
  GeneralModuleTests, TestExceptions, CmsgMacroTests, InheritanceTest, NonblockConstantTest, TestLinuxAbstractNamespace,
  TestUnixDomain, SendRecvFdsTests, CreateServerTest, CreateServerFunctionalTest, NetworkConnectionNoServer,
]);
