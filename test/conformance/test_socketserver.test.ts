// Port of CPython 3.11 Lib/test/test_socketserver.py.
//
// Threads: CPython serves in a thread while the main thread runs the clients.
// A posixkit server blocks the only JS thread that could call it, so here the
// server runs in the test's process and the clients run in a forked child,
// which ends the loop with server.shutdown() (the wake pipe is shared across
// fork), as the main thread does in CPython.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import * as ss from '../../lib/socketserver';
import { HOST, mktemp, SHORT_TIMEOUT, TESTFN, unlink } from './support/helpers';
import { newEvents } from './support/events';
import { ForkThread } from './support/thread';
import { OverflowError, run, TestCase } from './support/unittest';
import { waitChild } from './support/threadable';

const req = createRequire(__filename);
const F = req('./fixtures/socketserver.js') as Record<string, unknown>;
const H = F as Record<string, ss.HandlerClass>;

const TEST_STR = Buffer.from('hello world\n');
const SOCK_MAX_SIZE = 16 * 1024 * 1024 + 1;

function receive(sock: socket.Socket, n: number, timeout = SHORT_TIMEOUT): Buffer {
  const [r] = select.select([sock], [], [], timeout);
  if (r.includes(sock)) return sock.recv(n);
  throw new Error(`RuntimeError: timed out on ${sock}`);
}

/** server.address_family (a static in posixkit). */
const family = (server: ss.BaseServer): number => (server.constructor as typeof ss.TCPServer).addressFamily;

class ForkingUnixStreamServer extends ss.ForkingMixIn(ss.UnixStreamServer) {}
class ForkingUnixDatagramServer extends ss.ForkingMixIn(ss.UnixDatagramServer) {}

/** simple_subprocess: a custom child process must not be waited on by the server (bpo-1540386). */
function simple_subprocess(tc: TestCase, body: () => void): void {
  const pid = os.fork();
  if (pid === 0) os._exit(72);
  try {
    body();
  } finally {
    const [, status] = os.waitpid(pid, 0);
    tc.assertEqual(os.waitstatus_to_exitcode(status), 72);
  }
}

type ServerClass = (new (addr: any, h: ss.HandlerClass) => ss.BaseServer) & { addressFamily: number };
type Examine = (proto: number, addr: any) => void;

class SocketServerTest extends TestCase {
  port_base = 0;
  test_files: string[] = [];

  override setUp(): void {
    this.port_base = 0;
    this.test_files = [];
  }

  override tearDown(): void {
    for (const fn of this.test_files) unlink(fn);
    this.test_files.length = 0;
  }

  pickaddr(proto: number): any {
    if (proto === socket.AF_INET) return [HOST, 0];
    const fn = mktemp('unix_socket.');
    this.test_files.push(fn);
    return fn;
  }

  make_server(addr: any, svrcls: ServerClass, hdlrbase: ss.HandlerClass): ss.BaseServer {
    // A threading server's MyServer is the fixture's: the request's thread loads it from there.
    const MyServer = (F[`My${svrcls.name}`] as unknown as typeof ss.BaseServer | undefined)
      ?? class extends (svrcls as unknown as new (a: any, h: ss.HandlerClass) => ss.BaseServer) {
      override handleError(request: ss.Request, _clientAddress: unknown, error: unknown): void {
        (this as unknown as { closeRequest(r: ss.Request): void }).closeRequest(request);
        throw error;
      }
    };
    // MyHandler: readline, write it back (the fixture's handlers, loadable by a worker thread).
    const server = new MyServer(addr, hdlrbase);
    const s = server as unknown as { serverAddress: unknown; socket: socket.Socket };
    this.assertEqual(s.serverAddress, s.socket.getsockname());
    return server;
  }

