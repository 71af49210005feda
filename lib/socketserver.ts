// posixkit/socketserver: Python's socketserver in TypeScript, on posixkit's
// real sockets, poll(2), fork(2) and worker threads. See docs/api/socketserver.md.
import { UDPServer, UnixDatagramServer, UnixStreamServer } from './socketserver/base';
import { ForkingMixIn, ThreadingMixIn } from './socketserver/mixins';

export {
  BaseServer, TCPServer, UDPServer, UnixStreamServer, UnixDatagramServer, SystemExit, printRequestError,
} from './socketserver/base';
export type { HandlerClass } from './socketserver/base';
export {
  BaseRequestHandler, StreamRequestHandler, DatagramRequestHandler, SocketReader, SocketWriter, BytesReader,
  BytesWriter,
} from './socketserver/handlers';
export type { Request, ServerLike } from './socketserver/handlers';
export { ForkingMixIn, ThreadingMixIn, ForkingTCPServer, ThreadingTCPServer } from './socketserver/mixins';

export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {}
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {}
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {}
