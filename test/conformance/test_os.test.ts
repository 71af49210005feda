// Port of CPython 3.11 Lib/test/test_os.py: the fork, wait, pipe, dup,
// inheritable, blocking and waitstatus methods (ForkTests, PidTests,
// FDInheritanceTests, BlockingTests and TestInvalidFD's fd methods).
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { errno } from '../../lib/errors';
import { fdCloexec, LONG_TIMEOUT, make_bad_fd } from './support/helpers';
import { assert_node_ok, PRELUDE, run_node } from './support/script';
import { OSError, pyErrno, run, strict, TestCase } from './support/unittest';

const O = strict(os, 'os');

/** os.open (posixkit has none yet: TypeError until it exists). */
const osOpen = (path: string, flags: number): number => (O.open as (p: string, f: number) => number)(path, flags);

class ForkTests extends TestCase {
  test_fork(): void {
    // bpo-42540: ensure os.fork() does not crash on exit (CPython also runs it
    // with PYTHONMALLOC=malloc_debug; the second run here is a plain repeat).
    const code = `
      const pid = os.fork();
      if (pid !== 0) {
        const [, status] = os.waitpid(pid, 0);
        if (os.waitstatus_to_exitcode(status) !== 0) throw new Error('exit code ' + os.waitstatus_to_exitcode(status));
      }
    `;
    assert_node_ok(code);
    assert_node_ok(code);
  }
}

class PidTests extends TestCase {
  test_getppid(): void {
    const r = run_node('console.log(os.getppid());');
    // We are the parent of our subprocess
    this.assertEqual(parseInt(r.out, 10), process.pid);
  }

  /** os.spawnv(P_NOWAIT, node, ['-e', code]): fork + execv. */
  spawnv(code: string): number {
    const pid = os.fork();
    if (pid === 0) {
      try {
        os.execv(process.execPath, [process.execPath, '--single-threaded', '-e', PRELUDE + code]);
      } finally {
        os._exit(127);
      }
    }
    return pid;
  }

  check_waitpid(code: string, exitcode: number, callback?: (pid: number) => void): void {
    const pid = this.spawnv(code);
    if (callback) callback(pid);
    // don't use support.wait_process() to test directly os.waitpid() and os.waitstatus_to_exitcode()
    const [pid2, status] = os.waitpid(pid, 0);
    this.assertEqual(os.waitstatus_to_exitcode(status), exitcode);
    this.assertEqual(pid2, pid);
  }

  test_waitpid(): void {
    this.check_waitpid('', 0);
  }

  test_waitstatus_to_exitcode(): void {
    const exitcode = 23;
    this.check_waitpid(`process.exit(${exitcode});`, exitcode);
    // [python-only] waitstatus_to_exitcode(0.0) raises TypeError: in JS 0.0 is the number 0 (no int/float types)
  }

  test_waitstatus_to_exitcode_kill(): void {
    const signum = signal.SIGKILL;
    this.check_waitpid(`setTimeout(() => {}, ${LONG_TIMEOUT * 1000});`, -signum, (pid) => os.kill(pid, signum));
  }
}

class FDInheritanceTests extends TestCase {
  test_get_set_inheritable(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(os.get_inheritable(fd), false);
    os.set_inheritable(fd, true);
    this.assertEqual(os.get_inheritable(fd), true);
  }

