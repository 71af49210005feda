// The worker-thread side of ThreadingMixIn: Python's process_request_thread.
// Loads the handler class (and the server's class, for its overrides) from
// their modules, adopts the request's fd (shared with the server's thread:
// one process), and runs finishRequest / handleError / shutdownRequest on a
// stand-in of the server.
import { codedError } from '../errors';
import { loadExport, ModuleRef } from '../internal/modref';
import { SockAddr, Socket } from '../socket';
import * as base from './base';
import type { HandlerClass } from './base';

/** A server class of posixkit's own, which the worker has loaded already. */
export type BuiltinServer = 'BaseServer' | 'TCPServer' | 'UDPServer' | 'UnixStreamServer' | 'UnixDatagramServer';

/** The class a stand-in is built from: the program's (loaded from its module) or posixkit's. */
export type ServerRef = (ModuleRef | { builtin: BuiltinServer }) & {
  /** A handleError the worker cannot run (see serverRef in mixins.ts), named for the report. */
  lostHandleError?: string;
};

/** What the server's thread sends for one request (structured-cloned). */
export interface ThreadedRequest {
  handler: ModuleRef;
  server: ServerRef;
  /** The server's own fields a thread can receive (see serverFields in mixins.ts). */
  fields: Record<string, unknown>;
  fd: number;
  family: number;
  type: number;
  proto: number;
  /** The datagram (datagram servers), or null for a connection. */
  data: Uint8Array | null;
  clientAddress: SockAddr;
  serverAddress: SockAddr;
  wakeFd: number;
}

/**
 * The server as the request's thread sees it: an object of the server's
 * class (its constructor is not run: the socket stays the serving thread's)
 * with a copy of its fields. shutdown() writes the serving thread's wake pipe.
 */
function standIn(job: ThreadedRequest, H: HandlerClass): base.BaseServer {
  const C = 'builtin' in job.server ? base[job.server.builtin] : loadExport<any>(job.server, 'class') as typeof base.BaseServer;
  const server = Object.create(C.prototype) as base.BaseServer;
  // Own data properties, as the server's fields are (a setter or getter of the class is not run).
  const own = { ...job.fields, serverAddress: job.serverAddress, RequestHandlerClass: H, _wakeFd: job.wakeFd };
  for (const [k, value] of Object.entries(own)) {
    Object.defineProperty(server, k, { value, writable: k !== '_wakeFd', enumerable: k !== '_wakeFd', configurable: true });
  }
  return server;
}

/** The report when the handler threw and the server's handleError could not come to this thread. */
function lostHandleError(name: string, error: unknown): Error {
  return codedError('ERR_SOCKETSERVER_LOST_OVERRIDE', `${name} could not run in the request's worker thread, which `
    + 'cannot load the server class: give the class `static module = __filename` (and `static exportName` if its '
    + `export name differs). The handler's error:\n${(error as Error)?.stack ?? String(error)}`);
}

/** Python's ThreadingMixIn.process_request_thread. */
export function runThreadedRequest(job: ThreadedRequest): void {
  const sock = new Socket(job.family, job.type, job.proto, job.fd);
  const dgram = job.data !== null;
  const request = dgram ? [Buffer.from(job.data!.buffer, job.data!.byteOffset, job.data!.byteLength), sock] as [Buffer, Socket] : sock;
  try {
    const server = standIn(job, loadExport<any>(job.handler, 'class') as HandlerClass);
    try {
      server.finishRequest(request, job.clientAddress);
    } catch (e) {
      // As in Python's thread: SystemExit ends the request quietly, other errors go to handleError.
      if (!(e instanceof base.SystemExit)) {
        const lost = job.server.lostHandleError;
        if (lost === undefined) server.handleError(request, job.clientAddress, e);
        else base.printRequestError(job.clientAddress, lostHandleError(lost, e));
      }
    } finally {
      server.shutdownRequest(request);
    }
  } catch (e) {
    if (!(e instanceof base.SystemExit)) base.printRequestError(job.clientAddress, e);
  } finally {
    // The connection is this thread's (an override of shutdownRequest may not have closed it); the
    // datagram server's socket is not.
    if (dgram) sock.detach();
    else if (!sock.closed) sock.close();
  }
}
