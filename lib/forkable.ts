// posixkit/forkable: import it first, and the program runs with V8's
// --single-threaded, which fork() needs (FORK.md section 2). If the flag is
// missing, the process re-executes itself in place: same pid, same argv,
// same fds, with the flag added. Node refuses the flag in NODE_OPTIONS, so
// this is the only way to add it from inside a program.
import { isMainThread } from 'node:worker_threads';
import { family } from './native';

const MARK = 'POSIXKIT_FORKABLE_REEXEC';
const native = family<{ execve(path: string, args: string[], env: string[], resetSigpipe: boolean): never }>();

const single = process.execArgv.some((a) => a === '--single-threaded' || a === '--single_threaded');

if (isMainThread && !single) {
  if (process.env[MARK]) {
    throw new Error('posixkit/forkable: re-executed with --single-threaded, but the flag is still missing');
  }
  const env = Object.entries({ ...process.env, [MARK]: '1' }).map(([k, v]) => `${k}=${v}`);
  native.execve(process.execPath,
    [process.argv0, '--single-threaded', ...process.execArgv, ...process.argv.slice(1)], env, false);
}
delete process.env[MARK];

export const singleThreaded: boolean = single;
