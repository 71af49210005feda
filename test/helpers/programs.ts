// Real programs as peers: client tools (curl, wget, lftp, chromium) and
// Python 3, an independent implementation of the same protocols and syscalls.
// Each run is asynchronous (a server in this process keeps serving) and
// bounded in time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to its end, SIGKILLed after timeoutMs (default 15 s). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string | Buffer; cwd?: string } = {}): Promise<RunResult> {
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

/** Runs a Python 3 script (`python3 -c script args...`). */
export function python(script: string, args: string[] = [], opts: { timeoutMs?: number; input?: string | Buffer } = {}): Promise<RunResult> {
  return run('python3', ['-c', script, ...args], opts);
}

/** Whether `cmd` is on the PATH. */
export function have(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try { fs.accessSync(path.join(d, cmd), fs.constants.X_OK); return true; } catch { return false; }
  });
}
