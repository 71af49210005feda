// Passing open fds to another process over a Unix socket (SCM_RIGHTS, send_fds).
// The parent opens a listening TCP socket and a log file, forks, and hands
// both to the child through a socketpair. The child accepts a connection on
// the listener it never opened and writes into the file it never opened; the
// parent is the client.
//   node dist/examples/socket/fd_passing.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import 'posixkit/forkable'; // fork() needs --single-threaded: re-runs node with it if missing
import * as pk from 'posixkit/os';
import * as socket from 'posixkit/socket';

const log = path.join(os.tmpdir(), `posixkit-fd-passing-${process.pid}.log`);
const [parentEnd, childEnd] = socket.socketpair(); // AF_UNIX, SOCK_STREAM

const pid = pk.fork();
if (pid === 0) {
  parentEnd.close();
  const [msg, fds] = socket.recv_fds(childEnd, 1024, 2);
  console.log(`child ${process.pid}: got "${msg}" with fds ${fds}`);
  const listener = socket.socket(undefined, undefined, undefined, fds[0]); // adopt the received fd
  const [conn, addr] = listener.accept();
  const line = conn.recv(1024).toString();
  fs.writeSync(fds[1], `child ${process.pid} served ${JSON.stringify(addr)}: ${line}\n`);
  conn.sendall(Buffer.from(`hello from the child, pid ${process.pid}`));
  conn.close();
  listener.close();
  pk.close(fds[1]);
  pk._exit(0);
}

childEnd.close();
const listener = socket.create_server(['127.0.0.1', 0]);
const logFd = fs.openSync(log, 'w');
socket.send_fds(parentEnd, [Buffer.from('a listener and a log file')], [listener, logFd]);
const where = listener.getsockname() as [string, number];
listener.close(); // the child's copy is now the only one
fs.closeSync(logFd);

const client = socket.create_connection(where, 5);
client.sendall(Buffer.from('request from the parent'));
console.log(`parent ${process.pid}: ${client.recv(1024)}`);
client.close();
const [, status] = pk.waitpid(pid, 0);
console.log(`child exited with ${pk.waitstatus_to_exitcode(status)}; log says: ${fs.readFileSync(log, 'utf8').trim()}`);
fs.unlinkSync(log);
parentEnd.close();
