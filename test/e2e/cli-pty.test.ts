// Ctrl-C on a terminal: `posixkit echo` runs on a pseudo-terminal (Python's
// pty module) and Ctrl-C is typed, so the line discipline sends SIGINT to the
// whole process group (server, workers, the status reporter) as a real
// terminal does. Exactly one summary, with the right counts, on every model;
// the live status line is cleared first.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../../lib/models/index';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const SESSION = path.join(ROOT, 'test/fixtures/pty-echo-session.py');
const hasPython = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0;
const CLIENTS = 4;

interface Session { echoes: number; status: number; output: string }

function session(model: string): Promise<Session> {
  // Asynchronous so the models run side by side; python3 bounds its own wait (20 s per phase).
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFile } = require('node:child_process') as typeof import('node:child_process');
    execFile('python3', [SESSION, String(CLIENTS), process.execPath, BIN, 'echo', '--model', model, '--port', '0'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Session);
      });
  });
}

describe.skipIf(!hasPython)('Ctrl-C to the process group on a terminal', () => {
  it.concurrent.each(models.map((m) => m.name))('%s: one summary with the right counts, status line cleared', async (model) => {
    const s = await session(model);
    expect(s.echoes, s.output).toBe(CLIENTS);
    expect(s.status, s.output).toBe(0);
    const summaries = s.output.match(/stopped by SIGINT[^\r\n]*/g) ?? [];
    expect(summaries, s.output).toEqual([`stopped by SIGINT; ${CLIENTS} connections, ${CLIENTS} requests, 0 errors`]);
    // The live line: rewritten in place (\r + erase line), never a newline of its own.
    expect(s.output).toMatch(new RegExp(`\\r\\x1b\\[Kposixkit echo \\(${model}\\): conns \\d+ open / \\d+ total, \\d+ requests, \\d+ req/s`));
    // Cleared before the summary: the summary starts a clean line, nothing glued to it.
    expect(s.output).toMatch(new RegExp(`\\r\\x1b\\[Kposixkit echo \\(${model}\\): stopped by SIGINT; [^\\r\\n]*\\r\\n$`));
    expect(s.output).not.toMatch(/Error|at .*\.js:\d+/);
  }, 90_000);
});
