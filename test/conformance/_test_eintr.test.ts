// Port of CPython 3.11 Lib/test/_test_eintr.py (run by test_eintr.py in a
// child process; vitest runs each file in its own process). The Python
// subprocesses that sleep and then talk to the test are forked children here.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { BlockingIOError } from '../../lib/errors';
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { HOST, monotonic, sleep, TESTFN, unlink } from './support/helpers';
import { run, strict, TestCase } from './support/unittest';
import { waitChild } from './support/threadable';

// gh-109592: Tolerate a difference of 20 ms when comparing timings (clock resolution)
const CLOCK_RES = 0.020;
const PIPE_MAX_SIZE = 4 * 1024 * 1024 + 1;
const SOCK_MAX_SIZE = 16 * 1024 * 1024 + 1;

/** A forked "subprocess" running fn; wait() gives its exit code. kill_on_error is its cleanup. */
class Proc {
  constructor(readonly pid: number) {}
  #code: number | null | undefined;
  wait(): number | null {
    if (this.#code === undefined) this.#code = waitChild(this.pid, 60_000);
    return this.#code;
  }
  /** Cleanup: kills and reaps the child unless the test reaped it (os.wait()). */
  kill(): void {
    if (this.#code !== undefined) return;
    try {
      os.kill(this.pid, signal.SIGKILL);
      this.wait();
    } catch {
      // already reaped by the test
    }
  }
}

class EINTRBaseTest extends TestCase {
  // delay for initial signal delivery
  signal_delay = 0.1;
  // signal delivery periodicity
  signal_period = 0.1;
  // default sleep time for tests - should obviously have: sleep_time > signal_period
  sleep_time = 0.2;
  signals = 0;
  orig_handler: signal.Handler = signal.SIG_DFL;

  sighandler = (): void => {
    this.signals += 1;
  };

  override setUp(): void {
    this.signals = 0;
    this.orig_handler = signal.signal(signal.SIGALRM, this.sighandler);
    signal.setitimer(signal.ITIMER_REAL, this.signal_delay, this.signal_period);
  }

  stop_alarm(): void {
    signal.setitimer(signal.ITIMER_REAL, 0, 0);
  }

  override tearDown(): void {
    this.stop_alarm();
    signal.signal(signal.SIGALRM, this.orig_handler);
  }

  /** self.subprocess(code): fn runs in a forked child, which exits 0, or 1 if fn threw. */
  subprocess(fn: () => void): Proc {
    const pid = os.fork();
    if (pid === 0) {
      let code = 0;
      try {
        fn();
      } catch (e) {
        process.stderr.write(`subprocess failed: ${(e as Error)?.stack ?? e}\n`);
        code = 1;
      }
      os._exit(code);
    }
    const p = new Proc(pid);
    this.addCleanup(() => p.kill());
    return p;
  }

  check_elapsed_time(elapsed: number): void {
    this.assertGreaterEqual(elapsed, this.sleep_time - CLOCK_RES);
  }
}

class OSEINTRTest extends EINTRBaseTest {
  new_sleep_process(): Proc {
    return this.subprocess(() => sleep(this.sleep_time));
  }

  _test_wait_multiple(wait_func: () => unknown): void {
    const num = 3;
    // (Popen.wait() after os.wait(): the cleanups find the children reaped)
    for (let i = 0; i < num; i++) this.new_sleep_process();
    for (let i = 0; i < num; i++) wait_func();
  }

  test_wait(): void {
    this._test_wait_multiple(() => os.wait());
  }

  test_wait3(): void {
    const o = strict(os, 'os');
    this._test_wait_multiple(() => o.wait3(0));
  }

  _test_wait_single(wait_func: (pid: number) => unknown): void {
    const proc = this.new_sleep_process();
    wait_func(proc.pid);
  }

  test_waitpid(): void {
    this._test_wait_single((pid) => os.waitpid(pid, 0));
  }

  test_wait4(): void {
    const o = strict(os, 'os');
    this._test_wait_single((pid) => o.wait4(pid, 0));
  }

  test_read(): void {
    const [rd, wr] = os.pipe();
    this.addCleanup(() => os.close(rd));
    // wr closed explicitly by parent

    // the payload below are smaller than PIPE_BUF, hence the writes will be atomic
    const datas = ['hello', 'world', 'spam'].map((s) => Buffer.from(s));
    const proc = this.subprocess(() => {
      for (const data of datas) {
        // let the parent block on read()
        sleep(this.sleep_time);
        os.write(wr, data);
      }
    });
    os.close(wr);
    for (const data of datas) this.assertEqual(data, os.read(rd, data.length));
    this.assertEqual(proc.wait(), 0);
  }

  test_write(): void {
    const [rd, wr] = os.pipe();
    this.addCleanup(() => os.close(wr));
    // rd closed explicitly by parent

    // we must write enough data for the write() to block
    const data = Buffer.alloc(PIPE_MAX_SIZE, 'x');
    const proc = this.subprocess(() => {
      os.close(wr);
      // let the parent block on write()
      sleep(this.sleep_time);
      const chunks: Buffer[] = [];
      let n = 0;
      while (n < data.length) {
        const chunk = os.read(rd, 2 * data.length);
        chunks.push(chunk);
        n += chunk.length;
      }
      const value = Buffer.concat(chunks);
      if (!value.equals(data)) throw new Error(`read error: ${value.length} vs ${data.length} bytes`);
    });
    os.close(rd);
    let written = 0;
    while (written < data.length) written += os.write(wr, data.subarray(written));
    this.assertEqual(proc.wait(), 0);
  }
}

class SocketEINTRTest extends EINTRBaseTest {
  _test_recv(recv_func: (sock: socket.Socket, n: number) => Buffer): void {
    const [rd, wr] = socket.socketpair();
    this.addCleanup(() => rd.close());
    // wr closed explicitly by parent

    // single-byte payload guard us against partial recv
    const datas = ['x', 'y', 'z'].map((s) => Buffer.from(s));
    const proc = this.subprocess(() => {
      rd.close();
      try {
        for (const data of datas) {
          // let the parent block on recv()
          sleep(this.sleep_time);
          wr.sendall(data);
        }
      } finally {
        wr.close();
      }
    });
    wr.close();
    for (const data of datas) this.assertEqual(data, recv_func(rd, data.length));
    this.assertEqual(proc.wait(), 0);
  }

  test_recv(): void {
    this._test_recv((sock, n) => sock.recv(n));
  }

  test_recvmsg(): void {
    this._test_recv((sock, n) => sock.recvmsg(n)[0]);
  }

  _test_send(send_func: (sock: socket.Socket, data: Buffer) => number | void): void {
    const [rd, wr] = socket.socketpair();
    this.addCleanup(() => wr.close());
    // rd closed explicitly by parent

    // we must send enough data for the send() to block
    const data = Buffer.alloc(Math.floor(SOCK_MAX_SIZE / 3) * 3, 'xyz');
    const proc = this.subprocess(() => {
      wr.close();
      const received_data = Buffer.alloc(data.length);
      try {
        // let the parent block on send()
        sleep(this.sleep_time);
        let n = 0;
        while (n < data.length) n += rd.recv_into(received_data.subarray(n));
      } finally {
        rd.close();
      }
      if (!received_data.equals(data)) throw new Error(`recv error: ${received_data.length} vs ${data.length} bytes`);
    });
    rd.close();
    let written = 0;
    while (written < data.length) {
      const sent = send_func(wr, data.subarray(written));
      // sendall() returns None
      written += sent === undefined || sent === null ? data.length : sent;
    }
    this.assertEqual(proc.wait(), 0);
  }

  test_send(): void {
    this._test_send((sock, data) => sock.send(data));
  }

  test_sendall(): void {
    this._test_send((sock, data) => sock.sendall(data));
  }

  test_sendmsg(): void {
    this._test_send((sock, data) => sock.sendmsg([data]));
  }

  test_accept(): void {
    const sock = socket.create_server([HOST, 0]);
    this.addCleanup(() => sock.close());
    const port = (sock.getsockname() as [string, number])[1];
    const proc = this.subprocess(() => {
      sock.close();
      // let parent block on accept()
      sleep(this.sleep_time);
      const c = socket.create_connection([HOST, port]);
      try {
        sleep(this.sleep_time);
      } finally {
        c.close();
      }
    });
    const [client_sock] = sock.accept();
    client_sock.close();
    this.assertEqual(proc.wait(), 0);
  }

  _test_open(do_open_close_reader: (path: string) => void, do_open_close_writer: (path: string) => void): void {
    const filename = TESTFN;
    // Use a fifo: until the child opens it for reading, the parent will
    // block when trying to open it for writing.
    unlink(filename);
    execFileSync('mkfifo', [filename]); // os.mkfifo
    this.addCleanup(() => unlink(filename));
    const proc = this.subprocess(() => {
      // let the parent block
      sleep(this.sleep_time);
      do_open_close_reader(filename);
    });
    do_open_close_writer(filename);
    this.assertEqual(proc.wait(), 0);
  }

  /** The language's own open(): Node's fs.openSync. */
  python_open(path: string): void {
    closeSync(openSync(path, 'w'));
  }

  test_open(): void {
    this._test_open((p) => closeSync(openSync(p, 'r')), (p) => this.python_open(p));
  }

  os_open(path: string): void {
    const o = strict(os, 'os');
    const fd = o.open(path, o.O_WRONLY);
    os.close(fd);
  }

  test_os_open(): void {
    const o = strict(os, 'os');
    this._test_open((p) => os.close(o.open(p, o.O_RDONLY)), (p) => this.os_open(p));
  }
}

class TimeEINTRTest extends EINTRBaseTest {
  test_sleep(): void {
    const t0 = monotonic();
    sleep(this.sleep_time);
    this.stop_alarm();
    const dt = monotonic() - t0;
    this.check_elapsed_time(dt);
  }
}

class SignalEINTRTest extends EINTRBaseTest {
  check_sigwait(wait_func: (signum: number) => void): void {
    const signum = signal.SIGUSR1;
    const pid = os.getpid();

    const old_handler = signal.signal(signum, () => {});
    this.addCleanup(() => signal.signal(signum, old_handler));

    signal.pthread_sigmask(signal.SIG_BLOCK, [signum]);
    this.addCleanup(() => signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]));

    const proc = this.subprocess(() => {
      sleep(this.sleep_time);
      os.kill(pid, signum);
    });
    wait_func(signum);
    this.assertEqual(proc.wait(), 0);
  }

