// multiprocessing.connection's Listener, Client and wait(), with Python's
// authentication handshake, so a Python Client can talk to a Listener made
// here (and the other way round) with the same authkey. Connections carry
// Python's framing (see connection.ts): sendBytes/recvBytes are
// interchangeable with Python's send_bytes/recv_bytes.
//
// The handshake is CPython's (3.12 and later, which also answers 3.11 and
// older peers): the side that delivers a challenge sends
// "#CHALLENGE#{sha256}" + 40 random bytes and expects the HMAC of what
// follows "#CHALLENGE#" under the authkey, either "{sha256}" + HMAC-SHA256
// or a bare 16-byte HMAC-MD5 (the older protocol); it answers "#WELCOME#" or
// "#FAILURE#". A listener delivers then answers; a client answers then
// delivers.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { invalidArgType, invalidArgValue, toFd, toList, validateInteger } from '../errors';
import * as select from '../select';
import { AF_INET, AF_INET6, AF_UNIX, Address, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, Socket, socket } from '../socket';
import { Connection } from './connection';
import { ProcessError } from './errors';

/** The peer failed (or refused) the authentication handshake. */
export class AuthenticationError extends ProcessError {
  constructor(message: string) {
    super(message, 'ERR_AUTHENTICATION');
  }
}

const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const MESSAGE_LENGTH = 40;
const MD5ONLY_MESSAGE_LENGTH = 20;
const MD5_DIGEST_LEN = 16;
const MAX_DIGEST_LEN = 256;
const ALLOWED_DIGESTS = new Set(['md5', 'sha256', 'sha384', 'sha3_256', 'sha3_384']);
// Python's digest names -> OpenSSL's.
const OPENSSL: Record<string, string> = { md5: 'md5', sha256: 'sha256', sha384: 'sha384', sha3_256: 'sha3-256', sha3_384: 'sha3-384' };

function authkeyArg(authkey: unknown): Buffer {
  if (!ArrayBuffer.isView(authkey) || authkey instanceof DataView) throw invalidArgType('authkey', 'a Buffer or Uint8Array', authkey);
  return Buffer.from(authkey.buffer, authkey.byteOffset, authkey.byteLength);
}

// '' and the message for the legacy (unprefixed) form, else the digest named in "{name}".
function digestAndPayload(message: Buffer): [string, Buffer] {
  if (message.length === MD5ONLY_MESSAGE_LENGTH || message.length === MD5_DIGEST_LEN) return ['', message];
  if (message[0] === 0x7b) {
    const curly = message.indexOf(0x7d, 1);
    if (curly > 0 && curly <= 20) {
      const name = message.subarray(1, curly).toString('ascii');
      if (ALLOWED_DIGESTS.has(name)) return [name, message.subarray(curly + 1)];
    }
  }
  throw new AuthenticationError('unsupported message length, missing digest prefix, or unsupported digest');
}

function hmac(authkey: Buffer, message: Buffer, digest: string): Buffer {
  return createHmac(OPENSSL[digest], authkey).update(message).digest();
}

function createResponse(authkey: Buffer, message: Buffer): Buffer {
  const [digest] = digestAndPayload(message);
  if (!digest) return hmac(authkey, message, 'md5');
  return Buffer.concat([Buffer.from(`{${digest}}`, 'ascii'), hmac(authkey, message, digest)]);
}

function verifyChallenge(authkey: Buffer, message: Buffer, response: Buffer): void {
  const [digest, mac] = digestAndPayload(response);
  const expected = hmac(authkey, message, digest || 'md5');
  if (expected.length !== mac.length || !timingSafeEqual(expected, mac)) {
    throw new AuthenticationError('digest received was wrong');
  }
}

// The handshake in pieces, for a server that cannot block on one client
// (the manager's): the challenge message, the check of an answer, the
// answer to a challenge.
/** @internal */
export function makeChallenge(digestName = 'sha256'): Buffer {
  return Buffer.concat([CHALLENGE, Buffer.from(`{${digestName}}`, 'ascii'), randomBytes(MESSAGE_LENGTH)]);
}

/** @internal whether `response` answers `challenge` (as made by makeChallenge) under `authkey` */
export function checkAnswer(authkey: Buffer, challenge: Buffer, response: Buffer): boolean {
  try {
    verifyChallenge(authkey, challenge.subarray(CHALLENGE.length), response);
    return true;
  } catch {
    return false;
  }
}

/** @internal the answer to a challenge message */
export function makeAnswer(authkey: Buffer, message: Buffer): Buffer {
  if (!message.subarray(0, CHALLENGE.length).equals(CHALLENGE)) throw new AuthenticationError('protocol error, expected a challenge');
  const payload = message.subarray(CHALLENGE.length);
  if (payload.length < MD5ONLY_MESSAGE_LENGTH) throw new AuthenticationError(`challenge too short: ${payload.length} bytes`);
  return createResponse(authkey, payload);
}

