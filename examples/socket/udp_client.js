#!/usr/bin/env node
// UDP client (seed 002, "基于udp客户端编程"): sendto, recvfrom, no connection.
//   node examples/socket/udp_client.js [port=8888] [messages...]
'use strict';
const { socket, AF_INET, SOCK_DGRAM } = require('posixkit/socket');

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
