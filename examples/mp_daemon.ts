// A daemon Process ends when its parent ends; set the flag before start().
// A daemon usually needs no join.
//   Python:  p = Process(target=fun, daemon=True); p.start()
import 'posixkit/forkable';
import { Process } from 'posixkit/multiprocessing';

function tick(): void {
  for (;;) {
    console.log(`daemon ${process.pid} still here`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

const p = new Process({ target: tick });
p.daemon = true;
p.start();
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
console.log(`main process ends; daemon ${p.pid} is terminated with it`);
// At exit, posixkit terminates (SIGTERM) and reaps daemon children.
