// posixkit/coroutine: greenlet-style explicit switch (Greenlet) and a
// gevent-style hub on epoll (spawn, sleep, joinall, cooperative sockets).
// Both run generator functions: JavaScript has no stackful coroutines, so a
// suspension point is a `yield*` in the body (see docs/api/coroutine.md).
export { Greenlet, GreenletExit, ROOT, getcurrent as getcurrentGreenlet } from './greenlet';
export type { GreenletRun } from './greenlet';
export { Hub } from './hub';
export { Task, TaskExit } from './task';
export type { Effect, Op, TaskFn } from './task';
export { getHub, spawn, sleep, joinall, wait_read, wait_write, run, getcurrent } from './api';
export { CoSocket, cooperative, socket, listen, create_connection } from './socket';