/** Sends a challenge and checks the peer's answer (Python's deliver_challenge). */
export function deliverChallenge(connection: Connection, authkey: ArrayBufferView, digestName = 'sha256'): void {
  const key = authkeyArg(authkey);
  if (!ALLOWED_DIGESTS.has(digestName)) throw invalidArgValue('digestName', digestName, `must be one of ${[...ALLOWED_DIGESTS].join(', ')}`);
  const message = Buffer.concat([Buffer.from(`{${digestName}}`, 'ascii'), randomBytes(MESSAGE_LENGTH)]);
  connection.sendBytes(Buffer.concat([CHALLENGE, message]));
  const response = connection.recvBytes(MAX_DIGEST_LEN);
  try {
    verifyChallenge(key, message, response);
  } catch (e) {
    connection.sendBytes(FAILURE);
    throw e;
  }
  connection.sendBytes(WELCOME);
}

/** Answers the peer's challenge (Python's answer_challenge). */
export function answerChallenge(connection: Connection, authkey: ArrayBufferView): void {
  const key = authkeyArg(authkey);
  const message = connection.recvBytes(MAX_DIGEST_LEN);
  if (!message.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError('protocol error, expected a challenge');
  }
  const payload = message.subarray(CHALLENGE.length);
  if (payload.length < MD5ONLY_MESSAGE_LENGTH) throw new AuthenticationError(`challenge too short: ${payload.length} bytes`);
  connection.sendBytes(createResponse(key, payload));
  if (!connection.recvBytes(MAX_DIGEST_LEN).equals(WELCOME)) throw new AuthenticationError('digest sent was rejected');
}

export type Family = 'AF_UNIX' | 'AF_INET' | 'AF_INET6';

/** Python's address_type(): the family an address belongs to. */
export function addressType(address: unknown): Family {
  if (Array.isArray(address)) return typeof address[0] === 'string' && address[0].includes(':') ? 'AF_INET6' : 'AF_INET';
  if (typeof address === 'string' || address instanceof Uint8Array) return 'AF_UNIX';
  throw invalidArgValue('address', address, 'must be [host, port] or a Unix socket path');
}

const FAMILY: Record<Family, number> = { AF_UNIX, AF_INET, AF_INET6 };

function checkFamily(family: unknown): Family {
  if (family !== 'AF_UNIX' && family !== 'AF_INET' && family !== 'AF_INET6') {
    throw invalidArgValue('family', family, "must be 'AF_UNIX', 'AF_INET' or 'AF_INET6'");
  }
  return family;
}

let tempDir: string | null = null;
let tempCount = 0;

// Python's arbitrary_address(): a fresh socket path in a private temp dir
// (removed at exit), or an ephemeral loopback port.
function arbitraryAddress(family: Family): Address {
  if (family === 'AF_INET') return ['127.0.0.1', 0];
  if (family === 'AF_INET6') return ['::1', 0];
  if (tempDir === null) {
    const dir = mkdtempSync(path.join(tmpdir(), 'pymp-'));
    const owner = process.pid;
    tempDir = dir;
    process.on('exit', () => {
      if (process.pid === owner) rmSync(dir, { recursive: true, force: true });
    });
  }
  return path.join(tempDir, `listener-${process.pid}-${++tempCount}`);
}

export interface ListenerOptions {
  family?: Family;
  /** listen(2) backlog; default 1, as Python. */
  backlog?: number;
  /** With a key, every accepted connection must pass the handshake (both ways). */
  authkey?: ArrayBufferView | null;
}

/**
 * Python's multiprocessing.connection.Listener: a listening socket whose
 * accept() returns Connections. The address defaults to a fresh Unix socket
 * path (or an ephemeral loopback port for AF_INET); after close() a Unix
 * socket path made here is unlinked.
 */
export class Listener implements Disposable {
  #sock: Socket | null;
  readonly #address: Address;
  readonly #family: Family;
  readonly #authkey: Buffer | null;
  readonly #unlink: string | null;
  #last: unknown = null;

