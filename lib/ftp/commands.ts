// FTP control-channel framing: Telnet IAC stripping, bounded command lines,
// command parsing, reply formatting (RFC 959 §4.2 multi-line), and the
// PORT/EPRT/listing formats. Pure functions and one small stateful reader.
import { isIP } from 'node:net';
import { invalidArgType, toList } from '../errors';

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;

export type LineEvent = { kind: 'line'; line: string } | { kind: 'too-long' };

/**
 * Splits control input into command lines. Telnet sequences are removed
 * (IAC IAC is a literal 0xFF; IAC WILL/WONT/DO/DONT x and IAC IP/DM/... are
 * dropped), so lftp's `IAC IP IAC DM ABOR` arrives as `ABOR`. A line longer
 * than `maxLine` bytes yields one 'too-long' event (vsftpd: 500 and close).
 */
export class LineReader {
  #buf: number[] = [];
  #iac: 0 | 1 | 2 | 3 = 0; // 0 data, 1 after IAC, 2 option byte pending, 3 inside SB
  #over = false;
  #skipLf = false;
  #events: LineEvent[] = [];
  constructor(private readonly maxLine = 4096) {}

  feed(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw invalidArgType('bytes', 'an instance of Buffer or Uint8Array', bytes);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.#skipLf) {
        this.#skipLf = false;
        if (b === 0x0a) continue;
      }
      if (this.#iac === 1) {
        this.#iac = 0;
        if (b === IAC) this.#push(IAC);
        else if (b >= 0xfb && b <= 0xfe) this.#iac = 2;
        else if (b === SB) this.#iac = 3;
        continue;
      }
      if (this.#iac === 2) { this.#iac = 0; continue; }
      if (this.#iac === 3) { if (b === SE) this.#iac = 0; continue; }
      if (b === IAC) { this.#iac = 1; continue; }
      if (b === 0x0a) {
        if (this.#over) { this.#over = false; this.#buf = []; continue; }
        let end = this.#buf.length;
        if (end > 0 && this.#buf[end - 1] === 0x0d) end--;
        const line = Buffer.from(this.#buf.slice(0, end)).toString('utf8');
        this.#buf = [];
        this.#events.push({ kind: 'line', line });
        continue;
      }
      this.#push(b);
    }
    // ftplib sends ABOR's CRLF with MSG_OOB: without SO_OOBINLINE on the
    // control socket the urgent byte (the LF) never arrives. A pending
    // 'ABOR<CR>' at the end of a read is taken as complete; a late LF is dropped.
    if (this.#buf.length === 5 && this.#buf[4] === 0x0d && !this.#over &&
        Buffer.from(this.#buf.slice(0, 4)).toString('latin1').toUpperCase() === 'ABOR') {
      this.#buf = [];
      this.#skipLf = true;
      this.#events.push({ kind: 'line', line: 'ABOR' });
    }
  }

  #push(b: number): void {
    if (this.#over) return;
    if (this.#buf.length >= this.maxLine) {
      this.#over = true;
      this.#buf = [];
      this.#events.push({ kind: 'too-long' });
      return;
    }
    this.#buf.push(b);
  }

  /** Next complete line or limit event, in arrival order. */
  next(): LineEvent | null {
    return this.#events.shift() ?? null;
  }
  get pendingBytes(): number {
    return this.#buf.length;
  }
}

export interface Command {
  /** Upper-cased verb ('RETR'); '' when the line had no valid verb. */
  verb: string;
  /** Everything after the first space, inner and trailing spaces kept (file names may have them). */
  arg: string;
}

export function parseCommand(line: string): Command {
  if (typeof line !== 'string') throw invalidArgType('line', 'of type string', line);
  const sp = line.indexOf(' ');
  const verb = sp < 0 ? line : line.slice(0, sp);
  const arg = sp < 0 ? '' : line.slice(sp + 1);
  if (!/^[A-Za-z]{3,4}$/.test(verb)) return { verb: '', arg };
  return { verb: verb.toUpperCase(), arg };
}

/** Keeps replies bounded and single-line per item: no CR/LF from a client ever reaches a reply. */
export function clean(s: string, max = 256): string {
  const t = s.replace(/[\r\n\0]/g, '?');
  return t.length > max ? t.slice(0, max) + '...' : t;
}

/**
 * One reply. Several lines make an RFC 959 multi-line reply: `123-first`,
 * middle lines as given (FEAT's start with a space), `123 last`. Any 0xFF
 * byte is doubled (Telnet IAC escaping).
 */
export function formatReply(code: number, lines: string | string[]): Buffer {
  const ls = toList(Array.isArray(lines) ? lines : [lines], 'lines', 'a string or an array of strings', 1 << 16, (l) => {
    if (typeof l !== 'string') throw invalidArgType('lines[]', 'of type string', l);
    return l.replace(/[\r\n]/g, ' ');
  });
  let s: string;
  if (ls.length <= 1) s = `${code} ${ls[0] ?? ''}\r\n`;
  else {
    // A middle line must not look like the end of the reply.
    const mid = ls.slice(1, -1).map((l) => (/^\d{3} /.test(l) ? ' ' + l : l));
    s = `${code}-${ls[0]}\r\n` + mid.map((l) => l + '\r\n').join('') + `${code} ${ls[ls.length - 1]}\r\n`;
  }
  const buf = Buffer.from(s, 'utf8');
  if (!buf.includes(IAC)) return buf;
  const out: number[] = [];
  for (const b of buf) { out.push(b); if (b === IAC) out.push(IAC); }
  return Buffer.from(out);
}

/** PWD's quoting (RFC 959 Appendix II): embedded quotes doubled. */
export function quotePath(p: string): string {
  return '"' + clean(p, 1024).replace(/"/g, '""') + '"';
}

/** Strips '::ffff:' so an IPv4 peer on a dual-stack socket compares equal to its dotted form. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip.toLowerCase();
}

export type HostPort = { host: string; port: number; family: 4 | 6 };

/** `h1,h2,h3,h4,p1,p2` -> host and port, or null when malformed. */
export function parsePort(arg: string): HostPort | null {
  const p = arg.trim().split(',');
  if (p.length !== 6 || !p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return null;
  const n = p.map(Number);
  return { host: n.slice(0, 4).join('.'), port: n[4] * 256 + n[5], family: 4 };
}

/** RFC 2428 `|1|132.235.1.2|6275|`; the first character is the delimiter. 'family' error for proto not 1/2. */
export function parseEprt(arg: string): HostPort | 'family' | null {
  const d = arg[0];
  if (!d || d.charCodeAt(0) < 33 || d.charCodeAt(0) > 126) return null;
  const parts = arg.split(d);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return null;
  const [, proto, host, port] = parts;
  if (proto !== '1' && proto !== '2') return 'family';
  const fam = isIP(host);
  if ((proto === '1' && fam !== 4) || (proto === '2' && fam !== 6)) return null;
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
  return { host: normalizeIp(host), port: Number(port), family: proto === '1' ? 4 : 6 };
}

/** The 227 reply text for an IPv4 host and port. */
export function pasvText(host: string, port: number): string {
  return `Entering Passive Mode (${host.split('.').join(',')},${port >> 8},${port & 255}).`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ListEntry {
  name: string;
  isDir: boolean;
  size: number;
  mtimeMs: number;
  mode: number;
  nlink: number;
}

function perms(e: ListEntry): string {
  const bits = 'rwxrwxrwx';
  let s = e.isDir ? 'd' : '-';
  for (let i = 0; i < 9; i++) s += e.mode & (0o400 >> i) ? bits[i] : '-';
  return s;
}

/** One `ls -l` line as vsftpd writes it; recent files show the time, older ones the year. */
export function listLine(e: ListEntry, nowMs: number): string {
  const d = new Date(e.mtimeMs);
  const recent = e.mtimeMs <= nowMs + 3600_000 && nowMs - e.mtimeMs < 182 * 86400_000;
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const when = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${recent ? hhmm : ' ' + d.getUTCFullYear()}`;
  return `${perms(e)} ${String(e.nlink).padStart(4)} ftp      ftp      ${String(e.size).padStart(12)} ${when} ${e.name}`;
}

/** MDTM's `YYYYMMDDHHMMSS` in UTC (RFC 3659 §2.3). */
export function mdtm(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
