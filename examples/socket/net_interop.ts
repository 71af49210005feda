// posixkit sockets and Node's net, both ways: detach() into net, fromfd() out of it.
//  1. a socket posixkit accepted, handed to net.Socket({ fd }) with detach();
//  2. a Node server's listening fd wrapped with fromfd() and served by
//     posixkit's blocking accept.
// A blocking posixkit call stalls Node's event loop: do blocking work only
// when Node has nothing in flight on the same sockets.
//   node dist/examples/socket/net_interop.js
import { once } from 'node:events';
import * as net from 'node:net';
import * as socket from 'posixkit/socket';

async function posixkitToNode(): Promise<void> {
  const srv = socket.create_server(['127.0.0.1', 0]);
  const client = net.connect((srv.getsockname() as [string, number])[1], '127.0.0.1');
  await once(client, 'connect');
  const [conn] = srv.accept();
  srv.close();
  const wrapped = new net.Socket({ fd: conn.detach(), readable: true, writable: true }); // Node owns the fd now
  wrapped.write('posixkit-accepted socket, now a net.Socket');
  const [data] = await once(client, 'data');
  console.log('node client got:', data.toString());
  client.end();
  wrapped.end();
  await once(wrapped, 'close');
}

async function nodeToPosixkit(): Promise<void> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // Node does not publish a server's fd; its handle has it.
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const listener = socket.fromfd(fd); // a dup: Node's fd stays Node's
  await new Promise((resolve) => server.close(resolve)); // Node stops accepting; the dup keeps listening
  listener.setblocking(true); // Node's fd was O_NONBLOCK (gettimeout() said 0)
  const client = net.connect((listener.getsockname() as [string, number])[1], '127.0.0.1');
  await once(client, 'connect');
  const [conn, addr] = listener.accept();
  console.log('posixkit accepted', addr, 'on the listener Node created');
  conn.sendall(Buffer.from('served by posixkit'));
  const [data] = await once(client, 'data');
  console.log('node client got:', data.toString());
  conn.close();
  listener.close();
  client.destroy();
}

posixkitToNode().then(nodeToPosixkit);
