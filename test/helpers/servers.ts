// Runs a server fixture (test/fixtures/*-server.js) as a child process, for
// real client programs (test/helpers/programs.ts) to talk to; every step is
// bounded in time.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'vitest';
import { limit, until } from './checks';
import { fdsOf, ROOT, zombieChildren } from './proc';

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
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not listen in ${limit(timeoutMs)} ms:\n${out}`)); }, limit(timeoutMs));
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

/** The server's fds come back to fds0 (within fdMs) and it keeps no zombie children. */
export async function expectSettled(srv: ServerChild, fds0: number, fdMs = 3000): Promise<void> {
  expect(await until(() => fdsOf(srv.pid) <= fds0, fdMs), `fds ${fdsOf(srv.pid)} > ${fds0}`).toBe(true);
  expect(await until(() => zombieChildren(srv.pid).length === 0, 3000), `zombies ${zombieChildren(srv.pid)}`).toBe(true);
}

/** Stops the server: it must exit 0 and have logged no ERROR. */
export async function expectCleanStop(srv: ServerChild): Promise<void> {
  const s = await srv.stop();
  expect(s.code, srv.output()).toBe(0);
  expect(srv.output()).not.toMatch(/ERROR/);
}
