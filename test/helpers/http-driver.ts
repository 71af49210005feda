// An in-memory driver for HttpConnection: feeds bytes, drains output (files
// included, through OutputQueue as a real driver would) and parses responses.
import { HttpConnection, OutputQueue } from '../../lib/http/index';

export interface ParsedResponse {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  /** Header names in order, lower-cased, with duplicates. */
  names: string[];
  body: Buffer;
}

/** Drains everything the connection wants to send right now. */
export function drain(conn: HttpConnection): Buffer {
  const q = new OutputQueue(4096);
  const parts: Buffer[] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const out = conn.takeOutput();
    if (!out) break;
    q.push(out);
    for (let chunk = q.peek(); chunk; chunk = q.peek()) {
      // Partial sends, as a non-blocking socket would do them.
      const n = Math.max(1, Math.min(chunk.length, 3000));
      parts.push(Buffer.from(chunk.subarray(0, n)));
      q.consume(n);
    }
  }
  q.dispose();
  return Buffer.concat(parts);
}

/** Feeds `input` (optionally in pieces) and returns all output. */
export function exchange(conn: HttpConnection, input: string | Buffer | Array<string | Buffer>, eof = false): Buffer {
  const pieces = Array.isArray(input) ? input : [input];
  const parts: Buffer[] = [];
  for (const p of pieces) {
    conn.feed(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
    parts.push(drain(conn));
  }
  if (eof) conn.onEof();
  parts.push(drain(conn));
  return Buffer.concat(parts);
}

/** Splits a byte stream into responses; `headMethods[i]` says response i answers a HEAD (no body). */
export function parseResponses(buf: Buffer, headMethods: boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) throw new Error(`truncated head: ${JSON.stringify(buf.subarray(pos, pos + 200).toString('latin1'))}`);
    const lines = buf.subarray(pos, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(lines[0]);
    if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    const names: string[] = [];
    for (const l of lines.slice(1)) {
      const i = l.indexOf(': ');
      if (i <= 0) throw new Error(`bad header line: ${JSON.stringify(l)}`);
      const k = l.slice(0, i).toLowerCase();
      names.push(k);
      headers[k] = l.slice(i + 2);
    }
    const status = Number(m[1]);
    pos = end + 4;
    let len = 0;
    const bodiless = status < 200 || status === 204 || status === 304;
    if (!bodiless && !headMethods[out.filter((r) => r.status >= 200).length]) len = Number(headers['content-length'] ?? 0);
    out.push({ status, statusLine: lines[0], headers, names, body: buf.subarray(pos, pos + len) });
    if (pos + len > buf.length) throw new Error('truncated body');
    pos += len;
  }
  return out;
}

/** A fake clock the tests advance by hand. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

/** mulberry32: a tiny PRNG from a fixed start state, so a failure replays exactly. */
export function prng(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

