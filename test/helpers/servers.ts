// Runs a server fixture (test/fixtures/*-server.js) as a child process and
// real client programs against it, every step bounded in time.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { zombieChildren } from './proc';

export const ROOT = path.resolve(__dirname, '../..');

export interface ServerChild {
  port: number;
  pid: number;
  /** What the server wrote on stdout/stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code and the STOPPED line's stats. */
  stop(): Promise<{ code: number | null; signal: string | null; stats: Record<string, unknown> | null }>;
}

export function startServer(fixture: string, options: Record<string, unknown>, timeoutMs = 10_000): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, ['--single-threaded', path.join(ROOT, 'test/fixtures', fixture), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let out = '';
  child.stdout!.on('data', (b) => { out += b; });
  child.stderr!.on('data', (b) => { out += b; });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not listen in ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    const onData = () => {
      const m = /LISTENING (\{.*\})\n/.exec(out);
      if (!m) return;
      clearTimeout(t);
      child.stdout!.off('data', onData);
      const info = JSON.parse(m[1]);
      resolve({
        port: info.port,
        pid: child.pid!,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const k = setTimeout(() => child.kill('SIGKILL'), 5000);
          const r = await exited;
          clearTimeout(k);
          const s = /STOPPED (\{.*\})/.exec(out);
          return { ...r, stats: s ? JSON.parse(s[1]) : null };
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((r) => { clearTimeout(t); reject(new Error(`server exited early (${r.code ?? r.signal}):\n${out}`)); });
  });
}

/** Open fds of a process (its /proc/<pid>/fd), or -1 if it is gone. */
export function fdsOf(pid: number): number {
  try { return fs.readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

/** Zombie children of pid (state Z, ppid = pid); live children of pid. */
export { zombieChildren as zombiesOf, childrenOf as childrenOfPid } from './proc';

/** Runs a client program (async: the test process stays responsive), killed after timeoutMs. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string | Buffer; cwd?: string } = {}):
Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (b) => out.push(b));
    child.stderr!.on('data', (b) => { err += b; });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(t); resolve({ code, stdout: Buffer.concat(out), stderr: err }); });
  });
}

export function have(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => { try { fs.accessSync(path.join(d, cmd), fs.constants.X_OK); return true; } catch { return false; } });
}

export function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = () => { if (cond()) resolve(true); else if (Date.now() > end) resolve(false); else setTimeout(tick, 20); };
    tick();
  });
}

/** The server's fds come back to fds0 (within fdMs) and it keeps no zombie children. */
export async function expectSettled(srv: ServerChild, fds0: number, fdMs = 3000): Promise<void> {
  expect(await waitFor(() => fdsOf(srv.pid) <= fds0, fdMs), `fds ${fdsOf(srv.pid)} > ${fds0}`).toBe(true);
  expect(await waitFor(() => zombieChildren(srv.pid).length === 0, 3000), `zombies ${zombieChildren(srv.pid)}`).toBe(true);
}

/** Stops the server: it must exit 0 and have logged no ERROR. */
export async function expectCleanStop(srv: ServerChild): Promise<void> {
  const s = await srv.stop();
  expect(s.code, srv.output()).toBe(0);
  expect(srv.output()).not.toMatch(/ERROR/);
}
