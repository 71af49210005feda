#!/usr/bin/env node
// fd passing between two processes over a Unix socket (SCM_RIGHTS): the
// parent opens a listening TCP socket and a log file, forks, and hands both
// to the child through a socketpair with send_fds. The child accepts a
// connection on the listener it never opened and writes into the file it
// never opened; the parent is the client.
//   node --single-threaded examples/socket/fd_passing.js   (fork() needs the flag)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pk = require('posixkit/os');
const socket = require('posixkit/socket');

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
const where = listener.getsockname();
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
