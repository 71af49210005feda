// posix_spawn's options as the child sees them (/proc/<child>/stat, status,
// fd), spawn* modes, and the exec family's PATH search (Python's rules).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, PermissionError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { code, error } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { forkRun } from '../helpers/proc';

const root = os.geteuid() === 0;
let dir = '';
let binA = '';
let binB = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'posixkit-exec-'));
  binA = path.join(dir, 'a');
  binB = path.join(dir, 'b');
  fs.mkdirSync(binA);
  fs.mkdirSync(binB);
  fs.writeFileSync(path.join(binA, 'prog'), '#!/bin/sh\nexit 9\n', { mode: 0o755 });
  fs.writeFileSync(path.join(binB, 'prog'), '#!/bin/sh\nexit 8\n', { mode: 0o644 }); // not executable
});
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });
checkLeaks();

/** Runs sh -c `script` through posix_spawn with stdout on a pipe; returns [output, exit code]. */
function sh(script: string, options: os.PosixSpawnOptions = {}, env: os.Env = process.env): [string, number] {
  const [r, w] = os.pipe();
  let pid: number;
  try {
    pid = os.posix_spawn('/bin/sh', ['sh', '-c', script], env, {
      ...options, file_actions: [[os.POSIX_SPAWN_DUP2, w, 1], ...(options.file_actions ?? [])],
    });
  } finally {
    os.close(w);
  }
  const chunks: Buffer[] = [];
  for (let b = os.read(r, 4096); b.length; b = os.read(r, 4096)) chunks.push(b);
  os.close(r);
  const [, status] = os.waitpid(pid, 0);
  return [Buffer.concat(chunks).toString(), os.waitstatus_to_exitcode(status)];
}

const sigBit = (mask: string, sig: number): boolean => ((BigInt(`0x${mask}`) >> BigInt(sig - 1)) & 1n) === 1n;

