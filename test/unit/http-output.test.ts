// OutputQueue (the driver-side bookkeeping), the chunked decoder and the
// head parser's edge cases, tested directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChunkedDecoder, DEFAULT_LIMITS, FileOutput, OutputQueue, parseHead, parseRange } from '../../lib/http/index';

let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-out-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fileItem(content: Buffer, offset = 0, length = content.length): FileOutput {
  const p = path.join(dir, `f${Math.random()}`);
  fs.writeFileSync(p, content);
  return { kind: 'file', fd: fs.openSync(p, 'r'), offset, length, path: p };
}
const fdOpen = (fd: number) => { try { fs.fstatSync(fd); return true; } catch { return false; } };

describe('OutputQueue', () => {
  it('mixes bytes and file ranges in order, partial consumes, closes finished files', () => {
    const f = fileItem(Buffer.from('0123456789'), 2, 6);
    const fd = f.fd;
    const q = new OutputQueue(4);
    q.push([Buffer.from('ab'), f, Buffer.from('cd')]);
    expect(q.pending).toBe(10);
    let got = '';
    for (let c = q.peek(); c; c = q.peek()) {
      const n = Math.min(3, c.length); // a socket that takes 3 bytes at a time
      got += Buffer.from(c.subarray(0, n)).toString();
      q.consume(n);
    }
    expect(got).toBe('ab234567cd');
    expect(q.empty).toBe(true);
    expect(f.fd).toBe(-1);
    expect(fdOpen(fd)).toBe(false);
  });
  it('peekFile hands an untouched file to sendfile; consume(n) advances it', () => {
    const f = fileItem(Buffer.alloc(100, 1));
    const q = new OutputQueue();
    q.push([f]);
    const pf = q.peekFile()!;
    expect([pf.offset, pf.length]).toEqual([0, 100]);
    q.consume(40); // as if sendfile sent 40
    expect(q.peekFile()!.offset).toBe(40);
    q.peek(); // now a chunk is buffered: sendfile must not be used any more
    expect(q.peekFile()).toBeNull();
    q.consume(60);
    expect(q.empty).toBe(true);
  });
  it('a file that shrank throws on peek; dispose closes every fd', () => {
    const f = fileItem(Buffer.alloc(10));
    fs.truncateSync(f.path, 0);
    const g = fileItem(Buffer.alloc(10));
    const q = new OutputQueue();
    q.push([f, g]);
    expect(() => q.peek()).toThrow(/shrank/);
    const fds = [f.fd, g.fd];
    q.dispose();
    expect(fds.map(fdOpen)).toEqual([false, false]);
  });
});

describe('OutputQueue.push input', () => {
  it('reads at most 2**20 items (an endless generator ends) and refuses what is not output, leaving the queue as it was', () => {
    const q = new OutputQueue();
    function* endless(): Generator<Uint8Array> { for (;;) yield Buffer.from('x'); }
    expect(() => q.push(endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => q.push(new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => q.push([Buffer.from('ok'), {} as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => q.push(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(q.empty).toBe(true);
    expect(q.pending).toBe(0);
  });
});

describe('ChunkedDecoder', () => {
  it('any split of a valid body decodes the same', () => {
    const wire = Buffer.from('4\r\nWiki\r\n5;x=y\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT');
    for (let step = 1; step <= wire.length; step += 3) {
      const d = new ChunkedDecoder(1000);
      let used = 0;
      for (let off = 0; off < wire.length && !d.done; off += step) {
        // The caller keeps what was not consumed and offers it again with the next bytes.
        const chunk = wire.subarray(used, Math.min(wire.length, off + step));
        used += d.push(chunk);
      }
      expect(d.done).toBe(true);
      expect(d.body().toString()).toBe('Wikipedia in\r\n\r\nchunks.');
      expect(wire.subarray(used).toString()).toBe('NEXT');
    }
  });
  it('refuses bad sizes, missing CRLF, and bodies over the limit', () => {
    const bad = (s: string, max = 100) => { const d = new ChunkedDecoder(max); d.push(Buffer.from(s)); return d.error?.status; };
    expect(bad('zz\r\n')).toBe(400);
    expect(bad('-1\r\n')).toBe(400);
    expect(bad('3\r\nabcX\r\n')).toBe(400);
    expect(bad('123456789\r\n')).toBe(400);
    expect(bad('65\r\n', 100)).toBe(413);
    expect(bad('a'.repeat(2000))).toBe(400);
  });
});

describe('parseHead edge cases', () => {
  const p = (s: string) => parseHead(Buffer.from(s, 'latin1'), DEFAULT_LIMITS);
  it('incomplete until the blank line; consumed stops at the head', () => {
    expect(p('GET / HTTP/1.1\r\nHost: a\r\n').kind).toBe('incomplete');
    const r = p('GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY');
    expect(r.kind === 'head' && r.consumed).toBe(27);
  });
  it('header names lower-cased, values trimmed, duplicates kept in order, obs-text kept', () => {
    const r = p('GET /x?y=1 HTTP/1.0\r\nX-A:  1 \r\nx-a: 2\r\nX-B: caf\xe9\r\n\r\n');
    expect(r.kind).toBe('head');
    if (r.kind !== 'head') return;
    expect(r.head.headers).toEqual([['x-a', '1'], ['x-a', '2'], ['x-b', 'caf\xe9']]);
    expect([r.head.rawPath, r.head.query, r.head.minor]).toEqual(['/x', 'y=1', 0]);
  });
  it('the fast and the line-by-line paths agree on limits', () => {
    const lim = { ...DEFAULT_LIMITS, maxHeaders: 3 };
    const h = (n: number) => 'GET / HTTP/1.1\r\n' + Array.from({ length: n }, (_, i) => `H${i}: v\r\n`).join('') + '\r\n';
    expect(parseHead(Buffer.from(h(3)), lim).kind).toBe('head');
    expect(parseHead(Buffer.from(h(4)), lim)).toMatchObject({ kind: 'error', status: 431 });
    expect(parseHead(Buffer.from(h(4).slice(0, -2)), lim)).toMatchObject({ kind: 'error', status: 431 });
  });
  it('parseRange', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-100', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=3-2', 10)).toBeNull();
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
  });
});
