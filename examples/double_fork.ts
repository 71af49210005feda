// Double fork: the grandchild is adopted by init, so no zombie is left behind.
// The child forks a grandchild and exits at once; the parent reaps the child
// right away, and the grandchild, now an orphan, is reaped by init when it
// ends.
import 'posixkit/forkable';
import { _exit, fork, getpid, getppid, waitpid } from 'posixkit/os';

const pid = fork();
if (pid === 0) {
  if (fork() === 0) {
    setTimeout(() => {
      console.log(`grandchild ${getpid()} does the real work; parent is now ${getppid()}`);
    }, 300);
  } else {
    _exit(0); // first child leaves immediately
  }
} else {
  waitpid(pid, 0);
  console.log(`parent ${getpid()}: first child ${pid} reaped at once, no zombie`);
  setTimeout(() => console.log('parent: done'), 600);
}
