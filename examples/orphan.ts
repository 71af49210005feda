// Seed: an orphan. The parent exits first; the kernel re-parents the child
// to init (or the nearest subreaper), so the child's getppid() changes.
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