describe('posix_spawn', () => {
  it('runs the program with argv and env; returns the pid to reap', () => {
    expect(sh('echo "$0 $FOO"; exit 3', {}, { FOO: 'bar', PATH: '/bin:/usr/bin' })).toEqual(['sh bar\n', 3]);
  });
  it('the child gets stdio (which Node marks close-on-exec) and no other close-on-exec fd', () => {
    const [r, w] = os.pipe();
    const [r2, w2] = os.pipe();
    os.set_inheritable(r2, true);
    try {
      const [out] = sh(`ls /proc/$$/fd | sort -n | tr '\\n' ' '; echo; readlink /proc/$$/fd/0 /proc/$$/fd/2`);
      const lines = out.trim().split('\n');
      const fds = lines[0].trim().split(' ').map(Number);
      expect(fds).toContain(0);
      expect(fds).toContain(2);
      expect(fds).toContain(r2);
      expect(fds).not.toContain(r);
      expect(lines.slice(1)).toEqual([fs.readlinkSync('/proc/self/fd/0'), fs.readlinkSync('/proc/self/fd/2')]);
    } finally {
      for (const fd of [r, w, r2, w2]) os.close(fd);
    }
  });
  it('file actions OPEN, CLOSE, DUP2 run in order in the child', () => {
    const p = path.join(dir, 'opened');
    const [out, rc] = sh('echo to-five >&5; ls /proc/$$/fd | tr "\\n" " "', {
      file_actions: [[os.POSIX_SPAWN_OPEN, 5, p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600], [os.POSIX_SPAWN_CLOSE, 0]],
    });
    expect(rc).toBe(0);
    expect(fs.readFileSync(p, 'utf8')).toBe('to-five\n');
    expect(fs.statSync(p).mode & 0o777).toBe(0o600 & ~process.umask());
    expect(out.trim().split(' ').map(Number)).not.toContain(0);
    // An action that fails fails the spawn, and no child is left.
    expect(error(() => os.posix_spawn('/bin/true', ['true'], process.env, {
      file_actions: [[os.POSIX_SPAWN_OPEN, 5, path.join(dir, 'no/such/dir'), os.O_RDONLY, 0]],
    }))).toBeInstanceOf(FileNotFoundError);
  });
  it('setsid and setpgroup: the child\'s session and group', () => {
    const fields = (o: string): number[] => o.trim().split(' ').map(Number);
    const stat = 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat)';
    const [pid, pgrp, sid] = fields(sh(stat, { setsid: true })[0]);
    expect([pgrp, sid]).toEqual([pid, pid]);
    const [pid2, pgrp2, sid2] = fields(sh(stat, { setpgroup: 0 })[0]);
    expect([pgrp2, sid2]).toEqual([pid2, os.getsid(0)]);
    const [, pgrp3] = fields(sh(stat, { setpgroup: os.getpgrp() })[0]);
    expect(pgrp3).toBe(os.getpgrp());
  });
  it('setsigmask, setsigdef, and SIGPIPE at its default although Node ignores it', () => {
    const blk = (o: PosixSpawnProbe) => sh('grep -E "^Sig(Blk|Ign)" /proc/$$/status | cut -f2 | tr "\\n" " "', o)[0].trim().split(' ');
    type PosixSpawnProbe = os.PosixSpawnOptions;
    const [blocked] = blk({ setsigmask: [signal.SIGUSR1, signal.SIGTERM] });
    expect([sigBit(blocked, signal.SIGUSR1), sigBit(blocked, signal.SIGTERM), sigBit(blocked, signal.SIGUSR2)]).toEqual([true, true, false]);
    signal.signal(signal.SIGUSR2, signal.SIG_IGN);
    try {
      const [, ignored] = blk({});
      expect(sigBit(ignored, signal.SIGUSR2)).toBe(true); // an ignored signal stays ignored across exec
      expect(sigBit(ignored, signal.SIGPIPE)).toBe(false);
      const [, reset] = blk({ setsigdef: [signal.SIGUSR2] });
      expect(sigBit(reset, signal.SIGUSR2)).toBe(false);
    } finally {
      signal.signal(signal.SIGUSR2, signal.SIG_DFL);
    }
  });
  it('scheduler: the child starts with the policy and priority given (glibc takes OTHER, FIFO, RR)', () => {
    const sched = (o: os.PosixSpawnOptions): string => sh('cut -d" " -f40,41 /proc/$$/stat', o)[0].trim();
    expect(sched({ scheduler: [null, new os.sched_param(0)] })).toBe(`0 ${os.SCHED_OTHER}`);
    if (root) expect(sched({ scheduler: [os.SCHED_RR, new os.sched_param(3)] })).toBe(`3 ${os.SCHED_RR}`);
    // As Python: posix_spawnattr_setschedpolicy refuses SCHED_BATCH.
    expect(error(() => os.posix_spawn('/bin/true', ['true'], process.env, { scheduler: [os.SCHED_BATCH, new os.sched_param(0)] })))
      .toMatchObject({ code: 'EINVAL', syscall: 'posix_spawnattr' });
    expect(code(() => os.posix_spawn('/bin/true', ['true'], process.env, { scheduler: [os.SCHED_OTHER, new os.sched_param(5)] }))).toBe('EINVAL');
  });
  it.skipIf(!root)('resetids: the child\'s effective uid becomes its real uid', () => {
    // cat, not sh: dash drops a differing effective uid by itself.
    const uid = (o: os.PosixSpawnOptions): string => {
      const [r, w] = os.pipe();
      const pid = os.posix_spawn('/bin/cat', ['cat', '/proc/self/status'], process.env, { ...o, file_actions: [[os.POSIX_SPAWN_DUP2, w, 1]] });
      os.close(w);
      let out = '';
      for (let b = os.read(r, 4096); b.length; b = os.read(r, 4096)) out += b.toString();
      os.close(r);
      os.waitpid(pid, 0);
      return out.split('\n').find((l) => l.startsWith('Uid:'))!.split('\t').slice(1, 3).join(' ');
    };
    expect(forkRun(() => {
      os.setresuid(65534, 0, 0);
      assert.equal(uid({}), '65534 0');
      assert.equal(uid({ resetids: true }), '65534 65534');
    })).toBe(0);
  });
  it('posix_spawnp searches this process\'s PATH; failures name the program', () => {
    const pid = os.posix_spawnp('true', ['true']);
    expect(os.waitpid(pid, 0)[1]).toBe(0);
    const e = error(() => os.posix_spawnp('no-such-program-posixkit', ['x']));
    expect(e).toBeInstanceOf(FileNotFoundError);
    expect(e).toMatchObject({ syscall: 'posix_spawnp', path: 'no-such-program-posixkit' });
    expect(error(() => os.posix_spawn(path.join(binB, 'prog'), ['prog']))).toBeInstanceOf(PermissionError);
    expect(error(() => os.posix_spawn('/nonexistent', ['x']))).toMatchObject({ code: 'ENOENT', path: '/nonexistent' });
  });
  it('bad arguments are refused before anything runs', async () => {
    expect(code(() => os.posix_spawn('/bin/true', []))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.posix_spawn('/bin/true', [1] as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], { 'A=B': '1' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], { A: 1 } as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], process.env, { file_actions: [[99, 1]] as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], process.env, { file_actions: [[os.POSIX_SPAWN_CLOSE, 1, 2]] as never }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], process.env, { file_actions: [[os.POSIX_SPAWN_DUP2, -1, 1]] }))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], process.env, { setsigmask: [0] }))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.posix_spawn('/bin/true', ['t'], process.env, { scheduler: [0, 0] as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.posix_spawn('/bin/tr\0ue', ['t']))).toBe('ERR_INVALID_ARG_VALUE');
    const { binding } = await import('../../lib/native');
    const b = binding as Record<string, (...a: unknown[]) => unknown>;
    expect(code(() => b.posix_spawn('/bin/true', [], [], false, [], -1))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => b.posix_spawn('/bin/true', ['t'], [], false, [[7, 1]], -1))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => b.posix_spawn('/bin/true', ['t'], [], false, [[1, 1, 2, 3]], -1))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => b.posix_spawn('/bin/true', ['t'], [], false, [[0, 1, 5, 0, 0]], -1))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('spawn*', () => {
  it('P_WAIT returns the exit code or -signal; P_NOWAIT the pid', () => {
    expect(os.spawnv(os.P_WAIT, '/bin/sh', ['sh', '-c', 'exit 7'])).toBe(7);
    expect(os.spawnl(os.P_WAIT, '/bin/sh', 'sh', '-c', 'kill -9 $$')).toBe(-9);
    const pid = os.spawnv(os.P_NOWAIT, '/bin/sh', ['sh', '-c', 'exit 2']);
    expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(2);
    expect(os.spawnle(os.P_WAIT, '/bin/sh', 'sh', '-c', 'exit $CODE', { CODE: '5' })).toBe(5);
    expect(os.spawnve(os.P_WAIT, '/bin/sh', ['sh', '-c', 'exit $CODE'], { CODE: '6' })).toBe(6);
  });
  it('the p variants search PATH like Python: a non-executable match is skipped, then reported', () => {
    expect(os.spawnvp(os.P_WAIT, 'sh', ['sh', '-c', 'exit 4'])).toBe(4);
    expect(os.spawnlp(os.P_WAIT, 'sh', 'sh', '-c', 'exit 3')).toBe(3);
    expect(os.spawnvpe(os.P_WAIT, 'prog', ['prog'], { PATH: `${binB}:${binA}` })).toBe(9);
    expect(os.spawnlpe(os.P_WAIT, 'prog', 'prog', { PATH: `${dir}/none:${binA}` })).toBe(9);
    expect(error(() => os.spawnvpe(os.P_WAIT, 'prog', ['prog'], { PATH: `${dir}/none:${binB}` }))).toBeInstanceOf(PermissionError);
    expect(error(() => os.spawnvpe(os.P_WAIT, 'prog', ['prog'], { PATH: `${dir}/none` }))).toBeInstanceOf(FileNotFoundError);
    expect(code(() => os.spawnv('x' as never, '/bin/true', ['true']))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('exec family (in forked children)', () => {
  const exits = (fn: () => void): number => forkRun(() => { fn(); return 99; });
  it('execl, execle, execlp, execlpe, execvp, execvpe replace the child', () => {
    expect(exits(() => os.execl('/bin/sh', 'sh', '-c', 'exit 3'))).toBe(3);
    expect(exits(() => os.execle('/bin/sh', 'sh', '-c', 'exit $X', { X: '4' }))).toBe(4);
    expect(exits(() => os.execlp('sh', 'sh', '-c', 'exit 5'))).toBe(5);
    expect(exits(() => os.execlpe('prog', 'prog', { PATH: binA }))).toBe(9);
    expect(exits(() => os.execvp('sh', ['sh', '-c', 'exit 6']))).toBe(6);
    expect(exits(() => os.execvpe('prog', ['prog'], { PATH: `${binB}:${binA}` }))).toBe(9);
    expect(exits(() => os.execvpe(path.join(binA, 'prog'), ['prog'], {}))).toBe(9); // a slash: no search
  });
  it('a failed search throws in the child (EACCES before ENOENT), which goes on', () => {
    expect(forkRun(() => {
      const e = error(() => os.execvpe('prog', ['prog'], { PATH: `${binB}:${dir}/none` }));
      assert.ok(e instanceof PermissionError, String(e));
      assert.ok(error(() => os.execvp('no-such-program-posixkit', ['x'])) instanceof FileNotFoundError);
      assert.equal(code(() => os.execl('/bin/true')), 'ERR_INVALID_ARG_VALUE');
      return 0;
    })).toBe(0);
  });
});
