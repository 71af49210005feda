// gevent-style spawn, joinall and sleep: two tasks take turns whenever one sleeps.
// sleep() suspends the task and the hub runs the other, waiting in epoll_wait
// with the nearest timer as its timeout.
//   node dist/examples/coroutine/gevent_spawn.js
import { joinall, run, sleep, spawn } from 'posixkit/coroutine';

function* foo(a: number, b: number) {
  console.log(`running foo ${a} ${b}`);
  yield* sleep(0.2);
  console.log('foo again');
  return a + b;
}

function* bar() {
  console.log('running bar');
  yield* sleep(0.1);
  console.log('bar again');
}

const f = spawn(foo, 1, 2);
const g = spawn(bar);
const t0 = Date.now();
run(joinall([f, g])); // plain code: run the hub until both ended
console.log(`foo returned ${f.value}; both done in ${Date.now() - t0 >= 190 ? 'about 0.2' : 'less than 0.2'} s, not 0.3`);
