// Simple data routes: exact paths mapped to handlers that return JSON (or
// bytes). A handler runs synchronously inside the core; what it throws
// becomes a 500, never an exception out of feed().
import { invalidArgValue } from '../errors';

export interface RouteRequest {
  method: string;
  /** Decoded path, e.g. '/api/time'. */
  path: string;
  /** Decoded query parameters. */
  query: URLSearchParams;
  /** Lower-cased header names, in arrival order. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer;
  /** Per-connection request counter, starting at 1. */
  requestNumber: number;
}

export interface RouteResponse {
  status?: number;
  /** Serialized with JSON.stringify and sent as application/json. */
  json?: unknown;
  /** Raw body, used when `json` is undefined. */
  body?: Uint8Array | string;
  /** Extra headers; values with CR/LF are refused (the request gets a 500). */
  headers?: Array<[string, string]>;
}

export type RouteHandler = (req: RouteRequest) => RouteResponse;

export class Router {
  #routes = new Map<string, Map<string, RouteHandler>>();

  /** Registers `handler` for `method` on the exact decoded `path`. */
  add(method: string, path: string, handler: RouteHandler): this {
    if (!path.startsWith('/')) throw invalidArgValue('path', path, "must start with '/'");
    if (!/^[A-Za-z]{1,20}$/.test(method)) throw invalidArgValue('method', method, 'must be an HTTP method name');
    let m = this.#routes.get(path);
    if (!m) this.#routes.set(path, (m = new Map()));
    m.set(method.toUpperCase(), handler);
    return this;
  }
  get(path: string, handler: RouteHandler): this {
    return this.add('GET', path, handler);
  }
  post(path: string, handler: RouteHandler): this {
    return this.add('POST', path, handler);
  }
  has(path: string): boolean {
    return this.#routes.has(path);
  }
  /** Methods allowed on a path, for the Allow header (HEAD follows GET). */
  allowed(path: string): string[] {
    const m = this.#routes.get(path);
    if (!m) return [];
    const out = [...m.keys()];
    if (m.has('GET') && !m.has('HEAD')) out.splice(out.indexOf('GET') + 1, 0, 'HEAD');
    return out;
  }
  /** The handler for (method, path): HEAD falls back to GET. */
  lookup(method: string, path: string): RouteHandler | null {
    const m = this.#routes.get(path);
    if (!m) return null;
    return m.get(method) ?? (method === 'HEAD' ? m.get('GET') ?? null : null);
  }
}

/** The demo routes the example site uses. `stats` is read live by /api/stats. */
export function demoRoutes(stats: { startedMs: number; requests: () => number }): Router {
  return new Router()
    .get('/api/time', () => ({ json: { now: new Date().toISOString(), epochMs: Date.now() } }))
    .get('/api/stats', () => ({
      json: { pid: process.pid, uptimeSec: Math.round((Date.now() - stats.startedMs) / 1000), requests: stats.requests() },
    }))
    .get('/api/hello', (req) => ({ json: { hello: req.query.get('name') ?? 'world' } }))
    .post('/api/echo', (req) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body.toString('utf8'));
      } catch {
        return { status: 400, json: { error: 'body is not JSON' } };
      }
      return { json: { echo: parsed, bytes: req.body.length } };
    });
}
