// Port of CPython 3.11 Lib/test/test_socket.py, part 2: the client/server
// classes over TCP, UDP and socketpair(), the timeout and interrupted-timeout
// classes, create_connection(). CPython's client thread (`_testFoo`) runs in
// a forked child (support/unittest.ts ThreadableTest).
import * as select from '../../lib/select';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import {
  fdNonblock, find_unused_port, HOST, LONG_TIMEOUT, LOOPBACK_TIMEOUT, monotonic, sleep, withDefaultTimeout, ZeroDivisionError,
} from './support/helpers';
import { newEvent } from './support/events';
import {
  InetTestBaseMixin, MSG, SocketConnectedTest, SocketListeningMixin, SocketPairTest, SocketTCPTestMixin,
  SocketUDPTestMixin, ThreadedTCPSocketTest, ThreadedUDPSocketTest,
} from './support/sockets';
import { ForkThread } from './support/thread';
import {
  BlockingIOError, OSError, OverflowError, run, strict, TestCase, TimeoutError, ValueError,
} from './support/unittest';
import { ThreadableTest } from './support/threadable';

class BasicTCPTest extends SocketConnectedTest {
  testRecv(): void {
    // Testing large receive over TCP
    const msg = this.cli_conn.recv(1024);
    this.assertEqual(msg, MSG);
  }
  _testRecv(): void {
    this.serv_conn.send(MSG);
  }

  testOverFlowRecv(): void {
    // Testing receive in chunks over TCP
    const seg1 = this.cli_conn.recv(MSG.length - 3);
    const seg2 = this.cli_conn.recv(1024);
    this.assertEqual(Buffer.concat([seg1, seg2]), MSG);
  }
  _testOverFlowRecv(): void {
    this.serv_conn.send(MSG);
  }

  testRecvFrom(): void {
    // Testing large recvfrom() over TCP
    const [msg] = this.cli_conn.recvfrom(1024);
    this.assertEqual(msg, MSG);
  }
  _testRecvFrom(): void {
    this.serv_conn.send(MSG);
  }

  testOverFlowRecvFrom(): void {
    // Testing recvfrom() in chunks over TCP
    const [seg1] = this.cli_conn.recvfrom(MSG.length - 3);
    const [seg2] = this.cli_conn.recvfrom(1024);
    this.assertEqual(Buffer.concat([seg1, seg2]), MSG);
  }
  _testOverFlowRecvFrom(): void {
    this.serv_conn.send(MSG);
  }

  testSendAll(): void {
    // Testing sendall() with a 2048 byte string over TCP
    const parts: Buffer[] = [];
    for (;;) {
      const read = this.cli_conn.recv(1024);
      if (!read.length) break;
      parts.push(read);
    }
    this.assertEqual(Buffer.concat(parts), Buffer.alloc(2048, 'f'));
  }
  _testSendAll(): void {
    const big_chunk = Buffer.alloc(2048, 'f');
    this.serv_conn.sendall(big_chunk);
  }

  testFromFd(): void {
    // Testing fromfd()
    const fd = this.cli_conn.fileno();
    const sock = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM);
    this.addCleanup(() => sock.close());
    this.assertIsInstance(sock, socket.Socket);
    const msg = sock.recv(1024);
    this.assertEqual(msg, MSG);
  }
  _testFromFd(): void {
    this.serv_conn.send(MSG);
  }

  testDup(): void {
    // Testing dup()
    const sock = this.cli_conn.dup();
    this.addCleanup(() => sock.close());
    const msg = sock.recv(1024);
    this.assertEqual(msg, MSG);
  }
  _testDup(): void {
    this.serv_conn.send(MSG);
  }

  testShutdown(): void {
    // Testing shutdown()
    const msg = this.cli_conn.recv(1024);
    this.assertEqual(msg, MSG);
    // wait for _testShutdown to finish: on OS X, when the server closes the
    // connection the client also becomes disconnected, and the client's
    // shutdown call will fail. (Issue #4397.)
    this.done.wait();
  }
  _testShutdown(): void {
    this.serv_conn.send(MSG);
    this.serv_conn.shutdown(2);
  }

  testShutdown_overflow(): void {
    this.testShutdown();
  }
  _testShutdown_overflow(): void {
    const INT_MAX = 2 ** 31 - 1, UINT_MAX = 2 ** 32 - 1;
    this.serv_conn.send(MSG);
    // bpo-15989
    this.assertRaises(OverflowError, () => this.serv_conn.shutdown(INT_MAX + 1));
    this.assertRaises(OverflowError, () => this.serv_conn.shutdown(2 + (UINT_MAX + 1)));
    this.serv_conn.shutdown(2);
  }

  testDetach(): void {
    // Testing detach()
    const fileno = this.cli_conn.fileno();
    const f = this.cli_conn.detach();
    this.assertEqual(f, fileno);
    // cli_conn cannot be used anymore...
    this.assertTrue(this.cli_conn.closed);
    this.assertRaises(OSError, () => this.cli_conn.recv(1024));
    this.cli_conn.close();
    // ...but we can create another socket using the (still open) file descriptor
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, undefined, f);
    this.addCleanup(() => sock.close());
    const msg = sock.recv(1024);
    this.assertEqual(msg, MSG);
  }
  _testDetach(): void {
    this.serv_conn.send(MSG);
  }
}

