// A manager's server: one event loop (epoll) that accepts clients on a
// Listener address (Unix socket or TCP), runs the authentication handshake
// of listener.ts with each, and serves their requests on the objects it
// holds. Python's server runs a thread per client; here a call that would
// block (see manager-objects.ts) is parked and answered when it can finish
// or its timeout passes, so one waiting client never holds up the others.
//
// Requests and replies are messages in Connection framing (a 32-bit length,
// then the body in this package's encoding: JSON or V8 serialization):
//   ['create', typeid, args]          -> ['#RETURN', [id, exposed]]
//   ['call', id, method, args]        -> ['#RETURN', value] | ['#PROXY', [typeid, id, exposed]]
//   ['decref', ids] ['incref', id] ['dummy'] ['shutdown'] -> ['#RETURN', null]
// and ['#ERROR', error] for anything that threw.
import { decode, encode } from './_codec';
import { errno as E, invalidArgValue } from '../errors';
import { EPOLLIN, epoll } from '../select';
import { MSG_DONTWAIT, Socket } from '../socket';
import { FrameBuffer, sendFrame } from './connection';
import { errorParts } from './errors';
import { checkAnswer, Listener, makeAnswer, makeChallenge } from './listener';
import { Parked, setCaller } from './manager-objects';
import type { Address } from '../socket';
import * as util from './util';

export interface TypeSpec {
  /** Makes the object (a class is called with new); null for a type only a client knows. */
  callable: ((...args: any[]) => unknown) | (new (...args: any[]) => unknown) | null;
  /** Methods a proxy may call; null: the object's public methods. */
  exposed: string[] | null;
  /** Methods whose result is itself held by the server and returned as a proxy of that typeid. */
  methodToTypeid: Record<string, string> | null;
}

/** The mark of a proxy passed as an argument: the server hands its own object instead. */
export const PROXY_MARK = '__posixkit_proxy__';

interface Held {
  obj: unknown;
  typeid: string;
  exposed: string[];
  refs: number;
}

interface Client {
  id: number;
  sock: Socket;
  fd: number;
  frames: FrameBuffer;
  // 0: sent our challenge, awaiting the answer; 1: awaiting the client's
  // challenge; 2: awaiting its verdict; 3: ready
  stage: number;
  challenge: Buffer;
}

interface Waiting {
  client: Client;
  parked: Parked;
  proxyAs: string | null;
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * The methods a proxy may call on `obj` by default: its public methods, as
 * Python's public_methods(), and its __special__ ones (which Python's
 * proxies for dict and list list by hand).
 */
export function publicMethods(obj: unknown): string[] {
  const out = new Set<string>();
  for (let p = obj; p !== null && p !== undefined && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k === 'constructor' || (k.startsWith('_') && !/^__\w+__$/.test(k))) continue;
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d && typeof d.value === 'function') out.add(k);
    }
  }
  return [...out];
}

// Special methods every referent answers, as Python's server does.
const ALWAYS = new Set(['#GETVALUE', '__getattribute__']);

