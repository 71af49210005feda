// test.support, socket_helper and os_helper, as far as the ports need them.
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as os from '../../../lib/os';
import * as select from '../../../lib/select';
import * as socket from '../../../lib/socket';
import { SkipTest } from './unittest';

export const HOST = '127.0.0.1';
export const HOSTv6 = '::1';
export const SHORT_TIMEOUT = 30;
export const LONG_TIMEOUT = 300;
export const LOOPBACK_TIMEOUT = 5;
export const INTERNET_TIMEOUT = 60;

/** time.monotonic(), in seconds. */
export const monotonic = (): number => performance.now() / 1000;

/**
 * time.sleep(): select() with no fds sleeps and, like Python's sleep (PEP
 * 475), runs the JS handlers of signals that arrive, then sleeps on.
 */
export function sleep(seconds: number): void {
  select.select([], [], [], seconds);
}

/** socket_helper.bind_port: binds to an ephemeral port of host and returns it. */
export function bind_port(sock: socket.Socket, host = HOST): number {
  if (sock.family === socket.AF_INET || sock.family === socket.AF_INET6) {
    if (sock.type === socket.SOCK_STREAM) {
      if (sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) === 1) {
        throw new Error('tests should never set the SO_REUSEADDR socket option on TCP/IP sockets!');
      }
      if (sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) === 1) {
        throw new Error('tests should never set the SO_REUSEPORT socket option on TCP/IP sockets!');
      }
    }
  }
  sock.bind([host, 0]);
  return (sock.getsockname() as [string, number])[1];
}

/** socket_helper.bind_unix_socket. */
export function bind_unix_socket(sock: socket.Socket, addr: string): void {
  sock.bind(addr);
}

/** socket_helper.find_unused_port. */
export function find_unused_port(family = socket.AF_INET, type = socket.SOCK_STREAM): number {
  const s = socket.socket(family, type);
  try {
    return bind_port(s, family === socket.AF_INET6 ? HOSTv6 : HOST);
  } finally {
    s.close();
  }
}

/** socket_helper.IPV6_ENABLED: ::1 can be bound. */
export const IPV6_ENABLED = ((): boolean => {
  try {
    const s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM);
    try {
      s.bind([HOSTv6, 0]);
      return true;
    } finally {
      s.close();
    }
  } catch {
    return false;
  }
})();

export function requireIPv6(): void {
  if (!IPV6_ENABLED) throw new SkipTest('IPv6 required for this test.');
}

// Made at load, in the test's process: forked children put their files here
// too, and the test's process removes it all at exit.
const tmpRoot = mkdtempSync(path.join(tmpdir(), 'pk-conformance-'));
{
  const pid = process.pid;
  process.on('exit', () => {
    if (process.pid === pid) rmSync(tmpRoot, { recursive: true, force: true });
  });
}
let counter = 0;

/** A fresh path in this process's private temp directory (removed at exit). */
export function mktemp(prefix = 'tmp'): string {
  return path.join(tmpRoot, `${prefix}${process.pid}_${counter++}`);
}

/** os_helper.TESTFN: one fixed name per process. */
export const TESTFN = `${tmpdir()}/@test_${process.pid}_tmp`;

/** os_helper.unlink: ignores a missing file. */
export function unlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // gone
  }
}

/** A buffered reader over an fd, for Python's file.readline(). */
export class LineReader {
  #buf = Buffer.alloc(0);
  constructor(readonly fd: number) {}

  readline(): Buffer {
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i >= 0) {
        const line = this.#buf.subarray(0, i + 1);
        this.#buf = this.#buf.subarray(i + 1);
        return line;
      }
      const b = os.read(this.fd, 4096);
      if (b.length === 0) {
        const rest = this.#buf;
        this.#buf = Buffer.alloc(0);
        return rest;
      }
      this.#buf = Buffer.concat([this.#buf, b]);
    }
  }
}

/** ZeroDivisionError, what the tests' signal handlers raise (1/0). */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/** os_helper.make_bad_fd: an fd number that is not open. */
export function make_bad_fd(): number {
  const [r, w] = os.pipe();
  os.close(r);
  os.close(w);
  return w;
}

function fdFlags(fd: number): number {
  return parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
}

/** fcntl(fd, F_GETFD) & FD_CLOEXEC, read from /proc (posixkit has no fcntl module). */
export function fdCloexec(fd: number): number {
  return fdFlags(fd) & 0o2000000 ? 1 : 0;
}

/** fcntl(fd, F_GETFL) & O_NONBLOCK, read from /proc. */
export function fdNonblock(fd: number): number {
  return fdFlags(fd) & os.O_NONBLOCK;
}

/** socket_setdefaulttimeout(timeout) around body. */
export function withDefaultTimeout(timeout: number | null, body: () => void): void {
  const old = socket.getdefaulttimeout();
  try {
    socket.setdefaulttimeout(timeout);
    body();
  } finally {
    socket.setdefaulttimeout(old);
  }
}