  run_server(svrcls: ServerClass, hdlrbase: ss.HandlerClass, testfunc: Examine): void {
    const server = this.make_server(this.pickaddr(svrcls.addressFamily), svrcls, hdlrbase);
    // We had the OS pick a port, so pull the real address out of the server.
    const addr = (server as unknown as { serverAddress: unknown }).serverAddress;
    const clients = os.fork();
    if (clients === 0) {
      let code = 0;
      try {
        for (let i = 0; i < 3; i++) testfunc(svrcls.addressFamily, addr);
      } catch (e) {
        process.stderr.write(`client failed: ${(e as Error)?.stack ?? e}\n`);
        code = 1;
      }
      server.shutdown();
      os._exit(code);
    }
    try {
      // Short poll interval to make the test finish quickly.
      server.serveForever(0.01);
    } finally {
      this.assertEqual(waitChild(clients, 30_000), 0, 'clients');
    }
    server.serverClose();
    this.assertEqual(-1, (server as unknown as { socket: socket.Socket }).socket.fileno());
    const children = (server as unknown as { activeChildren?: Set<number> | number[] | null }).activeChildren;
    if (children !== undefined) {
      // bpo-31151: Check that ForkingMixIn.server_close() waits until all children completed
      this.assertFalse(children && [...children].length);
    }
  }

  stream_examine = (proto: number, addr: any): void => {
    using s = socket.socket(proto, socket.SOCK_STREAM);
    s.connect(addr);
    s.sendall(TEST_STR);
    let data = receive(s, 100);
    let buf = data;
    while (data.length && !buf.includes(10)) {
      data = receive(s, 100);
      buf = Buffer.concat([buf, data]);
    }
    this.assertEqual(buf, TEST_STR);
  };

  dgram_examine = (proto: number, addr: any): void => {
    using s = socket.socket(proto, socket.SOCK_DGRAM);
    if (proto === socket.AF_UNIX) s.bind(this.pickaddr(proto));
    s.sendto(TEST_STR, addr);
    let data = receive(s, 100);
    let buf = data;
    while (data.length && !buf.includes(10)) {
      data = receive(s, 100);
      buf = Buffer.concat([buf, data]);
    }
    this.assertEqual(buf, TEST_STR);
  };

  test_TCPServer(): void {
    this.run_server(ss.TCPServer as never, H.MyStreamHandler, this.stream_examine);
  }

  test_ThreadingTCPServer(): void {
    this.run_server(ss.ThreadingTCPServer as never, H.MyStreamHandler, this.stream_examine);
  }

  test_ForkingTCPServer(): void {
    simple_subprocess(this, () => this.run_server(ss.ForkingTCPServer as never, H.MyStreamHandler, this.stream_examine));
  }

  test_UnixStreamServer(): void {
    this.run_server(ss.UnixStreamServer as never, H.MyStreamHandler, this.stream_examine);
  }

  test_ThreadingUnixStreamServer(): void {
    this.run_server(ss.ThreadingUnixStreamServer as never, H.MyStreamHandler, this.stream_examine);
  }

  test_ForkingUnixStreamServer(): void {
    simple_subprocess(this, () => this.run_server(ForkingUnixStreamServer as never, H.MyStreamHandler, this.stream_examine));
  }

  test_UDPServer(): void {
    this.run_server(ss.UDPServer as never, H.MyDatagramHandler, this.dgram_examine);
  }

  test_ThreadingUDPServer(): void {
    this.run_server(ss.ThreadingUDPServer as never, H.MyDatagramHandler, this.dgram_examine);
  }

  test_ForkingUDPServer(): void {
    simple_subprocess(this, () => this.run_server(ss.ForkingUDPServer as never, H.MyDatagramHandler, this.dgram_examine));
  }

  test_UnixDatagramServer(): void {
    this.run_server(ss.UnixDatagramServer as never, H.MyDatagramHandler, this.dgram_examine);
  }

  test_ThreadingUnixDatagramServer(): void {
    this.run_server(ss.ThreadingUnixDatagramServer as never, H.MyDatagramHandler, this.dgram_examine);
  }

  test_ForkingUnixDatagramServer(): void {
    this.run_server(ForkingUnixDatagramServer as never, H.MyDatagramHandler, this.dgram_examine);
  }

