// A multiprocessing Lock as a with-block: two processes never interleave inside it.
// Two processes print lines in turns without interleaving inside a critical
// section. `using` (or withLock) is Python's with-block: the lock is released
// however the block ends.
//   Python:  lock = Lock(); with lock: ...
import 'posixkit/forkable';
import { Lock, withLock } from 'posixkit/multiprocessing';
import { _exit, fork, getpid, waitpid } from 'posixkit/os';

const lock = new Lock();

function criticalSection(who: string): void {
  for (let i = 0; i < 3; i++) process.stdout.write(`${who} ${getpid()} line ${i}\n`);
}

const pid = fork();
if (pid === 0) {
  for (let round = 0; round < 3; round++) {
    using _held = lock.hold(); // acquire now, release at the end of this block
    criticalSection('child ');
  }
  _exit(0);
}
for (let round = 0; round < 3; round++) withLock(lock, () => criticalSection('parent'));
waitpid(pid, 0);

console.log('acquire(false) on a held lock:', (lock.acquire(), lock.acquire(false)));
lock.release();
try {
  lock.release();
} catch (e) {
  console.log('releasing an unheld lock:', (e as Error).message);
}
