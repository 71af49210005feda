// posixkit/socket with peers nobody here wrote: Node's net (both directions of
// fd hand-over) and CPython's socket module (client and server).
import { spawn, ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as socket from '../../lib/socket';

function python(code: string): ChildProcess {
  return spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
}

async function finished(p: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { err += d; });
  const [code] = await once(p, 'close');
  return { code, out, err };
}

async function firstLine(p: ChildProcess): Promise<string> {
  let buf = '';
  for await (const chunk of p.stdout!) {
    buf += chunk;
    if (buf.includes('\n')) break;
  }
  return buf.split('\n')[0];
}

describe('interop with Node net', () => {
  it('a posixkit socket handed to net.Socket({ fd }) via detach()', async () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    using c = socket.create_connection(srv.getsockname() as [string, number], 5);
    const [a] = srv.accept();
    const ns = new net.Socket({ fd: a.detach(), readable: true, writable: true });
    expect(a.fileno()).toBe(-1);
    expect(ns.remotePort).toBe((c.getsockname() as [string, number])[1]);
    c.sendall(Buffer.from('from posixkit'));
    const [data] = await once(ns, 'data');
    expect(data.toString()).toBe('from posixkit');
    await new Promise<void>((resolve) => ns.write('from node', () => resolve()));
    c.settimeout(5);
    expect(c.recv(100).toString()).toBe('from node');
    // NOTE: a blocking call stalls Node's loop; wait for Node's shutdown first.
    ns.end();
    await once(ns, 'finish');
    expect(c.recv(100).length).toBe(0); // Node's FIN
    c.close();
    await once(ns, 'close');
  });

  it('a socketpair end over a Unix socket, into net.Socket', async () => {
    const [x, y] = socket.socketpair();
    const ns = new net.Socket({ fd: y.detach(), readable: true, writable: true });
    x.sendall(Buffer.from('pair'));
    const [data] = await once(ns, 'data');
    expect(data.toString()).toBe('pair');
    ns.destroy();
    await once(ns, 'close');
    x.close();
  });

  it('a Node server\'s listening fd wrapped with fromfd: posixkit accepts after Node lets go', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(fd).toBeGreaterThan(2);
    const s = socket.fromfd(fd);
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve)); // Node's fd closes; the dup keeps the socket
    expect(s.family).toBe(socket.AF_INET);
    expect(s.gettimeout()).toBe(0); // Node's fd is O_NONBLOCK; the Socket says so
    s.settimeout(5);
    expect(s.getsockname()).toEqual(['127.0.0.1', port]);
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    const [conn, peer] = s.accept();
    expect((peer as [string, number])[1]).toBe(client.localPort);
    client.write('hello posixkit');
    conn.settimeout(5);
    expect(conn.recv(100).toString()).toBe('hello posixkit');
    conn.sendall(Buffer.from('hello node'));
    const [data] = await once(client, 'data');
    expect(data.toString()).toBe('hello node');
    client.destroy();
    conn.close();
    s.close();
  });
});

