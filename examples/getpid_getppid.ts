// getpid and getppid in a parent and its forked child.
import 'posixkit/forkable';
import { fork, getpid, getppid, wait } from 'posixkit/os';

const pid = fork();
if (pid === 0) {
  console.log(`child  getpid()=${getpid()} getppid()=${getppid()}`);
} else {
  console.log(`parent getpid()=${getpid()} getppid()=${getppid()} (forked ${pid})`);
  wait();
}
