// threading.Thread for targets that share nothing with the test but fds:
// the target runs in a forked child (a JS thread cannot run a closure).
import * as os from '../../../lib/os';
import { sleep } from './helpers';

export class ForkThread {
  pid = -1;
  exitcode: number | null = null;

  constructor(private readonly target: () => unknown) {}

  start(): this {
    const pid = os.fork();
    if (pid === 0) {
      let code = 0;
      try {
        this.target();
      } catch (e) {
        process.stderr.write(`Exception in thread: ${(e as Error)?.stack ?? e}\n`);
        code = 1;
      }
      os._exit(code);
    }
    this.pid = pid;
    return this;
  }

  #reap(options: number): boolean {
    if (this.exitcode !== null) return true;
    const [p, status] = os.waitpid(this.pid, options);
    if (p === 0) return false;
    this.exitcode = os.waitstatus_to_exitcode(status);
    return true;
  }

  /** Waits for the end, at most `timeout` seconds (null: forever). */
  join(timeout: number | null = null): void {
    if (timeout === null) {
      this.#reap(0);
      return;
    }
    const end = performance.now() + timeout * 1000;
    while (!this.#reap(os.WNOHANG) && performance.now() < end) sleep(0.002);
  }

  is_alive(): boolean {
    return !this.#reap(os.WNOHANG);
  }

  /** Test cleanup: kills and reaps a child still running. */
  kill(): void {
    if (this.pid > 0 && this.exitcode === null) {
      try {
        os.kill(this.pid, 9);
      } catch {
        // gone
      }
      this.#reap(0);
    }
  }
}
