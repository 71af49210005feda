// Port of CPython 3.11 Lib/test/test_signal.py (the methods that apply to
// Linux; WindowsSignalTests and test_invalid_argument are Windows-only).
// Code CPython runs in a fresh interpreter runs in a fresh node here
// (support/script.ts); its posixkit modules come from dist/.
import * as path from 'node:path';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { errno } from '../../lib/errors';
import { mmap } from '../../lib/mmap';
import { make_bad_fd, monotonic, SHORT_TIMEOUT, sleep } from './support/helpers';
import { assert_node_ok, run_node } from './support/script';
import { ForkThread } from './support/thread';
import { OSError, pyErrno, requires, run, strict, TestCase, ValueError } from './support/unittest';

/** KeyboardInterrupt: Python's default SIGINT handler raises it; only an error so named matches. */
const KeyboardInterrupt = { pyName: 'KeyboardInterrupt', test: (e: unknown) => (e as Error | null)?.name === 'KeyboardInterrupt' };

/** isinstance(x, signal.Handlers): one of the handler constants. */
const isHandlers = (x: unknown): boolean => x === signal.SIG_DFL || x === signal.SIG_IGN;

class GenericTests extends TestCase {
  test_enums(): void {}
  test_functions_module_attr(): void {}
}

class PosixTests extends TestCase {
  trivial_signal_handler = (): void => {};

  test_out_of_range_signal_number_raises_error(): void {
    this.assertRaises(ValueError, () => signal.getsignal(4242));
    this.assertRaises(ValueError, () => signal.signal(4242, this.trivial_signal_handler));
    this.assertRaises(ValueError, () => signal.strsignal(4242));
  }

  test_setting_signal_handler_to_none_raises_error(): void {
    this.assertRaises(TypeError, () => signal.signal(signal.SIGUSR1, null as never));
  }

  test_getsignal(): void {
    const hup = signal.signal(signal.SIGHUP, this.trivial_signal_handler);
    this.assertTrue(isHandlers(hup), `${String(hup)} is not a signal.Handlers`);
    this.assertEqual(signal.getsignal(signal.SIGHUP), this.trivial_signal_handler);
    signal.signal(signal.SIGHUP, hup);
    this.assertEqual(signal.getsignal(signal.SIGHUP), hup);
  }

  test_strsignal(): void {
    this.assertIn('Interrupt', signal.strsignal(signal.SIGINT));
    this.assertIn('Terminated', signal.strsignal(signal.SIGTERM));
    this.assertIn('Hangup', signal.strsignal(signal.SIGHUP));
  }

  // bpo-3864, unknown if this affects earlier versions of freebsd also
  test_interprocess_signal(): void {
    const script = path.join(__dirname, 'fixtures', 'signalinterproctester.js');
    assert_node_ok(`require(${JSON.stringify(script)});`);
  }

  test_valid_signals(): void {
    const s = signal.valid_signals();
    this.assertIsInstance(s, Set);
    this.assertIn(signal.SIGINT, s);
    this.assertIn(signal.SIGALRM, s);
    this.assertNotIn(0, s);
    this.assertNotIn(signal.NSIG, s);
    this.assertLess(s.size, signal.NSIG);

    // gh-91145: Make sure that all SIGxxx constants exposed by the Python
    // signal module have a number in the [0; signal.NSIG-1] range.
    for (const [name, signum] of Object.entries(signal)) {
      if (!name.startsWith('SIG')) continue;
      if (name === 'SIG_IGN' || name === 'SIG_DFL') continue;
      this.assertGreaterEqual(signum as number, 0, name);
      this.assertLess(signum as number, signal.NSIG, name);
    }
  }

  test_keyboard_interrupt_exit_code(): void {
    // KeyboardInterrupt triggers exit via SIGINT.
    const r = run_node(`
      os.kill(os.getpid(), signal.SIGINT);
      for (let i = 0; i < 999; i++) sleep(0.01);
    `);
    this.assertIn('KeyboardInterrupt', r.err);
    this.assertEqual(r.rc, -signal.SIGINT);
  }
}

class WakeupFDTests extends TestCase {
  test_invalid_call(): void {}

  test_invalid_fd(): void {
    const fd = make_bad_fd();
    this.assertRaises([ValueError, OSError], () => set_wakeup_fd(fd));
  }

  test_invalid_socket(): void {
    const sock = socket.socket();
    const fd = sock.fileno();
    sock.close();
    this.assertRaises([ValueError, OSError], () => set_wakeup_fd(fd));
  }

