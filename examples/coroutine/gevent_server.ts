// A gevent-style TCP echo server: one thread, many clients, cooperative sockets.
// gevent's monkey.patch_all() makes every socket cooperative; here a socket
// is made cooperative explicitly (posixkit/coroutine's listen/cooperative):
// accept, recv and send suspend the task on EAGAIN and the hub's epoll wakes
// it. One thread, one process, many clients at once.
//   node dist/examples/coroutine/gevent_server.js [port=8888] [clients=unlimited]
import { CoSocket, listen, run, spawn } from 'posixkit/coroutine';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity);

function* handle(c: CoSocket, addr: unknown) {
  console.log(`connect from ${JSON.stringify(addr)}`);
  for (;;) {
    const data = yield* c.recv(1024);
    if (data.length === 0) break;
    yield* c.sendall(Buffer.concat([Buffer.from('echo: '), data]));
  }
  c.close();
}

function* server() {
  const s = listen(['127.0.0.1', port]);
  console.log(`listening on ${JSON.stringify(s.getsockname())}`);
  const tasks = [];
  for (let n = 0; n < clients; n++) {
    const [c, addr] = yield* s.accept();
    tasks.push(spawn(handle, c, addr)); // each client in its own task
  }
  s.close();
  for (const t of tasks) yield* t.join();
  console.log(`served ${tasks.length} clients`);
}

spawn(server);
run(); // until every task has ended
