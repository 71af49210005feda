// TCP server: socket, bind, listen, accept, recv, send, close; one client at a time.
// Echoes each message back with a prefix; a client that closes makes recv()
// return an empty Buffer.
//   node dist/examples/socket/tcp_server.js [port=8888] [clients=unlimited]
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity);

const sockfd = socket(AF_INET, SOCK_STREAM, 0);
sockfd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); // before bind: restart without waiting for TIME_WAIT
sockfd.bind(['127.0.0.1', port]);
sockfd.listen(5);
console.log(`listening on ${JSON.stringify(sockfd.getsockname())}`);

for (let served = 0; served < clients; served++) {
  const [connfd, addr] = sockfd.accept(); // blocks until a client connects
  console.log('connect from', addr);
  for (;;) {
    const data = connfd.recv(1024);
    if (data.length === 0) break; // the client closed
    console.log('received:', data.toString());
    connfd.send(Buffer.from(`server got: ${data}`));
  }
  connfd.close();
}
sockfd.close();
