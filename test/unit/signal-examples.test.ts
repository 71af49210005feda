// The examples/signal_*.ts programs, run as real programs
// (compiled to dist/examples by npm test), under node --single-threaded
// (posixkit/forkable, which the forking ones import, then has nothing to do).
import { describe, expect, it } from 'vitest';
import { limit } from '../helpers/checks';
import { runNode } from '../helpers/proc';

// npm test compiles examples/*.ts to dist/examples (tsconfig.examples.json).
function run(name: string) {
  return runNode([`dist/examples/${name}.js`], { timeout: limit(15_000) });
}

describe('signal examples', () => {
  it('signal_alarm_default: the second alarm replaces the first and ends the process by SIGALRM', () => {
    const r = run('signal_alarm_default');
    expect(r.signal).toBe('SIGALRM');
    expect(r.stdout).toMatch(/^alarm in 5 s, replaced by an alarm in 2 s \(5 s were left\)\n(waiting\.\.\.\n){2,4}$/);
  });

  it('signal_alarm_handler: the handler runs for each alarm, the program ends normally', () => {
    const r = run('signal_alarm_handler');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('received the alarm clock (1)\n');
    expect(r.stdout).toContain('received the alarm clock (2)\n');
  });

  it('signal_ignore: SIG_IGN makes SIGALRM and SIGINT harmless', () => {
    const r = run('signal_ignore');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('still running 1.5 s later: SIGALRM and SIGINT were ignored\ngetsignal(SIGALRM) === SIG_IGN: true\n');
  });

  it('signal_pause: pause returns once the SIGALRM handler ran', () => {
    const r = run('signal_pause');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^pausing until a signal arrives\.\.\.\nhandler: got Alarm clock\npause\(\) returned after (0\.[89]|1\.\d|2\.0) s, once the handler had run\n$/);
  });

  it('signal_kill: parent and child signal each other', () => {
    const r = run('signal_kill');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/child \d+: SIGUSR2 from my parent/);
    expect(r.stdout).toMatch(/parent \d+: SIGHUP from my child/);
    expect(r.stdout).toMatch(/parent: child exited with 0\n/); // the SIGHUP line may come after it
  });

  it('signal_sigchld_reaper: the WNOHANG loop reaps every child; SIG_IGN leaves no zombie', () => {
    const r = run('signal_sigchld_reaper');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const codes = [...r.stdout.matchAll(/reaped child \d+, exit code (\d)/g)].map((m) => Number(m[1]));
    expect(codes).toEqual([1, 2, 3]);
    expect(r.stdout).toMatch(/with SIG_IGN, child \d+ after exiting: gone \(no zombie\)\n$/);
  });
});
