// A Process subclass that overrides run(); start() runs it in the child.
//   Python:  class ClockProcess(Process): def run(self): ...
import 'posixkit/forkable';
import { Process } from 'posixkit/multiprocessing';

class ClockProcess extends Process {
  constructor(readonly value: number) {
    super(); // the parent class constructor must run too
  }

  override run(): void {
    for (let i = 0; i < 3; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.value * 1000);
      console.log(`the time is ${new Date().toISOString().slice(11, 19)} (${this.name})`);
    }
  }
}

const p = new ClockProcess(0.1);
p.start(); // runs p.run() in a new process
p.join();
console.log(`${p.name} exited with ${p.exitCode}`);
