// Name service and address helpers of posixkit/socket (loopback and numeric
// names only: the tests never depend on DNS).
import { describe, expect, it } from 'vitest';
import * as socket from '../../lib/socket';
import { OSError } from '../../lib/errors';

describe('name service', () => {
  it('gethostname, gethostbyname, gethostbyname_ex', () => {
    expect(socket.gethostname()).toBe(require('node:os').hostname());
    expect(socket.gethostbyname('127.0.0.1')).toBe('127.0.0.1');
    expect(socket.gethostbyname('localhost')).toMatch(/^127\./);
    expect(socket.gethostbyname('')).toBe('0.0.0.0');
    const [name, aliases, addrs] = socket.gethostbyname_ex('localhost');
    expect(typeof name).toBe('string');
    expect(aliases).toEqual([]);
    expect(addrs.every((a) => a.startsWith('127.'))).toBe(true);
    expect(() => socket.gethostbyname(42 as never)).toThrow(TypeError);
  });

  it('gethostbyaddr resolves loopback; an unknown name is a gaierror', () => {
    const [host, , ips] = socket.gethostbyaddr('127.0.0.1');
    expect(typeof host).toBe('string');
    expect(host.length).toBeGreaterThan(0);
    expect(ips).toEqual(['127.0.0.1']);
    const e = (() => { try { socket.gethostbyaddr('nonexistent.invalid'); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(socket.gaierror);
    expect(e).toBeInstanceOf(OSError);
  });

  it('getaddrinfo: shapes, numeric ports, errors', () => {
    const r = socket.getaddrinfo('127.0.0.1', 'http', socket.AF_INET, socket.SOCK_STREAM);
    expect(r).toEqual([[socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, '', ['127.0.0.1', 80]]]);
    const p = socket.getaddrinfo(null, 8080, socket.AF_INET, socket.SOCK_DGRAM, 0, socket.AI_PASSIVE);
    expect(p[0][4]).toEqual(['0.0.0.0', 8080]);
    const v6 = socket.getaddrinfo('::1', 22, socket.AF_INET6, socket.SOCK_STREAM);
    expect(v6[0][4]).toEqual(['::1', 22, 0, 0]);
    for (const [args, code] of [
      [['nonexistent.invalid', 80], 'EAI_NONAME'],
      [['127.0.0.1', 'no-such-service-xyz', 0, socket.SOCK_STREAM], 'EAI_SERVICE'],
      [['127.0.0.1', 80, 12345], 'EAI_FAMILY'],
    ] as const) {
      let err: unknown;
      try { (socket.getaddrinfo as (...a: unknown[]) => unknown)(...args); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(socket.gaierror);
      expect((err as OSError).code).toBe(code);
      expect((err as OSError).syscall).toBe('getaddrinfo');
    }
    expect(() => socket.getaddrinfo('x', 70000)).toThrow(RangeError);
    expect(() => socket.getaddrinfo('x', {} as never)).toThrow(TypeError);
  });

  it('getaddrinfoAsync answers through a Promise, like the sync form', async () => {
    const p = socket.getaddrinfoAsync('localhost', 80, socket.AF_INET, socket.SOCK_STREAM);
    expect(p).toBeInstanceOf(Promise);
    const r = await p;
    expect(r).toEqual(socket.getaddrinfo('localhost', 80, socket.AF_INET, socket.SOCK_STREAM));
    await expect(socket.getaddrinfoAsync('nonexistent.invalid', 80)).rejects.toBeInstanceOf(socket.gaierror);
    await expect(socket.getaddrinfoAsync('x', 70000)).rejects.toBeInstanceOf(RangeError);
  });

  it('getnameinfo and getservbyname/port', () => {
    expect(socket.getnameinfo(['127.0.0.1', 80], socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)).toEqual(['127.0.0.1', '80']);
    expect(socket.getnameinfo(['127.0.0.1', 22], socket.NI_NUMERICHOST)).toEqual(['127.0.0.1', 'ssh']);
    expect(socket.getservbyname('http')).toBe(80);
    expect(socket.getservbyname('domain', 'udp')).toBe(53);
    expect(socket.getservbyport(80, 'tcp')).toBe('http');
    expect(() => socket.getservbyname('no-such-service-xyz')).toThrow(OSError);
    expect(() => socket.getservbyport(70000)).toThrow(RangeError);
  });
});

describe('packed addresses and byte order', () => {
  it('inet_aton / inet_ntoa', () => {
    expect([...socket.inet_aton('127.0.0.1')]).toEqual([127, 0, 0, 1]);
    expect([...socket.inet_aton('127.1')]).toEqual([127, 0, 0, 1]);
    expect(socket.inet_ntoa(Buffer.from([192, 168, 1, 2]))).toBe('192.168.1.2');
    expect(() => socket.inet_aton('not an ip')).toThrow(/illegal IP address string passed to inet_aton/);
    expect(() => socket.inet_aton('1.2.3.4\0')).toThrow(OSError);
    expect(() => socket.inet_ntoa(Buffer.alloc(5))).toThrow(/packed IP wrong length/);
    expect(() => socket.inet_ntoa('1.2.3.4' as never)).toThrow(TypeError);
  });

  it('inet_pton / inet_ntop round-trip both families', () => {
    for (const [fam, ip] of [[socket.AF_INET, '10.20.30.40'], [socket.AF_INET6, '2001:db8::1'], [socket.AF_INET6, '::']] as const) {
      expect(socket.inet_ntop(fam, socket.inet_pton(fam, ip))).toBe(ip);
    }
    expect(socket.inet_pton(socket.AF_INET6, '::1')).toHaveLength(16);
    expect(() => socket.inet_pton(socket.AF_INET, '1.2.3')).toThrow(/illegal IP address/);
    expect(() => socket.inet_pton(12345, '1.2.3.4')).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }));
    expect(() => socket.inet_ntop(socket.AF_INET, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => socket.inet_ntop(12345, Buffer.alloc(4))).toThrow(OSError);
  });

  it('htons / ntohs / htonl / ntohl', () => {
    expect(socket.htons(1)).toBe(256);
    expect(socket.ntohs(socket.htons(0xabcd))).toBe(0xabcd);
    expect(socket.htonl(1)).toBe(0x01000000);
    expect(socket.ntohl(socket.htonl(0xdeadbeef))).toBe(0xdeadbeef);
    expect(() => socket.htons(0x10000)).toThrow(RangeError);
    expect(() => socket.htonl(-1)).toThrow(RangeError);
    expect(() => socket.htons('1' as never)).toThrow(TypeError);
  });

  it('constants come from the headers and are complete for the documented families', () => {
    for (const n of ['AF_INET', 'AF_INET6', 'AF_UNIX', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_SEQPACKET', 'SOCK_NONBLOCK',
      'SOCK_CLOEXEC', 'SOL_SOCKET', 'SO_REUSEADDR', 'SO_REUSEPORT', 'IPPROTO_TCP', 'TCP_NODELAY', 'MSG_NOSIGNAL',
      'SHUT_RD', 'SHUT_WR', 'SHUT_RDWR', 'SCM_RIGHTS']) {
      expect(typeof (socket as unknown as Record<string, number>)[n], n).toBe('number');
      expect(socket.constants[n]).toBe((socket as unknown as Record<string, number>)[n]);
    }
    expect(socket.CMSG_LEN(4)).toBeLessThan(socket.CMSG_SPACE(4) + 1);
  });
});
