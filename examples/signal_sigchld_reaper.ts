// Reaping children without zombies: a SIGCHLD handler with a WNOHANG loop, or SIG_IGN.
//  - a SIGCHLD handler that reaps with a WNOHANG loop (several children may
//    end while one SIGCHLD is pending: signals of one kind merge);
//  - signal(SIGCHLD, SIG_IGN): the kernel reaps, no zombie ever appears.
import 'posixkit/forkable';
import { readFileSync } from 'node:fs';
import * as os from 'posixkit/os';
import * as signal from 'posixkit/signal';

const sleep = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };
const state = (pid: number): string => {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]; } catch { return 'gone'; }
};

let left = 3;
signal.signal(signal.SIGCHLD, () => {
  for (;;) {
    let pid: number;
    let status: number;
    try {
      [pid, status] = os.waitpid(-1, os.WNOHANG);
    } catch {
      return; // ECHILD: no children left
    }
    if (pid === 0) return; // children still running
    console.log(`reaped child ${pid}, exit code ${os.waitstatus_to_exitcode(status)}`);
    if (--left === 0) ignoreDemo();
  }
});

// Signal handlers alone do not keep Node's event loop alive (nor does a
// Python process wait for signals unless told): keep it until the demo ends.
const keepAlive = setInterval(() => {}, 1000);
for (const code of [1, 2, 3]) {
  if (os.fork() === 0) {
    sleep(100 * code);
    os._exit(code);
  }
}

function ignoreDemo(): void {
  signal.signal(signal.SIGCHLD, signal.SIG_IGN);
  const pid = os.fork();
  if (pid === 0) os._exit(0);
  sleep(200);
  console.log(`with SIG_IGN, child ${pid} after exiting: ${state(pid)} (no zombie)`);
  clearInterval(keepAlive);
}
