// UDP client: sendto and recvfrom, no connection (the counterpart of udp_server).
//   node dist/examples/socket/udp_client.js [port=8888] [messages...]
import { AF_INET, SOCK_DGRAM, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const messages = process.argv.length > 3 ? process.argv.slice(3) : ['short', 'a message longer than sixteen bytes'];

const sockfd = socket(AF_INET, SOCK_DGRAM);
sockfd.settimeout(5); // UDP is unreliable: do not wait forever for an answer
for (const msg of messages) {
  sockfd.sendto(Buffer.from(msg), ['127.0.0.1', port]);
  const [reply] = sockfd.recvfrom(1024);
  console.log(reply.toString());
}
sockfd.close();
