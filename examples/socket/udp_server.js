#!/usr/bin/env node
// UDP server (seed 002, "基于UDP的服务端编程"): socket(AF_INET, SOCK_DGRAM),
// bind, recvfrom, sendto. recvfrom returns one datagram; one longer than the
// buffer size is cut (try a message longer than 16 bytes).
//   node examples/socket/udp_server.js [port=8888] [datagrams=unlimited]
'use strict';
const { socket, AF_INET, SOCK_DGRAM } = require('posixkit/socket');

const port = Number(process.argv[2] ?? 8888);
const count = Number(process.argv[3] ?? Infinity);

const sockfd = socket(AF_INET, SOCK_DGRAM);
sockfd.bind(['127.0.0.1', port]);
console.log(`udp on ${JSON.stringify(sockfd.getsockname())}`);
for (let i = 0; i < count; i++) {
  const [data, addr] = sockfd.recvfrom(16);
  console.log(`from ${JSON.stringify(addr)}: ${data}`);
  sockfd.sendto(Buffer.from(`got ${data.length} bytes`), addr);
}
sockfd.close();
