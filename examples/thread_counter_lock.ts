// Threads share a counter and guard it with a Lock: four threads, an exact total.
// Node threads do not share a heap, so the counter is a shared Value and the
// Lock is posixkit's (the same one processes use); both cross to the workers
// in `args`. The target is an export of this very file.
//   Python:  t = Thread(target=work, args=(lock,)); t.start(); t.join()
import { isMainThread } from 'node:worker_threads';
import { Value } from 'posixkit/multiprocessing';
import { currentThread, Lock, Thread, withLock } from 'posixkit/threading';

const THREADS = 4;
const INCREMENTS = 100_000;

export function work(lock: Lock, counter: Value<'i'>, n: number): void {
  for (let i = 0; i < n; i++) withLock(lock, () => { counter.value = counter.value + 1; });
  console.log(`${currentThread().name} done`);
}

if (isMainThread) {
  const lock = new Lock();
  const counter = new Value('i', 0, { lock: false });
  const threads = Array.from({ length: THREADS }, (_, k) =>
    new Thread({ target: { module: __filename, export: 'work' }, args: [lock, counter, INCREMENTS], name: `worker-${k}` }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log(`counter = ${counter.value} (expected ${THREADS * INCREMENTS})`);
}
