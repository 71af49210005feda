// test_socket's fixture classes (SocketTCPTest, ThreadedTCPSocketTest,
// SocketConnectedTest, SocketPairTest, the SocketTestBase family), as mixins
// over TestCase / ThreadableTest: JS has single inheritance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as socket from '../../../lib/socket';
import { bind_port, HOST, HOSTv6, unlink } from './helpers';
import { TestCase } from './unittest';
import { ThreadableTest } from './threadable';

// test unicode string and carriage return
export const MSG = Buffer.from('Michael Gilfix was here\u1234\r\n', 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Ctor<T = TestCase> = abstract new (...a: any[]) => T;

/** SocketTCPTest: a listening TCP socket serv on HOST:port. */
export function SocketTCPTestMixin<B extends Ctor>(Base: B) {
  abstract class SocketTCPTest extends Base {
    serv!: socket.Socket;
    port = 0;
    override setUp(): void | Promise<void> {
      this.serv = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
      this.port = bind_port(this.serv);
      this.serv.listen();
    }
    override tearDown(): void | Promise<void> {
      this.serv.close();
    }
  }
  return SocketTCPTest;
}

/** SocketUDPTest: a bound UDP socket serv on HOST:port. */
export function SocketUDPTestMixin<B extends Ctor>(Base: B) {
  abstract class SocketUDPTest extends Base {
    serv!: socket.Socket;
    port = 0;
    override setUp(): void | Promise<void> {
      this.serv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      this.port = bind_port(this.serv);
    }
    override tearDown(): void | Promise<void> {
      this.serv.close();
    }
  }
  return SocketUDPTest;
}

export class ThreadedTCPSocketTest extends SocketTCPTestMixin(ThreadableTest) {
  cli!: socket.Socket;
  override clientSetUp(): void {
    this.cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  }
  override clientTearDown(): void {
    this.cli.close();
  }
}

export class ThreadedUDPSocketTest extends SocketUDPTestMixin(ThreadableTest) {
  cli!: socket.Socket;
  override clientSetUp(): void {
    this.cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  }
  override clientTearDown(): void {
    this.cli.close();
  }
}

/** SocketConnectedTest: cli_conn (server side) connected to serv_conn (client side). */
export class SocketConnectedTest extends ThreadedTCPSocketTest {
  cli_conn!: socket.Socket;
  serv_conn!: socket.Socket;

  override setUp(): void {
    super.setUp();
    // Indicate explicitly we're ready for the client thread to proceed and
    // then perform the blocking call to accept
    this.serverExplicitReady();
    const [conn] = this.serv.accept();
    this.cli_conn = conn;
  }

  override tearDown(): void {
    this.cli_conn.close();
    super.tearDown();
  }

  override clientSetUp(): void {
    super.clientSetUp();
    this.cli.connect([HOST, this.port]);
    this.serv_conn = this.cli;
  }

  override clientTearDown(): void {
    this.serv_conn.close();
    super.clientTearDown();
  }
}

/** SocketPairTest: serv and cli from socketpair(); cli belongs to the client half. */
export class SocketPairTest extends ThreadableTest {
  serv!: socket.Socket;
  cli!: socket.Socket;
  override setUp(): void {
    [this.serv, this.cli] = socket.socketpair();
  }
  override tearDown(): void {
    this.serv.close();
  }
  override clientTearDown(): void {
    this.cli.close();
  }
}

// ---- SocketTestBase and its mixins (used by the sendmsg()/recvmsg() tests) --------------

/** SocketTestBase: serv bound by bindSock(), its address in serv_addr. */
export function SocketTestBaseMixin<B extends Ctor>(Base: B) {
  abstract class SocketTestBase extends Base {
    serv!: socket.Socket;
    serv_addr: any;
    abstract newSocket(): socket.Socket;
    abstract bindSock(sock: socket.Socket): void;
    override setUp(): void | Promise<void> {
      this.serv = this.newSocket();
      this.bindServer();
    }
    bindServer(): void {
      this.bindSock(this.serv);
      this.serv_addr = this.serv.getsockname();
    }
    override tearDown(): void | Promise<void> {
      this.serv.close();
    }
  }
  return SocketTestBase;
}

/** SocketListeningTestMixin: listen on the server socket. */
export function SocketListeningMixin<B extends Ctor<TestCase & { serv: socket.Socket }>>(Base: B) {
  abstract class SocketListening extends Base {
    override async setUp(): Promise<void> {
      await super.setUp();
      this.serv.listen();
    }
  }
  return SocketListening;
}

interface SocketBaseLike extends ThreadableTest {
  serv: socket.Socket;
  serv_addr: any;
  newSocket(): socket.Socket;
  bindSock(sock: socket.Socket): void;
}

/** ThreadedSocketTestMixin: a client socket cli bound like the server, address cli_addr. */
export function ThreadedSocketMixin<B extends Ctor<SocketBaseLike>>(Base: B) {
  abstract class ThreadedSocket extends Base {
    cli!: socket.Socket;
    cli_addr: any;
    override clientSetUp(): void {
      this.cli = this.newClientSocket();
      this.bindClient();
    }
    newClientSocket(): socket.Socket {
      return this.newSocket();
    }
    bindClient(): void {
      this.bindSock(this.cli);
      this.cli_addr = this.cli.getsockname();
    }
    override clientTearDown(): void {
      this.cli.close();
    }
  }
  return ThreadedSocket;
}

/** ConnectedStreamTestMixin: cli_conn / serv_conn, as SocketConnectedTest, for any family. */
export function ConnectedStreamMixin<B extends Ctor<SocketBaseLike & { cli: socket.Socket }>>(Base: B) {
  abstract class ConnectedStream extends Base {
    cli_conn!: socket.Socket;
    serv_conn!: socket.Socket;
    override async setUp(): Promise<void> {
      await super.setUp();
      this.serv.listen();
      this.serverExplicitReady();
      const [conn] = this.serv.accept();
      this.cli_conn = conn;
    }
    override async tearDown(): Promise<void> {
      this.cli_conn.close();
      await super.tearDown();
    }
    override clientSetUp(): void {
      super.clientSetUp();
      this.cli.connect(this.serv_addr);
      this.serv_conn = this.cli;
    }
    override clientTearDown(): void {
      try {
        this.serv_conn.close();
      } catch {
        // AttributeError in CPython: never connected
      }
      super.clientTearDown();
    }
  }
  return ConnectedStream;
}

/** UnixSocketTestBase: sockets in a private directory. */
export function UnixSocketTestBaseMixin<B extends Ctor<TestCase>>(Base: B) {
  abstract class UnixSocketTestBase extends SocketTestBaseMixin(Base) {
    dir_path = '';
    #n = 0;
    override setUp(): void | Promise<void> {
      this.dir_path = mkdtempSync(path.join(tmpdir(), 'cpy-unix-'));
      const dir = this.dir_path;
      // The client half binds in here too, and its cleanups do not run in
      // this process: remove what it left.
      this.addCleanup(() => rmSync(dir, { recursive: true, force: true }));
      return super.setUp();
    }
    bindSock(sock: socket.Socket): void {
      const p = path.join(this.dir_path, `tmp${process.pid}_${this.#n++}`);
      sock.bind(p);
      this.addCleanup(() => unlink(p));
    }
  }
  return UnixSocketTestBase;
}

/** InetTestBase: host HOST, port from serv_addr. */
export function InetTestBaseMixin<B extends Ctor<TestCase>>(Base: B, host = HOST) {
  abstract class InetTestBase extends SocketTestBaseMixin(Base) {
    host = host;
    port = 0;
    override async setUp(): Promise<void> {
      await super.setUp();
      this.port = this.serv_addr[1];
    }
    bindSock(sock: socket.Socket): void {
      bind_port(sock, this.host);
    }
  }
  return InetTestBase;
}

export const sockFactory = {
  tcp: () => socket.socket(socket.AF_INET, socket.SOCK_STREAM),
  udp: () => socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
  udp6: () => socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
  unixStream: () => socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
};

export { HOSTv6 };
