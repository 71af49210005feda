// A zombie: an exited child stays in the process table in state Z until it is reaped.
import { readFileSync } from 'node:fs';
import 'posixkit/forkable';
import { _exit, fork, waitpid, WEXITSTATUS } from 'posixkit/os';

const state = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return 'gone';
  }
};

const pid = fork();
if (pid === 0) _exit(7);

setTimeout(() => {
  console.log(`child ${pid} state before wait: ${state(pid)}   (Z = zombie)`);
  const [, status] = waitpid(pid, 0);
  console.log(`reaped ${pid}, exit status ${WEXITSTATUS(status)}; state now: ${state(pid)}`);
}, 200);
