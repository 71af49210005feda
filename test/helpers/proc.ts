// Helpers for tests that fork, count fds and look for zombies.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import * as os from '../../lib/os';

export const ROOT = path.resolve(__dirname, '../..');

/** Number of open fds of this process (the listing's own fd excluded). */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length - 1;
}

export function openFds(): string[] {
  return readdirSync('/proc/self/fd');
}

/** Process state letter (R, S, Z, ...) from /proc/PID/stat, or null if gone. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return null;
  }
}

/** Parent pid of `pid` from /proc, or null if gone. */
export function procPpid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** True while process `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== 'Z';
}

/** Open fds of process `pid` (its /proc/<pid>/fd), or -1 if it is gone. */
export function fdsOf(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

/** Threads of process `pid`, or -1 if it is gone. */
export function threadCount(pid: number): number {
  try { return readdirSync(`/proc/${pid}/task`).length; } catch { return -1; }
}

/** Pids of this process's children that are zombies. */
export function zombieChildren(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (procPpid(pid) === parent && procState(pid) === 'Z') out.push(pid);
  }
  return out;
}

/** Pids of all children of `parent` (zombies included). */
export function childrenOf(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && procPpid(Number(name)) === parent) out.push(Number(name));
  }
  return out;
}

/**
 * Forks; the child runs the synchronous `fn` and always leaves with _exit, so
 * it can never return into the test runner. fn's return value (a number) is
 * the exit code; a throw exits 99 after printing the error. Returns the
 * child's pid. For a child that needs its event loop, use forkAsync.
 */
export function runInChild(fn: () => number | void): number {
  const pid = os.fork();
  if (pid !== 0) return pid;
  let code = 0;
  try {
    const r = fn() as unknown;
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      process.stderr.write('runInChild: fn returned a promise; use forkAsync for async children\n');
      code = 98;
    } else {
      code = typeof r === 'number' ? r : 0;
    }
  } catch (e) {
    process.stderr.write(`child failed: ${(e as Error)?.stack ?? e}\n`);
    code = 99;
  }
  os._exit(code);
}

/**
 * Forks; the child runs async `fn` in its event loop and _exits with its
 * result (99 on a rejection, 98 after `timeoutMs`). Await it: in the parent it
 * resolves to the child's pid; in the child it never resolves, so the test
 * body never goes on there.
 */
export function forkAsync(fn: () => Promise<number | void>, timeoutMs = 10_000): Promise<number> {
  const pid = os.fork();
  if (pid !== 0) return Promise.resolve(pid);
  // vitest's worker exits(1) on the 'error' its dead IPC channel emits in the child.
  process.removeAllListeners('error');
  process.on('error', () => {});
  setTimeout(() => os._exit(98), timeoutMs);
  fn().then((c) => os._exit(typeof c === 'number' ? c : 0), (e) => {
    process.stderr.write(`child failed: ${(e as Error)?.stack ?? e}\n`);
    os._exit(99);
  });
  return new Promise<number>(() => {});
}

/** Sleeps without the event loop (Atomics.wait on a private buffer). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Waits for `pid` with a watchdog: polls WNOHANG every ms until `timeoutMs`,
 * then SIGKILLs and reaps it. Returns the status, or null on timeout.
 */
export function waitWithTimeout(pid: number, timeoutMs = 10_000): { status: number | null; hung: boolean } {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const [p, status] = os.waitpid(pid, os.WNOHANG);
    if (p === pid) return { status, hung: false };
    if (Date.now() > end) {
      try { os.kill(pid, 9); } catch { /* gone */ }
      os.waitpid(pid, 0);
      return { status: null, hung: true };
    }
    sleepSync(1);
  }
}

/** Forks, runs fn in the child, waits (watchdog) and returns the exit code (-sig if killed). */
export function forkRun(fn: () => number | void, timeoutMs = 10_000): number {
  const pid = runInChild(fn);
  const { status, hung } = waitWithTimeout(pid, timeoutMs);
  if (hung || status === null) throw new Error(`child ${pid} hung for ${timeoutMs} ms`);
  return os.waitstatus_to_exitcode(status);
}

/** Runs a fixture script under node (--single-threaded by default). */
export function runNode(args: string[], opts: { timeout?: number; input?: string; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...(opts.execArgv ?? ['--single-threaded']), ...args], {
    encoding: 'utf8',
    timeout: opts.timeout ?? 30_000,
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: ROOT,
  });
}
