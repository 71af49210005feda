// A small blocking FTP client on posixkit sockets: the protocol side of
// `posixkit ftp-client` (list, get, put, quit). RFC 959 with passive data
// connections (EPSV, falling back to PASV), binary transfers.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { codedError, invalidArgValue } from '../errors';
import { create_connection, Socket } from '../socket';

export interface FtpReply {
  code: number;
  text: string;
}

export class FtpError extends Error {
  constructor(readonly reply: FtpReply, what: string) {
    super(`${what}: ${reply.code} ${reply.text}`);
    this.name = 'FtpError';
  }
}

const MAX_LINE = 8192;

export class FtpClient {
  #sock: Socket;
  #buf = Buffer.alloc(0);
  readonly host: string;
  readonly welcome: FtpReply;

  /** Connects to host:port and reads the greeting (timeout in seconds). */
  constructor(host: string, port: number, readonly timeout = 30) {
    this.host = host;
    this.#sock = create_connection([host, port], timeout);
    this.welcome = this.#expect(this.#reply(), [2], 'greeting');
  }

  /** USER/PASS; anonymous by default. */
  login(user = 'anonymous', password = 'posixkit@'): FtpReply {
    let r = this.command(`USER ${user}`);
    if (r.code === 331) r = this.command(`PASS ${password}`);
    return this.#expect(r, [2], 'login');
  }

  /** Sends one command line and returns its final reply. */
  command(line: string): FtpReply {
    if (/[\r\n]/.test(line)) throw invalidArgValue('line', line, 'must be one line (no CR or LF)');
    this.#sock.sendall(Buffer.from(`${line}\r\n`, 'utf8'));
    return this.#reply();
  }

  /** Names in the current directory (NLST). */
  nlst(dir?: string): string[] {
    const data = this.#transfer(dir ? `NLST ${dir}` : 'NLST', 'A');
    return data.toString('utf8').split(/\r?\n/).filter((l) => l.length > 0);
  }

  /** `ls -l`-style lines (LIST). */
  list(dir?: string): string[] {
    const data = this.#transfer(dir ? `LIST ${dir}` : 'LIST', 'A');
    return data.toString('utf8').split(/\r?\n/).filter((l) => l.length > 0);
  }

  /** Regular files only (from LIST's type column), as a menu client lists them. */
  files(): string[] {
    return this.list().filter((l) => l.startsWith('-')).map((l) => l.split(/\s+/).slice(8).join(' '));
  }

  size(name: string): number | null {
    const r = this.command(`SIZE ${name}`);
    return r.code === 213 ? Number(r.text.trim()) : null;
  }

  /** Downloads `name` into `localPath`; returns the byte count. */
  retr(name: string, localPath: string): number {
    const fd = openSync(localPath, 'w');
    let total = 0;
    try {
      this.#transfer(`RETR ${name}`, 'I', (chunk) => {
        writeSync(fd, chunk);
        total += chunk.length;
      });
    } finally {
      closeSync(fd);
    }
    return total;
  }

  /** Uploads `localPath` as `name` (default: its basename); returns the byte count. */
  stor(localPath: string, name = path.basename(localPath)): number {
    const fd = openSync(localPath, 'r');
    try {
      const size = fstatSync(fd).size;
      this.#type('I');
      const data = this.#passive();
      try {
        this.#expect(this.command(`STOR ${name}`), [1], 'STOR');
        const chunk = Buffer.allocUnsafe(65536);
        let sent = 0;
        for (;;) {
          const n = readSync(fd, chunk, 0, chunk.length, null);
          if (n === 0) break;
          data.sendall(chunk.subarray(0, n));
          sent += n;
        }
        if (sent !== size) throw codedError('ERR_FTP_FILE_CHANGED', `${localPath} changed while it was sent`);
      } finally {
        data.close();
      }
      this.#expect(this.#reply(), [2], 'STOR');
      return size;
    } finally {
      closeSync(fd);
    }
  }

  quit(): void {
    try {
      this.command('QUIT');
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#sock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #type(t: 'A' | 'I'): void {
    this.#expect(this.command(`TYPE ${t}`), [2], 'TYPE');
  }

  // EPSV (RFC 2428) first, PASV (RFC 959) if the server refuses it; the data
  // connection goes to the control connection's host either way.
  #passive(): Socket {
    let r = this.command('EPSV');
    let port: number | undefined;
    if (r.code === 229) {
      const m = r.text.match(/\(([^\d])\1\1(\d+)\1\)/);
      if (m) port = Number(m[2]);
    } else {
      r = this.command('PASV');
      const m = r.text.match(/(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/);
      if (r.code === 227 && m) port = Number(m[5]) * 256 + Number(m[6]);
    }
    if (port === undefined) throw new FtpError(r, 'passive mode');
    return create_connection([this.host, port], this.timeout);
  }

  #transfer(command: string, type: 'A' | 'I', onData?: (chunk: Buffer) => void): Buffer {
    this.#type(type);
    const data = this.#passive();
    const chunks: Buffer[] = [];
    try {
      this.#expect(this.command(command), [1], command.split(' ')[0]);
      for (;;) {
        const chunk = data.recv(65536);
        if (chunk.length === 0) break;
        if (onData) onData(chunk);
        else chunks.push(chunk);
      }
    } finally {
      data.close();
    }
    this.#expect(this.#reply(), [2], command.split(' ')[0]);
    return Buffer.concat(chunks);
  }

  #expect(r: FtpReply, classes: number[], what: string): FtpReply {
    if (!classes.includes(Math.floor(r.code / 100))) throw new FtpError(r, what);
    return r;
  }

  #line(): string {
    for (;;) {
      const nl = this.#buf.indexOf(10);
      if (nl >= 0) {
        const line = this.#buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
        this.#buf = this.#buf.subarray(nl + 1);
        return line;
      }
      if (this.#buf.length > MAX_LINE) throw codedError('ERR_FTP_REPLY', `reply line longer than ${MAX_LINE} bytes`);
      const chunk = this.#sock.recv(4096);
      if (chunk.length === 0) throw codedError('ERR_FTP_CLOSED', 'the server closed the control connection');
      this.#buf = Buffer.concat([this.#buf, chunk]);
    }
  }

  // A reply is `ddd text`, or a multi-line `ddd-text ... ddd text` (RFC 959 4.2).
  #reply(): FtpReply {
    const first = this.#line();
    const m = first.match(/^(\d{3})([ -])(.*)$/);
    if (!m) throw codedError('ERR_FTP_REPLY', `malformed FTP reply: ${JSON.stringify(first.slice(0, 80))}`);
    const code = Number(m[1]);
    const lines = [m[3]];
    if (m[2] === '-') {
      for (;;) {
        const l = this.#line();
        if (l.startsWith(`${m[1]} `)) {
          lines.push(l.slice(4));
          break;
        }
        lines.push(l);
      }
    }
    return { code, text: lines.join('\n') };
  }
}

