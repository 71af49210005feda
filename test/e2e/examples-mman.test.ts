// The shared-memory and locking examples run as real processes
// (dist/examples, compiled by `npm test`'s pretest) and show what they promise.
import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/proc';

const run = (name: string) => runNode([`dist/examples/${name}.js`], { timeout: 30_000 });

describe('shared memory and synchronization examples', () => {
  it('shared_value_counter: updates are lost without the lock, exact with it', () => {
    const r = run('shared_value_counter');
    expect(r.status, r.stderr).toBe(0);
    const [, racy, total] = /without the lock: (\d+) of (\d+)/.exec(r.stdout)!.map(Number);
    expect(total).toBe(800_000);
    expect(racy).toBeLessThan(total);
    expect(r.stdout).toContain('with the lock:    800000 of 800000');
  });

  it('shared_array: the child writes, the parent iterates', () => {
    const r = run('shared_array');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/element (\d+)/g)).toEqual(['element 10', 'element 20', 'element 30', 'element 40', 'element 50']);
    expect(r.stdout).toContain('zeros now [ 0, 0, 0, 0, 42 ]');
    expect(r.stdout).toContain('text now Hello');
  });

  it('semaphore_limit: never more than 3 inside', () => {
    const r = run('semaphore_limit');
    expect(r.status, r.stderr).toBe(0);
    const inside = [...r.stdout.matchAll(/\((\d) inside, (\d) free\)/g)].map((m) => Number(m[1]));
    expect(inside).toHaveLength(8);
    expect(Math.max(...inside)).toBeLessThanOrEqual(3);
    expect(r.stdout).toMatch(/at most [123] processes were inside at once; 3 units free at the end/);
  });

  it('event_coordination: wait(0.2) times out, wait() is woken by the child', () => {
    const r = run('event_coordination');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('parent: wait(0.2) -> false');
    expect(r.stdout).toContain('parent: wait() -> true');
    expect(r.stdout.indexOf('child: resource ready')).toBeLessThan(r.stdout.indexOf('parent: wait() -> true'));
    expect(r.stdout).toContain('parent: after clear, is_set? false');
  });

  it('lock_with: critical sections do not interleave; misuse is reported', () => {
    const r = run('lock_with');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => / line \d$/.test(l));
    expect(lines).toHaveLength(18);
    for (let i = 0; i < lines.length; i += 3) {
      const who = lines[i].split(' line')[0];
      expect(lines.slice(i, i + 3)).toEqual([0, 1, 2].map((n) => `${who} line ${n}`));
    }
    expect(r.stdout).toContain('acquire(false) on a held lock: false');
    expect(r.stdout).toContain('releasing an unheld lock: release unlocked lock');
  });

  it('thread_counter_lock: four threads, one shared counter, exact total', () => {
    const r = run('thread_counter_lock');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('counter = 400000 (expected 400000)');
    expect(r.stdout.match(/worker-\d done/g)).toHaveLength(4);
  });
});
