// signal.alarm: SIGALRM's default action ends the process.
// One alarm per process; a later alarm() replaces the earlier one.
//   Python:  signal.alarm(3); while True: time.sleep(1); print('waiting...')
import * as signal from 'posixkit/signal';

signal.alarm(5);
console.log('alarm in 5 s, replaced by', signal.alarm(2) === 5 ? 'an alarm in 2 s (5 s were left)' : '?');
setInterval(() => console.log('waiting...'), 500);
// After 2 s SIGALRM's default action ends the process; the shell prints "Alarm clock".