  constructor(address?: Address | null, family?: Family | null, backlog?: number, authkey?: ArrayBufferView | null);
  constructor(address: Address | null | undefined, options: ListenerOptions);
  constructor(address?: Address | null, familyOrOptions?: Family | ListenerOptions | null, backlog = 1,
    authkey: ArrayBufferView | null = null) {
    let family: Family | null | undefined;
    if (familyOrOptions !== null && typeof familyOrOptions === 'object') {
      ({ family, backlog = 1, authkey = null } = familyOrOptions);
    } else {
      family = familyOrOptions;
    }
    this.#family = family ? checkFamily(family) : address !== undefined && address !== null ? addressType(address) : 'AF_UNIX';
    validateInteger(backlog, 'backlog', 0, 0x7fffffff);
    this.#authkey = authkey === null || authkey === undefined ? null : Buffer.from(authkeyArg(authkey));
    const addr = address ?? arbitraryAddress(this.#family);
    const s = socket(FAMILY[this.#family], SOCK_STREAM);
    try {
      if (this.#family !== 'AF_UNIX') s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      s.bind(addr);
      s.listen(backlog);
    } catch (e) {
      s.close();
      throw e;
    }
    this.#sock = s;
    this.#address = s.getsockname() as Address;
    this.#unlink = this.#family === 'AF_UNIX' && typeof addr === 'string' && !addr.startsWith('\0') ? addr : null;
  }

  /** Blocks until a client connects (and, with an authkey, passes the handshake); returns its Connection. */
  accept(): Connection {
    const s = this.#check();
    const [peer, addr] = s.accept();
    this.#last = addr;
    const fd = peer.detach();
    const c = new Connection(fd, fd);
    if (this.#authkey) {
      try {
        deliverChallenge(c, this.#authkey);
        answerChallenge(c, this.#authkey);
      } catch (e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  /** The bound address (a real port for an ephemeral one). */
  get address(): Address {
    return this.#address;
  }

  /** The address of the last accepted client (Python's last_accepted). */
  get last_accepted(): unknown {
    return this.#last;
  }

  get lastAccepted(): unknown {
    return this.#last;
  }

  /** @internal the listening socket (a manager's server accepts on it without blocking) */
  socket(): Socket {
    return this.#check();
  }

  /** The listening socket's fd (for wait()/select). */
  fileno(): number {
    return this.#check().fileno();
  }

  close(): void {
    const s = this.#sock;
    if (s === null) return;
    this.#sock = null;
    s.close();
    if (this.#unlink) {
      try {
        unlinkSync(this.#unlink);
      } catch { /* already gone */ }
    }
  }

  get closed(): boolean {
    return this.#sock === null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): Socket {
    if (this.#sock === null) throw new ProcessError('listener is closed', 'ERR_LISTENER_CLOSED');
    return this.#sock;
  }
}

/**
 * Python's multiprocessing.connection.Client: connects to a Listener (or a
 * Python one) at `address` and returns the Connection; with an authkey it
 * answers the listener's challenge, then delivers its own.
 */
export function Client(address: Address, family?: Family | null, authkey?: ArrayBufferView | null): Connection {
  const fam = family ? checkFamily(family) : addressType(address);
  const s = socket(FAMILY[fam], SOCK_STREAM);
  try {
    s.connect(address);
  } catch (e) {
    s.close();
    throw e;
  }
  const fd = s.detach();
  const c = new Connection(fd, fd);
  if (authkey !== undefined && authkey !== null) {
    try {
      answerChallenge(c, authkey);
      deliverChallenge(c, authkey);
    } catch (e) {
      c.close();
      throw e;
    }
  }
  return c;
}

type Waitable = Connection | Listener | Socket | number | { fileno(): number };

/**
 * Python's multiprocessing.connection.wait(object_list, timeout): blocks in
 * poll(2) until some of the objects are ready (a Connection with a message or
 * end of file, a sentinel fd that turned readable, a listener with a client
 * waiting) or `timeout` seconds pass (null: forever); returns the ready ones,
 * in their order.
 */
export function wait<T extends Waitable>(objectList: Iterable<T>, timeout: number | null = null): T[] {
  if (objectList === null || typeof (objectList as Iterable<T>)?.[Symbol.iterator] !== 'function') {
    throw invalidArgType('objectList', 'an iterable', objectList);
  }
  if (timeout !== null && timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
    throw invalidArgType('timeout', 'a number or null', timeout);
  }
  // read once, capped at the fds a process can have open (RLIMIT_NOFILE's ceiling, nr_open)
  const objs = toList(objectList, 'objectList', 'an iterable', 1 << 20, (o) => o as T);
  const p = select.poll();
  const byFd = new Map<number, T[]>();
  for (const o of objs) {
    const fd = typeof o === 'number' ? validateInteger(o, 'fd', 0, 0x7fffffff) : toFd(o as { fileno(): number }, 'object');
    const list = byFd.get(fd) ?? [];
    list.push(o);
    byFd.set(fd, list);
    p.register(fd, select.POLLIN);
  }
  const ms = timeout === null || timeout === undefined ? null : Math.max(0, Math.ceil(timeout * 1000));
  const ready = new Set(p.poll(ms).map(([fd]) => fd));
  return objs.filter((o) => ready.has(typeof o === 'number' ? o : toFd(o as { fileno(): number }, 'object')));
}

// Python's spellings.
export { answerChallenge as answer_challenge, deliverChallenge as deliver_challenge, addressType as address_type };
