// multiprocessing Queue: a producer and a consumer process, FIFO, a bounded size.
// Queue(maxsize); full/empty/qsize; get with a timeout.
//   Python:  q = Queue(3); q.put(x); q.get(True, 2)
import 'posixkit/forkable';
import { Empty, Process, Queue } from 'posixkit/multiprocessing';

const q = new Queue<number | string>(3);

function producer(): void {
  for (let i = 1; i <= 6; i++) {
    q.put(i); // blocks while 3 messages wait
    console.log(`put ${i}`);
  }
  q.put('end');
}

function consumer(): void {
  for (;;) {
    const v = q.get(true, 2); // waits up to 2 s
    if (v === 'end') break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    console.log(`got ${v}`);
  }
}

const p = new Process({ target: producer });
const c = new Process({ target: consumer });
p.start();
c.start();
p.join();
c.join();
console.log(`empty: ${q.empty()}, full: ${q.full()}, qsize: ${q.qsize()}`);
try {
  q.get(false);
} catch (e) {
  if (e instanceof Empty) console.log('get(false) on an empty queue throws Empty');
}
q.close();