  test_set_wakeup_fd_result(): void {
    const [r1, w1] = os.pipe();
    this.addCleanup(() => os.close(r1));
    this.addCleanup(() => os.close(w1));
    const [r2, w2] = os.pipe();
    this.addCleanup(() => os.close(r2));
    this.addCleanup(() => os.close(w2));

    os.set_blocking(w1, false);
    os.set_blocking(w2, false);

    set_wakeup_fd(w1);
    this.assertEqual(set_wakeup_fd(w2), w1);
    this.assertEqual(set_wakeup_fd(-1), w2);
    this.assertEqual(set_wakeup_fd(-1), -1);
  }

  test_set_wakeup_fd_socket_result(): void {
    const sock1 = socket.socket();
    this.addCleanup(() => sock1.close());
    sock1.setblocking(false);
    const fd1 = sock1.fileno();

    const sock2 = socket.socket();
    this.addCleanup(() => sock2.close());
    sock2.setblocking(false);
    const fd2 = sock2.fileno();

    set_wakeup_fd(fd1);
    this.assertEqual(set_wakeup_fd(fd2), fd1);
    this.assertEqual(set_wakeup_fd(-1), fd2);
    this.assertEqual(set_wakeup_fd(-1), -1);
  }

  test_set_wakeup_fd_blocking(): void {
    const [rfd, wfd] = os.pipe();
    this.addCleanup(() => os.close(rfd));
    this.addCleanup(() => os.close(wfd));

    // fd must be non-blocking
    os.set_blocking(wfd, true);
    const e = this.assertRaises(ValueError, () => set_wakeup_fd(wfd));
    this.assertEqual(String(e.message), `the fd ${wfd} must be in non-blocking mode`);

    // non-blocking is ok
    os.set_blocking(wfd, false);
    set_wakeup_fd(wfd);
    set_wakeup_fd(-1);
  }
}

/** signal.set_wakeup_fd (posixkit has none yet: TypeError until it exists). */
function set_wakeup_fd(fd: number, opts?: { warn_on_full_buffer?: boolean }): number {
  return strict(signal, 'signal').set_wakeup_fd(fd, opts);
}

// The snippet helpers of WakeupSignalTests.check_wakeup, in JS.
function check_wakeup(test_body: string, signals: number[], ordered = true): void {
  assert_node_ok(`
    const signals = ${JSON.stringify(signals)};
    function handler(signum) {}
    function check_signum(signals) {
      const data = os.read(read, signals.length + 1);
      let raised = [...data];
      let want = signals;
      if (!${ordered}) { raised = [...new Set(raised)].sort(); want = [...new Set(signals)].sort(); }
      if (JSON.stringify(raised) !== JSON.stringify(want)) throw new Error(JSON.stringify(raised) + ' != ' + JSON.stringify(want));
    }
    ${test_body}
    signal.signal(signal.SIGALRM, handler);
    const [read, write] = os.pipe();
    os.set_blocking(write, false);
    signal.set_wakeup_fd(write);
    test();
    check_signum(signals);
    os.close(read);
    os.close(write);
  `);
}

class WakeupSignalTests extends TestCase {
  test_wakeup_write_error(): void {
    // Issue #16105: write() errors in the C signal handler should not
    // pass silently.
    const [r, w] = os.pipe();
    try {
      os.write(r, Buffer.from('x'));
      this.skipTest("OS doesn't report write() error on the read end of a pipe");
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
    } finally {
      os.close(r);
      os.close(w);
    }
    assert_node_ok(`
      function handler(signum) { throw new ZeroDivisionError(); }
      signal.signal(signal.SIGALRM, handler);
      const [r, w] = os.pipe();
      os.set_blocking(r, false);
      // Set wakeup_fd a read-only file descriptor to trigger the error
      signal.set_wakeup_fd(r);
      const chunks = [];
      const write = process.stderr.write;
      process.stderr.write = (c) => { chunks.push(String(c)); return true; };
      let raised = false;
      try {
        signal.raise_signal(signal.SIGALRM);
      } catch (e) {
        if (!(e instanceof ZeroDivisionError)) throw e;
        raised = true;
      } finally {
        process.stderr.write = write;
      }
      if (!raised) throw new Error('ZeroDivisionError not raised');
      const err = chunks.join('');
      if (!err.includes('Exception ignored when trying to write to the signal wakeup fd')) throw new Error(err);
      if (!err.includes('EBADF')) throw new Error(err);
      os.close(r);
      os.close(w);
    `);
  }

  test_wakeup_fd_early(): void {
    check_wakeup(`function test() {
      const TIMEOUT_FULL = 10;
      const TIMEOUT_HALF = 5;
      class InterruptSelect extends Error {}
      signal.signal(signal.SIGALRM, () => { throw new InterruptSelect(); });
      signal.alarm(1);
      // We attempt to get a signal during the sleep, before select is called
      let interrupted = false;
      try {
        select.select([], [], [], TIMEOUT_FULL);
      } catch (e) {
        if (!(e instanceof InterruptSelect)) throw e;
        interrupted = true;
      }
      if (!interrupted) throw new Error('select() was not interrupted');
      const before_time = monotonic();
      select.select([read], [], [], TIMEOUT_FULL);
      const dt = monotonic() - before_time;
      if (dt >= TIMEOUT_HALF) throw new Error(dt + ' >= ' + TIMEOUT_HALF);
    }`, [signal.SIGALRM]);
  }