  test_get_inheritable_cloexec(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(os.get_inheritable(fd), false);
    // clear FD_CLOEXEC flag (fcntl F_SETFD)
    fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) & ~fcntl.FD_CLOEXEC);
    this.assertEqual(os.get_inheritable(fd), true);
  }

  test_set_inheritable_cloexec(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(fdCloexec(fd), 1);
    os.set_inheritable(fd, true);
    this.assertEqual(fdCloexec(fd), 0);
  }

  test_get_set_inheritable_o_path(): void {
    const fd = osOpen(__filename, O.O_PATH);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(os.get_inheritable(fd), false);
    os.set_inheritable(fd, true);
    this.assertEqual(os.get_inheritable(fd), true);
    os.set_inheritable(fd, false);
    this.assertEqual(os.get_inheritable(fd), false);
  }

  test_get_set_inheritable_badf(): void {
    const fd = make_bad_fd();
    let e = this.assertRaises(OSError, () => os.get_inheritable(fd));
    this.assertEqual(pyErrno(e), errno.EBADF);
    e = this.assertRaises(OSError, () => os.set_inheritable(fd, true));
    this.assertEqual(pyErrno(e), errno.EBADF);
    e = this.assertRaises(OSError, () => os.set_inheritable(fd, false));
    this.assertEqual(pyErrno(e), errno.EBADF);
  }

  test_open(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(os.get_inheritable(fd), false);
  }

  test_pipe(): void {
    const [rfd, wfd] = os.pipe();
    this.addCleanup(() => os.close(rfd));
    this.addCleanup(() => os.close(wfd));
    this.assertEqual(os.get_inheritable(rfd), false);
    this.assertEqual(os.get_inheritable(wfd), false);
  }

  test_dup(): void {
    const fd1 = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd1));
    const fd2 = os.dup(fd1);
    this.addCleanup(() => os.close(fd2));
    this.assertEqual(os.get_inheritable(fd2), false);
  }

  test_dup_standard_stream(): void {
    const fd = os.dup(1);
    this.addCleanup(() => os.close(fd));
    this.assertGreater(fd, 0);
  }

  test_dup2(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    // inheritable by default
    const fd2 = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd2));
    this.assertEqual(os.dup2(fd, fd2), fd2);
    this.assertTrue(os.get_inheritable(fd2));
    // force non-inheritable
    const fd3 = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd3));
    this.assertEqual(os.dup2(fd, fd3, false), fd3);
    this.assertFalse(os.get_inheritable(fd3));
  }

  test_openpty(): void {
    const [master_fd, slave_fd] = O.openpty() as [number, number];
    this.addCleanup(() => os.close(master_fd));
    this.addCleanup(() => os.close(slave_fd));
    this.assertEqual(os.get_inheritable(master_fd), false);
    this.assertEqual(os.get_inheritable(slave_fd), false);
  }
}

class BlockingTests extends TestCase {
  test_blocking(): void {
    const fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(fd));
    this.assertEqual(os.get_blocking(fd), true);
    os.set_blocking(fd, false);
    this.assertEqual(os.get_blocking(fd), false);
    os.set_blocking(fd, true);
    this.assertEqual(os.get_blocking(fd), true);
  }
}

class TestInvalidFD extends TestCase {
  check(f: (fd: number, ...a: any[]) => unknown, ...args: unknown[]): void {
    try {
      f(make_bad_fd(), ...args);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      this.assertEqual(pyErrno(e), errno.EBADF);
      return;
    }
    this.fail(`${f.name} didn't raise an OSError with a bad file descriptor`);
  }

  test_dup(): void {
    this.check(os.dup);
  }

  test_dup2(): void {
    this.check(os.dup2, 20);
  }

  test_dup2_negative_fd(): void {
    const valid_fd = osOpen(__filename, O.O_RDONLY);
    this.addCleanup(() => os.close(valid_fd));
    const fds = [valid_fd, -1, -(2 ** 31)];
    for (const fd of fds) {
      for (const fd2 of fds) {
        if (fd === fd2) continue;
        const e = this.assertRaises(OSError, () => os.dup2(fd, fd2));
        this.assertEqual(pyErrno(e), errno.EBADF, `fd=${fd}, fd2=${fd2}`);
      }
    }
  }

  test_read(): void {
    this.check(os.read, 1);
  }

  test_write(): void {
    this.check(os.write, Buffer.from(' '));
  }

  test_inheritable(): void {
    this.check(os.get_inheritable);
    this.check(os.set_inheritable, true);
  }

  test_blocking(): void {
    this.check(os.get_blocking);
    this.check(os.set_blocking, true);
  }
}

run('test_os', [ForkTests, PidTests, FDInheritanceTests, BlockingTests, TestInvalidFD]);
