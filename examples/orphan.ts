// An orphan: the parent exits first and the kernel re-parents the child.
// The new parent is init (or the nearest subreaper), so the child's
// getppid() changes.
import 'posixkit/forkable';
import { fork, getpid, getppid } from 'posixkit/os';

const pid = fork();
if (pid === 0) {
  console.log(`child ${getpid()}: my parent is ${getppid()}`);
  setTimeout(() => console.log(`child ${getpid()}: parent gone, adopted by ${getppid()}`), 500);
} else {
  console.log(`parent ${getpid()}: exiting without waiting for ${pid}`);
  process.exit(0);
}