  test_wakeup_fd_during(): void {
    check_wakeup(`function test() {
      const TIMEOUT_FULL = 10;
      const TIMEOUT_HALF = 5;
      class InterruptSelect extends Error {}
      signal.signal(signal.SIGALRM, () => { throw new InterruptSelect(); });
      signal.alarm(1);
      const before_time = monotonic();
      // We attempt to get a signal during the select call
      let interrupted = false;
      try {
        select.select([read], [], [], TIMEOUT_FULL);
      } catch (e) {
        if (!(e instanceof InterruptSelect)) throw e;
        interrupted = true;
      }
      if (!interrupted) throw new Error('select() was not interrupted');
      const dt = monotonic() - before_time;
      if (dt >= TIMEOUT_HALF) throw new Error(dt + ' >= ' + TIMEOUT_HALF);
    }`, [signal.SIGALRM]);
  }

  test_signum(): void {
    check_wakeup(`function test() {
      signal.signal(signal.SIGUSR1, handler);
      signal.raise_signal(signal.SIGUSR1);
      signal.raise_signal(signal.SIGALRM);
    }`, [signal.SIGUSR1, signal.SIGALRM]);
  }

  test_pending(): void {
    check_wakeup(`function test() {
      const signum1 = signal.SIGUSR1;
      const signum2 = signal.SIGUSR2;
      signal.signal(signum1, handler);
      signal.signal(signum2, handler);
      signal.pthread_sigmask(signal.SIG_BLOCK, [signum1, signum2]);
      signal.raise_signal(signum1);
      signal.raise_signal(signum2);
      // Unblocking the 2 signals calls the C signal handler twice
      signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum1, signum2]);
    }`, [signal.SIGUSR1, signal.SIGUSR2], false);
  }
}

class WakeupSocketSignalTests extends TestCase {
  test_socket(): void {
    assert_node_ok(`
      const signum = signal.SIGINT;
      const signals = [signum];
      signal.signal(signum, () => {});
      const [read, write] = socket.socketpair();
      write.setblocking(false);
      signal.set_wakeup_fd(write.fileno());
      signal.raise_signal(signum);
      const data = read.recv(1);
      if (!data.length) throw new Error('no signum written');
      if (data[0] !== signum) throw new Error(data[0] + ' != ' + signum);
      read.close();
      write.close();
    `);
  }

  test_send_error(): void {
    assert_node_ok(`
      const signum = signal.SIGINT;
      signal.signal(signum, () => {});
      const [read, write] = socket.socketpair();
      read.setblocking(false);
      write.setblocking(false);
      signal.set_wakeup_fd(write.fileno());
      // Close sockets: send() will fail
      read.close();
      write.close();
      const chunks = [];
      const w = process.stderr.write;
      process.stderr.write = (c) => { chunks.push(String(c)); return true; };
      try { signal.raise_signal(signum); } finally { process.stderr.write = w; }
      const err = chunks.join('');
      if (!err.includes('Exception ignored when trying to write to the signal wakeup fd')) throw new Error(err);
    `);
  }

  test_warn_on_full_buffer(): void {
    assert_node_ok(`
      const signum = signal.SIGINT;
      // This handler will be called, but we intentionally won't read from the wakeup fd.
      signal.signal(signum, () => {});
      const [read, write] = socket.socketpair();
      // Fill the socketpair buffer
      write.setblocking(false);
      let written = 0;
      for (const chunk_size of [2 ** 16, 2 ** 8, 1]) {
        const chunk = Buffer.alloc(chunk_size, 'x');
        try {
          for (;;) { write.send(chunk); written += chunk_size; }
        } catch (e) {
          if (!(e instanceof errors.BlockingIOError || e instanceof errors.TimeoutError)) throw e;
        }
      }
      console.log(written + ' bytes written into the socketpair');
      write.setblocking(false);
      let full = false;
      try { write.send(Buffer.from('x')); } catch (e) { if (!(e instanceof errors.BlockingIOError)) throw e; full = true; }
      if (!full) throw new Error(written + ' bytes failed to fill the socketpair buffer');
      const msg = 'Exception ignored when trying to write to the signal wakeup fd';
      function captured(fn) {
        const chunks = [];
        const w = process.stderr.write;
        process.stderr.write = (c) => { chunks.push(String(c)); return true; };
        try { fn(); } finally { process.stderr.write = w; }
        return chunks.join('');
      }
      // By default, we get a warning when a signal arrives
      signal.set_wakeup_fd(write.fileno());
      let err = captured(() => signal.raise_signal(signum));
      if (!err.includes(msg)) throw new Error('first set_wakeup_fd() test failed, stderr: ' + err);
      // And also if warn_on_full_buffer=True
      signal.set_wakeup_fd(write.fileno(), { warn_on_full_buffer: true });
      err = captured(() => signal.raise_signal(signum));
      if (!err.includes(msg)) throw new Error('set_wakeup_fd(warn_on_full_buffer=True) test failed, stderr: ' + err);
      // But not if warn_on_full_buffer=False
      signal.set_wakeup_fd(write.fileno(), { warn_on_full_buffer: false });
      err = captured(() => signal.raise_signal(signum));
      if (err !== '') throw new Error('set_wakeup_fd(warn_on_full_buffer=False) test failed, stderr: ' + err);
      // And then check the default again, to make sure warn_on_full_buffer settings don't leak across calls.
      signal.set_wakeup_fd(write.fileno());
      err = captured(() => signal.raise_signal(signum));
      if (!err.includes(msg)) throw new Error('second set_wakeup_fd() test failed, stderr: ' + err);
    `);
  }
}

