// ForkingMixIn and ThreadingMixIn as TypeScript mixin functions:
// `class MyServer extends ForkingMixIn(TCPServer) {}`.
import * as path from 'node:path';
import { invalidArgValue } from '../errors';
import { Children } from '../internal/children';
import { ModuleRef, resolveModule, runnableModule } from '../internal/modref';
import { _exit, fork } from '../os';
import { SockAddr, Socket } from '../socket';
import { Thread } from '../threading';
import { SHARE } from '../multiprocessing/sync-core';
import {
  BaseServer, exitStatus, HandlerClass, SystemExit, TCPServer, UDPServer, UnixDatagramServer, UnixStreamServer,
} from './base';
import { Request } from './handlers';
import type { BuiltinServer, ServerRef, ThreadedRequest } from './worker';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor<T = BaseServer> = abstract new (...args: any[]) => T;

// The classes the mixins make: they add no method of the request's path.
const MIXIN_CLASSES = new Set<unknown>();
const BUILTIN_SERVERS = new Map<unknown, BuiltinServer>([
  [BaseServer, 'BaseServer'], [TCPServer, 'TCPServer'], [UDPServer, 'UDPServer'],
  [UnixStreamServer, 'UnixStreamServer'], [UnixDatagramServer, 'UnixDatagramServer'],
]);

/**
 * Python's ForkingMixIn: one child (os.fork) per request. The parent closes
 * its copy of the request and keeps serving; children are reaped by pid
 * (waitpid(pid, WNOHANG) in serviceActions and handleTimeout), never with
 * waitpid(-1), so children the program forked itself are left to it.
 * Past maxChildren (40) the parent blocks until one of its children exits
 * (poll(2) on their pidfds). serverClose() waits for all children when
 * blockOnClose (default true). Every way out of the child ends in _exit:
 * 0 after the handler, the status of a SystemExit (1 if it is not an
 * integer, as Python), 1 after an error.
 */
export function ForkingMixIn<TBase extends Ctor>(Base: TBase) {
  abstract class Forking extends Base {
    /** Seconds handleRequest waits before handleTimeout (which reaps): Python's 300. */
    override timeout: number | null = 300;
    /** Live children this server forked (null before the first fork, as in Python). */
    activeChildren: Set<number> | null = null;
    maxChildren = 40;
    blockOnClose = true;

    /** Reaps finished children; blocks while there are maxChildren or more; blocking: waits for all. */
    collectChildren({ blocking = false }: { blocking?: boolean } = {}): void {
      const active = this.activeChildren;
      if (!active) return;
      const c = new Children(active);
      while (active.size >= this.maxChildren) {
        c.waitAny(-1);
        c.reap();
      }
      c.reap(undefined, blocking);
    }

    override handleTimeout(): void {
      this.collectChildren();
    }

    override serviceActions(): void {
      this.collectChildren();
    }

    override processRequest(request: Request, clientAddress: SockAddr): void {
      this.collectChildren(); // throttles at maxChildren before forking one more
      const pid = fork();
      if (pid !== 0) {
        new Children(this.activeChildren ??= new Set()).add(pid);
        this.closeRequest(request);
        return;
      }
      // The child: handle, report, and always leave with _exit (never return into the server loop).
      let status = 1;
      try {
        this.finishRequest(request, clientAddress);
        status = 0;
      } catch (e) {
        if (e instanceof SystemExit) status = exitStatus(e);
        else this.handleError(request, clientAddress, e);
      } finally {
        try {
          this.shutdownRequest(request);
        } finally {
          _exit(status);
        }
      }
    }

    override serverClose(): void {
      super.serverClose();
      // Without blockOnClose the children still running stay in activeChildren for the program to reap.
      this.collectChildren({ blocking: this.blockOnClose });
    }
  }
  MIXIN_CLASSES.add(Forking);
  return Forking;
}

/** Where a worker thread finds a class: its static `module` and `exportName` (or its name). */
function classRef(C: { name: string; module?: string; exportName?: string }, what: string): ModuleRef {
  if (typeof C.module !== 'string') {
    throw invalidArgValue(C.name, C, `runs in a worker thread with ThreadingMixIn, which must load ${what}: `
      + 'give the class `static module = __filename` (and `static exportName` if its export name differs)');
  }
  return { module: resolveModule(C.module), export: C.exportName ?? C.name };
}

// The methods of the request's path that Python's process_request_thread
// calls on the server in the request's thread. All but handleError run on
// every request; handleError only after the handler threw.
const EVERY_REQUEST = ['finishRequest', 'shutdownRequest', 'closeRequest'] as const;

/**
 * Which class the worker rebuilds the server's stand-in from: the server's own
 * class when it can be loaded there (static module), else the posixkit class
 * it extends. A class in between that overrides a method run on every request
 * is refused (that override would silently not run); one that overrides only
 * handleError, or a handleError set on the server object (a function cannot
 * cross threads), is named in `lostHandleError` so that the worker reports it
 * with the handler's error instead of running the default.
 */