/** NetworkConnectionTest + BasicTCPTest: the client connects with create_connection(). */
class BasicTCPTest2 extends BasicTCPTest {
  override clientSetUp(): void {
    this.cli = socket.create_connection([HOST, this.port]);
    this.serv_conn = this.cli;
  }
}

class BasicUDPTest extends ThreadedUDPSocketTest {
  testSendtoAndRecv(): void {
    // Testing sendto() and Recv() over UDP
    const msg = this.serv.recv(MSG.length);
    this.assertEqual(msg, MSG);
  }
  _testSendtoAndRecv(): void {
    this.cli.sendto(MSG, 0, [HOST, this.port]);
  }

  testRecvFrom(): void {
    // Testing recvfrom() over UDP
    const [msg] = this.serv.recvfrom(MSG.length);
    this.assertEqual(msg, MSG);
  }
  _testRecvFrom(): void {
    this.cli.sendto(MSG, 0, [HOST, this.port]);
  }

  testRecvFromNegative(): void {
    // Negative lengths passed to recvfrom should give ValueError.
    this.assertRaises(ValueError, () => this.serv.recvfrom(-1));
  }
  _testRecvFromNegative(): void {
    this.cli.sendto(MSG, 0, [HOST, this.port]);
  }
}

class TCPCloserTest extends ThreadedTCPSocketTest {
  testClose(): void {
    const [conn] = this.serv.accept();
    conn.close();
    // The client's end: CPython reads self.cli, which its client thread
    // made; here it arrives from the client through SCM_RIGHTS.
    const sd = this.receiveClientSocket();
    const [read] = select.select([sd], [], [], 1.0);
    this.assertEqual(read, [sd]);
    this.assertEqual(sd.recv(1), Buffer.alloc(0));
    // Calling close() many times should be safe.
    conn.close();
    conn.close();
    sd.close();
  }
  _testClose(): void {
    this.cli.connect([HOST, this.port]);
    this.sendClientSocket(this.cli);
    sleep(1.0);
  }

