import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../../lib/errors';
import * as os from '../../lib/os';
import { fdCount, forkRun } from '../helpers/proc';

describe('argument validation', () => {
  it('rejects wrong types with ERR_INVALID_ARG_TYPE', () => {
    for (const f of [() => os.waitpid('1' as never), () => os.kill(null as never, 0), () => os.close('x' as never),
      () => os.write(1, 42 as never), () => os.read({} as never, 1), () => os.WIFEXITED('0' as never),
      () => os.execv(1 as never, ['a']), () => os.execv('/bin/true', 'a' as never)]) {
      expect(f).toThrow(TypeError);
      try { f(); } catch (e) { expect((e as { code: string }).code).toBe('ERR_INVALID_ARG_TYPE'); }
    }
  });
  it('rejects out-of-range numbers with ERR_OUT_OF_RANGE', () => {
    for (const f of [() => os.waitpid(1.5, 0), () => os.kill(2 ** 40, 0), () => os.read(-1, 1), () => os.read(0, -1),
      () => os.close(2 ** 31), () => os.dup2(0, -3), () => os._exit(NaN), () => os.waitpid(1, Infinity)]) {
      expect(f).toThrow(RangeError);
      try { f(); } catch (e) { expect((e as { code: string }).code).toBe('ERR_OUT_OF_RANGE'); }
    }
  });
  it('the binding itself never crashes on bad input', async () => {
    const { binding } = await import('../../lib/native');
    const b = binding as Record<string, (...a: unknown[]) => unknown>;
    expect(() => b.waitpid()).toThrow(TypeError);
    expect(() => b.read(0, 'nope')).toThrow(TypeError);
    expect(() => b.write(1e12, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => b.execve('/bin/true', [1], [])).toThrow(TypeError);
  });
  it('validates exec arguments like Python', () => {
    expect(() => os.execv('/bin/true', [])).toThrow(/must not be empty/);
    expect(() => os.execv('/bin/true', [''])).toThrow(/non-empty/);
    expect(() => os.execve('/bin/true', ['true'], { 'A=B': 'x' })).toThrow(/illegal/);
  });
  it('waitstatus_to_exitcode rejects non-integers and undecodable statuses', () => {
    expect(() => os.waitstatus_to_exitcode(0.5)).toThrow(RangeError);
    expect(() => os.waitstatus_to_exitcode('1' as never)).toThrow(TypeError);
    expect(() => os.waitstatus_to_exitcode(0x137f)).toThrow(/invalid wait status/); // stopped
  });
  it('register_at_fork needs at least one function', () => {
    expect(() => os.register_at_fork({})).toThrow(/at least one/);
    expect(() => os.register_at_fork({ before: 1 as never })).toThrow(TypeError);
  });
});

describe('errno mapping', () => {
  it('ECHILD when there is no child', () => {
    try {
      os.waitpid(-1, 0);
      expect.unreachable();
    } catch (e) {
      const err = e as errors.OSError;
      expect(err).toBeInstanceOf(errors.ChildProcessError);
      expect(err).toBeInstanceOf(errors.OSError);
      expect(err.code).toBe('ECHILD');
      expect(err.errno).toBe(-10);
      expect(err.syscall).toBe('waitpid');
      expect(err.message).toBe('ECHILD: no child processes, waitpid');
    }
    expect(() => os.wait()).toThrow(errors.ChildProcessError);
  });
  it('EBADF, ESRCH, EINVAL, EPERM', () => {
    const [r, w] = os.pipe();
    os.close(r);
    os.close(w);
    expect(() => os.close(r)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close', errno: -9 }));
    expect(() => os.read(r, 1)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'read' }));
    expect(() => os.kill(2 ** 22 + 12345, 0)).toThrow(errors.ProcessLookupError);
    expect(() => os.kill(os.getpid(), 4096)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'kill' }));
    expect(() => os.kill(1, 0)).not.toThrow(); // root may probe init
    expect(() => os.getpgid(2 ** 22 + 12345)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
  it('errno table has the names Node lacks', () => {
    expect(errors.errno.ECHILD).toBe(10);
    expect(errors.errno.EINPROGRESS).toBe(115);
    expect(errors.errno.EIDRM).toBe(43);
    expect(errors.errno.EDEADLK).toBe(35);
  });
});

describe('ids, groups, sessions', () => {
  it('getpid/getppid match Node', () => {
    expect(os.getpid()).toBe(process.pid);
    expect(os.getppid()).toBe(process.ppid);
    expect(os.gettid()).toBe(process.pid);
  });
  it('getpgid(0) is getpgrp(); getsid/getpgrp agree with /proc/self/stat', () => {
    // The kernel reports 0 when the session or group leader lives outside our
    // PID namespace (CI containers), so compare with an independent source
    // instead of assuming a positive id.
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    expect(os.getpgid(0)).toBe(os.getpgrp());
    expect(os.getpgrp()).toBe(pgrp);
    expect(os.getsid(0)).toBe(session);
    expect(os.getsid(os.getpid())).toBe(session);
  });
  it('setsid in a child makes a new session; setpgid makes a new group', () => {
    expect(forkRun(() => (os.setsid() === os.getpid() && os.getsid(0) === os.getpid() ? 0 : 1))).toBe(0);
    expect(forkRun(() => { os.setpgid(0, 0); return os.getpgrp() === os.getpid() ? 0 : 1; })).toBe(0);
    // A group leader cannot start a session (setsid(2) EPERM).
    expect(forkRun(() => {
      os.setpgid(0, 0);
      try { os.setsid(); return 1; } catch (e) { return (e as errors.OSError).code === 'EPERM' ? 0 : 2; }
    })).toBe(0);
  });
  it('nice changes the niceness of a child only', () => {
    const before = os.nice(0);
    expect(forkRun(() => (os.nice(3) === before + 3 ? 0 : 1))).toBe(0);
    expect(os.nice(0)).toBe(before);
  });
});

describe('file descriptors', () => {
  it('pipe/write/read/close round-trip, fds born close-on-exec', () => {
    const n = fdCount();
    const [r, w] = os.pipe();
    expect(os.get_inheritable(r)).toBe(false);
    expect(os.get_inheritable(w)).toBe(false);
    expect(os.write(w, Buffer.from('hello'))).toBe(5);
    expect(os.write(w, ' world')).toBe(6);
    expect(os.read(r, 100).toString()).toBe('hello world');
    const buf = new Uint8Array(4);
    os.write(w, 'abcdef');
    expect(os.readinto(r, buf)).toBe(4);
    expect(Buffer.from(buf).toString()).toBe('abcd');
    expect(os.read(r, 0).length).toBe(0);
    os.close(w);
    expect(os.read(r, 10).toString()).toBe('ef');
    expect(os.read(r, 10).length).toBe(0); // EOF
    os.close(r);
    expect(fdCount()).toBe(n);
  });
  it('objects with fileno() are accepted', () => {
    const [r, w] = os.pipe();
    const file = { fileno: () => w };
    os.write(file, 'x');
    expect(os.read({ fileno: () => r }, 1).toString()).toBe('x');
    expect(() => os.read({ fileno: () => 'x' } as never, 1)).toThrow(TypeError);
    os.close(r);
    os.close(w);
  });
  it('non-blocking read gives BlockingIOError (EAGAIN)', () => {
    const [r, w] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC);
    expect(os.get_blocking(r)).toBe(false);
    expect(() => os.read(r, 1)).toThrow(errors.BlockingIOError);
    os.set_blocking(r, true);
    expect(os.get_blocking(r)).toBe(true);
    os.close(r);
    os.close(w);
    expect(() => os.pipe2(0x40000000)).toThrow(TypeError);
  });
  it('dup is close-on-exec, dup2 inheritable by default', () => {
    const [r, w] = os.pipe();
    const d = os.dup(w);
    expect(os.get_inheritable(d)).toBe(false);
    expect(os.dup2(w, 900)).toBe(900);
    expect(os.get_inheritable(900)).toBe(true);
    expect(os.dup2(w, 901, false)).toBe(901);
    expect(os.get_inheritable(901)).toBe(false);
    os.set_inheritable(901, true);
    expect(os.get_inheritable(901)).toBe(true);
    os.write(900, 'a');
    os.write(d, 'b');
    expect(os.read(r, 2).toString()).toBe('ab');
    for (const fd of [r, w, d, 900, 901]) os.close(fd);
  });
  it('write to a pipe with no reader is EPIPE, not death (Node ignores SIGPIPE)', () => {
    const [r, w] = os.pipe();
    os.close(r);
    expect(() => os.write(w, 'x')).toThrow(errors.BrokenPipeError);
    os.close(w);
  });
});

