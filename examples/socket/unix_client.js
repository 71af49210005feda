#!/usr/bin/env node
// Local (AF_UNIX) socket client: s = socket(AF_UNIX); s.connect(path); send/recv.
//   node examples/socket/unix_client.js [path=/tmp/posixkit-unix.sock] [messages...]
'use strict';
const { socket, AF_UNIX, SOCK_STREAM } = require('posixkit/socket');

const path = process.argv[2] ?? '/tmp/posixkit-unix.sock';
const messages = process.argv.length > 3 ? process.argv.slice(3) : ['hello', 'local socket'];

const s = socket(AF_UNIX, SOCK_STREAM);
s.connect(path);
for (const msg of messages) {
  s.sendall(Buffer.from(msg));
  console.log(s.recv(1024).toString());
}
s.close();
