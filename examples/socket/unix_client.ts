// Unix-domain (AF_UNIX) stream client: connect to a socket file, send, recv.
//   node dist/examples/socket/unix_client.js [path=/tmp/posixkit-unix.sock] [messages...]
import { AF_UNIX, SOCK_STREAM, socket } from 'posixkit/socket';

const path = process.argv[2] ?? '/tmp/posixkit-unix.sock';
const messages = process.argv.length > 3 ? process.argv.slice(3) : ['hello', 'local socket'];

const s = socket(AF_UNIX, SOCK_STREAM);
s.connect(path);
for (const msg of messages) {
  s.sendall(Buffer.from(msg));
  console.log(s.recv(1024).toString());
}
s.close();
