// multiprocessing Event: a process blocks in wait() until another one set()s it.
// wait(timeout) gives up after the timeout; clear() resets the event.
//   Python:  e = Event(); e.wait([timeout]); e.set(); e.clear(); e.is_set()
import 'posixkit/forkable';
import { Event } from 'posixkit/multiprocessing';
import { _exit, fork, waitpid } from 'posixkit/os';

const ready = new Event();

const pid = fork();
if (pid === 0) {
  console.log('child: preparing the resource for 1 s ...');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  // Print before set(): once the event is set the parent may print first.
  console.log('child: resource ready, setting the event');
  ready.set();
  _exit(0);
}

console.log('parent: is_set?', ready.isSet());
console.log('parent: wait(0.2) ->', ready.wait(0.2), '(timed out, the child is still busy)');
console.log('parent: wait() ->', ready.wait(), '(woken by the child)');
ready.clear();
console.log('parent: after clear, is_set?', ready.isSet());
waitpid(pid, 0);
