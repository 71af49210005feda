// SIG_IGN: an ignored signal has no effect at all, not even the default "terminate".
//   Python:  signal.signal(SIGALRM, SIG_IGN); signal.alarm(1); time.sleep(2)
import * as os from 'posixkit/os';
import * as signal from 'posixkit/signal';

signal.signal(signal.SIGALRM, signal.SIG_IGN);
signal.signal(signal.SIGINT, signal.SIG_IGN);
signal.alarm(1);
os.kill(os.getpid(), signal.SIGINT); // Ctrl-C, ignored too
setTimeout(() => {
  console.log('still running 1.5 s later: SIGALRM and SIGINT were ignored');
  console.log('getsignal(SIGALRM) === SIG_IGN:', signal.getsignal(signal.SIGALRM) === signal.SIG_IGN);
}, 1500);
