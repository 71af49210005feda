// multiprocessing Pipe: children send on one end, the parent receives on the other.
// fd1, fd2 = Pipe(); recv() blocks while the pipe is empty.
//   Python:  fd1, fd2 = Pipe(); fd1.send(data); fd2.recv()
import 'posixkit/forkable';
import { Pipe, Process } from 'posixkit/multiprocessing';

const [fd1, fd2] = Pipe(); // duplex: both ends can send and receive

function fun(name: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * name);
  fd1.send({ name, text: `hello from child ${name}`, pid: process.pid });
}

const jobs: Process[] = [];
for (let i = 0; i < 5; i++) {
  const p = new Process({ target: fun, args: [i] });
  jobs.push(p);
  p.start();
}
for (let i = 0; i < 5; i++) {
  const data = fd2.recv() as { name: number; text: string };
  console.log(data.text);
}
for (const p of jobs) p.join();
fd1.close();
fd2.close();
