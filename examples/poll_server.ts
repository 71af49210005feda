// A single-process TCP echo server on poll(2), with no 1024-fd limit.
// poll() answers with [fd, events] pairs, so a map fd -> socket finds the
// object.
//   node dist/examples/poll_server.js [port=8888] [clients=unlimited]
import { poll, POLLERR, POLLHUP, POLLIN } from 'posixkit/select';
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, Socket, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity);

const server = socket(AF_INET, SOCK_STREAM);
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
server.bind(['127.0.0.1', port]);
server.listen(5);
console.log(`listening on ${JSON.stringify(server.getsockname())}`);

const p = poll();
p.register(server, POLLIN | POLLERR);
const fdmap = new Map<number, Socket>([[server.fileno(), server]]); // fd -> socket: poll() reports fds

let left = 0;
while (left < clients) {
  for (const [fd, events] of p.poll()) { // blocks; [[fd, events], ...]
    const s = fdmap.get(fd)!;
    if (s === server) {
      const [conn, addr] = server.accept();
      console.log('connect from', addr);
      p.register(conn, POLLIN | POLLHUP | POLLERR);
      fdmap.set(conn.fileno(), conn);
    } else if (events & (POLLIN | POLLHUP | POLLERR)) {
      const data = s.recv(1024);
      if (data.length === 0) {
        p.unregister(fd);
        fdmap.delete(fd);
        s.close();
        console.log('client left');
        left++;
        continue;
      }
      console.log('received:', data.toString());
      s.send(data);
    }
  }
}
server.close();