  // A socketpair made before the fork carries the client's socket to the server.
  #pair: [socket.Socket, socket.Socket] | null = null;
  override setUp(): void {
    super.setUp();
    this.#pair = socket.socketpair();
  }
  override tearDown(): void {
    this.#pair?.[0].close();
    this.#pair?.[1].close();
    super.tearDown();
  }
  sendClientSocket(s: socket.Socket): void {
    socket.send_fds(this.#pair![1], [Buffer.from('x')], [s]);
  }
  receiveClientSocket(): socket.Socket {
    const [, fds] = socket.recv_fds(this.#pair![0], 1, 1);
    return socket.socket(undefined, undefined, undefined, fds[0]);
  }
}

class BasicSocketPairTest extends SocketPairTest {
  _check_defaults(sock: socket.Socket): void {
    this.assertIsInstance(sock, socket.Socket);
    this.assertEqual(sock.family, socket.AF_UNIX);
    this.assertEqual(sock.type, socket.SOCK_STREAM);
    this.assertEqual(sock.proto, 0);
  }
  _testDefaults(): void {
    this._check_defaults(this.cli);
  }
  testDefaults(): void {
    this._check_defaults(this.serv);
  }

  testRecv(): void {
    const msg = this.serv.recv(1024);
    this.assertEqual(msg, MSG);
  }
  _testRecv(): void {
    this.cli.send(MSG);
  }

  testSend(): void {
    this.serv.send(MSG);
  }
  _testSend(): void {
    const msg = this.cli.recv(1024);
    this.assertEqual(msg, MSG);
  }
}

class NonBlockingTCPTests extends ThreadedTCPSocketTest {
  event = newEvent();

  assert_sock_timeout(sock: socket.Socket, timeout: number | null): void {
    this.assertEqual(this.serv.gettimeout(), timeout);
    const blocking = timeout !== 0.0;
    this.assertEqual(sock.getblocking(), blocking);
    // When a socket has a non-zero timeout, it's switched internally to a
    // non-blocking mode.
    const fd_blocking = timeout === null;
    const flag = fdNonblock(sock.fileno());
    this.assertEqual(!flag, fd_blocking);
  }

  testSetBlocking(): void {
    // Test setblocking() and settimeout() methods
    this.serv.setblocking(true);
    this.assert_sock_timeout(this.serv, null);
    this.serv.setblocking(false);
    this.assert_sock_timeout(this.serv, 0.0);
    this.serv.settimeout(null);
    this.assert_sock_timeout(this.serv, null);
    this.serv.settimeout(0);
    this.assert_sock_timeout(this.serv, 0);
    this.serv.settimeout(10);
    this.assert_sock_timeout(this.serv, 10);
    this.serv.settimeout(0);
    this.assert_sock_timeout(this.serv, 0);
  }
  _testSetBlocking(): void {}

  testSetBlocking_overflow(): void {
    // bpo-15989: needs UINT_MAX < ULONG_MAX (true on x86-64 Linux)
    this.serv.setblocking(false);
    this.assert_sock_timeout(this.serv, 0.0);
    this.serv.setblocking((2 ** 32) as never);
    this.assert_sock_timeout(this.serv, null);
  }
  _testSetBlocking_overflow(): void {}

  testInitNonBlocking(): void {
    // create a socket with SOCK_NONBLOCK
    this.serv.close();
    this.serv = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK);
    this.assert_sock_timeout(this.serv, 0);
  }
  _testInitNonBlocking(): void {}

  testInheritFlagsBlocking(): void {
    // bpo-7995: accept() on a listening socket with a timeout and the
    // default timeout is None, the resulting socket must be blocking.
    withDefaultTimeout(null, () => {
      this.serv.settimeout(10);
      const [conn] = this.serv.accept();
      this.addCleanup(() => conn.close());
      this.assertIsNone(conn.gettimeout());
    });
  }
  _testInheritFlagsBlocking(): void {
    this.cli.connect([HOST, this.port]);
  }

  testInheritFlagsTimeout(): void {
    // bpo-7995: the accepted socket must inherit the default timeout.
    const default_timeout = 20.0;
    withDefaultTimeout(default_timeout, () => {
      this.serv.settimeout(10);
      const [conn] = this.serv.accept();
      this.addCleanup(() => conn.close());
      this.assertEqual(conn.gettimeout(), default_timeout);
    });
  }
  _testInheritFlagsTimeout(): void {
    this.cli.connect([HOST, this.port]);
  }

  testAccept(): void {
    // Testing non-blocking accept
    this.serv.setblocking(false);
    // connect() didn't start: non-blocking accept() fails
    const start_time = monotonic();
    this.assertRaises(BlockingIOError, () => this.serv.accept());
    const dt = monotonic() - start_time;
    this.assertLess(dt, 1.0);
    this.event.set();
    const [read] = select.select([this.serv], [], [], LONG_TIMEOUT);
    if (!read.includes(this.serv)) this.fail('Error trying to do accept after select.');
    // connect() completed: non-blocking accept() doesn't block
    const [conn] = this.serv.accept();
    this.addCleanup(() => conn.close());
    this.assertIsNone(conn.gettimeout());
  }
  _testAccept(): void {
    // don't connect before event is set to check that non-blocking accept() raises BlockingIOError
    this.event.wait();
    this.cli.connect([HOST, this.port]);
  }

  testRecv(): void {
    // Testing non-blocking recv
    const [conn] = this.serv.accept();
    this.addCleanup(() => conn.close());
    conn.setblocking(false);
    // the server didn't send data yet: non-blocking recv() fails
    this.assertRaises(BlockingIOError, () => conn.recv(MSG.length));
    this.event.set();
    const [read] = select.select([conn], [], [], LONG_TIMEOUT);
    if (!read.includes(conn)) this.fail('Error during select call to non-blocking socket.');
    // the server sent data yet: non-blocking recv() doesn't block
    const msg = conn.recv(MSG.length);
    this.assertEqual(msg, MSG);
  }
  _testRecv(): void {
    this.cli.connect([HOST, this.port]);
    // don't send anything before event is set to check that non-blocking recv() raises BlockingIOError
    this.event.wait();
    // send data: recv() will no longer block
    this.cli.sendall(MSG);
  }
}

class BufferIOTest extends SocketConnectedTest {
  // Test the buffer versions of socket.recv() and socket.send().
  testRecvIntoArray(): void {
    const buf = new Uint8Array(MSG.length); // array.array("B")
    const nbytes = this.cli_conn.recv_into(buf);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(Buffer.from(buf).subarray(0, MSG.length), MSG);
  }
  _testRecvIntoArray(): void {
    this.serv_conn.send(Buffer.from(MSG));
  }

