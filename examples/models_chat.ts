// A chat room on a single-process event model (default epoll-et).
//   node --single-threaded dist/examples/models_chat.js [port=8889] [model=epoll-et]
// Connect with `nc 127.0.0.1 8889` from several terminals; /nick NAME, /who, /quit.
import { chatCore, serve } from 'posixkit/models';

const port = Number(process.argv[2] ?? 8889);
const model = process.argv[3] ?? 'epoll-et';
const room = chatCore({ greeting: `Welcome to the ${model} chat room.` });
const stats = serve(model, {
  address: { host: '127.0.0.1', port },
  core: room,
  onListening: (info) => console.log(`chat (${info.model}) on port ${info.port}`),
});
console.log(`chat closed after ${stats.connections} connections`);