  test_shutdown(): void {
    // Issue #2302: shutdown() should always succeed in making an
    // other thread leave serve_forever().
    class MyServer extends ss.TCPServer {}
    class MyHandler extends ss.StreamRequestHandler {}

    const threads: [ForkThread, MyServer][] = [];
    for (let i = 0; i < 20; i++) {
      const s = new MyServer([HOST, 0], MyHandler);
      const t = new ForkThread(() => s.serveForever(0.01));
      threads.push([t, s]);
    }
    for (const [t, s] of threads) {
      t.start();
      s.shutdown();
    }
    for (const [t, s] of threads) {
      t.join(SHORT_TIMEOUT);
      const alive = t.is_alive();
      t.kill();
      this.assertFalse(alive, 'serve_forever() did not return after shutdown()');
      this.assertEqual(t.exitcode, 0);
      s.serverClose();
    }
  }

  test_close_immediately(): void {
    class MyServer extends ss.ThreadingMixIn(ss.TCPServer) {}
    const server = new MyServer([HOST, 0], (() => null) as never);
    server.serverClose();
  }

  test_tcpserver_bind_leak(): void {
    // Issue #22435: the server socket wouldn't be closed if bind()/listen()
    // failed.
    // Create many servers for which bind() will fail, to see if this result
    // in FD exhaustion.
    for (let i = 0; i < 1024; i++) {
      this.assertRaises(OverflowError, () => new ss.TCPServer([HOST, -1], ss.StreamRequestHandler));
    }
  }

  test_context_manager(): void {
    let server: ss.TCPServer;
    {
      using srv = new ss.TCPServer([HOST, 0], ss.StreamRequestHandler);
      server = srv;
    }
    this.assertEqual(-1, server.socket.fileno());
  }
}

// ---- ErrorHandlerTest -------------------------------------------------------------

type ExcName = 'ValueError' | 'SystemExit';

/** BadHandler, for the servers that run it in this process or a forked child. */
class BadHandler extends ss.BaseRequestHandler {
  override handle(): void {
    require('node:fs').appendFileSync(TESTFN, 'Handler called\n');
    const exc = (this.server as unknown as { exception: ExcName }).exception;
    throw exc === 'SystemExit' ? new ss.SystemExit('Test error' as never) : new RangeError('Test error');
  }
}

/** BaseErrorTestServer as a mixin over the server class (TCPServer, or a MixIn of it). */
function errorTestServer(Base: typeof ss.TCPServer, handler: ss.HandlerClass = BadHandler) {
  return class extends Base {
    exception: ExcName;
    constructor(exception: ExcName) {
      // A worker thread's BadHandler (the fixture's) reads these.
      process.env.CPYTHON_SS_LOG = TESTFN;
      process.env.CPYTHON_SS_EXCEPTION = exception;
      super([HOST, 0], handler);
      this.exception = exception;
    }

    /** Python runs this at the end of __init__; a TS constructor cannot call a subclass field in time. */
    exercise(): this {
      {
        using _c = socket.create_connection(this.serverAddress as [string, number]);
      }
      try {
        this.handleRequest();
      } finally {
        this.serverClose();
      }
      this.wait_done();
      return this;
    }

    override handleError(): void {
      require('node:fs').appendFileSync(TESTFN, 'Error handled\n');
    }

    wait_done(): void {}
  };
}

const BaseErrorTestServer = errorTestServer(ss.TCPServer);

/** ThreadingErrorTestServer(exception): the fixture's, whose class the request's thread loads to run its overrides. */
function ThreadingErrorTestServer(exception: ExcName): { exercise(): void } {
  // The fixture's BadHandler and handleError read these in the request's thread.
  process.env.CPYTHON_SS_LOG = TESTFN;
  process.env.CPYTHON_SS_EXCEPTION = exception;
  return new (F.ThreadingErrorTestServer as new (e: ExcName) => { exercise(): void })(exception);
}

