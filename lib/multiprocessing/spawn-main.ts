// The program a child started by 'spawn' runs (node spawn-main.js DATA_FD
// SENTINEL_FD), and what a fork server's child runs: rebuild the Process
// object the parent described (its target or subclass loaded by module),
// make it the current process, run it, exit with Python's exit codes (0, or
// 1 after an uncaught error, which is printed as "Process NAME:" and the
// error). Unlike a forked child, a child here has its own event loop, so an
// async target is awaited.
import { inspect } from 'node:util';
import { deserialize } from 'node:v8';
import * as os from '../os';
import { runChildExitHooks } from './_fork';
import { loadExport } from '../internal/modref';
import { adoptChild, Process } from './process';
import type { ChildSpec } from './spawn';
import * as util from './util';
import { unpack } from './transport';

/** @internal builds and runs the child `spec` describes; resolves to its exit code. */
export async function runChild(spec: ChildSpec): Promise<number> {
  let p: Process;
  try {
    if (spec.kind === 'subclass') {
      const Cls = loadExport<typeof Process & ((...a: unknown[]) => unknown)>(spec.ref!, 'class');
      p = Reflect.construct(Process, [{ name: spec.name, daemon: spec.daemon }], Cls) as Process;
      Object.assign(p, unpack(spec.fields));
    } else {
      const target = spec.kind === 'target' ? loadExport(spec.ref!) : undefined;
      p = new Process({ target, args: unpack(spec.args) as unknown[], name: spec.name, daemon: spec.daemon });
    }
  } catch (e) {
    process.stderr.write(`Process ${spec.name}:\n${inspect(e)}\n`);
    return 1;
  }
  adoptChild(p, spec.identity, Buffer.from(spec.authkey), spec.parentName, spec.parentPid);
  let code = 0;
  try {
    util.info('child process calling self.run()');
    await p.run();
  } catch (e) {
    code = 1;
    process.stderr.write(`Process ${spec.name}:\n${inspect(e)}\n`);
  }
  runChildExitHooks();
  util.info('process exiting with exitcode %d', code);
  return code;
}

function readAll(fd: number): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    const b = os.read(fd, 64 * 1024);
    if (b.length === 0) return Buffer.concat(parts);
    parts.push(b);
  }
}

if (require.main === module) {
  const [dataFd, sentinelFd] = process.argv.slice(2).map(Number);
  const spec = deserialize(readAll(dataFd)) as ChildSpec;
  os.close(dataFd);
  // The sentinel's write end stays open (not inherited by what this process
  // execs) until this process ends: that is how the parent sees the end.
  os.set_inheritable(sentinelFd, false);
  void runChild(spec).then((code) => process.exit(code));
}
