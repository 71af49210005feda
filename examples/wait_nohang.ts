// waitpid with WNOHANG in a loop: the parent keeps working while its child runs.
// The parent checks now and then whether its child has ended.
import 'posixkit/forkable';
import { fork, waitpid, waitstatus_to_exitcode, WNOHANG } from 'posixkit/os';

const pid = fork();
if (pid === 0) {
  setTimeout(() => process.exit(5), 1000); // the child works for a second
} else {
  const timer = setInterval(() => {
    const [p, status] = waitpid(pid, WNOHANG);
    if (p === 0) {
      console.log('child still running; parent does other work');
      return;
    }
    console.log(`child ${p} exited with code ${waitstatus_to_exitcode(status)}`);
    clearInterval(timer);
  }, 200);
}
