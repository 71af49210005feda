// script_helper: CPython runs code in a fresh interpreter (`assert_python_ok('-c',
// code)`); the ports run JS in a fresh node (--single-threaded) with
// posixkit's modules from dist/ in scope as os, signal, select, socket, mmap,
// errors, plus sleep(), monotonic() and ZeroDivisionError.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AssertionError } from './unittest';

const DIST = path.resolve(__dirname, '../../../dist');

export const PRELUDE = `
const os = require(${JSON.stringify(`${DIST}/os`)});
const signal = require(${JSON.stringify(`${DIST}/signal`)});
const select = require(${JSON.stringify(`${DIST}/select`)});
const socket = require(${JSON.stringify(`${DIST}/socket`)});
const mmap = require(${JSON.stringify(`${DIST}/mmap`)});
const errors = require(${JSON.stringify(`${DIST}/errors`)});
const sleep = (s) => select.select([], [], [], s);
const monotonic = () => performance.now() / 1000;
class ZeroDivisionError extends Error { name = 'ZeroDivisionError'; }
`;

export interface RunResult {
  rc: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs `code` (after the prelude) in a new node; rc is -signum for a killed process, as subprocess's returncode. */
export function run_node(code: string, opts: { timeout?: number; args?: string[] } = {}): RunResult {
  const r = spawnSync(process.execPath, ['--single-threaded', '-e', PRELUDE + code, ...(opts.args ?? [])], {
    encoding: 'utf8',
    timeout: (opts.timeout ?? 60) * 1000,
  });
  const sig = r.signal;
  const rc = sig ? -(require('node:os').constants.signals[sig] as number) : r.status;
  return { rc, signal: sig, out: r.stdout, err: r.stderr };
}

/** assert_python_ok: exit code 0, else an AssertionError with the output. */
export function assert_node_ok(code: string, opts: { timeout?: number; args?: string[] } = {}): RunResult {
  const r = run_node(code, opts);
  if (r.rc !== 0) {
    throw new AssertionError(`Process return code is ${r.rc}\n--- stdout ---\n${r.out}\n--- stderr ---\n${r.err}`);
  }
  return r;
}

/** spawn_python: a running node with piped stdio. */
export function spawn_node(code: string) {
  return spawn(process.execPath, ['--single-threaded', '-e', PRELUDE + code], { stdio: ['ignore', 'pipe', 'pipe'] });
}
