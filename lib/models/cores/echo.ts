// The echo protocol (RFC 862 over TCP): every byte read is sent back, and the
// connection closes once the peer has shut down its side and all is sent.
import { outOfRange } from '../../errors';
import type { ConnInfo, OutputItem, ProtocolCore, Session } from '../../server/types';

export interface EchoOptions {
  /** Close the connection after this long without input (ms); default: never. */
  idleTimeoutMs?: number;
}

class EchoSession implements Session {
  #out: OutputItem[] = [];
  #eof = false;
  #closed = false;
  #idle: number;
  #last = Date.now();
  constructor(idle: number) {
    this.#idle = idle;
  }
  feed(bytes: Uint8Array): void {
    if (this.#eof || this.#closed || bytes.length === 0) return;
    // A copy: drivers reuse their receive buffer.
    this.#out.push(Buffer.from(bytes));
    if (this.#idle > 0) this.#last = Date.now();
  }
  onEof(): void {
    this.#eof = true;
  }
  takeOutput(): OutputItem[] | null {
    if (this.#out.length === 0) return null;
    const o = this.#out;
    this.#out = [];
    return o;
  }
  get wantsClose(): boolean {
    return this.#closed || (this.#eof && this.#out.length === 0);
  }
  get wantsRead(): boolean {
    return !this.#eof && this.#out.length < 64;
  }
  nextDeadline(): number | null {
    return this.#idle > 0 && !this.#closed ? this.#last + this.#idle : null;
  }
  tick(now: number): void {
    if (this.#idle > 0 && now >= this.#last + this.#idle) this.#closed = true;
  }
  close(): void {
    this.#closed = true;
    this.#out = [];
  }
}

/** The echo core. `echoCore({ idleTimeoutMs })`; loadable in worker threads by its ref. */
export function echoCore(options: EchoOptions = {}): ProtocolCore {
  const idle = options.idleTimeoutMs ?? 0;
  if (!Number.isFinite(idle) || idle < 0) throw outOfRange('idleTimeoutMs', 'a finite number >= 0', idle);
  return {
    name: 'echo',
    open(_conn: ConnInfo): Session {
      return new EchoSession(idle);
    },
    ref: { module: __filename, export: 'echoCore', args: [options] },
  };
}