class SiginterruptTest extends TestCase {
  /**
   * Perform a read during which a signal will arrive. Return True if the
   * read is interrupted by the signal and raises an exception. Return False
   * if it returns normally.
   */
  readpipe_interrupted(interrupt: boolean | null): boolean {
    // use a subprocess to have only one thread, to have a timeout on the
    // blocking read and to not touch signal handling in this process
    const r = run_node(`
      const interrupt = ${JSON.stringify(interrupt)};
      const [r, w] = os.pipe();
      signal.signal(signal.SIGALRM, () => { throw new ZeroDivisionError(); });
      if (interrupt !== null) signal.siginterrupt(signal.SIGALRM, interrupt);
      console.log('ready');
      // run the test twice
      let code = 3;
      try {
        for (let loop = 0; loop < 2; loop++) {
          // send a SIGALRM in a second (during the read)
          signal.alarm(1);
          try {
            // blocking call: read from a pipe without data
            os.read(r, 1);
          } catch (e) {
            if (!(e instanceof ZeroDivisionError)) throw e;
            continue;
          }
          code = 2;
          break;
        }
      } finally {
        os.close(r);
        os.close(w);
      }
      process.exit(code);
    `, { timeout: SHORT_TIMEOUT });
    if (r.signal === 'SIGTERM' && r.rc !== 2 && r.rc !== 3) return false; // communicate() timed out
    if (r.rc !== 2 && r.rc !== 3) throw new Error(`Child error (exit code ${r.rc}): ${r.out}${r.err}`);
    return r.rc === 3;
  }

  test_without_siginterrupt(): void {
    // If a signal handler is installed and siginterrupt is not called
    // at all, when that signal arrives, it interrupts a syscall that's in
    // progress.
    this.assertTrue(this.readpipe_interrupted(null));
  }

  test_siginterrupt_on(): void {
    this.assertTrue(this.readpipe_interrupted(true));
  }

  test_siginterrupt_off(): void {
    requires('walltime');
    // If a signal handler is installed and siginterrupt is called with
    // a false value for the second argument, when that signal arrives, it
    // does not interrupt a syscall that's in progress.
    this.assertFalse(this.readpipe_interrupted(false));
  }
}

class ItimerTest extends TestCase {
  hndl_called = false;
  hndl_count = 0;
  itimer: number | null = null;
  old_alarm: signal.Handler = signal.SIG_DFL;

  override setUp(): void {
    this.hndl_called = false;
    this.hndl_count = 0;
    this.itimer = null;
    this.old_alarm = signal.signal(signal.SIGALRM, this.sig_alrm);
  }

  override tearDown(): void {
    signal.signal(signal.SIGALRM, this.old_alarm);
    // just ensure that itimer is stopped
    if (this.itimer !== null) signal.setitimer(this.itimer, 0);
  }

  sig_alrm = (): void => {
    this.hndl_called = true;
  };

  sig_vtalrm = (): void => {
    this.hndl_called = true;
    if (this.hndl_count > 3) {
      // it shouldn't be here, because it should have been disabled.
      throw new signal.ItimerError('EINVAL', -22, 'setitimer', "setitimer didn't disable ITIMER_VIRTUAL timer.");
    } else if (this.hndl_count === 3) {
      // disable ITIMER_VIRTUAL, this function shouldn't be called anymore
      signal.setitimer(signal.ITIMER_VIRTUAL, 0);
    }
    this.hndl_count += 1;
  };

  sig_prof = (): void => {
    this.hndl_called = true;
    signal.setitimer(signal.ITIMER_PROF, 0);
  };

  test_itimer_exc(): void {
    // XXX I'm assuming -1 is an invalid itimer, but maybe some platform defines it ?
    this.assertRaises(signal.ItimerError, () => signal.setitimer(-1, 0));
  }

