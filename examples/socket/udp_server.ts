// UDP server: bind, recvfrom, sendto; a datagram longer than the buffer is cut.
// recvfrom returns one datagram; with a 16-byte buffer a longer one loses its
// tail (try a message longer than 16 bytes).
//   node dist/examples/socket/udp_server.js [port=8888] [datagrams=unlimited]
import { AF_INET, SOCK_DGRAM, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const count = Number(process.argv[3] ?? Infinity);

const sockfd = socket(AF_INET, SOCK_DGRAM);
sockfd.bind(['127.0.0.1', port]);
console.log(`udp on ${JSON.stringify(sockfd.getsockname())}`);
for (let i = 0; i < count; i++) {
  const [data, addr] = sockfd.recvfrom(16);
  console.log(`from ${JSON.stringify(addr)}: ${data}`);
  sockfd.sendto(Buffer.from(`got ${data.length} bytes`), addr as [string, number]);
}
sockfd.close();
