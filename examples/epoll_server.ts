// A single-process TCP echo server on level-triggered epoll.
// Used like poll, but the kernel keeps the interest list, so each wait costs
// what is active, not what is watched. Level-triggered: an fd is reported
// while it has data.
//   node dist/examples/epoll_server.js [port=8888] [clients=unlimited]
import { epoll, EPOLLERR, EPOLLHUP, EPOLLIN } from 'posixkit/select';
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, Socket, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity);

const server = socket(AF_INET, SOCK_STREAM);
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
server.bind(['127.0.0.1', port]);
server.listen(5);
console.log(`listening on ${JSON.stringify(server.getsockname())}`);

using ep = epoll(); // closed when the program's block ends
ep.register(server, EPOLLIN | EPOLLERR);
const fdmap = new Map<number, Socket>([[server.fileno(), server]]);

let left = 0;
while (left < clients) {
  for (const [fd, events] of ep.poll()) {
    const s = fdmap.get(fd)!;
    if (s === server) {
      const [conn, addr] = server.accept();
      console.log('connect from', addr);
      ep.register(conn, EPOLLIN | EPOLLHUP | EPOLLERR);
      fdmap.set(conn.fileno(), conn);
    } else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      const data = s.recv(1024);
      if (data.length === 0) {
        ep.unregister(fd); // before close: the kernel forgets a closed fd by itself, but say it
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