const ForkingErrorTestServer = errorTestServer(ss.ForkingMixIn(ss.TCPServer) as unknown as typeof ss.TCPServer);

class ErrorHandlerTest extends TestCase {
  override tearDown(): void {
    unlink(TESTFN);
  }

  test_sync_handled(): void {
    new BaseErrorTestServer('ValueError').exercise();
    this.check_result(true);
  }

  test_sync_not_handled(): void {
    this.assertRaises(ss.SystemExit, () => new BaseErrorTestServer('SystemExit').exercise());
    this.check_result(false);
  }

  test_threading_handled(): void {
    ThreadingErrorTestServer('ValueError').exercise();
    this.check_result(true);
  }

  test_threading_not_handled(): void {
    // threading_helper.catch_threading_exception() replaces threading.excepthook.
    const threading = require('../../lib/threading') as Record<string, unknown>;
    const old = threading.excepthook;
    let exc_type: unknown = null;
    if (typeof old !== 'function') throw new TypeError('threading.excepthook is not a function');
    threading.excepthook = (args: { exc_type: unknown }) => { exc_type = args.exc_type; };
    try {
      ThreadingErrorTestServer('SystemExit').exercise();
      this.check_result(false);
      this.assertIs(exc_type, ss.SystemExit);
    } finally {
      threading.excepthook = old;
    }
  }

  test_forking_handled(): void {
    new ForkingErrorTestServer('ValueError').exercise();
    this.check_result(true);
  }

  test_forking_not_handled(): void {
    new ForkingErrorTestServer('SystemExit').exercise();
    this.check_result(false);
  }

  check_result(handled: boolean): void {
    const expected = 'Handler called\n' + 'Error handled\n'.repeat(handled ? 1 : 0);
    this.assertEqual(readFileSync(TESTFN, 'utf8'), expected);
  }
}

// ---- SocketWriterTest -----------------------------------------------------------------

/** s.makefile('rb'): a buffered reader over a socket. */
class SockReader {
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(private readonly s: socket.Socket) {}

