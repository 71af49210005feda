// Managers: shared dict, list, Namespace and Lock, and a registered type over TCP.
// A server process holds a dict, a list and a Namespace; worker
// processes change them through proxies, under a Lock the server also holds.
// A second manager class registers its own type (a job board) and serves it
// over TCP with an authkey, for any process that knows the address and key.
//   Python:  with Manager() as m: d = m.dict(); l = m.list(); ...
//            BaseManager.register('JobBoard', JobBoard)
import 'posixkit/forkable';
import { BaseManager, Manager, Process } from 'posixkit/multiprocessing';

const m = Manager();
const scores = m.dict<string, number>();
const log = m.list<string>();
const stats = m.Namespace();
stats.done = 0;
const lock = m.Lock();

function worker(name: string, points: number): void {
  scores.set(name, points);
  log.append(`${name} scored ${points}`);
  using _held = lock.hold(); // a read-modify-write needs the lock, as in Python
  stats.done = stats.done + 1;
}

const workers = [['ada', 3], ['bob', 5], ['cy', 8]].map(([name, points]) =>
  new Process({ target: worker, args: [name, points] }));
for (const w of workers) w.start();
for (const w of workers) w.join();

console.log(`scores: ${JSON.stringify(Object.fromEntries(scores.items()))}`);
console.log(`log has ${log.len()} entries; done = ${stats.done}`);
console.log(`total: ${scores.values().reduce((a, b) => a + b, 0)}`);
m.shutdown();

// A registered type, served over TCP (loopback) with an authkey.
export class JobBoard {
  #jobs: string[] = [];
  post(job: string): number {
    this.#jobs.push(job);
    return this.#jobs.length;
  }
  take(): string | null {
    return this.#jobs.shift() ?? null;
  }
}

class BoardManager extends BaseManager {}
BoardManager.register('JobBoard', JobBoard);

using boards = new BoardManager({ address: ['127.0.0.1', 0], authkey: Buffer.from('s3cret') });
boards.start();
const board = boards.create('JobBoard') as unknown as JobBoard;
board.post('wash the dishes');
board.post('water the plants');
const helper = new Process({
  target: () => {
    // Any process with the address and the key can use the same board.
    console.log(`helper took: ${board.take()}`);
  },
});
helper.start();
helper.join();
const [host] = boards.address as [string, number];
console.log(`board served on ${host}; left: ${board.take()}, then ${board.take()}`);
