// A per-method watchdog for the CPython ports. A blocked syscall cannot be
// interrupted by vitest's timeout (the event loop never turns), so a separate
// process, reparented away from this one (os.wait() in a test must never reap
// it), acts when a method runs past its limit: SIGXCPU first, whose handler
// throws out of the blocking posixkit call (PEP 475) and fails that method;
// SIGKILL for the worker 10 s later if that did not end it.
import { spawnSync } from 'node:child_process';
import * as os from '../../../lib/os';
import * as signal from '../../../lib/signal';

const SCRIPT = `
const [pid] = process.argv.slice(1).map(Number);
let timer = null, buf = '';
const fs = require('fs');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    clearTimeout(timer); timer = null;
    const m = /^arm (\\d+) (.*)$/.exec(line);
    if (m) timer = setTimeout(() => {
      try { process.kill(pid, 'SIGXCPU'); } catch {}
      timer = setTimeout(() => {
        fs.writeSync(2, '\\nconformance watchdog: ' + m[2] + ' still running after ' + m[1] / 1000 + ' s; killing worker ' + pid + '\\n');
        try { process.kill(pid, 'SIGKILL'); } catch {}
        process.exit(0);
      }, 10000);
    }, Number(m[1]));
  }
});
process.stdin.on('end', () => process.exit(0));
`;

let fd = -1;

function start(): number {
  const [r, w] = os.pipe();
  // sh backgrounds the watchdog and exits at once: spawnSync reaps sh, the
  // watchdog is reparented, and this process never has it as a child.
  spawnSync('/bin/sh', ['-c', `"$0" -e "$1" ${process.pid} <&3 3<&- &`, process.execPath, SCRIPT], {
    stdio: ['ignore', 'inherit', 'inherit', r],
  });
  os.close(r);
  return w;
}

export class WatchdogTimeout extends Error {
  override name = 'WatchdogTimeout';
}

let current = '';

export function watchdog(id: string, ms: number): Disposable {
  if (fd < 0) {
    fd = start();
    const me = process.pid;
    signal.signal(signal.SIGXCPU, () => {
      if (process.pid !== me || !current) return;
      throw new WatchdogTimeout(`${current} still running after its limit (watchdog)`);
    });
  }
  current = id;
  os.write(fd, `arm ${Math.round(ms)} ${id}\n`);
  return {
    [Symbol.dispose]() {
      current = '';
      os.write(fd, 'disarm\n');
    },
  };
}
