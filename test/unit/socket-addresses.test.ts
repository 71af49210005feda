// When an address is null, '' or [family, bytes]: what docs/api/socket.md
// (Addresses) promises about the SockAddr type's null.
import { expect, it } from 'vitest';
import * as socket from '../../lib/socket';

it('recvfrom gives null with no sender address: a connected stream, an unnamed datagram peer', () => {
  const [a, b] = socket.socketpair();
  const [c, d] = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM);
  try {
    a.send(Buffer.from('x'));
    expect(b.recvfrom(10)).toEqual([Buffer.from('x'), null]);
    c.send(Buffer.from('y'));
    expect(d.recvfrom(10)).toEqual([Buffer.from('y'), null]);
  } finally {
    for (const s of [a, b, c, d]) s.close();
  }
});

it('getsockname/getpeername report the family, never null: \'\' unnamed, 0.0.0.0:0 unbound, ENOTCONN unconnected', () => {
  const [a, b] = socket.socketpair();
  const u = new socket.Socket(socket.AF_UNIX, socket.SOCK_DGRAM);
  const t = new socket.Socket(socket.AF_INET, socket.SOCK_STREAM);
  try {
    expect(a.getsockname()).toBe('');
    expect(a.getpeername()).toBe('');
    expect(u.getsockname()).toBe('');
    expect(t.getsockname()).toEqual(['0.0.0.0', 0]);
    expect(() => t.getpeername()).toThrow(expect.objectContaining({ code: 'ENOTCONN', syscall: 'getpeername' }));
  } finally {
    for (const s of [a, b, u, t]) s.close();
  }
});

it('another family comes back as [family, raw sockaddr bytes]', () => {
  const AF_NETLINK = 16;
  const s = new socket.Socket(AF_NETLINK, socket.SOCK_RAW, 0);
  try {
    const name = s.getsockname() as unknown as [number, Buffer];
    expect(name[0]).toBe(AF_NETLINK);
    expect(Buffer.isBuffer(name[1])).toBe(true);
    expect(name[1].readUInt16LE(0)).toBe(AF_NETLINK); // sa_family leads the raw bytes
  } finally {
    s.close();
  }
});
