// UDP broadcast receiver: bound to the wildcard address, so broadcasts reach it.
// SO_REUSEADDR lets several receivers on this machine share the port.
//   node dist/examples/socket/udp_broadcast_recv.js [port=9999] [count=unlimited]
import { AF_INET, SO_REUSEADDR, SOCK_DGRAM, SOL_SOCKET, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 9999);
const count = Number(process.argv[3] ?? Infinity);

const s = socket(AF_INET, SOCK_DGRAM);
s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
s.bind(['', port]);
console.log(`waiting for broadcasts on port ${port}`);
for (let i = 0; i < count; i++) {
  const [msg, addr] = s.recvfrom(1024);
  console.log(`${JSON.stringify(addr)}: ${msg}`);
}
s.close();
