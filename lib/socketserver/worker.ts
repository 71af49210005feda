// The worker-thread side of ThreadingMixIn: loads the handler class from its
// module, adopts the request's fd (shared with the server's thread: one
// process), runs the handler, and closes the connection (it owns it).
import { write as osWrite } from '../os';
import { SockAddr, Socket, SHUT_WR } from '../socket';
import { printRequestError } from './base';
import type { HandlerClass } from './base';

/** What the server's thread sends for one request (structured-cloned). */
export interface ThreadedRequest {
  handler: { module: string; export: string };
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

/** `handler.server` in a worker thread: the server's address, and shutdown() through its wake pipe. */
export class ThreadServerProxy {
  readonly serverAddress: SockAddr;
  readonly #wakeFd: number;
  constructor(serverAddress: SockAddr, wakeFd: number) {
    this.serverAddress = serverAddress;
    this.#wakeFd = wakeFd;
  }
  shutdown(): void {
    try {
      osWrite(this.#wakeFd, Buffer.of(1));
    } catch {
      // EAGAIN (a wake-up is pending) or the server is closed
    }
  }
}

export function runThreadedRequest(job: ThreadedRequest): void {
  const sock = new Socket(job.family, job.type, job.proto, job.fd);
  const dgram = job.data !== null;
  const request = dgram ? [Buffer.from(job.data!.buffer, job.data!.byteOffset, job.data!.byteLength), sock] : sock;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const H = (require(job.handler.module) as Record<string, HandlerClass>)[job.handler.export];
    if (typeof H !== 'function') throw new TypeError(`${job.handler.module} has no export '${job.handler.export}'`);
    new H(request, job.clientAddress, new ThreadServerProxy(job.serverAddress, job.wakeFd)).run();
  } catch (e) {
    printRequestError(job.clientAddress, e);
  } finally {
    if (dgram) {
      sock.detach(); // the server's socket: not ours to close
    } else {
      try {
        sock.shutdown(SHUT_WR);
      } catch {
        // the peer left
      }
      sock.close();
    }
  }
}