export class Server {
  readonly #registry: Map<string, TypeSpec>;
  readonly #authkey: Buffer;
  readonly #listener: Listener;
  readonly #objects = new Map<string, Held>();
  readonly #clients = new Map<number, Client>();
  #waiting: Waiting[] = [];
  #nextId = 1;
  #nextClient = 1;
  #stop = false;
  readonly #scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(registry: Map<string, TypeSpec>, address: Address | null | undefined, authkey: Buffer) {
    this.#registry = registry;
    this.#authkey = authkey;
    this.#listener = new Listener(address ?? null, null, 128);
  }

  /** Where clients connect. */
  get address(): Address {
    return this.#listener.address;
  }

  /** Serves until a client sends 'shutdown' (never returns otherwise); then closes everything. */
  serveForever(): void {
    const ep = epoll();
    const lfd = this.#listener.fileno();
    this.#listener.socket().setblocking(false);
    ep.register(lfd, EPOLLIN);
    util.info('manager serving at %j', this.address);
    try {
      while (!this.#stop) {
        const events = ep.poll(this.#timeout());
        for (const [fd] of events) {
          if (fd === lfd) this.#accept(ep);
          else {
            const c = [...this.#clients.values()].find((x) => x.fd === fd);
            if (c) this.#readable(ep, c);
          }
          if (this.#stop) break;
        }
        this.#retry();
      }
    } finally {
      for (const c of this.#clients.values()) c.sock.close();
      this.#clients.clear();
      ep.close();
      this.#listener.close();
    }
  }

  // Seconds until the earliest parked deadline (-1: none).
  #timeout(): number {
    let d = Infinity;
    const now = performance.now();
    for (const w of this.#waiting) {
      if (w.parked.deadline === Infinity) continue;
      if (w.parked.deadline > now || w.parked.expire) d = Math.min(d, w.parked.deadline);
    }
    return d === Infinity ? -1 : Math.max(0, (d - now) / 1000);
  }

  #accept(ep: ReturnType<typeof epoll>): void {
    const l = this.#listener.socket();
    for (;;) {
      const fd = l.accept_raw(0);
      if (fd < 0) return;
      const sock = new Socket(undefined, undefined, undefined, fd);
      const c: Client = { id: this.#nextClient++, sock, fd, frames: new FrameBuffer(), stage: 0, challenge: Buffer.alloc(0) };
      this.#clients.set(c.id, c);
      ep.register(fd, EPOLLIN);
      try {
        c.challenge = makeChallenge();
        sendFrame(c.fd, c.challenge);
      } catch {
        this.#drop(ep, c);
      }
    }
  }

  #drop(ep: ReturnType<typeof epoll>, c: Client): void {
    this.#clients.delete(c.id);
    this.#waiting = this.#waiting.filter((w) => w.client !== c);
    try {
      ep.unregister(c.fd);
    } catch { /* closed */ }
    c.sock.close();
  }

  #readable(ep: ReturnType<typeof epoll>, c: Client): void {
    for (;;) {
      const n = c.sock.recv_into_raw(this.#scratch, MSG_DONTWAIT);
      if (n === -E.EAGAIN || n === -E.EINTR) break;
      if (n <= 0) {
        this.#drop(ep, c);
        return;
      }
      c.frames.push(this.#scratch, n);
    }
    let dropped = false;
    try {
      c.frames.take((body) => {
        if (!this.#message(ep, c, body)) dropped = true;
        return !dropped && !this.#stop;
      });
    } catch {
      if (!dropped) this.#drop(ep, c); // a length no client writes: the stream is lost
    }
  }

  // One message from `c`; false when the client was dropped.
  #message(ep: ReturnType<typeof epoll>, c: Client, body: Buffer): boolean {
    try {
      if (c.stage === 0) {
        if (!checkAnswer(this.#authkey, c.challenge, body)) {
          sendFrame(c.fd, Buffer.from('#FAILURE#'));
          this.#drop(ep, c);
          return false;
        }
        sendFrame(c.fd, Buffer.from('#WELCOME#'));
        c.stage = 1;
        return true;
      }
      if (c.stage === 1) {
        sendFrame(c.fd, makeAnswer(this.#authkey, body));
        c.stage = 2;
        return true;
      }
      if (c.stage === 2) {
        if (!body.equals(Buffer.from('#WELCOME#'))) {
          this.#drop(ep, c);
          return false;
        }
        c.stage = 3;
        return true;
      }
    } catch {
      this.#drop(ep, c);
      return false;
    }
    let req: unknown;
    try {
      req = decode(body);
    } catch (e) {
      this.#reply(c, ['#ERROR', e]);
      return true;
    }
    this.#handle(c, req as unknown[]);
    return true;
  }

  #reply(c: Client, msg: unknown[]): void {
    if (msg[0] === '#ERROR') msg = ['#ERROR', errorParts(msg[1])];
    let body: Buffer;
    try {
      body = encode(msg);
    } catch (e) {
      body = encode(['#ERROR', errorParts(new Error(`the result could not be sent: ${(e as Error).message}`))]);
    }
    try {
      sendFrame(c.fd, body);
    } catch { /* the client is gone; its EOF drops it */ }
  }

  #handle(c: Client, req: unknown[]): void {
    const [kind] = req;
    setCaller(c.id);
    try {
      switch (kind) {
        case 'create': {
          const [, typeid, args] = req as [string, string, unknown[]];
          this.#reply(c, ['#RETURN', this.#create(typeid, this.#resolve(args ?? []))]);
          return;
        }
        case 'call': {
          const [, id, method, args] = req as [string, string, string, unknown[]];
          this.#call(c, id, method, this.#resolve(args ?? []));
          return;
        }
        case 'incref': {
          const h = this.#objects.get(String(req[1]));
          if (h) h.refs++;
          this.#reply(c, ['#RETURN', null]);
          return;
        }
        case 'decref': {
          for (const id of req[1] as string[]) {
            const h = this.#objects.get(String(id));
            if (h && --h.refs <= 0) this.#objects.delete(String(id));
          }
          this.#reply(c, ['#RETURN', null]);
          return;
        }
        case 'dummy':
          this.#reply(c, ['#RETURN', null]);
          return;
        case 'shutdown':
          util.info('manager received shutdown message');
          this.#reply(c, ['#RETURN', null]);
          this.#stop = true;
          return;
        default:
          throw invalidArgValue('request', kind, 'is not a manager request');
      }
    } catch (e) {
      this.#reply(c, ['#ERROR', e]);
    }
  }

  #create(typeid: string, args: unknown[]): [string, string[]] {
    const spec = this.#registry.get(typeid);
    if (!spec || !spec.callable) throw invalidArgValue('typeid', typeid, 'is not a type this manager can create');
    const make = spec.callable;
    const obj = isClass(make) ? Reflect.construct(make as new (...a: unknown[]) => unknown, args) : (make as (...a: unknown[]) => unknown)(...args);
    return this.#hold(obj, typeid, spec.exposed);
  }

  #hold(obj: unknown, typeid: string, exposed: string[] | null): [string, string[]] {
    const id = (this.#nextId++).toString(16);
    const ex = exposed ?? publicMethods(obj);
    this.#objects.set(id, { obj, typeid, exposed: ex, refs: 1 });
    util.debug('created %s (id %s)', typeid, id);
    return [id, ex];
  }

  // A proxy passed as an argument stands for the object this server holds.
  #resolve(args: unknown[]): unknown[] {
    return args.map((a) => {
      if (a !== null && typeof a === 'object' && !Array.isArray(a) && PROXY_MARK in (a as object)) {
        const h = this.#objects.get(String((a as Record<string, unknown>)[PROXY_MARK]));
        if (!h) throw invalidArgValue('argument', a, 'is a proxy this server does not hold');
        return h.obj;
      }
      return a;
    });
  }

  #call(c: Client, id: string, method: string, args: unknown[]): void {
    const h = this.#objects.get(id);
    if (!h) throw invalidArgValue('id', id, 'is not an object this server holds (it was released)');
    if (!ALWAYS.has(method) && !h.exposed.includes(method)) {
      throw invalidArgValue('method', method, `is not exposed by ${h.typeid}`);
    }
    let result: unknown;
    if (method === '#GETVALUE') {
      result = valueOf(h.obj);
    } else if (method === '__getattribute__' && !h.exposed.includes(method)) {
      result = (h.obj as Record<string, unknown>)[String(args[0])];
      if (typeof result === 'function') throw invalidArgValue('name', args[0], 'names a method, not a value');
    } else {
      const fn = (h.obj as Record<string, unknown>)[method];
      if (typeof fn !== 'function') throw invalidArgValue('method', method, `is not a method of ${h.typeid}`);
      result = (fn as (...a: unknown[]) => unknown).apply(h.obj, args);
    }
    const spec = this.#registry.get(h.typeid);
    const proxyAs = spec?.methodToTypeid?.[method] ?? null;
    if (result instanceof Parked) {
      this.#waiting.push({ client: c, parked: result, proxyAs });
      return;
    }
    this.#answer(c, result, proxyAs);
  }

  #answer(c: Client, result: unknown, proxyAs: string | null): void {
    if (proxyAs !== null) {
      const spec = this.#registry.get(proxyAs);
      const [id, exposed] = this.#hold(result, proxyAs, spec?.exposed ?? null);
      this.#reply(c, ['#PROXY', [proxyAs, id, exposed]]);
    } else {
      this.#reply(c, ['#RETURN', result === undefined ? null : result]);
    }
  }

  // Parked calls: finish those that can, expire those whose time is up.
  // Repeated while anything finished, since one finishing (a lock released
  // by a wait giving it up) may let another go on.
  #retry(): void {
    let progress = true;
    while (progress && this.#waiting.length > 0) {
      progress = false;
      const now = performance.now();
      const still: Waiting[] = [];
      for (const w of this.#waiting) {
        if (!this.#clients.has(w.client.id)) continue;
        setCaller(w.client.id);
        let r: { done: boolean; value?: unknown };
        try {
          r = w.parked.poll();
          if (!r.done && w.parked.expire && w.parked.deadline <= now) r = { done: true, value: w.parked.expire() };
        } catch (e) {
          this.#reply(w.client, ['#ERROR', e]);
          progress = true;
          continue;
        }
        if (r.done) {
          progress = true;
          this.#answer(w.client, r.value, w.proxyAs);
        } else {
          still.push(w);
        }
      }
      this.#waiting = still;
    }
  }
}

// What #GETVALUE returns for the server's own types: a plain copy.
function valueOf(obj: unknown): unknown {
  const o = obj as { copy?: () => unknown; tolist?: () => unknown; attrs?: unknown; get?: () => unknown };
  const name = (obj as object)?.constructor?.name;
  if (name === 'SDict') return o.copy!();
  if (name === 'SList' || name === 'SArray') return o.tolist!();
  if (name === 'SNamespace') return { ...(o.attrs as object) };
  if (name === 'SValue') return o.get!();
  return obj;
}
