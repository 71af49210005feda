// BaseServer and the four socket servers (Python's socketserver.py shape).
// serveForever waits with poll(2) (Python picks PollSelector where it
// exists) on the server socket and a self-pipe: shutdown() writes one byte
// to the pipe, so it wakes the wait at once, from a signal handler, from a
// handler, from a forked child or a worker thread (they share the pipe), and
// no 0.5 s polling loop is needed for it.
import { writeSync } from 'node:fs';
import { deadlineAfter, secondsUntil, timeoutSeconds } from '../internal/deadline';
import { WakePipe, wakeFd } from '../internal/wake';
import { Poll, POLLIN } from '../select';
import {
  AF_INET, AF_UNIX, SHUT_WR, SO_REUSEADDR, SO_REUSEPORT, SOCK_DGRAM, SOCK_STREAM, SockAddr, Socket, SOL_SOCKET,
  Address,
} from '../socket';
import { codedError, errno, errnoError, OSError, invalidArgType } from '../errors';
import { BaseRequestHandler, Request } from './handlers';

/**
 * An error that must end serveForever rather than be reported and
 * swallowed (Python's SystemExit/KeyboardInterrupt are not `Exception`s).
 * In a forked child it becomes the exit status: an integer as is, null or
 * undefined as 0, anything else (a message, as Python's
 * `SystemExit('Test error')`) as 1.
 */
export class SystemExit extends Error {
  readonly status: number | string | null;
  constructor(status: number | string | null = 0) {
    super(`SystemExit(${typeof status === 'string' ? JSON.stringify(status) : status})`);
    this.name = 'SystemExit';
    this.status = status;
  }
}

/** The exit status a SystemExit stands for (see SystemExit); always a valid _exit() argument. */
export function exitStatus(e: SystemExit): number {
  const s: unknown = e.status;
  if (s === null || s === undefined) return 0;
  return typeof s === 'number' && Number.isInteger(s) && s >= -0x80000000 && s <= 0x7fffffff ? s : 1;
}

/** A handler class, or (for ThreadingMixIn) where a worker thread can load it. */
export type HandlerClass = (new (request: any, clientAddress: SockAddr, server: any) => BaseRequestHandler) & {
  /** The module a worker thread requires to find this class (ThreadingMixIn), e.g. __filename. */
  module?: string;
  /** The export name in that module; default: the class name. */
  exportName?: string;
};

/** Python's traceback.print_exc() in the shape of BaseServer.handle_error. */
export function printRequestError(clientAddress: SockAddr, error: unknown): void {
  const line = '-'.repeat(40);
  const trace = (error as Error)?.stack ?? String(error);
  const text = `${line}\nException occurred during processing of request from ${JSON.stringify(clientAddress)}\n`
    + `${trace}\n${line}\n`;
  // Straight to fd 2, as Python's print_exc: in a worker thread process.stderr is
  // relayed by the main thread's event loop, which serveForever is blocking.
  try {
    writeSync(2, text);
  } catch {
    process.stderr.write(text);
  }
}

/**
 * Python's BaseServer: the request loop, independent of the socket kind.
 * Class attributes are static (`static timeout`, `static allowReuseAddress`
 * in a subclass); `timeout` can also be set per instance.
 */
export class BaseServer implements Disposable {
  /** Seconds handleRequest() waits before handleTimeout(); null: forever. */
  static timeout: number | null = null;

  serverAddress: SockAddr;
  RequestHandlerClass: HandlerClass;
  timeout: number | null;
  #shutdownRequest = false;
  #serving = false;
  readonly #wake: WakePipe;

  constructor(serverAddress: Address | SockAddr, RequestHandlerClass: HandlerClass) {
    if (typeof RequestHandlerClass !== 'function') {
      throw invalidArgType('RequestHandlerClass', 'a request handler class', RequestHandlerClass);
    }
    this.serverAddress = serverAddress as SockAddr;
    this.RequestHandlerClass = RequestHandlerClass;
    this.timeout = (this.constructor as typeof BaseServer).timeout;
    this.#wake = new WakePipe();
  }

