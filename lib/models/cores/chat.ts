// A line-based chat room (the classic chat server): every line a client sends
// goes to every other client as "name: line". Commands: /nick NAME, /who,
// /quit. The room is memory shared by all sessions, so the core runs on the
// single-process models only (sharedState); a message to another client is
// queued in its session and announced with conn.wake().
import type { ConnInfo, OutputItem, ProtocolCore, Session } from '../../server/types';

export interface ChatOptions {
  /** Longest line, bytes; a longer one closes the connection with an error line. Default 4096. */
  maxLineBytes?: number;
  /** Output queued for a client that does not read, bytes; past it the client is dropped. Default 1 MiB. */
  maxBacklogBytes?: number;
  /** Greeting sent on connect. */
  greeting?: string;
}

const NL = 0x0a;

class ChatSession implements Session {
  name: string;
  #room: Set<ChatSession>;
  #conn: ConnInfo;
  #opt: Required<ChatOptions>;
  #partial: Buffer | null = null;
  #out: OutputItem[] = [];
  #outBytes = 0;
  #closing = false;

  constructor(room: Set<ChatSession>, conn: ConnInfo, opt: Required<ChatOptions>) {
    this.#room = room;
    this.#conn = conn;
    this.#opt = opt;
    this.name = `guest${conn.id}`;
    this.send(`${opt.greeting} You are ${this.name}. Commands: /nick NAME, /who, /quit\n`);
    this.#broadcast(`* ${this.name} joined\n`);
    room.add(this);
  }

  /** Queues a line for this client (from any session of the room). */
  send(text: string): void {
    if (this.#closing) return;
    const b = Buffer.from(text, 'utf8');
    this.#out.push(b);
    this.#outBytes += b.length;
    if (this.#outBytes > this.#opt.maxBacklogBytes) {
      // A client that never reads must not make the room buffer without bound.
      this.#out = [Buffer.from('* too far behind; disconnected\n')];
      this.#leave();
    }
    this.#conn.wake();
  }

  #broadcast(text: string): void {
    for (const s of this.#room) if (s !== this) s.send(text);
  }

  feed(bytes: Uint8Array): void {
    if (this.#closing) return;
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== NL) continue;
      const piece = Buffer.from(bytes.subarray(start, i));
      const line = this.#partial ? Buffer.concat([this.#partial, piece]) : piece;
      this.#partial = null;
      start = i + 1;
      this.#line(line.toString('utf8').replace(/\r$/, ''));
      if (this.#closing) return;
    }
    if (start < bytes.length) {
      const rest = Buffer.from(bytes.subarray(start));
      this.#partial = this.#partial ? Buffer.concat([this.#partial, rest]) : rest;
      if (this.#partial.length > this.#opt.maxLineBytes) {
        this.#partial = null;
        this.send('* line too long\n');
        this.#leave();
      }
    }
  }

  #line(line: string): void {
    if (line.startsWith('/nick ')) {
      const nick = line.slice(6).trim();
      if (!/^[\w.-]{1,32}$/.test(nick)) return this.send('* names are 1-32 letters, digits, _ . -\n');
      for (const s of this.#room) if (s !== this && s.name === nick) return this.send(`* ${nick} is taken\n`);
      this.#broadcast(`* ${this.name} is now ${nick}\n`);
      this.name = nick;
      return this.send(`* you are ${nick}\n`);
    }
    if (line === '/who') return this.send(`* here: ${[...this.#room].map((s) => s.name).join(', ')}\n`);
    if (line === '/quit') {
      this.send('* bye\n');
      return this.#leave();
    }
    if (line.length > 0) this.#broadcast(`${this.name}: ${line}\n`);
  }

  #leave(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#room.delete(this)) this.#broadcast(`* ${this.name} left\n`);
  }

  onEof(): void {
    this.#leave();
  }
  takeOutput(): OutputItem[] | null {
    if (this.#out.length === 0) return null;
    const o = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    return o;
  }
  get wantsClose(): boolean {
    return this.#closing && this.#out.length === 0;
  }
  get wantsRead(): boolean {
    return !this.#closing;
  }
  close(): void {
    this.#leave();
    this.#out = [];
  }
}

/** A chat room core: `chatCore({ greeting })`. One room per core object. */
export function chatCore(options: ChatOptions = {}): ProtocolCore & { readonly members: number } {
  const opt: Required<ChatOptions> = {
    maxLineBytes: options.maxLineBytes ?? 4096,
    maxBacklogBytes: options.maxBacklogBytes ?? 1 << 20,
    greeting: options.greeting ?? 'Welcome to posixkit chat.',
  };
  const room = new Set<ChatSession>();
  return {
    name: 'chat',
    sharedState: true,
    get members() { return room.size; },
    open(conn: ConnInfo): Session {
      return new ChatSession(room, conn, opt);
    },
  };
}
