// socketserver's ForkingUDPServer: UDP echo, a child process per datagram.
// ForkingUDPServer = ForkingMixIn + UDPServer. The handler reads the datagram
// from rfile; what it writes to wfile is sent back by finish().
//   node dist/examples/socketserver/udp_server.js [port=8888]
import 'posixkit/forkable';
import { getpid } from 'posixkit/os';
import { signal, SIGINT, SIGTERM } from 'posixkit/signal';
import { DatagramRequestHandler, ForkingUDPServer } from 'posixkit/socketserver';

class EchoHandler extends DatagramRequestHandler {
  override handle(): void {
    const data = this.rfile.read();
    console.log(`${data.length} bytes from ${JSON.stringify(this.clientAddress)}`);
    this.wfile.write(Buffer.concat([Buffer.from(`[${getpid()}] `), data]));
  }
}

const server = new ForkingUDPServer(['127.0.0.1', Number(process.argv[2] ?? 8888)], EchoHandler);
for (const sig of [SIGINT, SIGTERM]) signal(sig, () => server.shutdown());
console.log(`listening on ${JSON.stringify(server.serverAddress)}`);
server.serveForever();
server.serverClose();
console.log('server closed');
