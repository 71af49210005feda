// Shared by the socket unit tests (not a test file itself).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect } from 'vitest';
import * as socket from '../../lib/socket';
import { errno as ERRNO, OSError } from '../../lib/errors';
import { trackFds } from './fds';

export const { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOL_SOCKET } = socket;

/**
 * A temp dir for socket files, removed after the file's tests; an fd-leak
 * check around each test; pairFor bound to that dir.
 */
export function setup(): { sockPath: () => string; pairFor: (family: number) => [socket.Socket, socket.Socket] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pk-sock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  trackFds();
  let n = 0;
  const sockPath = (): string => path.join(dir, `s${n++}.sock`);
  return { sockPath, pairFor: (family) => pairFor(family, sockPath) };
}

function hasV6(): boolean {
  try {
    using s = socket.socket(AF_INET6);
    s.bind(['::1', 0]);
    return true;
  } catch {
    return false;
  }
}
export const V6 = hasV6();

export function cloexec(fd: number): boolean {
  const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1];
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

export function expectErr(fn: () => unknown, code: string, syscall?: string): OSError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(OSError);
  expect((err as OSError).code).toBe(code);
  if (syscall) expect((err as OSError).syscall).toBe(syscall);
  return err as OSError;
}

/** A connected stream pair for a family: [client, accepted]. */
export function pairFor(family: number, sockPath: () => string): [socket.Socket, socket.Socket] {
  const addr: socket.Address = family === AF_UNIX ? sockPath() : [family === AF_INET ? '127.0.0.1' : '::1', 0];
  using srv = socket.create_server(addr, { family });
  const c = socket.socket(family, SOCK_STREAM);
  c.connect(srv.getsockname() as socket.Address);
  const [a] = srv.accept();
  return [c, a];
}

export function os_errno(name: string): number {
  return ERRNO[name];
}
