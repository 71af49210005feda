// greenlet-style coroutines: two bodies hand control to each other explicitly.
// A greenlet body is a generator function; `yield* other.switch()` hands
// control over and comes back here when someone switches to this greenlet
// again.
//   node dist/examples/coroutine/greenlet_switch.js
import { Greenlet } from 'posixkit/coroutine';

const gr1: Greenlet = new Greenlet(function* () {
  console.log(12);
  yield* gr2.switch();
  console.log(34);
  yield* gr2.switch();
});

const gr2: Greenlet = new Greenlet(function* () {
  console.log(56);
  yield* gr1.switch();
  console.log(78);
});

gr1.switch(); // prints 12 56 34 78, then control is back here
console.log(`gr1 dead: ${gr1.dead}, gr2 dead: ${gr2.dead}`);