  #fill(): boolean {
    const b = this.s.recv(65536);
    if (b.length === 0) return false;
    this.#chunks.push(b);
    this.#size += b.length;
    return true;
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    this.#chunks = n < all.length ? [all.subarray(n)] : [];
    this.#size = all.length - n;
    return all.subarray(0, n);
  }

  readline(): Buffer {
    for (;;) {
      const all = Buffer.concat(this.#chunks);
      this.#chunks = [all];
      const i = all.indexOf(10);
      if (i >= 0) return this.#take(i + 1);
      if (!this.#fill()) return this.#take(this.#size);
    }
  }

  /** read(n): n bytes or up to EOF; read(): everything up to EOF. */
  read(n = -1): Buffer {
    while ((n < 0 || this.#size < n) && this.#fill());
    return this.#take(n < 0 ? this.#size : Math.min(n, this.#size));
  }
}

class SocketWriterTest extends TestCase {
  test_basics(): void {
    let seen: { wfile: unknown; wfile_fileno: number; request_fileno: number } | null = null;
    class Handler extends ss.StreamRequestHandler {
      override handle(): void {
        seen = {
          wfile: this.wfile,
          wfile_fileno: (this.wfile as unknown as { fileno(): number }).fileno(),
          request_fileno: (this.request as socket.Socket).fileno(),
        };
      }
    }

    const server = new ss.TCPServer([HOST, 0], Handler);
    this.addCleanup(() => server.serverClose());
    {
      using s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP);
      s.connect(server.serverAddress as [string, number]);
    }
    server.handleRequest();
    // io.BufferedIOBase: the writer posixkit gives a stream handler.
    this.assertIsInstance(seen!.wfile, ss.SocketWriter);
    this.assertEqual(seen!.wfile_fileno, seen!.request_fileno);
  }

  test_write(): void {
    // Test that wfile.write() sends data immediately, and that it does
    // not truncate sends when interrupted by a Unix signal
    const state: { sent1?: number; received?: Buffer; sent2?: number } = {};
    class Handler extends ss.StreamRequestHandler {
      override handle(): void {
        state.sent1 = this.wfile.write(Buffer.from('write data\n'));
        // Should be sent immediately, without requiring flush()
        state.received = this.rfile.readline();
        const big_chunk = Buffer.alloc(SOCK_MAX_SIZE);
        state.sent2 = this.wfile.write(big_chunk);
      }
    }

    const server = new ss.TCPServer([HOST, 0], Handler);
    this.addCleanup(() => server.serverClose());
    const [interrupted] = newEvents(1);

    const original = signal.signal(signal.SIGUSR1, () => interrupted.set());
    this.addCleanup(() => signal.signal(signal.SIGUSR1, original));
    // The client thread reports response1 and received2 through this pipe.
    const [rp, wp] = os.pipe();
    const main = os.getpid();

    const background = new ForkThread(() => {
      os.close(rp);
      using s = socket.socket(family(server), socket.SOCK_STREAM, socket.IPPROTO_TCP);
      const reader = new SockReader(s);
      s.connect(server.serverAddress as [string, number]);
      const response1 = reader.readline();
      s.sendall(Buffer.from('client response\n'));

      reader.read(100);
      // The main thread should now be blocking in a send() syscall. Keep
      // signalling it (pthread_kill(main_thread) in CPython: here the server
      // is another process) until its handler ran.
      for (;;) {
        os.kill(main, signal.SIGUSR1);
        if (interrupted.wait(1.0)) break;
      }
      const received2 = reader.read().length;
      os.write(wp, JSON.stringify({ response1: response1.toString('latin1'), received2 }));
    }).start();
    os.close(wp);
    this.addCleanup(() => background.kill());
    server.handleRequest();
    background.join();
    const out = JSON.parse(os.read(rp, 4096).toString() || '{}');
    os.close(rp);
    this.assertEqual(background.exitcode, 0);
    this.assertEqual(state.sent1, Buffer.from(out.response1, 'latin1').length);
    this.assertEqual(out.response1, 'write data\n');
    this.assertEqual(state.received, Buffer.from('client response\n'));
    this.assertEqual(state.sent2, SOCK_MAX_SIZE);
    this.assertEqual(out.received2, SOCK_MAX_SIZE - 100);
  }
}

class MiscTestCase extends TestCase {
  test_all(): void {
    // objects defined in the module should be in __all__ (Python module machinery)
  }

  test_shutdown_request_called_if_verify_request_false(): void {
    // Issue #26309: BaseServer should call shutdown_request even if
    // verify_request is False
    class MyServer extends ss.TCPServer {
      shutdown_called = 0;
      override verifyRequest(): boolean {
        return false;
      }
      override shutdownRequest(request: ss.Request): void {
        this.shutdown_called += 1;
        super.shutdownRequest(request);
      }
    }

    const server = new MyServer([HOST, 0], ss.StreamRequestHandler);
    const s = socket.socket(family(server), socket.SOCK_STREAM);
    s.connect(server.serverAddress as [string, number]);
    s.close();
    server.handleRequest();
    this.assertEqual(server.shutdown_called, 1);
    server.serverClose();
  }

  test_threads_reaped(): void {
    // In #37193, users reported a memory leak due to the saving of every
    // request thread. Ensure that not all threads are kept forever.
    class MyServer extends ss.ThreadingMixIn(ss.TCPServer) {}

    // socketserver.StreamRequestHandler, from a module a worker thread can load.
    const server = new MyServer([HOST, 0], H.PlainStreamHandler);
    for (let n = 0; n < 10; n++) {
      using _c = socket.create_connection(server.serverAddress as [string, number]);
      server.handleRequest();
    }
    this.assertLess(server.threads.size, 10);
    server.serverClose();
  }
}

run('test_socketserver', [SocketServerTest, ErrorHandlerTest, SocketWriterTest, MiscTestCase]);
