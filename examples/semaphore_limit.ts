// A Semaphore lets at most three of eight processes use a resource at once.
// acquire() takes one unit (and blocks at 0), release() gives it back;
// getValue() shows how many are free.
//   Python:  sem = Semaphore(3); sem.acquire(); ...; sem.release()
import 'posixkit/forkable';
import { Semaphore, SharedArray } from 'posixkit/multiprocessing';
import { _exit, fork, getpid, waitpid } from 'posixkit/os';

const sem = new Semaphore(3);
const inside = new SharedArray('i', 2, { lock: false }); // [now, most at once]
const now = inside.raw as Int32Array;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const pids: number[] = [];
for (let k = 0; k < 8; k++) {
  const pid = fork();
  if (pid === 0) {
    sem.acquire();
    const n = Atomics.add(now, 0, 1) + 1;
    for (let m = Atomics.load(now, 1); n > m; m = Atomics.load(now, 1)) Atomics.compareExchange(now, 1, m, n);
    console.log(`${getpid()} in (${n} inside, ${sem.getValue()} free)`);
    sleep(200);
    Atomics.sub(now, 0, 1);
    sem.release();
    _exit(0);
  }
  pids.push(pid);
}
for (const pid of pids) waitpid(pid, 0);
console.log(`at most ${now[1]} processes were inside at once; ${sem.getValue()} units free at the end`);
