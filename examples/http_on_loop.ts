// An HTTP server on Node's event loop, fetched by its own program, stopped by a timer.
//   node dist/examples/http_on_loop.js
// serveHttp() would block this thread, so neither the fetch nor the timer could run; serveHttpOnLoop()
// runs the epoll-et model from libuv (a uv_poll on its epoll fd) and returns once it listens.
import { serveHttpOnLoop } from 'posixkit/http';

async function main(): Promise<void> {
  const server = serveHttpOnLoop({ address: { host: '127.0.0.1', port: 0 }, routes: 'demo', signals: [] });
  console.log(`listening on http://127.0.0.1:${server.info.port}/ (model ${server.info.model})`);
  const res = await fetch(`http://127.0.0.1:${server.info.port}/api/hello?name=loop`);
  console.log(`GET /api/hello -> ${res.status}`, await res.json());
  setTimeout(() => { void server.stop(); }, 100);
  const stats = await server.closed;
  console.log(`stopped: ${stats.connections} connection(s), ${stats.errors} error(s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
