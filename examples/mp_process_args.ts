// multiprocessing Process with target, name and args: start, join, pid, is_alive.
// Each child gets a copy of the parent's memory.
//   Python:  p = Process(target=worker, name='Worker', args=(2, 'Levi')); p.start(); p.join()
import 'posixkit/forkable'; // re-runs node with --single-threaded if needed
import { Process } from 'posixkit/multiprocessing';
import * as os from 'posixkit/os';

function sleep(sec: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sec * 1000);
}

function worker(sec: number, name: string): void {
  for (let i = 0; i < 3; i++) {
    sleep(sec);
    console.log(`I'm ${name} (pid ${os.getpid()}, parent ${os.getppid()}), working`);
  }
}

const p = new Process({ target: worker, name: 'Worker', args: [0.1, 'Levi'] });
p.start();
console.log(`started ${p.name}, pid ${p.pid}, alive: ${p.isAlive()}`);
p.join(0.15); // wait at most 0.15 s: it is still working
console.log(`after join(0.15): alive ${p.isAlive()}, exitCode ${p.exitCode}`);
p.join(); // now wait for the end (and reap it: no zombie)
console.log(`after join(): alive ${p.isAlive()}, exitCode ${p.exitCode}`);
