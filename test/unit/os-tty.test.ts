// Pseudo-terminals: what /proc and the terminal itself report about the
// fds openpty/forkpty/login_tty make; window size set by stty(1).
import * as assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { code } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { forkRun } from '../helpers/proc';

checkLeaks();

/** Everything the child writes to the pty, until it closes its side (EIO on the master). */
function drain(master: number): string {
  let out = '';
  for (;;) {
    try {
      const b = os.read(master, 4096);
      if (b.length === 0) return out;
      out += b.toString();
    } catch (e) {
      if ((e as { code: string }).code === 'EIO') return out;
      throw e;
    }
  }
}

describe('openpty, isatty, ttyname', () => {
  it('gives a master/slave pair of terminals, both close-on-exec', () => {
    const [m, s] = os.openpty();
    try {
      expect([os.isatty(m), os.isatty(s)]).toEqual([true, true]);
      expect([os.get_inheritable(m), os.get_inheritable(s)]).toEqual([false, false]);
      expect(os.ttyname(s)).toMatch(/^\/dev\/pts\/\d+$/);
      expect(os.ttyname(s)).toBe(readlinkSync(`/proc/self/fd/${s}`));
      os.write(s, 'ping\n');
      expect(os.read(m, 100).toString()).toBe('ping\r\n'); // the line discipline's ONLCR
    } finally {
      os.close(m);
      os.close(s);
    }
  });
  it('isatty is false (never an error) for a pipe, a closed or a negative fd; ttyname says ENOTTY', () => {
    const [r, w] = os.pipe();
    expect(os.isatty(r)).toBe(false);
    expect(code(() => os.ttyname(r))).toBe('ENOTTY');
    expect(code(() => os.tcgetpgrp(r))).toBe('ENOTTY');
    expect(code(() => os.get_terminal_size(r))).toBe('ENOTTY');
    os.close(r);
    os.close(w);
    expect(os.isatty(r)).toBe(false);
    expect(os.isatty(-1)).toBe(false);
    expect(code(() => os.isatty('x' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.ttyname(r))).toBe('EBADF');
  });
  it('get_terminal_size reads the size stty set', () => {
    const [m, s] = os.openpty();
    try {
      const pid = os.posix_spawn('/bin/stty', ['stty', 'cols', '100', 'rows', '40'], process.env, {
        file_actions: [[os.POSIX_SPAWN_DUP2, s, 0]],
      });
      expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(0);
      const size = os.get_terminal_size(s);
      expect(size).toBeInstanceOf(os.terminal_size);
      expect([size.columns, size.lines]).toEqual([100, 40]);
      expect(os.get_terminal_size(m)).toEqual([100, 40]);
    } finally {
      os.close(m);
      os.close(s);
    }
  });
});

describe('forkpty and login_tty', () => {
  it('forkpty: the child runs in its own session with the pty as controlling terminal and stdio', () => {
    const [pid, master] = os.forkpty();
    if (pid === 0) {
      // The child: report what the kernel says, on stdout (the pty).
      let rc = 0;
      try {
        os.write(1, `${os.ttyname(0)} ${os.getsid(0) === os.getpid()} ${os.tcgetpgrp(0) === os.getpid()} ${os.isatty(2)}\n`);
      } catch {
        rc = 3;
      }
      os._exit(rc);
    }
    try {
      const out = drain(master).trim();
      expect(out).toMatch(/^\/dev\/pts\/\d+ true true true$/);
    } finally {
      os.close(master);
      expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(0);
    }
  });
  it('login_tty makes a terminal the controlling one of a new session; tcsetpgrp moves the foreground', () => {
    const [m, s] = os.openpty();
    try {
      expect(forkRun(() => {
        os.close(m);
        const name = os.ttyname(s);
        os.login_tty(s);
        assert.equal(os.ttyname(0), name);
        assert.equal(os.ttyname(1), name);
        assert.equal(os.getsid(0), os.getpid());
        assert.equal(os.tcgetpgrp(0), os.getpgrp());
        os.tcsetpgrp(0, os.getpgrp());
        assert.equal(code(() => os.tcsetpgrp(0, 2 ** 22 + 12345)), 'ESRCH'); // no such group
        assert.equal(code(() => os.tcsetpgrp(0, os.getpgid(os.getppid()))), 'EPERM'); // a group of another session
        assert.equal(code(() => os.login_tty(s)), 'EBADF'); // login_tty closed it
        return 0;
      })).toBe(0);
    } finally {
      os.close(m);
      os.close(s);
    }
  });
});
