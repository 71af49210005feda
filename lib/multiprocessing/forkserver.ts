// The 'forkserver' start method, as Python's: the first start runs a fork
// server (a fresh node, exec'd, that loads the set_forkserver_preload()
// modules and then only forks). Each start connects to it over a Unix socket
// in a private directory, passes the child's description and fds (a status
// pipe's write end, the memfds of shared primitives) with SCM_RIGHTS, and
// the server forks the child, which runs it as a 'spawn' child would. The
// child is the server's, not ours: the server writes its pid, then its exit
// code, into the status pipe, whose read end is the Process's sentinel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serialize } from 'node:v8';
import { constants as nodeOsConstants } from 'node:os';
import { invalidArgType, toList } from '../errors';
import * as os from '../os';
import { AF_UNIX, SOCK_STREAM, Socket, socket } from '../socket';
import { Connection } from './connection';
import { ProcessError } from './errors';
import { type Launched, setLauncher } from './process';
import { sendfds } from './reduction';
import { childSpec, compiled, getExecutable } from './spawn';

let preload: string[] = [];

/**
 * Python's set_forkserver_preload(modules): module specifiers the fork
 * server require()s before it forks anything, so that every child starts
 * with them loaded (a module that fails to load is skipped).
 */
export function setForkserverPreload(modules: string[]): void {
  if (!Array.isArray(modules)) throw invalidArgType('modules', 'an array of module specifiers', modules);
  // read once and capped: a sparse array of length 2**32-1 is refused, not walked
  preload = toList(modules, 'modules', 'an array of module specifiers', 4096, (m) => {
    if (typeof m !== 'string') throw invalidArgType('modules', 'an array of module specifiers', modules);
    return m.startsWith('.') ? path.resolve(m) : m;
  });
}

interface ServerState {
  owner: number;
  pid: number;
  address: string;
  dir: string;
}

let server: ServerState | null = null;

function alive(pid: number): boolean {
  try {
    const [p] = os.waitpid(pid, os.WNOHANG);
    return p === 0;
  } catch {
    return false;
  }
}

function ensureServer(): ServerState {
  if (server && server.owner === process.pid && alive(server.pid)) return server;
  // A forked child shares its parent's server while it lives (as Python's
  // children reach the same one): only start one if there is none.
  if (server && server.owner !== process.pid) {
    try {
      os.kill(server.pid, 0);
      return server;
    } catch { /* gone: start our own */ }
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'pymp-fs-'));
  const address = path.join(dir, 'forkserver');
  const listener = socket(AF_UNIX, SOCK_STREAM);
  try {
    listener.bind(address);
    listener.listen(128);
  } catch (e) {
    listener.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const lfd = listener.fileno();
  const exe = getExecutable();
  const main = compiled('forkserver-main.js');
  const pid = os.fork();
  if (pid === 0) {
    try {
      os.set_inheritable(lfd, true);
      os.set_pdeathsig(nodeOsConstants.signals.SIGTERM);
      os.execv(exe, [exe, '--single-threaded', main, String(lfd), JSON.stringify(preload)]);
    } catch (e) {
      process.stderr.write(`forkserver: cannot run ${exe}: ${(e as Error).message}\n`);
    }
    return os._exit(127);
  }
  listener.close();
  const owner = process.pid;
  process.on('exit', () => {
    if (process.pid !== owner) return;
    try {
      os.kill(pid, nodeOsConstants.signals.SIGTERM);
      os.waitpid(pid, 0);
    } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  server = { owner, pid, address, dir };
  return server;
}

setLauncher('forkserver', (p, info): Launched => {
  const [spec, fds] = childSpec(p, info, 'forkserver');
  const s = ensureServer();
  const [r, w] = os.pipe();
  let wOpen = true;
  let sock: Socket | null = null;
  try {
    sock = socket(AF_UNIX, SOCK_STREAM);
    sock.connect(s.address);
    const shared = [...fds];
    sendfds(sock, [w, ...shared]);
    const conn = new Connection(sock.fileno(), sock.fileno());
    conn.sendBytes(serialize({ spec, shared }));
    os.close(w);
    wOpen = false;
    const st = Buffer.alloc(4);
    let got = 0;
    while (got < 4) {
      const n = os.readinto(r, st.subarray(got));
      if (n === 0) throw new ProcessError('the fork server did not start the child', 'ERR_FORKSERVER');
      got += n;
    }
    return { pid: st.readInt32LE(0), sentinel: r, foreign: true };
  } catch (e) {
    if (wOpen) os.close(w);
    os.close(r);
    throw e;
  } finally {
    sock?.close();
  }
});

/** @internal the fork server's pid in this process, if one runs (for tests). */
export function forkserverPid(): number | null {
  return server && server.owner === process.pid ? server.pid : null;
}