  test_itimer_real(): void {
    this.itimer = signal.ITIMER_REAL;
    signal.setitimer(this.itimer, 1.0);
    signal.pause();
    this.assertEqual(this.hndl_called, true);
  }

  test_itimer_virtual(): void {
    this.itimer = signal.ITIMER_VIRTUAL;
    signal.signal(signal.SIGVTALRM, this.sig_vtalrm);
    this.addCleanup(() => signal.signal(signal.SIGVTALRM, signal.SIG_DFL));
    signal.setitimer(this.itimer, 0.3, 0.2);
    this.busy_until_disarmed(this.itimer);
    // virtual itimer should be (0.0, 0.0) now
    this.assertEqual(signal.getitimer(this.itimer), [0.0, 0.0]);
    // and the handler should have been called
    this.assertEqual(this.hndl_called, true);
  }

  test_itimer_prof(): void {
    this.itimer = signal.ITIMER_PROF;
    signal.signal(signal.SIGPROF, this.sig_prof);
    this.addCleanup(() => signal.signal(signal.SIGPROF, signal.SIG_DFL));
    signal.setitimer(this.itimer, 0.2, 0.2);
    this.busy_until_disarmed(this.itimer);
    // profiling itimer should be (0.0, 0.0) now
    this.assertEqual(signal.getitimer(this.itimer), [0.0, 0.0]);
    // and the handler should have been called
    this.assertEqual(this.hndl_called, true);
  }

  /** support.busy_retry(60.0): real work until the handler disarmed the timer. */
  busy_until_disarmed(which: number): void {
    const deadline = monotonic() + 60;
    while (monotonic() < deadline) {
      // use up some virtual time by doing real work; a posixkit call lets
      // the handler of a signal that arrived meanwhile run (Python runs it
      // between bytecodes)
      let x = 1n;
      for (let i = 0; i < 2000; i++) x = (x * 12345n) % 10000019n;
      sleep(0);
      const t = signal.getitimer(which);
      if (t[0] === 0 && t[1] === 0) return;
    }
    this.skipTest('timeout: likely cause: machine too slow or load too high');
  }

  test_setitimer_tiny(): void {
    // bpo-30807: C setitimer() takes a microsecond-resolution interval.
    // Check that float -> timeval conversion doesn't round
    // the interval down to zero, which would disable the timer.
    this.itimer = signal.ITIMER_REAL;
    signal.setitimer(this.itimer, 1e-6);
    sleep(1);
    this.assertEqual(this.hndl_called, true);
  }
}

/** wait_helper's snippet: block `blocked`, run test(signum) in a fresh node, and unblock. */
function wait_helper(blocked: number, test: string): void {
  // sig*wait* must be called with the signal blocked: since the current
  // process might have several threads running, use a subprocess.
  assert_node_ok(`
    function handler(signum) { throw new ZeroDivisionError(); }
    ${test}
    const blocked = ${blocked};
    const signum = signal.SIGALRM;
    // child: block and wait the signal
    try {
      signal.signal(signum, handler);
      signal.pthread_sigmask(signal.SIG_BLOCK, [blocked]);
      // Do the tests
      test(signum);
      // The handler must not be called on unblock
      try {
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [blocked]);
      } catch (e) {
        if (!(e instanceof ZeroDivisionError)) throw e;
        console.error('the signal handler has been called');
        process.exit(1);
      }
    } catch (err) {
      console.error('error: ' + err);
      process.exit(1);
    }
  `);
}

class PendingSignalsTests extends TestCase {
  test_sigpending_empty(): void {
    this.assertEqual(signal.sigpending(), new Set());
  }

  test_sigpending(): void {
    assert_node_ok(`
      const signum = signal.SIGUSR1;
      signal.signal(signum, () => { throw new ZeroDivisionError(); });
      signal.pthread_sigmask(signal.SIG_BLOCK, [signum]);
      os.kill(os.getpid(), signum);
      const pending = signal.sigpending();
      for (const sig of pending) if (typeof sig !== 'number') throw new Error(String(pending));
      if (pending.size !== 1 || !pending.has(signum)) throw new Error([...pending] + ' != {' + signum + '}');
      let raised = false;
      try {
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]);
      } catch (e) {
        if (!(e instanceof ZeroDivisionError)) throw e;
        raised = true;
      }
      if (!raised) throw new Error('ZeroDivisionError not raised');
    `);
  }

  test_pthread_kill(): void {
    assert_node_ok(`
      const signum = signal.SIGUSR1;
      signal.signal(signum, () => { throw new ZeroDivisionError(); });
      const tid = require('${path.resolve(__dirname, '../../dist/threading')}').getIdent();
      let raised = false;
      try {
        signal.pthread_kill(tid, signum);
      } catch (e) {
        if (!(e instanceof ZeroDivisionError)) throw e;
        raised = true;
      }
      if (!raised) throw new Error('ZeroDivisionError not raised');
    `);
  }