describe('cross-check with CPython as the peer', () => {
  it('a Python client against a posixkit server (TCP)', async () => {
    using srv = socket.create_server(['127.0.0.1', 0]);
    const port = (srv.getsockname() as [string, number])[1];
    const py = python(`
import socket
s = socket.create_connection(('127.0.0.1', ${port}), timeout=10)
s.sendall(b'x' * 100000 + b'END')
data = b''
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(len(data), data[:5].decode())
`);
    const done = finished(py);
    srv.settimeout(10);
    const [conn] = srv.accept();
    conn.settimeout(10);
    let got = 0;
    let tail = '';
    while (!tail.endsWith('END')) {
      const b = conn.recv(65536);
      if (b.length === 0) break;
      got += b.length;
      tail = (tail + b.toString()).slice(-3);
    }
    expect(got).toBe(100003);
    conn.sendall(Buffer.alloc(70000, 'y'));
    conn.close();
    const r = await done;
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('70000 yyyyy');
  });

  it('a posixkit client against a Python server (Unix, SOCK_SEQPACKET and UDP)', async () => {
    const py = python(`
import socket, os, tempfile
d = tempfile.mkdtemp()
path = os.path.join(d, 's')
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path); srv.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))
print(path, u.getsockname()[1], flush=True)
srv.settimeout(10); u.settimeout(10)
c, _ = srv.accept()
msgs = [c.recv(100) for _ in range(2)]
c.send(b'|'.join(msgs))
data, addr = u.recvfrom(100)
u.sendto(data.upper(), addr)
c.close(); srv.close(); os.unlink(path); os.rmdir(d)
`);
    const done = finished(py);
    const [path, udpPort] = (await firstLine(py)).split(' ');
    using c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET);
    c.settimeout(10);
    c.connect(path);
    c.send(Buffer.from('one'));
    c.send(Buffer.from('two'));
    expect(c.recv(100).toString()).toBe('one|two'); // boundaries kept on both sides
    using u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    u.settimeout(10);
    u.sendto(Buffer.from('datagram'), ['127.0.0.1', Number(udpPort)]);
    const [data, from] = u.recvfrom(100);
    expect(data.toString()).toBe('DATAGRAM');
    expect(from).toEqual(['127.0.0.1', Number(udpPort)]);
    const r = await done;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('SCM_RIGHTS both ways with Python: send_fds/recv_fds interoperate', async () => {
    const [mine, theirs] = socket.socketpair();
    const [r, w] = os.pipe();
    // The Python child gets its end of the socketpair as fd 3.
    const py = spawn('python3', ['-c', `
import socket, os
s = socket.socket(fileno=3)
msg, fds, flags, addr = socket.recv_fds(s, 100, 4)
data = os.read(fds[0], 100)
r2, w2 = os.pipe()
socket.send_fds(s, [b'back:' + msg + b':' + data], [r2])
os.write(w2, b'written by python')
print(len(fds), flags)
`], { stdio: ['ignore', 'pipe', 'pipe', theirs.fileno()], timeout: 15_000 });
    const done = finished(py);
    theirs.close();
    socket.send_fds(mine, [Buffer.from('hi')], [r]);
    os.write(w, Buffer.from('through the pipe'));
    mine.settimeout(10);
    const [msg, fds, flags] = socket.recv_fds(mine, 100, 4);
    expect(msg.toString()).toBe('back:hi:through the pipe');
    expect(fds).toHaveLength(1);
    expect(flags).toBe(0);
    expect(os.read(fds[0], 100).toString()).toBe('written by python');
    [r, w, fds[0]].forEach((fd) => os.close(fd));
    mine.close();
    const res = await done;
    expect(res.err).toBe('');
    expect(res.out.trim()).toBe('1 0');
  });

  it('agrees with Python on constants, inet_* and getaddrinfo shapes', async () => {
    const names = ['AF_INET', 'AF_INET6', 'AF_UNIX', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_SEQPACKET', 'SOL_SOCKET',
      'SO_REUSEADDR', 'SO_REUSEPORT', 'SO_BROADCAST', 'IPPROTO_TCP', 'TCP_NODELAY', 'MSG_PEEK', 'MSG_NOSIGNAL', 'SHUT_RDWR',
      'SCM_RIGHTS', 'MSG_CTRUNC', 'IPV6_V6ONLY', 'SOMAXCONN', 'AI_PASSIVE', 'NI_NUMERICHOST'];
    const py = python(`
import socket, json
print(json.dumps({
  'k': {n: getattr(socket, n) for n in ${JSON.stringify(names)}},
  'aton': list(socket.inet_aton('10.1')),
  'pton6': list(socket.inet_pton(socket.AF_INET6, '::ffff:1.2.3.4')),
  'ntop6': socket.inet_ntop(socket.AF_INET6, bytes(range(16))),
  'gai': [list(x[:4]) + [list(x[4])] for x in socket.getaddrinfo('127.0.0.1', 80, socket.AF_INET, socket.SOCK_STREAM)],
  'htons': socket.htons(0x1234), 'htonl': socket.htonl(0x12345678),
  'serv': socket.getservbyname('ssh', 'tcp'),
}))`);
    const r = await finished(py);
    const want = JSON.parse(r.out);
    for (const n of names) expect([n, (socket as unknown as Record<string, number>)[n]]).toEqual([n, want.k[n]]);
    expect([...socket.inet_aton('10.1')]).toEqual(want.aton);
    expect([...socket.inet_pton(socket.AF_INET6, '::ffff:1.2.3.4')]).toEqual(want.pton6);
    expect(socket.inet_ntop(socket.AF_INET6, Buffer.from([...Array(16).keys()]))).toBe(want.ntop6);
    expect(socket.getaddrinfo('127.0.0.1', 80, socket.AF_INET, socket.SOCK_STREAM)).toEqual(want.gai);
    expect(socket.htons(0x1234)).toBe(want.htons);
    expect(socket.htonl(0x12345678)).toBe(want.htonl);
    expect(socket.getservbyname('ssh', 'tcp')).toBe(want.serv);
  });
});
