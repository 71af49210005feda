// TCP client: socket, connect, send, recv, close (the counterpart of tcp_server).
//   node dist/examples/socket/tcp_client.js [port=8888] [messages...]
import { socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const messages = process.argv.length > 3 ? process.argv.slice(3) : ['hello', 'posixkit'];

const sockfd = socket(); // AF_INET, SOCK_STREAM
sockfd.connect(['127.0.0.1', port]);
for (const msg of messages) {
  sockfd.send(Buffer.from(msg));
  // Send and receive in turn, so both sides never sit in recv() at once.
  console.log(sockfd.recv(1024).toString());
}
sockfd.close();
