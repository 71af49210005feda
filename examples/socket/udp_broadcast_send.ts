// UDP broadcast sender: one datagram reaches every receiver (SO_BROADCAST).
// A broadcast address is the highest address of a network; on the loopback
// network 127.0.0.0/8 that is 127.255.255.255 (on a LAN, e.g. 192.168.1.255).
// Without SO_BROADCAST the kernel refuses with EACCES.
//   node dist/examples/socket/udp_broadcast_send.js [port=9999] [count=3] [address=127.255.255.255]
import { AF_INET, SO_BROADCAST, SOCK_DGRAM, SOL_SOCKET, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 9999);
const count = Number(process.argv[3] ?? 3);
const dest: [string, number] = [process.argv[4] ?? '127.255.255.255', port];

const s = socket(AF_INET, SOCK_DGRAM);
s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
for (let i = 0; i < count; i++) {
  s.sendto(Buffer.from(`broadcast #${i} at ${new Date().toISOString()}`), dest);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // a pause between messages
}
s.close();
