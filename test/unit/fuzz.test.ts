// A short seeded run of the fuzzer (scripts/fuzz/run.js, docs/safety.md): a
// few thousand hostile calls to every public function and raw binding
// function, in sandboxed batches. Any crash or hang fails it; the long runs
// are `npm run fuzz -- --calls 1000000` (and `-- --asan`).
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

describe('fuzz (seeded, short)', () => {
  it('4000 calls in 2 batches: no crash, no hang', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/fuzz/run.js'), '--calls', '4000', '--batch', '2000',
      '--seed', '20240611', '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const summary = /calls: (\d+) in \d+ batches.*crashes: (\d+); hangs: (\d+)/.exec(r.stdout);
    expect({ status: r.status, out: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({ status: 0, out: '' });
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(4000); // every call ran
    expect([summary![2], summary![3]]).toEqual(['0', '0']);
  }, 150_000);
});