  testRecvIntoBytearray(): void {
    const buf = Buffer.alloc(1024);
    const nbytes = this.cli_conn.recv_into(buf);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf.subarray(0, MSG.length), MSG);
  }
  _testRecvIntoBytearray(): void {
    this._testRecvIntoArray();
  }

  testRecvIntoMemoryview(): void {
    const buf = Buffer.alloc(1024);
    const nbytes = this.cli_conn.recv_into(new DataView(buf.buffer, buf.byteOffset, buf.length));
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf.subarray(0, MSG.length), MSG);
  }
  _testRecvIntoMemoryview(): void {
    this._testRecvIntoArray();
  }

  testRecvFromIntoArray(): void {
    const buf = new Uint8Array(MSG.length);
    const [nbytes] = this.cli_conn.recvfrom_into(buf);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(Buffer.from(buf).subarray(0, MSG.length), MSG);
  }
  _testRecvFromIntoArray(): void {
    this.serv_conn.send(Buffer.from(MSG));
  }

  testRecvFromIntoBytearray(): void {
    const buf = Buffer.alloc(1024);
    const [nbytes] = this.cli_conn.recvfrom_into(buf);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf.subarray(0, MSG.length), MSG);
  }
  _testRecvFromIntoBytearray(): void {
    this._testRecvFromIntoArray();
  }

  testRecvFromIntoMemoryview(): void {
    const buf = Buffer.alloc(1024);
    const [nbytes] = this.cli_conn.recvfrom_into(new DataView(buf.buffer, buf.byteOffset, buf.length));
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf.subarray(0, MSG.length), MSG);
  }
  _testRecvFromIntoMemoryview(): void {
    this._testRecvFromIntoArray();
  }

  testRecvFromIntoSmallBuffer(): void {
    // See issue #20246.
    const buf = Buffer.alloc(8);
    this.assertRaises(ValueError, () => this.cli_conn.recvfrom_into(buf, 1024));
  }
  _testRecvFromIntoSmallBuffer(): void {
    this.serv_conn.send(MSG);
  }

  testRecvFromIntoEmptyBuffer(): void {
    const buf = Buffer.alloc(0);
    this.cli_conn.recvfrom_into(buf);
    this.cli_conn.recvfrom_into(buf, 0);
  }
  _testRecvFromIntoEmptyBuffer(): void {
    this._testRecvFromIntoArray();
  }
}

class ContextManagersTest extends ThreadedTCPSocketTest {
  _testSocketClass(): void {
    // base test
    let sock: socket.Socket;
    {
      using s = socket.socket();
      sock = s;
      this.assertFalse(sock.closed);
    }
    this.assertTrue(sock.closed);
    // close inside with block
    {
      using s = socket.socket();
      sock = s;
      sock.close();
    }
    this.assertTrue(sock.closed);
    // exception inside with block
    {
      using s = socket.socket();
      sock = s;
      this.assertRaises(OSError, () => s.sendall(Buffer.from('foo')));
    }
    this.assertTrue(sock.closed);
  }