describe('exec', () => {
  it('execv replaces the child process; the exit code reaches waitpid', () => {
    expect(forkRun(() => os.execv('/bin/sh', ['sh', '-c', 'exit 42']))).toBe(42);
  });
  it('execve passes the environment; a failed exec throws ENOENT with the path', () => {
    expect(forkRun(() => os.execve('/bin/sh', ['sh', '-c', 'test "$X" = 1'], { X: '1' }))).toBe(0);
    expect(forkRun(() => {
      try { os.execv('/nonexistent/prog', ['prog']); } catch (e) {
        const err = e as errors.OSError;
        return err.code === 'ENOENT' && err.syscall === 'execve' && err.path === '/nonexistent/prog' ? 0 : 1;
      }
      return 2;
    })).toBe(0);
  });
  it('resets SIGPIPE for the new program (NODE-01)', () => {
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      os.dup2(w, 1);
      os.execv('/bin/grep', ['grep', 'SigIgn', '/proc/self/status']);
    }
    os.close(w);
    const [, status] = os.waitpid(pid, 0);
    const out = os.read(r, 4096).toString();
    os.close(r);
    expect(os.waitstatus_to_exitcode(status)).toBe(0);
    const mask = BigInt(`0x${out.split(/\s+/)[1]}`);
    expect(mask & (1n << 12n)).toBe(0n); // bit 12 = signal 13 (SIGPIPE)
    // while this Node process itself ignores it
    const own = readFileSync('/proc/self/status', 'utf8').match(/SigIgn:\s+(\w+)/)![1];
    expect(BigInt(`0x${own}`) & (1n << 12n)).toBe(1n << 12n);
  });
});

describe('pidfd_open', () => {
  it('polls readable once the child exits; close-on-exec; ESRCH after the reap', async () => {
    const { poll, POLLIN } = await import('../../lib/select');
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) { os.read(r, 1); os._exit(4); }
    const fd = os.pidfd_open(pid);
    expect(os.get_inheritable(fd)).toBe(false);
    const p = poll();
    p.register(fd, POLLIN);
    expect(p.poll(50)).toEqual([]); // still running
    os.write(w, 'x');
    expect(p.poll(5000)).toEqual([[fd, POLLIN]]);
    expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(4);
    for (const f of [fd, r, w]) os.close(f);
    expect(() => os.pidfd_open(pid)).toThrow(expect.objectContaining({ code: 'ESRCH', syscall: 'pidfd_open' }));
    expect(() => os.pidfd_open(0)).toThrow(RangeError);
    expect(() => os.pidfd_open('1' as never)).toThrow(TypeError);
  });
});
