// A single-process TCP echo server on select(2): no client blocks the others.
// One process watches the listening socket and every client with select();
// whichever is readable is served. select() handles fds below 1024.
//   node dist/examples/select_server.js [port=8888] [clients=unlimited]
import { select } from 'posixkit/select';
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, Socket, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity); // stop after this many have left

const server = socket(AF_INET, SOCK_STREAM);
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
server.bind(['127.0.0.1', port]);
server.listen(5);
console.log(`listening on ${JSON.stringify(server.getsockname())}`);

const rlist: Socket[] = [server]; // the IO we watch for reading
let left = 0;
while (left < clients) {
  const [rs] = select(rlist, [], []); // blocks until something is readable; returns our own objects
  for (const s of rs) {
    if (s === server) {
      const [conn, addr] = server.accept();
      console.log('connect from', addr);
      rlist.push(conn);
      continue;
    }
    const data = s.recv(1024);
    if (data.length === 0) { // the client closed
      rlist.splice(rlist.indexOf(s), 1);
      s.close();
      console.log('client left');
      left++;
      continue;
    }
    console.log('received:', data.toString());
    s.send(data);
  }
}
server.close();