  testCreateConnectionBase(): void {
    const [conn] = this.serv.accept();
    this.addCleanup(() => conn.close());
    const data = conn.recv(1024);
    conn.sendall(data);
  }
  _testCreateConnectionBase(): void {
    const address = this.serv_address;
    let sock: socket.Socket;
    {
      using s = socket.create_connection(address);
      sock = s;
      this.assertFalse(sock.closed);
      sock.sendall(Buffer.from('foo'));
      this.assertEqual(sock.recv(1024), Buffer.from('foo'));
    }
    this.assertTrue(sock.closed);
  }

  testCreateConnectionClose(): void {
    const [conn] = this.serv.accept();
    this.addCleanup(() => conn.close());
    const data = conn.recv(1024);
    conn.sendall(data);
  }
  _testCreateConnectionClose(): void {
    const address = this.serv_address;
    let sock: socket.Socket;
    {
      using s = socket.create_connection(address);
      sock = s;
      sock.close();
    }
    this.assertTrue(sock.closed);
    this.assertRaises(OSError, () => sock.sendall(Buffer.from('foo')));
  }

  // self.serv.getsockname() in the client thread: read before the fork (the
  // client half's copy of serv is closed).
  serv_address: [string, number] = ['', 0];
  override setUp(): void {
    super.setUp();
    this.serv_address = this.serv.getsockname() as [string, number];
  }
}

class NetworkConnectionAttributesTest extends SocketTCPTestMixin(ThreadableTest) {
  cli: socket.Socket | null = null;
  source_port = 0;

  override clientSetUp(): void {
    this.source_port = find_unused_port();
  }
  override clientTearDown(): void {
    this.cli?.close();
    this.cli = null;
  }

  _justAccept(): void {
    const [conn] = this.serv.accept();
    conn.close();
  }

  testFamily(): void {
    this._justAccept();
  }
  _testFamily(): void {
    this.cli = socket.create_connection([HOST, this.port], LOOPBACK_TIMEOUT);
    this.assertEqual(this.cli.family, 2);
  }

  testSourceAddress(): void {
    this._justAccept();
  }
  _testSourceAddress(): void {
    this.cli = socket.create_connection([HOST, this.port], LOOPBACK_TIMEOUT, ['', this.source_port]);
    this.assertEqual((this.cli.getsockname() as [string, number])[1], this.source_port);
    // The port number being used is sufficient to show that the bind() call happened.
  }

  testTimeoutDefault(): void {
    this._justAccept();
  }
  _testTimeoutDefault(): void {
    // passing no explicit timeout uses socket's global default
    this.assertTrue(socket.getdefaulttimeout() === null);
    socket.setdefaulttimeout(42);
    try {
      this.cli = socket.create_connection([HOST, this.port]);
    } finally {
      socket.setdefaulttimeout(null);
    }
    this.assertEqual(this.cli.gettimeout(), 42);
  }

  testTimeoutNone(): void {
    this._justAccept();
  }
  _testTimeoutNone(): void {
    // None timeout means the same as sock.settimeout(None)
    this.assertTrue(socket.getdefaulttimeout() === null);
    socket.setdefaulttimeout(30);
    try {
      this.cli = socket.create_connection([HOST, this.port], null);
    } finally {
      socket.setdefaulttimeout(null);
    }
    this.assertEqual(this.cli.gettimeout(), null);
  }

  testTimeoutValueNamed(): void {
    this._justAccept();
  }
  _testTimeoutValueNamed(): void {
    this.cli = socket.create_connection([HOST, this.port], 30); // timeout=30
    this.assertEqual(this.cli.gettimeout(), 30);
  }

  testTimeoutValueNonamed(): void {
    this._justAccept();
  }
  _testTimeoutValueNonamed(): void {
    this.cli = socket.create_connection([HOST, this.port], 30);
    this.assertEqual(this.cli.gettimeout(), 30);
  }
}

