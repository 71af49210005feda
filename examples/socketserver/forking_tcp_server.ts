// socketserver's ForkingTCPServer: TCP echo, a child process per connection.
// ForkingTCPServer = ForkingMixIn + TCPServer: each connection is handled in
// a child process (fork), which the server reaps by pid. Ctrl-C or SIGTERM
// stops serveForever through shutdown() in a signal handler.
//   node dist/examples/socketserver/forking_tcp_server.js [port=8888]
import 'posixkit/forkable'; // fork() needs node --single-threaded: re-exec with it if missing
import { getpid } from 'posixkit/os';
import { signal, SIGINT, SIGTERM } from 'posixkit/signal';
import { ForkingTCPServer, StreamRequestHandler } from 'posixkit/socketserver';

class EchoHandler extends StreamRequestHandler {
  override handle(): void {
    console.log(`connect from ${JSON.stringify(this.clientAddress)}, child ${getpid()}`);
    for (let line = this.rfile.readline(); line.length > 0; line = this.rfile.readline()) {
      this.wfile.write(Buffer.concat([Buffer.from(`[${getpid()}] `), line]));
    }
  }
}

const server = new ForkingTCPServer(['127.0.0.1', Number(process.argv[2] ?? 8888)], EchoHandler);
for (const sig of [SIGINT, SIGTERM]) signal(sig, () => server.shutdown());
console.log(`listening on ${JSON.stringify(server.serverAddress)} (parent ${getpid()})`);
server.serveForever();
server.serverClose(); // waits for the children still running
console.log('server closed');
