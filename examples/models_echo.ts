// Any server model by name, serving the echo core, with its options as key=value.
//   node --single-threaded dist/examples/models_echo.js MODEL [port=8888 | /path/to.sock] [key=value ...]
//   e.g. models_echo.js prefork 8888 workers=8    models_echo.js threading 0 pool=4
// Ctrl-C (SIGINT) or SIGTERM stops it: children and threads reaped, socket closed.
import 'posixkit/forkable'; // the forking models need node --single-threaded: re-exec with it if missing
import { echoCore, ListenAddress, models, serve } from 'posixkit/models';

const [model, where = '8888', ...rest] = process.argv.slice(2);
if (!model) {
  console.log('usage: models_echo MODEL [port | unix-path] [option=value ...]\n');
  for (const m of models) console.log(`  ${m.name.padEnd(12)} ${m.description}`);
  process.exit(2);
}
const address: ListenAddress = /^\d+$/.test(where) ? { host: '127.0.0.1', port: Number(where) } : { path: where };
// key=value options: numbers and booleans as such (workers=8, pool=4, reusePort=true, reap=ignore).
const extra = Object.fromEntries(rest.map((kv) => {
  const [k, v] = kv.split('=');
  return [k, v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v];
}));

const stats = serve(model, {
  address,
  core: echoCore(),
  ...extra,
  onListening: (info) => console.log(`${info.model} echo server on ${JSON.stringify(info.address)} (pid ${info.pid})`),
});
console.log(`stopped: ${stats.connections} connections, ${stats.errors} errors`);
