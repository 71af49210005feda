// A shared-memory Value counter: updates are lost without its lock, none with it.
// Without a lock `counter.value += 1` is a read, an add and a write, and two
// processes interleaving lose updates; with the lock the total is exact.
//   Python:  v = Value('i', 0); with v.get_lock(): v.value += 1
import 'posixkit/forkable'; // re-runs node with --single-threaded if needed
import { Event, Value, withLock } from 'posixkit/multiprocessing';
import { _exit, fork, waitpid } from 'posixkit/os';

const PROCESSES = 4;
const INCREMENTS = 200_000;

function run(locked: boolean): number {
  const counter = new Value('i', 0); // with its own RLock, Python's default
  const go = new Event(); // start everyone at once so they really overlap
  const pids: number[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const pid = fork();
    if (pid === 0) {
      go.wait();
      for (let i = 0; i < INCREMENTS; i++) {
        if (locked) withLock(counter.getLock(), () => { counter.value += 1; });
        else counter.value += 1; // each get and set is locked, the += as a whole is not
      }
      _exit(0);
    }
    pids.push(pid);
  }
  go.set();
  for (const pid of pids) waitpid(pid, 0);
  return counter.value;
}

const expected = PROCESSES * INCREMENTS;
const racy = run(false);
console.log(`without the lock: ${racy} of ${expected} (${expected - racy} updates lost)`);
const exact = run(true);
console.log(`with the lock:    ${exact} of ${expected}`);