  test_sigwait(): void {
    wait_helper(signal.SIGALRM, `
      function test(signum) {
        signal.alarm(1);
        const received = signal.sigwait([signum]);
        if (typeof received !== 'number') throw new Error(String(received));
        if (received !== signum) throw new Error('received ' + received + ', not ' + signum);
      }`);
  }

  test_sigwaitinfo(): void {
    wait_helper(signal.SIGALRM, `
      function test(signum) {
        signal.alarm(1);
        const info = signal.sigwaitinfo([signum]);
        if (info.si_signo !== signum) throw new Error('info.si_signo != ' + signum);
      }`);
  }

  test_sigtimedwait(): void {
    wait_helper(signal.SIGALRM, `
      function test(signum) {
        signal.alarm(1);
        const info = signal.sigtimedwait([signum], 10.1000);
        if (info.si_signo !== signum) throw new Error('info.si_signo != ' + signum);
      }`);
  }

  test_sigtimedwait_poll(): void {
    // check that polling with sigtimedwait works
    wait_helper(signal.SIGALRM, `
      function test(signum) {
        os.kill(os.getpid(), signum);
        const info = signal.sigtimedwait([signum], 0);
        if (info.si_signo !== signum) throw new Error('info.si_signo != ' + signum);
      }`);
  }

  test_sigtimedwait_timeout(): void {
    wait_helper(signal.SIGALRM, `
      function test(signum) {
        const received = signal.sigtimedwait([signum], 1.0);
        if (received !== null) throw new Error('received=' + JSON.stringify(received));
      }`);
  }

  test_sigtimedwait_negative_timeout(): void {
    const signum = signal.SIGALRM;
    this.assertRaises(ValueError, () => signal.sigtimedwait([signum], -1.0));
  }

  test_sigwait_thread(): void {
    // Check that calling sigwait() from a thread doesn't suspend the whole
    // process. CPython's killer thread is a forked child here (another
    // thread of ours could not run JS while the main thread waits).
    assert_node_ok(`
      // the default handler terminates the process
      const signum = signal.SIGUSR1;
      // the signal must be blocked by all the threads
      signal.pthread_sigmask(signal.SIG_BLOCK, [signum]);
      const parent = os.getpid();
      const killer = os.fork();
      if (killer === 0) {
        // wait until the main thread is waiting in sigwait()
        sleep(1);
        os.kill(parent, signum);
        os._exit(0);
      }
      const received = signal.sigwait([signum]);
      if (received !== signum) {
        console.error('sigwait() received ' + received + ', not ' + signum);
        process.exit(1);
      }
      os.waitpid(killer, 0);
      // unblock the signal, which should have been cleared by sigwait()
      signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]);
    `);
  }

  test_pthread_sigmask_arguments(): void {
    const f = signal.pthread_sigmask as (...a: unknown[]) => unknown;
    this.assertRaises(TypeError, () => f());
    this.assertRaises(TypeError, () => f(1));
    // [python-only] pthread_sigmask(1, 2, 3): JS ignores extra arguments (Python's arity check)
    this.assertRaises(OSError, () => f(1700, []));
    this.assertRaises(ValueError, () => signal.pthread_sigmask(signal.SIG_BLOCK, [signal.NSIG]));
    this.assertRaises(ValueError, () => signal.pthread_sigmask(signal.SIG_BLOCK, [0]));
    this.assertRaises(ValueError, () => signal.pthread_sigmask(signal.SIG_BLOCK, [2 ** 1000]));
  }

