#!/usr/bin/env node
// UDP broadcast sender (seed 002, "广播"): one sender, many receivers. A
// broadcast address is the highest address of a network; on the loopback
// network 127.0.0.0/8 that is 127.255.255.255 (the seed's LAN example used
// 176.136.17.255). Without SO_BROADCAST the kernel refuses with EACCES.
//   node examples/socket/udp_broadcast_send.js [port=9999] [count=3] [address=127.255.255.255]
'use strict';
const { socket, AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST } = require('posixkit/socket');

const port = Number(process.argv[2] ?? 9999);
const count = Number(process.argv[3] ?? 3);
const dest = [process.argv[4] ?? '127.255.255.255', port];

const s = socket(AF_INET, SOCK_DGRAM);
s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
for (let i = 0; i < count; i++) {
  s.sendto(Buffer.from(`broadcast #${i} at ${new Date().toISOString()}`), dest);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // a pause between messages
}
s.close();