class NetworkConnectionBehaviourTest extends SocketTCPTestMixin(ThreadableTest) {
  cli: socket.Socket | null = null;
  override clientTearDown(): void {
    this.cli!.close();
    this.cli = null;
  }

  testInsideTimeout(): void {
    const [conn] = this.serv.accept();
    this.addCleanup(() => conn.close());
    sleep(3);
    conn.send(Buffer.from('done!'));
  }
  testOutsideTimeout(): void {
    this.testInsideTimeout();
  }

  _testInsideTimeout(): void {
    const sock = socket.create_connection([HOST, this.port]);
    this.cli = sock;
    const data = sock.recv(5);
    this.assertEqual(data, Buffer.from('done!'));
  }

  _testOutsideTimeout(): void {
    const sock = socket.create_connection([HOST, this.port], 1);
    this.cli = sock;
    this.assertRaises(TimeoutError, () => sock.recv(5));
  }
}

class TCPTimeoutTest extends SocketTCPTestMixin(TestCase) {
  testTCPTimeout(): void {
    const raise_timeout = (): void => {
      this.serv.settimeout(1.0);
      this.serv.accept();
    };
    this.assertRaises(TimeoutError, raise_timeout);
  }

  testTimeoutZero(): void {
    let ok = false;
    try {
      this.serv.settimeout(0.0);
      this.serv.accept();
    } catch (e) {
      if (e instanceof TimeoutError) this.fail('caught timeout instead of error (TCP)');
      else if (e instanceof OSError) ok = true;
      else this.fail('caught unexpected exception (TCP)');
    }
    if (!ok) this.fail('accept() returned success when we did not expect it');
  }

  testInterruptedTimeout(): void {
    this.serv.settimeout(5.0); // must be longer than alarm
    class Alarm extends Error {}
    const alarm_handler = (): void => {
      throw new Alarm();
    };
    const old_alarm = signal.signal(signal.SIGALRM, alarm_handler);
    try {
      try {
        signal.alarm(2); // POSIX allows alarm to be up to 1 second early
        this.serv.accept();
        this.fail('nothing caught');
      } catch (e) {
        if (e instanceof TimeoutError) this.fail('caught timeout instead of Alarm');
        else if (!(e instanceof Alarm)) {
          if ((e as Error).name === 'AssertionError') throw e;
          this.fail(`caught other exception instead of Alarm: ${e}`);
        }
      } finally {
        signal.alarm(0); // shut off alarm
      }
    } catch (e) {
      if (e instanceof Alarm) this.fail('got Alarm in wrong place');
      throw e;
    } finally {
      // no alarm can be pending. Safe to restore old handler.
      signal.signal(signal.SIGALRM, old_alarm);
    }
  }
}

class UDPTimeoutTest extends SocketUDPTestMixin(TestCase) {
  testUDPTimeout(): void {
    const raise_timeout = (): void => {
      this.serv.settimeout(1.0);
      this.serv.recv(1024);
    };
    this.assertRaises(TimeoutError, raise_timeout);
  }

  testTimeoutZero(): void {
    let ok = false;
    try {
      this.serv.settimeout(0.0);
      this.serv.recv(1024);
    } catch (e) {
      if (e instanceof TimeoutError) this.fail('caught timeout instead of error (UDP)');
      else if (e instanceof OSError) ok = true;
      else this.fail('caught unexpected exception (UDP)');
    }
    if (!ok) this.fail('recv() returned success when we did not expect it');
  }
}

/** InterruptedTimeoutBase: a SIGALRM handler that raises ZeroDivisionError. */
function InterruptedTimeoutMixin<B extends abstract new (...a: any[]) => TestCase>(Base: B) {
  abstract class InterruptedTimeoutBase extends Base {
    // Timeout for socket operations
    timeout = LOOPBACK_TIMEOUT;
    alarm_time = 0.05;
    override async setUp(): Promise<void> {
      await super.setUp();
      const orig_alrm_handler = signal.signal(signal.SIGALRM, () => {
        throw new ZeroDivisionError();
      });
      this.addCleanup(() => signal.signal(signal.SIGALRM, orig_alrm_handler));
    }
    setAlarm(seconds: number): void {
      signal.setitimer(signal.ITIMER_REAL, seconds);
    }
  }
  return InterruptedTimeoutBase;
}

