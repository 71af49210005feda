// signal.signal: a JavaScript handler for SIGALRM and Ctrl-C instead of the default.
//   Python:  def handler(sig, frame): ...; signal.signal(SIGALRM, handler)
import * as signal from 'posixkit/signal';

let alarms = 0;
function handler(sig: number): void {
  if (sig === signal.SIGALRM) {
    alarms++;
    console.log(`received the alarm clock (${alarms})`);
    if (alarms < 2) signal.alarm(1); // one alarm at a time: set the next
    else clearInterval(ticker);
  } else if (sig === signal.SIGINT) {
    console.log('Ctrl-C does not end me');
  }
}

signal.signal(signal.SIGALRM, handler);
signal.signal(signal.SIGINT, handler);
signal.alarm(1);
const ticker = setInterval(() => console.log('waiting...'), 400);
