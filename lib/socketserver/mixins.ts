// ForkingMixIn and ThreadingMixIn as TypeScript mixin functions:
// `class MyServer extends ForkingMixIn(TCPServer) {}`.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  _exit, close as osClose, fork, pipe, waitpid, WNOHANG,
} from '../os';
import { Poll, POLLIN } from '../select';
import { OSError } from '../errors';
import { SockAddr, Socket } from '../socket';
import { Thread } from '../threading';
import { BaseServer, HandlerClass, SystemExit, TCPServer } from './base';
import { Request } from './handlers';
import type { ThreadedRequest } from './worker';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor<T = BaseServer> = abstract new (...args: any[]) => T;

/**
 * Python's ForkingMixIn: one child (os.fork) per request. The parent closes
 * its copy of the request and keeps serving; children are reaped by pid
 * (waitpid(pid, WNOHANG) in serviceActions and handleTimeout), never with
 * waitpid(-1), so children the program forked itself are left to it.
 * Past maxChildren (40) the parent blocks until one of its children exits:
 * each child holds the write end of a private pipe, so poll(2) on the read
 * ends wakes on the first exit. serverClose() waits for all children when
 * blockOnClose (default true).
 */
export function ForkingMixIn<TBase extends Ctor>(Base: TBase) {
  abstract class Forking extends Base {
    /** Seconds handleRequest waits before handleTimeout (which reaps): Python's 300. */
    override timeout: number | null = 300;
    /** Live children this server forked (null before the first fork, as in Python). */
    activeChildren: Set<number> | null = null;
    maxChildren = 40;
    blockOnClose = true;
    #exitPipes = new Map<number, number>();

    #forget(pid: number): void {
      this.activeChildren?.delete(pid);
      const fd = this.#exitPipes.get(pid);
      if (fd !== undefined) {
        this.#exitPipes.delete(pid);
        osClose(fd);
      }
    }

    #reap(pid: number, options: number): boolean {
      try {
        const [p] = waitpid(pid, options);
        if (p === 0) return false;
      } catch (e) {
        if (!(e instanceof OSError && e.code === 'ECHILD')) throw e;
      }
      this.#forget(pid);
      return true;
    }

    // Blocks until at least one of our children has exited (its pipe hangs up).
    #waitAnyExit(): void {
      const p = new Poll();
      const byFd = new Map<number, number>();
      for (const [pid, fd] of this.#exitPipes) {
        p.register(fd, POLLIN);
        byFd.set(fd, pid);
      }
      if (byFd.size === 0) return;
      for (const [fd] of p.poll()) this.#reap(byFd.get(fd)!, 0);
    }

    /** Reaps finished children; blocks while there are maxChildren or more; blocking: waits for all. */
    collectChildren({ blocking = false }: { blocking?: boolean } = {}): void {
      const active = this.activeChildren;
      if (!active) return;
      // A pid the program removed from activeChildren itself (it reaped it): drop its pipe too.
      for (const [pid, fd] of this.#exitPipes) {
        if (!active.has(pid)) {
          this.#exitPipes.delete(pid);
          osClose(fd);
        }
      }
      while (active.size >= this.maxChildren && this.#exitPipes.size > 0) {
        this.#waitAnyExit();
      }
      for (const pid of [...active]) this.#reap(pid, blocking ? 0 : WNOHANG);
    }

    override handleTimeout(): void {
      this.collectChildren();
    }

    override serviceActions(): void {
      this.collectChildren();
    }

    override processRequest(request: Request, clientAddress: SockAddr): void {
      this.collectChildren(); // throttles at maxChildren before forking one more
      const [r, w] = pipe();
      let pid: number;
      try {
        pid = fork();
      } catch (e) {
        osClose(r);
        osClose(w);
        throw e;
      }
      if (pid !== 0) {
        osClose(w);
        (this.activeChildren ??= new Set()).add(pid);
        this.#exitPipes.set(pid, r);
        this.closeRequest(request);
        return;
      }
      // The child: handle, report, and always leave with _exit (never return into the server loop).
      let status = 1;
      try {
        osClose(r);
        this.finishRequest(request, clientAddress);
        status = 0;
      } catch (e) {
        if (e instanceof SystemExit) status = e.status;
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
      // Guarded: a failed bind calls serverClose() before this class's fields exist.
      if (!(#exitPipes in this)) return;
      this.collectChildren({ blocking: this.blockOnClose });
      // Without blockOnClose the children still running stay in activeChildren for the
      // program to reap; their exit pipes are not needed any more.
      for (const fd of this.#exitPipes.values()) osClose(fd);
      this.#exitPipes.clear();
    }
  }
  return Forking;
}

// Under a TypeScript loader (the tests) this file is lib/socketserver/mixins.ts,
// which a worker (no loader) cannot run: it runs the compiled twin instead.
function workerFile(): string {
  const here = path.join(__dirname, 'worker.js');
  if (existsSync(here)) return here;
  return path.resolve(__dirname, '..', '..', 'dist', 'socketserver', 'worker.js');
}

/** Where a worker thread finds the handler class: its static `module` and `exportName` (or its name). */
function handlerRef(H: HandlerClass): { module: string; export: string } {
  if (typeof H.module !== 'string') {
    throw Object.assign(new TypeError(
      `ThreadingMixIn runs ${H.name} in a worker thread, which must load it: `
      + 'give the class `static module = __filename` (and `static exportName` if its export name differs)'),
    { code: 'ERR_INVALID_ARG_VALUE' });
  }
  const mod = H.module.startsWith('.') ? path.resolve(H.module) : H.module;
  return { module: mod, export: H.exportName ?? H.name };
}

/**
 * Python's ThreadingMixIn: one worker thread (posixkit/threading on
 * worker_threads) per request. Code cannot cross threads, so the worker
 * loads the handler class from its module (`static module = __filename`)
 * and gets the accepted socket's fd (the same process: fds are shared);
 * the worker owns and closes it. Finished threads are dropped from the
 * bookkeeping on each request; serverClose() joins the rest when
 * blockOnClose (default true). daemonThreads (false) makes them not keep
 * the process alive. In the worker, `handler.server` is a stand-in with
 * serverAddress and shutdown(); errors are printed there in handleError's
 * format (the server object, and its handleError override, stay here).
 */
export function ThreadingMixIn<TBase extends Ctor>(Base: TBase) {
  abstract class Threading extends Base {
    daemonThreads = false;
    blockOnClose = true;
    /** Threads started and not yet seen finished. */
    threads: Set<Thread> = new Set();

    override processRequest(request: Request, clientAddress: SockAddr): void {
      for (const t of this.threads) if (!t.isAlive()) this.threads.delete(t);
      const dgram = Array.isArray(request);
      const sock = dgram ? (request as [Buffer, Socket])[1] : (request as Socket);
      const job: ThreadedRequest = {
        handler: handlerRef(this.RequestHandlerClass),
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
        target: { module: workerFile(), export: 'runThreadedRequest' },
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
  return Threading;
}

export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}
