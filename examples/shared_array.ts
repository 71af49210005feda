// A shared-memory Array: a child writes into it, the parent reads what it wrote.
// The parent makes the array; the child writes; the parent iterates over it
// afterwards.
//   Python:  shm = Array('i', [1, 2, 3, 4, 5]) / Array('i', 5) / Array('c', b'hello')
import 'posixkit/forkable';
import { SharedArray } from 'posixkit/multiprocessing';
import { _exit, fork, waitpid } from 'posixkit/os';

const numbers = new SharedArray('i', [1, 2, 3, 4, 5]);
const zeros = new SharedArray('i', 5); // an integer: that many zeroed cells
const text = new SharedArray('c', 'hello');

const pid = fork();
if (pid === 0) {
  for (let i = 0; i < numbers.length; i++) numbers.set(i, numbers.get(i) * 10);
  zeros.set(-1, 42); // negative indices count from the end, as in Python
  text.set(0, 'H');
  _exit(0);
}
waitpid(pid, 0);
for (const n of numbers) console.log('element', n);
console.log('zeros now', zeros.toArray());
console.log('text now', text.toArray().join(''));
