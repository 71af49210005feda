// File transfer client: sends a file as length-prefixed frames (for file_server).
// Frames: the file name, the content in chunks, then an empty frame.
//   node dist/examples/socket/file_client.js FILE [port=8888]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create_connection } from 'posixkit/socket';
import { recvFrame, sendFrameAll } from './_framing';

const file = process.argv[2];
if (!file) {
  console.error('usage: file_client.js FILE [port]');
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
console.log(String(recvFrame(sock)));
sock.close();
