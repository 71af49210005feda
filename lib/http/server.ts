// serveHttp: the HTTP core as a ProtocolCore, run on any posixkit server
// model. An HttpConnection already is a models Session (same pull shape), so
// the adapter only builds the core once per process (or per worker thread,
// from a CoreRef) and opens one connection per accepted socket.
import { codedError, invalidArgType, invalidArgValue } from '../errors';
import { callExport, CallRef } from '../internal/modref';
import { serve, serveOnLoop } from '../models';
import type {
  AppServeOptions, ConnInfo, CoreRef, ListenAddress, LoopServer, ProtocolCore, ServeStats, Session,
} from '../server/types';
import { AF_INET, AF_INET6, IPPROTO_TCP, SOCK_STREAM, Socket, TCP_NODELAY } from '../socket';
import { HttpConfig, HttpConnection, HttpCore } from './core';
import { isFileOutput, OutputItem } from '../server/output';
import { demoRoutes, Router } from './routes';

/** Routes that a worker thread can rebuild: `require(module)[export](...args)` returns a Router. */
export type RoutesRef = CallRef;

/** What serveHttp accepts for routes: a Router (not for the threading model), 'demo', or a RoutesRef. */
export type RoutesOption = Router | 'demo' | RoutesRef;

/** The serializable part of the configuration, as passed to a worker thread. */
export type HttpProtocolOptions = Omit<HttpConfig, 'routes' | 'clock' | 'log'> & { routes?: 'demo' | RoutesRef };

export interface ServeHttpOptions extends Omit<HttpConfig, 'routes'>, AppServeOptions {
  /** Server model; default 'epoll-et'. */
  model?: string;
  /** Where to listen; default 127.0.0.1:8000. */
  address?: ListenAddress;
  routes?: RoutesOption;
}

const HTTP_KEYS = new Set(['root', 'limits', 'headerTimeoutMs', 'bodyTimeoutMs', 'idleTimeoutMs',
  'maxRequestsPerConnection', 'smallFileBytes', 'fileCacheMs', 'lingerMs', 'index', 'autoindex', 'serverName',
  'clock', 'log']);

function loadRoutes(r: RoutesOption | undefined, core: () => HttpCore, startedMs: number): Router | undefined {
  if (r === undefined || r instanceof Router) return r;
  if (r === 'demo') return demoRoutes({ startedMs, requests: () => core().requests });
  if (r !== null && typeof r === 'object' && typeof r.module === 'string' && typeof r.export === 'string') {
    const router = callExport<unknown>(r);
    if (!(router instanceof Router)) throw invalidArgValue('routes', r, 'must name a function that returns a Router');
    return router;
  }
  throw invalidArgType('routes', "a Router, 'demo' or { module, export, args }", r);
}

/**
 * The HTTP core as a ProtocolCore built from serializable options, so the
 * threading model can rebuild it in each worker (this function is its ref).
 */
export function httpProtocol(options: HttpProtocolOptions = {}): ProtocolCore {
  return makeProtocol(options as HttpConfig & { routes?: RoutesOption },
    { module: __filename, export: 'httpProtocol', args: [options] });
}

function makeProtocol(config: Omit<HttpConfig, 'routes'> & { routes?: RoutesOption }, ref: CoreRef | undefined): ProtocolCore {
  let hc: HttpCore | null = null;
  const routes = loadRoutes(config.routes, () => hc!, Date.now());
  const core = (hc = new HttpCore({ ...config, routes }));
  return {
    name: 'http',
    // The HttpConnection is the Session: feed/onEof/takeOutput/wantsClose/wantsRead/lingerMs/nextDeadline/tick/close.
    open(conn: ConnInfo): Session {
      if (conn.family === AF_INET || conn.family === AF_INET6) noDelay(conn.fd, conn.family);
      return new ServerConnection(core);
    },
    ref,
  };
}

// Responses go out whole (one send per response), so Nagle's algorithm only
// delays pipelined and streamed writes: switch it off, as nginx's tcp_nodelay.
function noDelay(fd: number, family: number): void {
  const s = new Socket(family, SOCK_STREAM, 0, fd);
  try { s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1); } catch { /* the peer is gone already */ } finally { s.detach(); }
}

const COALESCE = 64 * 1024;

/**
 * An HttpConnection whose output merges adjacent byte items (a head and a
 * small body) into one buffer: one send(2) per response instead of two, which
 * a blocking driver's sendall per item would otherwise make.
 */
class ServerConnection extends HttpConnection {
  override takeOutput(): OutputItem[] | null {
    const out = super.takeOutput();
    if (out === null || out.length < 2) return out;
    const merged: OutputItem[] = [];
    let run: Uint8Array[] = [];
    let runBytes = 0;
    const flush = () => {
      if (run.length === 1) merged.push(run[0]);
      else if (run.length > 1) merged.push(Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    for (const it of out) {
      if (isFileOutput(it) || it.byteLength >= COALESCE) { flush(); merged.push(it); continue; }
      if (runBytes + it.byteLength > COALESCE) flush();
      run.push(it);
      runBytes += it.byteLength;
    }
    flush();
    return merged;
  }
}

/**
 * Serves HTTP on a posixkit model until SIGTERM/SIGINT (or `stop`). Blocks
 * this thread (the models are synchronous); returns the model's counters.
 * To keep Node's event loop running, use serveHttpOnLoop.
 */
export function serveHttp(options: ServeHttpOptions = {}): ServeStats {
  return onModel(options, 'epoll-et', serve);
}

/**
 * serveHttp on Node's event loop (an event model: select, poll, epoll or
 * epoll-et, default epoll-et): returns once it listens; the program keeps
 * running and `stop()` ends it. docs/api/http.md, "Blocking or on the loop".
 */
export function serveHttpOnLoop(options: ServeHttpOptions = {}): LoopServer {
  return onModel(options, 'epoll-et', serveOnLoop);
}

function onModel<T>(options: ServeHttpOptions, defModel: string, run: (model: string, o: never) => T): T {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const { model = defModel, address = { host: '127.0.0.1', port: 8000 }, routes, wrapCore, ...rest } = options;
  const http: Record<string, unknown> = {};
  const modelOpts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) (HTTP_KEYS.has(k) ? http : modelOpts)[k] = v;
  const serializable = !(routes instanceof Router) && http.clock === undefined && http.log === undefined;
  if (!serializable && model === 'threading') {
    throw codedError('ERR_MODEL_CORE_REF',
      'the threading model rebuilds the HTTP core in each thread from serializable options: pass routes as ' +
      "'demo' or { module, export, args } and no clock/log functions");
  }
  const config = { ...(http as HttpConfig), routes };
  const core = serializable ? httpProtocol(config as HttpProtocolOptions) : makeProtocol(config, undefined);
  return run(model, { ...modelOpts, address, core: wrapCore ? wrapCore(core) : core } as never);
}