  test_pthread_sigmask_valid_signals(): void {
    let s = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals());
    const old = s;
    this.addCleanup(() => signal.pthread_sigmask(signal.SIG_SETMASK, old));
    // Get current blocked set
    s = signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals());
    const valid = signal.valid_signals();
    this.assertTrue([...s].every((x) => valid.has(x)), `${[...s]} is not a subset of valid_signals()`);
  }

  test_pthread_sigmask(): void {
    assert_node_ok(`
      function handler(signum) { throw new ZeroDivisionError(); }
      function kill(signum) { os.kill(os.getpid(), signum); }
      function check_mask(mask) { for (const sig of mask) if (typeof sig !== 'number') throw new Error(String(sig)); }
      function read_sigmask() { const m = signal.pthread_sigmask(signal.SIG_BLOCK, []); check_mask(m); return m; }
      const xor = (a, b) => new Set([...a, ...b].filter((x) => a.has(x) !== b.has(x)));
      const eq = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
      function expectZDE(fn) {
        try { fn(); } catch (e) { if (e instanceof ZeroDivisionError) return; throw e; }
        throw new Error('ZeroDivisionError not raised');
      }
      const signum = signal.SIGUSR1;
      // Install our signal handler
      const old_handler = signal.signal(signum, handler);
      // Unblock SIGUSR1 (and copy the old mask) to test our signal handler
      const old_mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]);
      check_mask(old_mask);
      expectZDE(() => kill(signum));
      // Block and then raise SIGUSR1. The signal is blocked: the signal
      // handler is not called, and the signal is now pending
      const mask = signal.pthread_sigmask(signal.SIG_BLOCK, [signum]);
      check_mask(mask);
      kill(signum);
      // Check the new mask
      const blocked = read_sigmask();
      check_mask(blocked);
      if (!blocked.has(signum)) throw new Error(signum + ' not in ' + [...blocked]);
      if (!eq(xor(old_mask, blocked), new Set([signum]))) throw new Error('old_mask ^ blocked != {signum}');
      // Unblock SIGUSR1: unblock the pending signal calls immediately the signal handler
      expectZDE(() => signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]));
      expectZDE(() => kill(signum));
      // Check the new mask
      const unblocked = read_sigmask();
      if (unblocked.has(signum)) throw new Error(signum + ' in ' + [...unblocked]);
      if (!eq(xor(blocked, unblocked), new Set([signum]))) throw new Error('blocked ^ unblocked != {signum}');
      if (!eq(old_mask, unblocked)) throw new Error([...old_mask] + ' != ' + [...unblocked]);
    `);
  }

  test_pthread_kill_main_thread(): void {
    // Test that a signal can be sent to the main thread with pthread_kill()
    // before any other thread has been created (see issue #12392).
    const r = run_node(`
      signal.signal(signal.SIGUSR1, () => process.exit(3));
      signal.pthread_kill(require('${path.resolve(__dirname, '../../dist/threading')}').getIdent(), signal.SIGUSR1);
      process.exit(2);
    `);
    if (r.rc !== 3) throw new Error(`Child error (exit code ${r.rc}): ${r.out}${r.err}`);
  }
}

class StressTest extends TestCase {
  setsig(signum: number, handler: signal.Handler): void {
    const old_handler = signal.signal(signum, handler);
    this.addCleanup(() => signal.signal(signum, old_handler));
  }

  measure_itimer_resolution(): number {
    const N = 20;
    const times: number[] = [];
    const handler = (): void => {
      if (times.length < N) {
        times.push(performance.now() / 1000);
        // 1 µs is the smallest possible timer interval, we want to measure
        // what the concrete duration will be on this platform
        signal.setitimer(signal.ITIMER_REAL, 1e-6);
      }
    };
    this.addCleanup(() => signal.setitimer(signal.ITIMER_REAL, 0));
    this.setsig(signal.SIGALRM, handler);
    handler();
    while (times.length < N) sleep(1e-3);
    const durations = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
    const mid = durations.length >> 1;
    return durations.length % 2 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2;
  }

  decide_itimer_count(): number {
    // Some systems have poor setitimer() resolution (for example
    // measured around 20 ms. on FreeBSD 9), so decide on a reasonable
    // number of sequential timers based on that.
    const reso = this.measure_itimer_resolution();
    if (reso <= 1e-4) return 10000;
    if (reso <= 1e-2) return 100;
    this.skipTest(`detected itimer resolution (${reso.toFixed(3)} s.) too high (> 10 ms.) on this platform (or system too busy)`);
  }

  test_stress_delivery_dependent(): void {
    // This test uses dependent signal handlers.
    const N = this.decide_itimer_count();
    const sigs: number[] = [];
    const first_handler = (): void => {
      // 1e-6 is the minimum non-zero value for setitimer(). Choose a random
      // delay so as to improve chances of triggering a race condition.
      signal.setitimer(signal.ITIMER_REAL, 1e-6 + Math.random() * 1e-5);
    };
    const second_handler = (signum: number): void => {
      sigs.push(signum);
    };
    // Here on Linux, SIGPROF > SIGALRM > SIGUSR1.  By using both
    // ascending and descending sequences (SIGUSR1 then SIGALRM,
    // SIGPROF then SIGALRM), we maximize chances of hitting a bug.
    this.setsig(signal.SIGPROF, first_handler);
    this.setsig(signal.SIGUSR1, first_handler);
    this.setsig(signal.SIGALRM, second_handler); // for ITIMER_REAL

    let expected_sigs = 0;
    const deadline = monotonic() + SHORT_TIMEOUT;
    while (expected_sigs < N) {
      os.kill(os.getpid(), signal.SIGPROF);
      expected_sigs += 1;
      // Wait for handlers to run to avoid signal coalescing
      while (sigs.length < expected_sigs && monotonic() < deadline) sleep(1e-5);

      os.kill(os.getpid(), signal.SIGUSR1);
      expected_sigs += 1;
      while (sigs.length < expected_sigs && monotonic() < deadline) sleep(1e-5);
    }
    // All ITIMER_REAL signals should have been delivered to the handler
    this.assertEqual(sigs.length, N, 'Some signals were lost');
  }

