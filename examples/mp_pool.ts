// A process Pool: apply_async, get, close, join, apply and map over forked workers.
// The functions exist before the pool is created, so the forked workers have
// them.
//   Python:  pool = Pool(4); r = pool.apply_async(worker, (msg,)); pool.close(); pool.join(); r.get()
import 'posixkit/forkable';
import { Pool } from 'posixkit/multiprocessing';

function worker(msg: string): string {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  console.log(`${msg} handled by ${process.pid}`);
  return `${msg} done`;
}

function square(x: number): number {
  return x * x;
}

const pool = new Pool(4);
const results = [];
for (let i = 0; i < 6; i++) results.push(pool.applyAsync(worker, [`hello ${i}`]));
console.log('apply:', pool.apply(square, [12]));
console.log('map:', pool.map(square, [1, 2, 3, 4, 5]));
pool.close(); // no more tasks
pool.join(); // wait for all of them, then reap the workers
for (const r of results) console.log('result:', r.get());
