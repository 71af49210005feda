// posixkit/forkable: import it first, and the program runs with V8's
// --single-threaded, which fork() needs (docs/fork.md, "Why --single-threaded"). If the flag is
// missing, the process re-executes itself in place: same pid, same argv,
// same fds, with the flag added. Node refuses the flag in NODE_OPTIONS, so
// this is the only way to add it from inside a program.
import { readdirSync, readlinkSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { family } from './native';
import { codedError } from './errors';

const MARK = 'POSIXKIT_FORKABLE_REEXEC';
const native = family<{
  execve(path: string, args: string[], env: string[], resetSigpipe: boolean, keepFds: number[]): never;
}>();

// Node marks every fd it inherited close-on-exec at start-up, so the fds this
// process was given must be named to survive the re-exec. What Node made
// itself so far is left to close: epoll/eventfd instances (anon_inode), and
// pipes with both ends open here (libuv's internal signal pipes).
function inheritedFds(): number[] {
  const links = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      links.set(Number(name), readlinkSync(`/proc/self/fd/${name}`));
    } catch { /* the listing's own fd, already gone */ }
  }
  const count = new Map<string, number>();
  for (const l of links.values()) count.set(l, (count.get(l) ?? 0) + 1);
  return [...links].filter(([fd, l]) => fd > 2 && !l.startsWith('anon_inode:')
    && !(l.startsWith('pipe:') && (count.get(l) ?? 0) > 1) && l !== '/dev/null').map(([fd]) => fd);
}

const single = process.execArgv.some((a) => a === '--single-threaded' || a === '--single_threaded');

if (isMainThread && !single) {
  if (process.env[MARK]) {
    throw codedError('ERR_NOT_SINGLE_THREADED', 'posixkit/forkable: re-executed with --single-threaded, but the flag is still missing');
  }
  const env = Object.entries({ ...process.env, [MARK]: '1' }).map(([k, v]) => `${k}=${v}`);
  native.execve(process.execPath,
    [process.argv0, '--single-threaded', ...process.execArgv, ...process.argv.slice(1)], env, false, inheritedFds());
}
delete process.env[MARK];

export const singleThreaded: boolean = single;
