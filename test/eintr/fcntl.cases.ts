// Blocking calls of the fcntl family: each waits ~300 ms for a lock a forked
// child holds on the same file.
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import { runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';
import type { EintrCall, EintrCase } from './types';

/** A file locked by a forked child (with `take` on its own open of the file) for ~300 ms from when this returns. */
function heldByChild(take: (fd: number) => void, call: (fd: number) => unknown): EintrCall {
  const dir = mkdtempSync(path.join(tmpdir(), 'posixkit-eintr-fcntl-'));
  const file = path.join(dir, 'lock');
  writeFileSync(file, Buffer.alloc(16));
  const pid = runInChild(() => {
    const fd = openSync(file, 'r+');
    take(fd);
    writeFileSync(`${file}.held`, '');
    sleepSync(300);
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
