// posixkit's handlers next to Node's own (libuv's sigaction handlers for
// process.on and child_process, Node's SIGINT/SIGTERM handler), in fresh
// node processes so the runner's own dispositions are not touched.
import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/proc';

describe('coexistence with libuv (SIG-19, LU-16)', () => {
  const r = runNode(['test/fixtures/signal_coexist.js']);
  const out = r.status === 0 ? JSON.parse(r.stdout) : null;

  it('the fixture ran', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(out.libuvKnown).toBe(true);
  });

  it('initial dispositions: Node\'s handler on SIGINT/SIGTERM (null), SIGPIPE ignored, the rest default (NODE-02)', () => {
    expect(out.initial).toEqual({ SIGINT: null, SIGTERM: null, SIGPIPE: 1, SIGHUP: 0, SIGUSR2: 0, SIGCHLD: 0 });
  });

  it('process.on then signal(): both run; signal(sig, null) puts libuv\'s handler back', () => {
    expect(out.prev1).toBeNull();
    expect(out.chained1).toBe(true);
    expect(out.both1).toEqual([1, 1]);
    expect(out.restored1).toBe(true);
    expect(out.get1).toBeNull();
    expect(out.afterRestore1).toEqual([2, 1]);
    expect(out.afterOff1).toBe(0); // libuv resets to SIG_DFL when its last listener goes
  });

  it('signal() then process.on: posixkit takes the sigaction back and both run; it survives the listener\'s removal', () => {
    expect(out.get2).toBe(true);
    expect(out.both2).toEqual([1, 1]);
    expect(out.get2AfterOff).toBe(true);
    expect(out.after2).toEqual([1, 2]);
  });

  it('child_process keeps emitting exit with a posixkit SIGCHLD handler, installed before or after spawn', () => {
    expect(out.spawnAfter).toBe(0);
    expect(out.forkAfterSpawn).toBe(true);
    expect(out.get3).toBe(true);
    expect(out.prev4).toBeNull();
    expect(out.chained4).toBe(true);
    expect(out.forkWhileSpawned).toBe(true);
    expect(out.spawnBefore).toBe(0);
  });
});

describe('Ctrl-C with posixkit loaded', () => {
  it('untouched SIGINT still ends the process by SIGINT', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'none']);
    expect(r.signal).toBe('SIGINT');
  });

  it('signal(SIGINT, handler) runs the handler instead, as in Python', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'handler']);
    expect(r.stdout).toBe('handled 2\n');
    expect(r.status).toBe(0);
  });

  it('restoring the value signal() returned gives Node\'s behaviour back', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'restore']);
    expect(r.stdout).toBe('');
    expect(r.signal).toBe('SIGINT');
  });

  it('the value signal() returned stays Node\'s handler after a process.on listener came and went', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'restore-after-listener']);
    expect(r.stdout).toBe('');
    expect(r.signal).toBe('SIGINT');
  });

  it('process.on(\'SIGINT\') keeps working when posixkit is only imported', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'process.on']);
    expect(r.stdout).toBe('listener\n');
    expect(r.status).toBe(0);
  });

  it('alarm() with the default action ends the process by SIGALRM', () => {
    const r = runNode(['test/fixtures/signal_sigint.js', 'alarm']);
    expect(r.signal).toBe('SIGALRM');
  });
});
