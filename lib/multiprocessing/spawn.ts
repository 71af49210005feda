// The 'spawn' start method: fork(2), then execv(2) of a fresh node running
// spawn-main.js, which loads the target's module and runs the target (as
// Python's spawn runs a fresh interpreter that imports the main module).
// The child's code is found by module: a target function, or a Process
// subclass, must be exported by a loaded CommonJS module (its top level runs
// again in the child: guard the parent's program with `require.main ===
// module`, as Python's with `if __name__ == '__main__'`). Arguments and a
// subclass's own fields are structured-cloned; posixkit's shared primitives
// (Lock, Value, SharedArray ...) cross as their shared memory: the child
// inherits the memfd behind them and maps it again.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { serialize } from 'node:v8';
import { constants as nodeOsConstants } from 'node:os';
import { invalidArgType } from '../errors';
import * as os from '../os';
import { exportOf, type ModuleRef } from '../internal/modref';
import { writeAll } from './connection';
import { currentProcess, type LaunchInfo, type Launched, Process, setLauncher } from './process';
import { pack } from './transport';

/** @internal what the parent sends a 'spawn' or 'forkserver' child */
export interface ChildSpec {
  kind: 'target' | 'subclass' | 'none';
  ref: ModuleRef | null;
  args: unknown;
  fields: unknown;
  name: string;
  daemon: boolean;
  authkey: Uint8Array;
  identity: number[];
  parentName: string;
  parentPid: number;
}

let executable = process.execPath;

/** Python's set_executable(): the node binary 'spawn' and 'forkserver' run (default: this one); a path or its bytes. */
export function setExecutable(file: string | Uint8Array): void {
  const f = file instanceof Uint8Array ? Buffer.from(file).toString() : file;
  if (typeof f !== 'string' || f === '' || f.includes('\0')) {
    throw invalidArgType('executable', 'a non-empty path (string or Buffer) without null bytes', file);
  }
  executable = f;
}

/** @internal */
export function getExecutable(): string {
  return executable;
}

/** @internal the compiled twin of a file of this package (under a TypeScript loader, lib/ has no .js). */
export function compiled(file: string): string {
  const here = path.join(__dirname, file);
  if (existsSync(here)) return here;
  return path.resolve(__dirname, '..', '..', 'dist', 'multiprocessing', file);
}

// The fds behind the shared primitives in packed arguments (their memfds).
function sharedFds(v: unknown, out: Set<number>, seen = new Set<unknown>()): Set<number> {
  if (v === null || typeof v !== 'object' || seen.has(v)) return out;
  seen.add(v);
  const m = (v as { mapping?: { kind?: string; fd?: number } }).mapping;
  if (m && m.kind === 'posixkit.mapping' && typeof m.fd === 'number') out.add(m.fd);
  for (const x of Object.values(v as object)) sharedFds(x, out, seen);
  return out;
}

/** @internal what a child started without fork needs, and the fds it must inherit. */
export function childSpec(p: Process, info: LaunchInfo, how: string): [ChildSpec, Set<number>] {
  const subclass = Object.getPrototypeOf(p) !== Process.prototype && p.run !== Process.prototype.run;
  let kind: ChildSpec['kind'] = 'none';
  let ref: ModuleRef | null = null;
  if (subclass) {
    kind = 'subclass';
    ref = exportOf(p.constructor, 'process class', `the '${how}' start method`);
  } else if (info.target) {
    kind = 'target';
    ref = exportOf(info.target, 'options.target', `the '${how}' start method`);
  }
  const args = pack(info.args);
  const fields = subclass ? pack({ ...p }) : null;
  const me = currentProcess();
  const spec: ChildSpec = {
    kind, ref, args, fields, name: info.name, daemon: info.daemon, authkey: new Uint8Array(info.authkey),
    identity: info.identity, parentName: me.name, parentPid: process.pid,
  };
  return [spec, sharedFds([args, fields], new Set())];
}

setLauncher('spawn', (p, info): Launched => {
  const [spec, fds] = childSpec(p, info, 'spawn');
  const payload = serialize(spec);
  const main = compiled('spawn-main.js');
  const [r, w] = os.pipe();
  let dr = -1;
  let dw = -1;
  let pid: number;
  try {
    [dr, dw] = os.pipe();
    pid = os.fork();
  } catch (e) {
    for (const fd of [r, w, dr, dw]) if (fd >= 0) os.close(fd);
    throw e;
  }
  if (pid === 0) {
    try {
      os.close(r);
      os.close(dw);
      for (const fd of [w, dr, ...fds]) os.set_inheritable(fd, true);
      if (spec.daemon) os.set_pdeathsig(nodeOsConstants.signals.SIGTERM);
      os.execv(executable, [executable, '--single-threaded', main, String(dr), String(w)]);
    } catch (e) {
      process.stderr.write(`spawn: cannot run ${executable}: ${(e as Error).message}\n`);
    }
    return os._exit(127);
  }
  os.close(w);
  os.close(dr);
  try {
    writeAll(dw, payload);
  } catch (e) {
    // EPIPE: the child could not run node (it exits 127, as its exit code will say).
    if ((e as { code?: string }).code !== 'EPIPE') throw e;
  } finally {
    os.close(dw);
  }
  return { pid, sentinel: r, foreign: false };
});
