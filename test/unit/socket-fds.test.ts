// SCM_RIGHTS fd passing: send_fds / recv_fds / sendmsg / recvmsg.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as socket from '../../lib/socket';
import { fdCount, runInChild, waitWithTimeout } from '../helpers/proc';

const dir = mkdtempSync(path.join(tmpdir(), 'pk-fds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fds0 = 0;
beforeEach(() => { fds0 = fdCount(); });
afterEach(() => { expect(fdCount()).toBe(fds0); });

function cloexec(fd: number): boolean {
  const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1];
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

function pipes(n: number): Array<[number, number]> {
  return Array.from({ length: n }, () => os.pipe());
}

describe('send_fds / recv_fds', () => {
  it('10 pipe read-ends arrive, each reads what its pipe got; maxfds may exceed what was sent (FD-01)', () => {
    const [a, b] = socket.socketpair();
    const ps = pipes(10);
    expect(socket.send_fds(a, [Buffer.from('data')], ps.map(([r]) => r))).toBe(4);
    const [msg, fds, flags, addr] = socket.recv_fds(b, 100, 20);
    expect(msg.toString()).toBe('data');
    expect(fds).toHaveLength(10);
    expect(flags).toBe(0);
    expect(addr === null || addr === '').toBe(true);
    ps.forEach(([, w], i) => os.write(w, Buffer.from(`pipe${i}`)));
    fds.forEach((fd, i) => {
      expect(fds).not.toContain(ps[i][0]);
      expect(os.read(fd, 100).toString()).toBe(`pipe${i}`);
      expect(cloexec(fd)).toBe(true); // FD-08: MSG_CMSG_CLOEXEC
      os.close(fd);
    });
    ps.flat().forEach((fd) => os.close(fd));
    a.close();
    b.close();
  });

  it('four fds in one cmsg and two separate cmsgs all arrive (FD-02)', () => {
    const [a, b] = socket.socketpair();
    const ps = pipes(4);
    const ints = (xs: number[]): Buffer => Buffer.from(Int32Array.from(xs).buffer);
    a.sendmsg([Buffer.from('x')], [
      [socket.SOL_SOCKET, socket.SCM_RIGHTS, ints([ps[0][0], ps[1][0]])],
      [socket.SOL_SOCKET, socket.SCM_RIGHTS, ints([ps[2][0], ps[3][0]])],
    ]);
    const [, fds] = socket.recv_fds(b, 10, 8);
    expect(fds).toHaveLength(4);
    ps.forEach(([, w], i) => os.write(w, Buffer.from([i])));
    fds.forEach((fd, i) => { expect(os.read(fd, 1)[0]).toBe(i); os.close(fd); });
    ps.flat().forEach((fd) => os.close(fd));
    a.close();
    b.close();
  });

  it('an empty fd array is fine (FD-03)', () => {
    const [a, b] = socket.socketpair();
    socket.send_fds(a, [Buffer.from('none')], []);
    const [msg, fds] = socket.recv_fds(b, 10, 4);
    expect(msg.toString()).toBe('none');
    expect(fds).toEqual([]);
    a.close();
    b.close();
  });

  it('a control buffer too small: MSG_CTRUNC, data intact, no fd leaks in the receiver (FD-04)', () => {
    const [a, b] = socket.socketpair();
    const ps = pipes(4);
    const before = fdCount();
    for (const [maxfds, want] of [[0, 0], [1, 1], [2, 2]] as const) {
      socket.send_fds(a, [Buffer.from('trunc')], ps.map(([r]) => r));
      const [msg, fds, flags] = socket.recv_fds(b, 10, maxfds);
      expect(msg.toString()).toBe('trunc');
      expect(flags & socket.MSG_CTRUNC).toBeTruthy();
      expect(fds.length).toBe(want);
      fds.forEach((fd) => os.close(fd));
      expect(fdCount()).toBe(before);
    }
    // recvmsg with an ancillary buffer that holds part of an int
    socket.send_fds(a, [Buffer.from('p')], ps.map(([r]) => r));
    const [, anc, flags] = b.recvmsg(10, socket.CMSG_LEN(6));
    expect(flags & socket.MSG_CTRUNC).toBeTruthy();
    for (const [, , d] of anc) for (let i = 0; i + 4 <= d.length; i += 4) os.close(d.readInt32LE(i));
    expect(fdCount()).toBe(before);
    ps.flat().forEach((fd) => os.close(fd));
    a.close();
    b.close();
  });

  it('received fds share the open file description: the offset moves for both (FD-06)', () => {
    const file = path.join(dir, 'shared.txt');
    const wfd = openSync(file, 'w');
    writeSync(wfd, 'abcdef');
    closeSync(wfd);
    const fd = openSync(file, 'r');
    const [a, b] = socket.socketpair();
    socket.send_fds(a, [Buffer.from('f')], [fd]);
    const [, [got]] = socket.recv_fds(b, 1, 1);
    const buf = Buffer.alloc(3);
    readSync(got, buf, 0, 3, null);
    expect(buf.toString()).toBe('abc');
    readSync(fd, buf, 0, 3, null);
    expect(buf.toString()).toBe('def');
    closeSync(fd);
    os.close(got);
    a.close();
    b.close();
  });

  it('an fd numbered above 256 passes; receiving when none was sent gives none (FD-07)', () => {
    const [a, b] = socket.socketpair();
    const [r, w] = os.pipe();
    const high = os.dup2(r, 300, false);
    socket.send_fds(a, [Buffer.from('h')], [high]);
    const [, fds] = socket.recv_fds(b, 1, 1);
    os.write(w, Buffer.from('hi'));
    expect(os.read(fds[0], 2).toString()).toBe('hi');
    [high, r, w, fds[0]].forEach((fd) => os.close(fd));
    a.sendall(Buffer.from('plain'));
    const [msg, none] = socket.recv_fds(b, 10, 4);
    expect(msg.toString()).toBe('plain');
    expect(none).toEqual([]);
    a.close();
    b.close();
  });

  it('received fds are invisible to an exec\'d child (FD-08)', () => {
    const [a, b] = socket.socketpair();
    const [r, w] = os.pipe();
    socket.send_fds(a, [Buffer.from('e')], [r]);
    const [, [got]] = socket.recv_fds(b, 1, 1);
    const out = spawnSync('ls', ['/proc/self/fd'], { encoding: 'utf8' }).stdout.split('\n');
    expect(out).not.toContain(String(got));
    [r, w, got].forEach((fd) => os.close(fd));
    a.close();
    b.close();
  });

  it('a listening socket passed to a forked child: the child accepts on it', () => {
    const [parentEnd, childEnd] = socket.socketpair();
    const pid = runInChild(() => {
      parentEnd.close();
      const [, [fd]] = socket.recv_fds(childEnd, 1, 1);
      const srv = new socket.Socket(undefined, undefined, undefined, fd);
      srv.settimeout(5);
      const [conn] = srv.accept();
      conn.sendall(Buffer.from(`child ${process.pid} ${srv.family === socket.AF_INET ? 'inet' : '?'}`));
      conn.close();
      srv.close();
      return 0;
    });
    childEnd.close();
    const srv = socket.create_server(['127.0.0.1', 0]);
    socket.send_fds(parentEnd, [Buffer.from('L')], [srv]);
    const addr = srv.getsockname() as [string, number];
    srv.close(); // only the child holds the listener now
    parentEnd.close();
    const c = socket.create_connection(addr, 5);
    const reply = c.recv(100).toString();
    c.close();
    expect(waitWithTimeout(pid).status).toBe(0);
    expect(reply).toBe(`child ${pid} inet`);
  });

  it('validates its arguments', () => {
    const [a, b] = socket.socketpair();
    expect(() => socket.send_fds(a, [Buffer.from('x')], 'x' as never)).toThrow(TypeError);
    expect(() => socket.send_fds(a, [Buffer.from('x')], [-1])).toThrow(RangeError);
    expect(() => socket.recv_fds(b, 1, -1)).toThrow(RangeError);
    expect(() => a.sendmsg('x' as never)).toThrow(TypeError);
    a.close();
    b.close();
  });
});
