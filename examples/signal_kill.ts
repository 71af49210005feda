// os.kill between a parent and its child; a handler runs inside a blocking waitpid.
// The child waits in pause() for the parent's SIGUSR2, then answers with
// SIGHUP; the parent's handler runs inside its blocking waitpid (the EINTR
// rule: the call resumes afterwards).
import 'posixkit/forkable';
import * as os from 'posixkit/os';
import * as signal from 'posixkit/signal';

// Installed before fork: the child inherits the handlers.
let told = false;
signal.signal(signal.SIGUSR2, () => {
  told = true;
  console.log(`child ${os.getpid()}: SIGUSR2 from my parent`);
});
signal.signal(signal.SIGHUP, () => console.log(`parent ${os.getpid()}: SIGHUP from my child`));

const pid = os.fork();
if (pid === 0) {
  while (!told) signal.pause(); // returns once a handler ran
  os.kill(os.getppid(), signal.SIGHUP);
  os._exit(0);
}
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // let the child reach pause()
console.log(`parent: sending SIGUSR2 to ${pid}`);
os.kill(pid, signal.SIGUSR2);
const [, status] = os.waitpid(pid, 0);
console.log(`parent: child exited with ${os.waitstatus_to_exitcode(status)}`);
