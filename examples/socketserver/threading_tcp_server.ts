// socketserver's ThreadingTCPServer: TCP echo, a thread per connection.
// ThreadingTCPServer = ThreadingMixIn + TCPServer: each connection runs in a
// worker thread. Code cannot cross threads, so the worker loads the handler
// class from this file (static module = __filename); the main program runs
// only in the main thread (require.main === module).
//   node dist/examples/socketserver/threading_tcp_server.js [port=8888]
import { writeSync } from 'node:fs';
import { getNativeId } from 'posixkit/threading';
import { signal, SIGINT, SIGTERM } from 'posixkit/signal';
import { StreamRequestHandler, ThreadingTCPServer } from 'posixkit/socketserver';

export class EchoHandler extends StreamRequestHandler {
  static module = __filename;
  override handle(): void {
    // A worker's console.log travels through the main thread's event loop, which
    // serveForever blocks: write to fd 1 directly (one process, shared fds).
    writeSync(1, `connect from ${JSON.stringify(this.clientAddress)}, thread ${getNativeId()}\n`);
    for (let line = this.rfile.readline(); line.length > 0; line = this.rfile.readline()) {
      this.wfile.write(Buffer.concat([Buffer.from(`[thread] `), line]));
    }
  }
}

if (require.main === module) {
  const server = new ThreadingTCPServer(['127.0.0.1', Number(process.argv[2] ?? 8888)], EchoHandler);
  for (const sig of [SIGINT, SIGTERM]) signal(sig, () => server.shutdown());
  console.log(`listening on ${JSON.stringify(server.serverAddress)}`);
  server.serveForever();
  server.serverClose(); // joins the threads still running
  console.log('server closed');
}
