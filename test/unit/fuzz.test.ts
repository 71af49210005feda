// A short seeded run of the fuzzer (scripts/fuzz/run.js, docs/safety.md): a
// few thousand hostile calls to every public function and raw binding
// function, in sandboxed batches. Any crash or hang fails it; the long runs
// are `npm run fuzz -- --calls 1000000` (and `-- --asan`).
import * as fs from 'node:fs';
import * as os from 'node:os';
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

  // What a 1,000,000-call run found: os.close(2), then a dup of a pool pipe
  // that lands on fd 2, then a server's handleError writing the request's
  // address (JSON of a 64 KiB Buffer) to fd 2. Nobody reads that pipe, so the
  // write slept for good. Python blocks the same way: the batch, not posixkit,
  // must keep its stdio, and puts fds 0-2 back after each call.
  const sandboxed = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--net',
    '--mount-proc', '--kill-child', 'true'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!sandboxed)('a call that closes fd 2 and one that dups a pipe onto it do not stall the batch\'s stderr', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'posixkit-fuzz-seq-'));
    try {
      const file = path.join(dir, 'calls.json');
      const report = { call: './socketserver:ThreadingUDPServer#handleError', args: [null, { $bytes: 65536 }, null] };
      fs.writeFileSync(file, JSON.stringify([
        { call: './os:close', args: [2] },
        { call: './socket:dup', args: [{ $fd: 1 }] }, // the first pool pipe's write end: lands on 2
        report, report, report,
      ]));
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/fuzz/run.js'), '--sequence', file, '--hang-ms', '5000'],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout).toMatch(/^C 1 \.\/socket:dup\(\d+\)$/m);
      expect({ status: r.status, summary: /calls: \d+ .*crashes: \d+; hangs: \d+/.exec(r.stdout)?.[0].replace(/ in .*s\);/, ';') })
        .toEqual({ status: 0, summary: 'calls: 5; crashes: 0; hangs: 0' });
      expect(r.stdout).toContain('"outcomes":{"ok":5}');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
