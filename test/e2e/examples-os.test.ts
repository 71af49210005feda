// The posixkit/os examples run as real processes and print what fork,
// wait and friends promise.
import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/proc';

const run = (name: string) => runNode([`dist/examples/${name}.js`], { timeout: 15_000 });

describe('os examples', () => {
  it('fork_basics: separate memory, exit code reaches the parent', () => {
    const r = run('fork_basics');
    expect(r.stdout).toMatch(/child: {2}pid \d+, parent \d+, value 101/);
    expect(r.stdout).toMatch(/exited with 3; my value is still 99/);
  });
  it('getpid_getppid: the child names the parent', () => {
    const r = run('getpid_getppid');
    const parent = r.stdout.match(/parent getpid\(\)=(\d+)/)![1];
    expect(r.stdout).toMatch(new RegExp(`child  getpid\\(\\)=\\d+ getppid\\(\\)=${parent}`));
  });
  it('zombie: state Z before the reap, gone after', () => {
    const r = run('zombie');
    expect(r.stdout).toMatch(/state before wait: Z/);
    expect(r.stdout).toMatch(/exit status 7; state now: gone/);
  });
  it('wait_nohang: polls, then reaps code 5', () => {
    const r = run('wait_nohang');
    expect(r.stdout).toMatch(/child still running/);
    expect(r.stdout).toMatch(/exited with code 5/);
  });
  it('double_fork: the grandchild is adopted, the parent reaped the child at once', () => {
    const r = run('double_fork');
    expect(r.stdout).toMatch(/first child \d+ reaped at once/);
    expect(r.stdout).toMatch(/grandchild \d+ does the real work; parent is now \d+/);
  });
  it('orphan: the child is adopted after its parent exits', async () => {
    // The orphan outlives the process spawnSync waits for; give it time to print.
    const r = runNode(['-e', `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['dist/examples/orphan.js'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = ''; c.stdout.on('data', (d) => (out += d));
      c.stdout.on('end', () => console.log(out));`], { timeout: 15_000 });
    expect(r.stdout).toMatch(/exiting without waiting/);
    const m = r.stdout.match(/my parent is (\d+)[\s\S]*adopted by (\d+)/);
    expect(m).not.toBe(null);
    expect(m![1]).not.toBe(m![2]);
  });
});