  test_stress_delivery_simultaneous(): void {
    // This test uses simultaneous signal handlers.
    const N = this.decide_itimer_count();
    const sigs: number[] = [];
    const handler = (signum: number): void => {
      sigs.push(signum);
    };
    this.setsig(signal.SIGUSR1, handler);
    this.setsig(signal.SIGALRM, handler); // for ITIMER_REAL

    let expected_sigs = 0;
    while (expected_sigs < N) {
      // Hopefully the SIGALRM will be received somewhere during
      // initial processing of SIGUSR1.
      signal.setitimer(signal.ITIMER_REAL, 1e-6 + Math.random() * 1e-5);
      os.kill(os.getpid(), signal.SIGUSR1);
      expected_sigs += 2;
      // Wait for handlers to run to avoid signal coalescing
      const deadline = monotonic() + SHORT_TIMEOUT;
      while (sigs.length < expected_sigs && monotonic() < deadline) sleep(0.010);
    }
    // All ITIMER_REAL signals should have been delivered to the handler
    this.assertEqual(sigs.length, N, 'Some signals were lost');
  }

  test_stress_modifying_handlers(): void {
    // bpo-43406: race condition between trip_signal() and signal.signal.
    // CPython's raising thread is a forked child sending the signal to this
    // process; the counters live in shared memory.
    const signum = signal.SIGUSR1;
    const m = mmap(-1, 4096);
    this.addCleanup(() => m.close());
    const shared = new Int32Array(m.buffer); // [sent, stop]
    let num_received_signals = 0;
    const custom_handler = (): void => {
      num_received_signals += 1;
    };
    const old_handler = signal.signal(signum, custom_handler);
    this.addCleanup(() => signal.signal(signum, old_handler));
    const parent = os.getpid();
    const t = new ForkThread(() => {
      while (!Atomics.load(shared, 1)) {
        os.kill(parent, signum);
        Atomics.add(shared, 0, 1);
      }
    });
    try {
      t.start();
      while (Atomics.load(shared, 0) < 100 || num_received_signals < 1) {
        for (let i = 0; i < 20000; i++) {
          // Cycle between a JS-defined and a non-JS handler
          for (const handler of [custom_handler, signal.SIG_IGN]) signal.signal(signum, handler);
        }
      }
      Atomics.store(shared, 1, 1);
      t.join();
      // Sanity check that some signals were received, but not all
      this.assertGreater(num_received_signals, 0);
      this.assertLessEqual(num_received_signals, Atomics.load(shared, 0));
    } finally {
      Atomics.store(shared, 1, 1);
      t.join();
    }
  }
}

class RaiseSignalTest extends TestCase {
  test_sigint(): void {
    // In a forked child: Node's default SIGINT action would end the test runner.
    const t = new ForkThread(() => this.assertRaises(KeyboardInterrupt, () => signal.raise_signal(signal.SIGINT)));
    t.start().join();
    this.assertEqual(t.exitcode, 0);
  }

  test_handler(): void {
    let is_ok = false;
    const old_signal = signal.signal(signal.SIGINT, () => {
      is_ok = true;
    });
    this.addCleanup(() => signal.signal(signal.SIGINT, old_signal));
    signal.raise_signal(signal.SIGINT);
    this.assertTrue(is_ok);
  }

  test__thread_interrupt_main(): void {}
}

class PidfdSignalTest extends TestCase {
  test_pidfd_send_signal(): void {
    const s = strict(signal, 'signal');
    const o = strict(os, 'os');
    const e = this.assertRaises(OSError, () => s.pidfd_send_signal(0, signal.SIGINT));
    if (pyErrno(e) === errno.ENOSYS) this.skipTest('kernel does not support pidfds');
    else if (pyErrno(e) === errno.EPERM) this.skipTest('Not enough privileges to use pidfs');
    this.assertEqual(pyErrno(e), errno.EBADF);
    const my_pidfd = o.open(`/proc/${os.getpid()}`, o.O_DIRECTORY) as number;
    this.addCleanup(() => os.close(my_pidfd));
    this.assertRaisesRegex(TypeError, '^siginfo must be None$', () => s.pidfd_send_signal(my_pidfd, signal.SIGINT, {}, 0));
    this.assertRaises(KeyboardInterrupt, () => s.pidfd_send_signal(my_pidfd, signal.SIGINT));
  }
}

run('test_signal', [
  GenericTests, PosixTests, WakeupFDTests, WakeupSignalTests, WakeupSocketSignalTests, SiginterruptTest, ItimerTest,
  PendingSignalsTests, StressTest, RaiseSignalTest, PidfdSignalTest,
]);
