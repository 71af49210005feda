// signal.pause: block the process until a signal is handled.
//   Python:  signal.signal(SIGALRM, handler); signal.alarm(1); signal.pause()
import * as signal from 'posixkit/signal';

signal.signal(signal.SIGALRM, (sig) => console.log(`handler: got ${signal.strsignal(sig)}`));
signal.alarm(1);
console.log('pausing until a signal arrives...');
const t = Date.now();
signal.pause(); // blocks the whole thread, as in C and Python
console.log(`pause() returned after ${((Date.now() - t) / 1000).toFixed(1)} s, once the handler had run`);