function serverRef(C: HandlerClass, server?: object): ServerRef {
  const own = server !== undefined && Object.hasOwn(server, 'handleError') ? `this server's own handleError` : undefined;
  if (typeof C.module === 'string') return { ...classRef(C, 'the server class'), lostHandleError: own };
  let lost = own;
  for (let proto = C.prototype; proto !== null; proto = Object.getPrototypeOf(proto)) {
    const K = proto.constructor as { name: string };
    const builtin = BUILTIN_SERVERS.get(K);
    if (builtin !== undefined) return { builtin, lostHandleError: lost };
    if (MIXIN_CLASSES.has(K)) continue;
    const overrides = EVERY_REQUEST.filter((m) => Object.hasOwn(proto, m));
    if (overrides.length > 0) return classRef(C, `the server class (it overrides ${overrides.join(', ')})`);
    if (Object.hasOwn(proto, 'handleError')) lost ??= `${K.name || C.name}.handleError`;
  }
  return { builtin: 'BaseServer', lostHandleError: lost };
}

// Own fields of a server that stay in its thread: its socket, its class, its threads.
const LOCAL_FIELDS = new Set(['socket', 'RequestHandlerClass', 'threads', 'activeChildren']);

/**
 * The server's own fields a worker can receive: primitives, posixkit's shared
 * primitives (a threading Event set there is set here), and data that
 * structured clone copies (arrays, plain objects, typed arrays). The rest
 * (functions, sockets, class instances) is left out.
 */
function serverFields(server: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(server)) {
    if (LOCAL_FIELDS.has(k) || typeof v === 'function' || typeof v === 'symbol') continue;
    if (v === null || typeof v !== 'object' || SHARE in v) { out[k] = v; continue; }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && !ArrayBuffer.isView(v) &&
      !(v instanceof ArrayBuffer) && !(v instanceof SharedArrayBuffer)) continue;
    try {
      structuredClone(v);
      out[k] = v;
    } catch {
      // holds a function or another thing a thread cannot receive
    }
  }
  return out;
}

/**
 * Python's ThreadingMixIn: one worker thread (posixkit/threading on
 * worker_threads) per request. Code cannot cross threads, so the worker
 * loads the handler class from its module (`static module = __filename`)
 * and gets the accepted socket's fd (the same process: fds are shared).
 * As Python's process_request_thread, the worker runs finishRequest, then
 * handleError on an error (not on SystemExit), then shutdownRequest, on a
 * stand-in of the server built from the server's class (loaded there too
 * when it has `static module`; required when it overrides one of those
 * methods) and a copy of its fields: posixkit's shared primitives (Event,
 * Lock, Value ...) among them are the same objects in both threads, and
 * `server.shutdown()` there stops serveForever here. Finished threads are
 * dropped from the bookkeeping on each request; serverClose() joins the rest
 * when blockOnClose (default true). daemonThreads (false) makes them not
 * keep the process alive.
 */
export function ThreadingMixIn<TBase extends Ctor>(Base: TBase) {
  abstract class Threading extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      // Refused before the socket exists: a class whose request-path override no worker can run.
      serverRef(new.target as unknown as HandlerClass);
      super(...args);
    }

    daemonThreads = false;
    blockOnClose = true;
    /** Threads started and not yet seen finished. */
    threads: Set<Thread> = new Set();

    override processRequest(request: Request, clientAddress: SockAddr): void {
      for (const t of this.threads) if (!t.isAlive()) this.threads.delete(t);
      const dgram = Array.isArray(request);
      const sock = dgram ? (request as [Buffer, Socket])[1] : (request as Socket);
      const job: ThreadedRequest = {
        handler: classRef(this.RequestHandlerClass, 'it'),
        server: serverRef(this.constructor as HandlerClass, this),
        fields: serverFields(this),
        fd: sock.fileno(),
        family: sock.family,
        type: sock.type,
        proto: sock.proto,
        data: dgram ? (request as [Buffer, Socket])[0] : null,
        clientAddress,
        serverAddress: this.serverAddress,
        wakeFd: this._wakeFd,
      };
      const t = new Thread({
        // The worker module next to this one (its compiled twin under a TypeScript loader).
        target: { module: runnableModule(path.join(__dirname, `worker${path.extname(__filename)}`)), export: 'runThreadedRequest' },
        args: [job],
        daemon: this.daemonThreads,
        name: `socketserver-${clientAddress === null ? '' : JSON.stringify(clientAddress)}`,
      });
      t.start();
      // The worker owns the connection now; the server's datagram socket stays the server's.
      if (!dgram) (request as Socket).detach();
      this.threads.add(t);
    }

    override serverClose(): void {
      // Join first: a datagram request's thread answers through the server's
      // own socket, which must not be closed (and its fd number reused) under it.
      if (this.blockOnClose && this.threads) {
        for (const t of this.threads) t.join();
        this.threads.clear();
      }
      super.serverClose();
    }
  }
  MIXIN_CLASSES.add(Threading);
  return Threading;
}

export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}
