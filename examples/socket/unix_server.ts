// Unix-domain (AF_UNIX) stream server on a socket file, removed when it is done.
// The socket file appears in the file system (`ls -l` shows type s). A file
// left by an earlier run makes bind fail with EADDRINUSE, so remove it first.
//   node dist/examples/socket/unix_server.js [path=/tmp/posixkit-unix.sock] [clients=unlimited]
import * as fs from 'node:fs';
import { AF_UNIX, SOCK_STREAM, socket } from 'posixkit/socket';

const path = process.argv[2] ?? '/tmp/posixkit-unix.sock';
const clients = Number(process.argv[3] ?? Infinity);

if (fs.existsSync(path)) fs.unlinkSync(path); // the stale socket file of an earlier run
const sockfd = socket(AF_UNIX, SOCK_STREAM);
sockfd.bind(path);
sockfd.listen(3);
console.log(`listening on ${path} (${fs.statSync(path).isSocket() ? 'a socket file' : '?'})`);
for (let served = 0; served < clients; served++) {
  const [connfd] = sockfd.accept();
  for (;;) {
    const data = connfd.recv(1024);
    if (data.length === 0) break;
    console.log('received:', data.toString());
    connfd.sendall(Buffer.from(data.toString().toUpperCase()));
  }
  connfd.close();
}
sockfd.close();
fs.unlinkSync(path);
