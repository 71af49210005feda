// File transfer server: length-prefixed frames keep a file's name and content apart.
// Each client sends frames: the file name, then the content in chunks, then
// an empty frame. Without framing, name and content would run together in
// the byte stream (see _framing.ts).
//   node dist/examples/socket/file_server.js [port=8888] [dir=./received] [clients=unlimited]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create_server } from 'posixkit/socket';
import { recvFrame, sendFrameAll } from './_framing';

const port = Number(process.argv[2] ?? 8888);
const dir = process.argv[3] ?? path.join(process.cwd(), 'received');
const clients = Number(process.argv[4] ?? Infinity);
fs.mkdirSync(dir, { recursive: true });

const srv = create_server(['127.0.0.1', port]); // SO_REUSEADDR is on
console.log(`file server on ${JSON.stringify(srv.getsockname())}, saving into ${dir}`);
for (let served = 0; served < clients; served++) {
  const [conn, addr] = srv.accept();
  const name = path.basename(String(recvFrame(conn))); // never let a client pick the directory
  const fd = fs.openSync(path.join(dir, name), 'w');
  let size = 0;
  for (;;) {
    const chunk = recvFrame(conn);
    if (chunk === null || chunk.length === 0) break;
    fs.writeSync(fd, chunk);
    size += chunk.length;
  }
  fs.closeSync(fd);
  console.log(`${JSON.stringify(addr)} sent ${name} (${size} bytes)`);
  sendFrameAll(conn, Buffer.from(`ok ${size}`));
  conn.close();
}
srv.close();