abstract class UDPTestBase extends InetTestBaseMixin(TestCase) {
  newSocket(): socket.Socket {
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  }
}

abstract class TCPTestBase extends InetTestBaseMixin(TestCase) {
  newSocket(): socket.Socket {
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  }
}

class InterruptedRecvTimeoutTest extends InterruptedTimeoutMixin(UDPTestBase) {
  override async setUp(): Promise<void> {
    await super.setUp();
    this.serv.settimeout(this.timeout);
  }

  checkInterruptedRecv(func: () => unknown): void {
    // Check that func() raises the handler's error when interrupted by a signal.
    try {
      this.setAlarm(this.alarm_time);
      this.assertRaises(ZeroDivisionError, func);
    } finally {
      this.setAlarm(0);
    }
  }

  testInterruptedRecvTimeout(): void {
    this.checkInterruptedRecv(() => this.serv.recv(1024));
  }
  testInterruptedRecvIntoTimeout(): void {
    this.checkInterruptedRecv(() => this.serv.recv_into(Buffer.alloc(1024)));
  }
  testInterruptedRecvfromTimeout(): void {
    this.checkInterruptedRecv(() => this.serv.recvfrom(1024));
  }
  testInterruptedRecvfromIntoTimeout(): void {
    this.checkInterruptedRecv(() => this.serv.recvfrom_into(Buffer.alloc(1024)));
  }
  testInterruptedRecvmsgTimeout(): void {
    this.checkInterruptedRecv(() => this.serv.recvmsg(1024));
  }
  testInterruptedRecvmsgIntoTimeout(): void {
    const s = strict(this.serv, 'Socket');
    this.checkInterruptedRecv(() => s.recvmsg_into([Buffer.alloc(1024)]));
  }
}

class InterruptedSendTimeoutTest extends InterruptedTimeoutMixin(SocketListeningMixin(TCPTestBase)) {
  serv_conn!: socket.Socket;
  cli_conn!: socket.Socket;

  override async setUp(): Promise<void> {
    await super.setUp();
    this.serv_conn = this.newSocket();
    this.addCleanup(() => this.serv_conn.close());
    // Use a thread to complete the connection, but wait for it to terminate
    // before running the test, so that there is only one thread to accept
    // the signal. (A forked child connects the very same socket.)
    const cli_thread = new ForkThread(() => this.doConnect()).start();
    [this.cli_conn] = this.serv.accept();
    this.addCleanup(() => this.cli_conn.close());
    cli_thread.join();
    this.serv_conn.settimeout(this.timeout);
  }

  doConnect(): void {
    this.serv_conn.connect(this.serv_addr);
  }

  checkInterruptedSend(func: () => unknown): void {
    // Check that func(), run in a loop, raises the handler's error when interrupted by a signal.
    try {
      this.assertRaises(ZeroDivisionError, () => {
        for (;;) {
          this.setAlarm(this.alarm_time);
          func();
        }
      });
    } finally {
      this.setAlarm(0);
    }
  }

  testInterruptedSendTimeout(): void {
    this.checkInterruptedSend(() => this.serv_conn.send(Buffer.alloc(512, 'a')));
  }
  testInterruptedSendtoTimeout(): void {
    // Passing an actual address here as Python's wrapper for sendto()
    // doesn't allow passing a zero-length one; POSIX requires that the
    // address is ignored since the socket is connection-mode, however.
    this.checkInterruptedSend(() => this.serv_conn.sendto(Buffer.alloc(512, 'a'), this.serv_addr));
  }
  testInterruptedSendmsgTimeout(): void {
    this.checkInterruptedSend(() => this.serv_conn.sendmsg([Buffer.alloc(512, 'a')]));
  }
}

run('test_socket', [
  BasicTCPTest, BasicTCPTest2, BasicUDPTest, TCPCloserTest, BasicSocketPairTest, NonBlockingTCPTests, BufferIOTest,
  ContextManagersTest, NetworkConnectionAttributesTest, NetworkConnectionBehaviourTest, TCPTimeoutTest, UDPTimeoutTest,
  InterruptedRecvTimeoutTest, InterruptedSendTimeoutTest,
]);
