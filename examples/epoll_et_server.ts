// An edge-triggered (EPOLLET) epoll echo server that drains every socket to EAGAIN.
// An edge is reported once, so every ready socket must be drained until
// EAGAIN, which needs non-blocking sockets. This is also the zero-allocation
// form the server models use: poll_raw() fills an Int32Array with fd/events
// pairs, and recv_into_raw() returns -errno instead of throwing on EAGAIN.
//   node dist/examples/epoll_et_server.js [port=8888] [clients=unlimited]
import { errno } from 'posixkit/errors';
import { epoll, EPOLLET, EPOLLIN, EPOLLRDHUP } from 'posixkit/select';
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, Socket, socket } from 'posixkit/socket';

const port = Number(process.argv[2] ?? 8888);
const clients = Number(process.argv[3] ?? Infinity);

const server = socket(AF_INET, SOCK_STREAM);
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
server.bind(['127.0.0.1', port]);
server.listen(128);
server.setblocking(false);
console.log(`listening on ${JSON.stringify(server.getsockname())}`);

using ep = epoll();
ep.register(server, EPOLLIN | EPOLLET);
const conns = new Map<number, Socket>();
const events = new Int32Array(2 * 64); // [fd, events, fd, events, ...]
const buf = Buffer.alloc(4096);

let left = 0;
while (left < clients) {
  const n = ep.poll_raw(events, -1);
  if (n < 0) throw new Error(`epoll_wait failed: errno ${-n}`);
  for (let i = 0; i < n; i++) {
    const fd = events[2 * i];
    if (fd === server.fileno()) {
      for (;;) { // drain the accept queue: one edge may stand for many clients
        const fdOrErr = server.accept_raw();
        if (fdOrErr === -errno.EAGAIN) break;
        if (fdOrErr < 0) throw new Error(`accept failed: errno ${-fdOrErr}`);
        const conn = new Socket(AF_INET, SOCK_STREAM, 0, fdOrErr);
        conn.setblocking(false);
        ep.register(conn, EPOLLIN | EPOLLRDHUP | EPOLLET);
        conns.set(fdOrErr, conn);
        console.log('connect from', conn.getpeername());
      }
      continue;
    }
    const conn = conns.get(fd)!;
    for (;;) { // drain until EAGAIN, or the peer's end of stream
      const got = conn.recv_into_raw(buf);
      if (got === -errno.EAGAIN) break;
      if (got <= 0) { // 0: the client closed; < 0: an error such as ECONNRESET
        ep.unregister(conn);
        conns.delete(fd);
        conn.close();
        console.log('client left');
        left++;
        break;
      }
      console.log('received:', buf.toString('utf8', 0, got));
      conn.sendall(buf.subarray(0, got)); // small echoes fit the socket buffer
    }
  }
}
server.close();
