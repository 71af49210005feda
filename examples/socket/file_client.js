#!/usr/bin/env node
// File transfer client: sends a file as frames (name, chunks, empty frame)
// and prints the server's acknowledgement.
//   node examples/socket/file_client.js <file> [port=8888]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { create_connection } = require('posixkit/socket');
const { recvFrame, sendFrameAll } = require('./framing');

const file = process.argv[2];
if (!file) {
  console.error('usage: file_client.js <file> [port]');
  process.exit(2);
}
const port = Number(process.argv[3] ?? 8888);

const sock = create_connection(['127.0.0.1', port], 10);
sendFrameAll(sock, Buffer.from(path.basename(file)));
const fd = fs.openSync(file, 'r');
const buf = Buffer.alloc(64 * 1024);
for (;;) {
  const n = fs.readSync(fd, buf);
  if (n === 0) break;
  sendFrameAll(sock, buf.subarray(0, n));
}
fs.closeSync(fd);
sendFrameAll(sock, Buffer.alloc(0)); // end of file
console.log(recvFrame(sock).toString());
sock.close();
