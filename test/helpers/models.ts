// Runs a server model as its own process (test/fixtures/models-serve.js) and
// drives it with node:net clients, which nobody here wrote.
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT } from './proc';
import { limit } from './checks';

const FIXTURE = path.join(ROOT, 'test/fixtures/models-serve.js');

export interface Running {
  proc: ChildProcess;
  pid: number;
  port: number | null;
  path: string | null;
  stdout: () => string;
  stderr: () => string;
  /** Sends `sig`, waits for the exit; resolves with the exit code, the signal and the STOPPED stats. */
  stop(sig?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: string | null; stats: Record<string, number> | null }>;
}

const started = new Set<ChildProcess>();
/** Kills every server still running (a test that timed out never reached its finally). Call from afterAll. */
export function killAll(): void {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  started.clear();
}

export function startModel(model: string, core: string, opts: Record<string, unknown>,
  wrap: string[] = []): Promise<Running> {
  const args = ['--single-threaded', FIXTURE, model, core, JSON.stringify(opts)];
  const cmd = wrap.length ? wrap[0] : process.execPath;
  const argv = wrap.length ? [...wrap.slice(1), process.execPath, ...args] : args;
  const proc = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => {
    proc.on('exit', (code, signal) => res({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${model} did not listen: ${err}`)); }, limit(20_000));
    const onData = (): void => {
      const m = /LISTENING (.*)\n/.exec(out);
      if (!m) return;
      proc.stdout!.off('data', onData);
      clearTimeout(timer);
      const info = JSON.parse(m[1]);
      resolve({
        proc, pid: info.pid, port: info.port, path: info.path,
        stdout: () => out, stderr: () => err,
        async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
          process.kill(info.pid, sig);
          const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
          const r = await exited;
          clearTimeout(t);
          const s = /STOPPED (.*)\n/.exec(out);
          return { ...r, stats: s ? JSON.parse(s[1]) : null };
        },
      });
    };
    proc.stdout!.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${model} exited ${code} before listening: ${err}`)); });
  });
}

export function connectTo(r: Running): net.Socket {
  return r.path ? net.connect(r.path) : net.connect(r.port!, '127.0.0.1');
}

/** One echo exchange: sends `msg` (then half-closes), resolves with everything read until EOF. */
export function echoOnce(r: Running, msg: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connectTo(r);
    const parts: Buffer[] = [];
    const t = setTimeout(() => { c.destroy(); reject(new Error('echo timed out')); }, limit(timeoutMs));
    c.on('connect', () => { c.end(msg); });
    c.on('data', (d) => parts.push(d));
    c.on('end', () => { clearTimeout(t); c.destroy(); resolve(Buffer.concat(parts)); });
    c.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

/** n concurrent clients, each echoing `size` distinct bytes; resolves with the count that got their bytes back. */
export async function echoMany(r: Running, n: number, size = 2048): Promise<number> {
  const jobs = Array.from({ length: n }, (_, i) => {
    const msg = Buffer.alloc(size, `client-${i}-`);
    return echoOnce(r, msg).then((got) => (got.equals(msg) ? 1 : 0));
  });
  return (await Promise.all(jobs)).reduce<number>((a, b) => a + b, 0);
}

/** Clients that vanish: connect, send half a message, then reset (RST) without reading. */
export async function vanish(r: Running, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const c = connectTo(r);
    c.on('connect', () => {
      c.write(Buffer.alloc(100_000, 'x'));
      setTimeout(() => { c.resetAndDestroy(); resolve(); }, 5);
    });
    c.on('error', () => resolve());
  })));
}
