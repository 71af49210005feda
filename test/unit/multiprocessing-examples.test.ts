// The examples/mp_*.ts example programs, run as real programs
// (compiled to dist/examples by npm test) under node --single-threaded.
import { describe, expect, it } from 'vitest';
import { procState, runNode } from '../helpers/proc';

// npm test compiles examples/*.ts to dist/examples (tsconfig.examples.json).
function run(name: string) {
  return runNode([`dist/examples/${name}.js`], { timeout: 20_000 });
}

describe('multiprocessing examples', () => {
  it('mp_process_args: join(timeout) returns while the child works, join() reaps it', () => {
    const r = run('mp_process_args');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/started Worker, pid \d+, alive: true/);
    expect(r.stdout).toContain('after join(0.15): alive true, exitCode null');
    expect(r.stdout.match(/I'm Levi/g)).toHaveLength(3);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('after join(): alive false, exitCode 0');
  });

  it('mp_process_subclass: run() runs in the child', () => {
    const r = run('mp_process_subclass');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/the time is \d\d:\d\d:\d\d \(Process-1\)/g)).toHaveLength(3);
    expect(r.stdout).toContain('Process-1 exited with 0');
  });

  it('mp_daemon: the daemon dies with the main process', () => {
    const r = run('mp_daemon');
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(/daemon (\d+) is terminated/.exec(r.stdout)![1]);
    expect(r.stdout).toContain(`daemon ${pid} still here`);
    expect(procState(pid)).toBeNull();
  });

  it('mp_pool: applyAsync results, apply, map, close, join', () => {
    const r = run('mp_pool');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('apply: 144');
    expect(r.stdout).toContain('map: [ 1, 4, 9, 16, 25 ]');
    for (let i = 0; i < 6; i++) expect(r.stdout).toContain(`result: hello ${i} done`);
    expect(r.stdout.match(/handled by \d+/g)).toHaveLength(6);
  });

  it('mp_pipe: five children send, the parent receives all', () => {
    const r = run('mp_pipe');
    expect(r.status, r.stderr).toBe(0);
    for (let i = 0; i < 5; i++) expect(r.stdout).toContain(`hello from child ${i}`);
  });

  it('mp_queue: FIFO across processes, bounded, Empty on get(false)', () => {
    const r = run('mp_queue');
    expect(r.status, r.stderr).toBe(0);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('got ')).map((l) => Number(l.slice(4)));
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.stdout).toContain('empty: true, full: false, qsize: 0');
    expect(r.stdout).toContain('get(false) on an empty queue throws Empty');
  });

  it('mp_manager: workers change a managed dict, list and Namespace; a registered type served over TCP', () => {
    const r = run('mp_manager');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(/scores: (.*)/.exec(r.stdout)![1])).toEqual({ ada: 3, bob: 5, cy: 8 });
    expect(r.stdout).toContain('log has 3 entries; done = 3');
    expect(r.stdout).toContain('total: 16');
    expect(r.stdout).toContain('helper took: wash the dishes');
    expect(r.stdout).toContain('board served on 127.0.0.1; left: water the plants, then null');
  });

  it('mp_listener_client: a wrong key is refused; wait() serves two clients at once', () => {
    const r = run('mp_listener_client');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('intruder: AuthenticationError');
    expect(r.stdout).toContain('refused a client with the wrong key');
    expect(r.stdout.match(/^ann got (\w+)$/gm)).toEqual(['ann got HELLO', 'ann got BYE']);
    expect(r.stdout.match(/^ben got (\w+)$/gm)).toEqual(['ben got ONE', 'ben got TWO', 'ben got THREE']);
    expect(r.stdout).toContain('answered 5 messages; clients exited with 0, 0');
  });
});