  /** @internal the wake pipe's write end (worker threads and children share it). */
  get _wakeFd(): number {
    return this.#wake.writeFd;
  }

  /** True while serveForever runs. */
  get serving(): boolean {
    return this.#serving;
  }

  serverActivate(): void {}

  /**
   * Handles requests until shutdown(). pollInterval (seconds, null: none)
   * only paces serviceActions() (child reaping); shutdown does not wait for
   * it. Blocks the thread: call shutdown() from a signal handler, a request
   * handler, a forked child or another thread.
   */
  serveForever(pollInterval: number | null = 0.5): void {
    const interval = timeoutSeconds(pollInterval, 'pollInterval', 'error');
    if (this.fileno() < 0 || this.#wake.closed) throw errnoError(errno.EBADF, 'serveForever');
    this.#serving = true;
    const p = new Poll();
    p.register(this.fileno(), POLLIN);
    p.register(this.#wake.readFd, POLLIN);
    const ms = interval === null ? null : interval * 1000;
    try {
      while (!this.#shutdownRequest) {
        const ready = p.poll(ms);
        // A byte in the pipe is a shutdown request (possibly from another process or thread).
        if (this.#wake.drain() || this.#shutdownRequest) break;
        if (ready.some(([fd]) => fd === this.fileno())) this._handleRequestNoblock();
        this.serviceActions();
      }
    } finally {
      this.#shutdownRequest = false;
      this.#serving = false;
    }
  }

  /**
   * Asks serveForever to return. Unlike Python's, it does not wait for the
   * loop to end (the loop runs on this same thread, so waiting would
   * deadlock): serveForever returns after the request in progress. Safe in
   * a signal handler. Called before serveForever, the next one returns at once.
   * In a ThreadingMixIn request thread (`handler.server`), it stops the
   * serving thread's loop.
   */
  shutdown(): void {
    // A request thread's stand-in has no loop state of its own: only the pipe reaches the server.
    if (#wake in this) this.#shutdownRequest = true;
    wakeFd(this._wakeFd);
  }

  /** Called once per serveForever loop turn (ForkingMixIn reaps children here). */
  serviceActions(): void {}

  /** Handles one request, waiting at most `timeout` seconds (then handleTimeout()). */
  handleRequest(): void {
    let t = this._socketTimeout();
    if (t === null) t = this.timeout;
    else if (this.timeout !== null) t = Math.min(t, this.timeout);
    const deadline = deadlineAfter(t);
    if (this.fileno() < 0) throw errnoError(errno.EBADF, 'handleRequest');
    const p = new Poll();
    p.register(this.fileno(), POLLIN);
    for (;;) {
      const left = secondsUntil(deadline);
      if (p.poll(left === null ? null : left * 1000).length > 0) return this._handleRequestNoblock();
      if (left === 0) return this.handleTimeout();
    }
  }

  /** @internal */
  _socketTimeout(): number | null {
    return null;
  }

  /** @internal Python's _handle_request_noblock. */
  _handleRequestNoblock(): void {
    let request: Request, clientAddress: SockAddr;
    try {
      [request, clientAddress] = this.getRequest();
    } catch (e) {
      if (e instanceof OSError) return; // the client left between poll and accept
      throw e;
    }
    if (this.verifyRequest(request, clientAddress)) {
      try {
        this.processRequest(request, clientAddress);
      } catch (e) {
        if (e instanceof SystemExit) {
          this.shutdownRequest(request);
          throw e;
        }
        this.handleError(request, clientAddress, e);
        this.shutdownRequest(request);
      }
    } else {
      this.shutdownRequest(request);
    }
  }

  handleTimeout(): void {}

  /** Return false to refuse a request (it is closed unanswered). */
  verifyRequest(_request: Request, _clientAddress: SockAddr): boolean {
    return true;
  }

  /** Handles the request (overridden by the mixins to fork or start a thread). */
  processRequest(request: Request, clientAddress: SockAddr): void {
    this.finishRequest(request, clientAddress);
    this.shutdownRequest(request);
  }

  /** Closes the wake pipe; subclasses close their socket. Idempotent. */
  serverClose(): void {
    this.#wake.close();
  }

  /** Constructs the handler and runs it (setup, handle, finish). */
  finishRequest(request: Request, clientAddress: SockAddr): void {
    new this.RequestHandlerClass(request, clientAddress, this).run();
  }

  shutdownRequest(request: Request): void {
    this.closeRequest(request);
  }

  closeRequest(_request: Request): void {}

  /**
   * Reports a handler's error and lets the server go on: prints the request's
   * address and the stack to stderr, as Python's traceback.print_exc().
   */
  handleError(_request: Request, clientAddress: SockAddr, error: unknown): void {
    printRequestError(clientAddress, error);
  }

  fileno(): number {
    throw codedError('ERR_METHOD_NOT_IMPLEMENTED', 'BaseServer.fileno() is abstract');
  }

  getRequest(): [Request, SockAddr] {
    throw codedError('ERR_METHOD_NOT_IMPLEMENTED', 'BaseServer.getRequest() is abstract');
  }

  [Symbol.dispose](): void {
    this.serverClose();
  }
}

/**
 * Python's TCPServer: binds and listens in the constructor (unless
 * bindAndActivate is false); a failed bind closes the socket. Statics:
 * addressFamily, socketType, requestQueueSize (5), allowReuseAddress
 * (false, as in Python; HTTP servers turn it on), allowReusePort (false).
 */
export class TCPServer extends BaseServer {
  static addressFamily: number = AF_INET;
  static socketType: number = SOCK_STREAM;
  static requestQueueSize = 5;
  static allowReuseAddress = false;
  static allowReusePort = false;

  socket: Socket;

  constructor(serverAddress: Address, RequestHandlerClass: HandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass);
    const k = this.constructor as typeof TCPServer;
    try {
      this.socket = new Socket(k.addressFamily, k.socketType);
    } catch (e) {
      super.serverClose();
      throw e;
    }
    if (bindAndActivate) {
      try {
        this.serverBind();
        this.serverActivate();
      } catch (e) {
        this.serverClose();
        throw e;
      }
    }
  }

  /** Sets the reuse options, binds, and records the bound address in serverAddress. */
  serverBind(): void {
    const k = this.constructor as typeof TCPServer;
    if (k.allowReuseAddress) this.socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (k.allowReusePort) this.socket.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    this.socket.bind(this.serverAddress as Address);
    this.serverAddress = this.socket.getsockname();
  }

  override serverActivate(): void {
    this.socket.listen((this.constructor as typeof TCPServer).requestQueueSize);
  }

  override serverClose(): void {
    this.socket?.close();
    super.serverClose();
  }

  override fileno(): number {
    return this.socket.fileno();
  }

  /** @internal */
  override _socketTimeout(): number | null {
    return this.socket.gettimeout();
  }

  override getRequest(): [Request, SockAddr] {
    return this.socket.accept();
  }

  /** Half-closes (SHUT_WR) so the client sees EOF, then closes. */
  override shutdownRequest(request: Request): void {
    try {
      (request as Socket).shutdown(SHUT_WR);
    } catch {
      // the peer may have gone already
    }
    this.closeRequest(request);
  }

  override closeRequest(request: Request): void {
    (request as Socket).close();
  }
}

/** Python's UDPServer: each datagram is a request `[data, serverSocket]`; maxPacketSize 8192. */
export class UDPServer extends TCPServer {
  static override socketType: number = SOCK_DGRAM;
  static maxPacketSize = 8192;

  override getRequest(): [Request, SockAddr] {
    const [data, addr] = this.socket.recvfrom((this.constructor as typeof UDPServer).maxPacketSize);
    return [[data, this.socket], addr];
  }

  override serverActivate(): void {}

  override shutdownRequest(request: Request): void {
    this.closeRequest(request);
  }

  override closeRequest(_request: Request): void {}
}

/** TCPServer on AF_UNIX (the socket file is left in place, as in Python). */
export class UnixStreamServer extends TCPServer {
  static override addressFamily: number = AF_UNIX;
}

/** UDPServer on AF_UNIX; clients must bind an address to get replies. */
export class UnixDatagramServer extends UDPServer {
  static override addressFamily: number = AF_UNIX;
}
