// The contract between server models (drivers: they own sockets and decide
// how to wait) and protocol cores (pure: bytes in, output items out). It is
// the pull shape of posixkit/http's HttpConnection, so an HTTP connection is a
// Session as it is; see docs/models.md "The interface".
import type { CallRef } from '../internal/modref';
import type { FileOutput, OutputItem } from './output';
import type { SockAddr, Socket } from '../socket';

export type { FileOutput, OutputItem };

/** What a session learns about its connection when it opens. */
export interface ConnInfo {
  /**
   * The connection's fd. The driver owns it: a core must not close it, read
   * from it or write to it (setsockopt, such as TCP_NODELAY, is fine).
   */
  readonly fd: number;
  /**
   * Blocking models only (iterative, forking, prefork, threading): the
   * connection's socket, lent to the session while one of its own methods
   * runs. The driver is blocked in that call, so the session may then send
   * on it, poll it and read from it without racing the driver: FTP does, to
   * send its 150 before a transfer and to hear ABOR during one. Never close
   * it, never use it after the call returned, and leave its blocking mode and
   * timeouts alone. Undefined on the event and coroutine models, where the
   * driver does every read and write.
   */
  readonly socket?: Socket;
  /** The peer address ([host, port], or a path string for AF_UNIX; null for an unnamed Unix peer). */
  readonly peer: SockAddr;
  /** This end's address (an FTP core binds its passive listener there). */
  readonly local: SockAddr;
  /** AF_INET, AF_INET6 or AF_UNIX. */
  readonly family: number;
  /** The model serving it ('epoll-et', 'forking' ...). */
  readonly model: string;
  /** Sequence number of the connection in this server (process), from 1. */
  readonly id: number;
  /**
   * Tells the driver this session has output that no input of its own
   * caused (a chat message from another connection). Event models send it on
   * their next loop turn; blocking models send it after their next read.
   */
  wake(): void;
}

/**
 * One connection's protocol state. The driver calls feed() with what it
 * read, then takeOutput() until it returns null, sending every item in
 * order; it closes the connection once wantsClose is true and all is sent.
 */
export interface Session {
  /** Bytes read from the peer. They are only valid during the call: copy what you keep. */
  feed(bytes: Uint8Array): void;
  /** The peer shut down its write side (recv returned 0). */
  onEof(): void;
  /** Everything to send now, in order, or null. A FileOutput's fd passes to the driver, which closes it. */
  takeOutput(): OutputItem[] | null;
  /** True once nothing more will be produced: send what was taken, then close. */
  readonly wantsClose: boolean;
  /** False while the session does not want input (output backed up); event drivers stop reading. Default true. */
  readonly wantsRead?: boolean;
  /** After an error reply with input possibly unread: shut down writing and drain this long before close(2). */
  readonly lingerMs?: number;
  /** Absolute time (Date.now() ms) at which tick() must be called, or null. */
  nextDeadline?(): number | null;
  /** Applies timeouts; the driver calls it at or after nextDeadline(). */
  tick?(nowMs: number): void;
  /** The connection is gone (closed by either side or by a stopping server): release what you hold. */
  close(): void;
}

/** How a worker thread rebuilds a core: `require(module)[export](...args)` must return the ProtocolCore. */
export type CoreRef = CallRef;

/** A protocol: opens one Session per connection. */
export interface ProtocolCore {
  readonly name: string;
  open(conn: ConnInfo): Session;
  /**
   * Sessions share memory (a chat room): only single-process, single-thread
   * models (iterative, nonblocking, select, poll, epoll, epoll-et, coroutine)
   * can run this core; the others refuse it.
   */
  readonly sharedState?: boolean;
  /** How the threading models load this core in a worker thread. */
  readonly ref?: CoreRef;
}

/** A TCP address (port 0: the kernel picks one) or a Unix socket path ('\0name': abstract). */
export type ListenAddress = { host?: string; port: number } | { path: string };

/** What a model reports once it listens. */
export interface ListenInfo {
  model: string;
  /** The bound address as getsockname() reports it. */
  address: SockAddr;
  /** [host, port] resolved (port 0 replaced) or the Unix path. */
  port: number | null;
  path: string | null;
  pid: number;
}

/** Where an error happened: in a core (a session threw), in accept, in a worker ... */
export type ErrorWhere = 'core' | 'accept' | 'connection' | 'worker' | 'child' | 'limit';

export interface ServeOptions {
  address: ListenAddress;
  core: ProtocolCore;
  /** listen(2) backlog; default 511 (nginx, Node). */
  backlog?: number;
  /** Signals that stop the server (posixkit/signal handlers, restored afterwards); default [SIGTERM, SIGINT]; [] for none. */
  signals?: number[];
  /** A stop handle made with createStopHandle(); its stop() ends serve(). */
  stop?: StopHandle;
  /** Called once the socket listens, before serving. */
  onListening?: (info: ListenInfo) => void;
  /** Called for each error that does not stop the server; default: print it on stderr (as Python's traceback.print_exc). */
  onError?: (err: unknown, where: ErrorWhere) => void;
  /** Receive buffer per read, bytes; default 65536. */
  readSize?: number;
}

/**
 * What the apps' serve functions (serveHttp, serveFtp) take besides their
 * protocol's own options; the rest goes to the model.
 */
export interface AppServeOptions {
  /** Server model (each app documents its default and the models it runs on). */
  model?: string;
  /** Where to listen (each app documents its default port). */
  address?: ListenAddress;
  onListening?: (info: ListenInfo) => void;
  /** Signals that stop the server; default [SIGTERM, SIGINT]. */
  signals?: number[];
  stop?: StopHandle;
  onError?: (err: unknown, where: string) => void;
  /** Wraps the protocol core before the model runs it (the CLI counts connections and requests this way). */
  wrapCore?: (core: ProtocolCore) => ProtocolCore;
  /** Anything else goes to the model (workers, pool, maxChildren, maxConnections, sendTimeoutMs, backlog ...). */
  [modelOption: string]: unknown;
}

/**
 * A server running on Node's event loop (serveOnLoop, serveHttpOnLoop): the
 * call returns once it listens, and it serves from libuv callbacks while the
 * rest of the program runs. It keeps the process alive until it stops.
 */
export interface LoopServer {
  /** Where it listens (bound and listening before the call returned). */
  readonly info: ListenInfo;
  /** Stops accepting, closes every connection and resolves with the counters. Idempotent. */
  stop(): Promise<ServeStats>;
  /** Settles once it has stopped, whatever stopped it (stop(), the `stop` handle, a signal in `signals`); rejects on a fatal error. */
  readonly closed: Promise<ServeStats>;
}

/** What serve() returns once the server has stopped. */
export interface ServeStats {
  model: string;
  /** Connections accepted, by whichever process or thread accepted them (datagrams for the UDP loop). */
  connections: number;
  /** Errors reported through onError, forked children's and workers' included. */
  errors: number;
  /** The signal that stopped it, or 0 (stop handle). */
  signal: number;
}

/** A way to stop a serving model from the same thread (a core, a hook) or from a signal handler of your own. */
export interface StopHandle {
  stop(): void;
  readonly stopped: boolean;
  /** Read end of the wake-up pipe: event models wait on it. */
  readonly fd: number;
  /** Re-arms a stopped handle (drains the pipe), so it can stop the next serve(). */
  reset(): void;
  close(): void;
}
