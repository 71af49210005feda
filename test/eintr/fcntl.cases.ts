// Blocking calls of the fcntl family: each waits for a lock a forked child
// holds on the same file.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import type { EintrCall, EintrCase } from './types';

// Whether `pid`'s main thread is inside fcntl(2) or flock(2) (x86-64 and arm64
// numbers); null when /proc/<pid>/syscall cannot be read.
const LOCK_SYSCALLS = process.arch === 'arm64' ? ['25', '32'] : ['72', '73'];
function inLockCall(pid: number): boolean | null {
  try {
    return LOCK_SYSCALLS.includes(readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/**
 * A file locked by a forked child (with `take` on its own open of the file)
 * until the caller has been blocked in the lock call for 100 ms (the timer
 * ticks every 5 ms): a loaded machine cannot make the call find the lock free.
 */
function heldByChild(take: (fd: number) => void, call: (fd: number) => unknown): EintrCall {
  const dir = mkdtempSync(path.join(tmpdir(), 'posixkit-eintr-fcntl-'));
  const file = path.join(dir, 'lock');
  writeFileSync(file, Buffer.alloc(16));
  const pid = runInChild(() => {
    const fd = openSync(file, 'r+');
    take(fd);
    writeFileSync(`${file}.held`, '');
    const parent = os.getppid();
    const until = Date.now() + 10_000;
    let seen = inLockCall(parent);
    while (seen === false && Date.now() < until) {
      sleepSync(1);
      seen = inLockCall(parent);
    }
    sleepSync(seen === null ? 300 : 100);
    writeFileSync(`${file}.done`, ''); // just before the exit that releases the lock
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(`${file}.held`) && Date.now() < deadline) sleepSync(1);
  const fd = openSync(file, 'r+');
  return {
    call: () => call(fd),
    check() {
      if (!existsSync(`${file}.done`)) throw new Error('the lock call returned while the child still held it');
    },
    cleanup() {
      try { os.kill(pid, 9); } catch { /* gone already */ }
      waitWithTimeout(pid, 5000);
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const flockArgs = (type: number): Buffer => {
  const lk = Buffer.alloc(32); // struct flock: l_type, l_whence = SEEK_SET, l_start = 0, l_len = 0 (whole file)
  lk.writeInt16LE(type, 0);
  return lk;
};

export const cases: EintrCase[] = [
  { name: 'fcntl.flock', prepare: () => heldByChild((fd) => fcntl.flock(fd, fcntl.LOCK_EX), (fd) => fcntl.flock(fd, fcntl.LOCK_EX)) },
  { name: 'fcntl.lockf', prepare: () => heldByChild((fd) => fcntl.lockf(fd, fcntl.LOCK_EX), (fd) => fcntl.lockf(fd, fcntl.LOCK_EX)) },
  {
    name: 'fcntl.fcntl F_SETLKW',
    prepare: () => heldByChild((fd) => fcntl.fcntl(fd, fcntl.F_SETLK, flockArgs(fcntl.F_WRLCK)),
      (fd) => fcntl.fcntl(fd, fcntl.F_SETLKW, flockArgs(fcntl.F_WRLCK))),
  },
];
