// Listener, Client and wait() with an authkey: one listener serves several clients.
// The main process listens (Python's
// HMAC challenge with an authkey, so a Python Client with the same key could
// connect too); three client processes connect, one with a wrong key. The
// main process serves the two good ones at once, answering whichever wait()
// says has a message, until each has hung up.
//   Python:  Listener(address, authkey=b'...'); Client(address, authkey=b'...'); wait(conns)
import 'posixkit/forkable';
import { Connection, connection, EOFError, Process } from 'posixkit/multiprocessing';

const { AuthenticationError, Client, Listener, wait } = connection;
const authkey = Buffer.from('peekaboo');
using listener = new Listener(['127.0.0.1', 0], 'AF_INET', 5, authkey);

function client(name: string, key: Buffer, words: string[]): void {
  let conn: Connection;
  try {
    conn = Client(listener.address, 'AF_INET', key);
  } catch (e) {
    console.log(`${name}: ${(e as Error).name}`);
    return;
  }
  for (const w of words) {
    conn.send(w);
    console.log(`${name} got ${conn.recv()}`);
  }
  conn.close();
}

const intruder = new Process({ target: client, args: ['intruder', Buffer.from('wrong key'), []] });
intruder.start();
try {
  listener.accept();
} catch (e) {
  if (e instanceof AuthenticationError) console.log('refused a client with the wrong key');
}
intruder.join();

const clients = [
  new Process({ target: client, args: ['ann', authkey, ['hello', 'bye']] }),
  new Process({ target: client, args: ['ben', authkey, ['one', 'two', 'three']] }),
];
for (const c of clients) c.start();
const conns = [listener.accept(), listener.accept()];
let answered = 0;
while (conns.length > 0) {
  for (const conn of wait(conns)) {
    try {
      conn.send((conn.recv() as string).toUpperCase());
      answered++;
    } catch (e) {
      if (!(e instanceof EOFError)) throw e;
      conn.close(); // that client hung up
      conns.splice(conns.indexOf(conn), 1);
    }
  }
}
for (const c of clients) c.join();
console.log(`answered ${answered} messages; clients exited with ${clients.map((c) => c.exitCode).join(', ')}`);