  test_sigwaitinfo(): void {
    this.check_sigwait((signum) => signal.sigwaitinfo([signum]));
  }

  test_sigtimedwait(): void {
    this.check_sigwait((signum) => signal.sigtimedwait([signum], 120.0));
  }
}

class SelectEINTRTest extends EINTRBaseTest {
  test_select(): void {
    const t0 = monotonic();
    select.select([], [], [], this.sleep_time);
    const dt = monotonic() - t0;
    this.stop_alarm();
    this.check_elapsed_time(dt);
  }

  test_poll(): void {
    const poller = select.poll();
    const t0 = monotonic();
    poller.poll(this.sleep_time * 1e3);
    const dt = monotonic() - t0;
    this.stop_alarm();
    this.check_elapsed_time(dt);
  }

  test_epoll(): void {
    const poller = select.epoll();
    this.addCleanup(() => poller.close());
    const t0 = monotonic();
    poller.poll(this.sleep_time);
    const dt = monotonic() - t0;
    this.stop_alarm();
    this.check_elapsed_time(dt);
  }
}

class FNTLEINTRTest extends EINTRBaseTest {
  _lock(lock_name: 'lockf' | 'flock'): void {
    const lock_func = fcntl[lock_name];
    this.addCleanup(() => unlink(TESTFN));
    const start_time = monotonic();
    const proc = this.subprocess(() => {
      const f = openSync(TESTFN, 'w');
      try {
        lock_func(f, fcntl.LOCK_EX);
        sleep(this.sleep_time);
      } finally {
        closeSync(f);
      }
    });
    const f = openSync(TESTFN, 'w');
    try {
      for (;;) { // synchronize the subprocess
        const dt = monotonic() - start_time;
        if (dt > 60.0) throw new Error(`failed to sync child in ${dt.toFixed(1)} sec`);
        try {
          lock_func(f, fcntl.LOCK_EX | fcntl.LOCK_NB);
          lock_func(f, fcntl.LOCK_UN);
          sleep(0.01);
        } catch (e) {
          if (e instanceof BlockingIOError) break;
          throw e;
        }
      }
      // the child locked the file just a moment ago for 'sleep_time' seconds
      lock_func(f, fcntl.LOCK_EX);
      const dt = monotonic() - start_time;
      this.stop_alarm();
      this.check_elapsed_time(dt);
    } finally {
      closeSync(f);
    }
    proc.wait();
  }

  test_lockf(): void {
    this._lock('lockf');
  }

  test_flock(): void {
    this._lock('flock');
  }
}

run('_test_eintr', [OSEINTRTest, SocketEINTRTest, TimeEINTRTest, SignalEINTRTest, SelectEINTRTest, FNTLEINTRTest]);
