// fork basics: the child works on a copy of the parent's memory, returns an exit code.
// The child continues after fork(); which of the two runs first is up to the
// kernel.
import 'posixkit/forkable'; // re-runs node with --single-threaded if needed
import { fork, getpid, getppid, waitpid, WEXITSTATUS } from 'posixkit/os';

let value = 100;
console.log(`before fork: pid ${getpid()}, value ${value}`);

const pid = fork();
if (pid === 0) {
  value += 1; // changes the child's copy only
  console.log(`child:  pid ${getpid()}, parent ${getppid()}, value ${value}`);
  process.exit(3);
} else {
  value -= 1;
  console.log(`parent: pid ${getpid()}, child ${pid}, value ${value}`);
  const [, status] = waitpid(pid, 0);
  console.log(`parent: child ${pid} exited with ${WEXITSTATUS(status)}; my value is still ${value}`);
}
