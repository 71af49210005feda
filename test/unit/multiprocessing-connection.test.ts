// Pipe / Connection, with Python's wire format checked
// against python3's multiprocessing.connection.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import { sleepSync } from '../helpers/proc';
import { checkLeaks } from '../helpers/fds';

checkLeaks();

function cloexec(fd: number): boolean {
  const flags = /flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1];
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

function child(fn: () => void): mp.Process {
  const p = new mp.Process({ target: fn });
  p.start();
  return p;
}

describe('Pipe: arguments and states', () => {
  it('validates arguments', () => {
    expect(() => mp.Pipe('yes' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const [a, b] = mp.Pipe();
    try {
      expect(() => a.sendBytes('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => a.sendBytes(Buffer.alloc(4), 5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => a.sendBytes(Buffer.alloc(4), 1, 4)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => a.recvBytes(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => a.poll('1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => new mp.Connection(-2)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    } finally {
      a.close(); b.close();
    }
  });

  it('fds are close-on-exec; fileno() is the fd', () => {
    const [a, b] = mp.Pipe();
    const [r, w] = mp.Pipe(false);
    for (const c of [a, b, r, w]) expect(cloexec(c.fileno())).toBe(true);
    for (const c of [a, b, r, w]) c.close();
  });

  it('one-way pipes refuse the other direction', () => {
    const [r, w] = mp.Pipe(false);
    expect(r.readable && !r.writable).toBe(true);
    expect(w.writable && !w.readable).toBe(true);
    expect(() => r.send(1)).toThrow(expect.objectContaining({ code: 'ERR_CONNECTION_READ_ONLY' }));
    expect(() => w.recv()).toThrow(expect.objectContaining({ code: 'ERR_CONNECTION_WRITE_ONLY' }));
    expect(() => w.poll()).toThrow(expect.objectContaining({ code: 'ERR_CONNECTION_WRITE_ONLY' }));
    w.send('one way');
    expect(r.recv()).toBe('one way');
    r.close(); w.close();
  });

  it('a closed connection throws EBADF and close() is idempotent', () => {
    const [a, b] = mp.Pipe();
    a.close();
    a.close();
    expect(a.closed).toBe(true);
    expect(() => a.send(1)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'send' }));
    expect(() => a.recv()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => a.fileno()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    b.close();
  });

  it('using disposes', () => {
    const [x, y] = mp.Pipe();
    {
      using c = x;
      expect(c.fileno()).toBeGreaterThan(2);
    }
    expect(x.closed).toBe(true);
    expect(() => y.recv()).toThrow(mp.EOFError);
    y.close();
  });
});

describe('Pipe: messages', () => {
  it('round-trips structured-cloneable values both ways', () => {
    const [a, b] = mp.Pipe();
    const v = { n: 1.5, s: 'é', big: 10n, m: new Map([[1, [2, 3]]]), set: new Set(['x']), buf: Buffer.from('hi'),
      d: new Date(0), nested: { arr: [null, undefined, true] }, u8: new Uint8Array([1, 2]) };
    a.send(v);
    expect(b.recv()).toEqual(v);
    b.send([1, 2, 3]);
    expect(a.recv()).toEqual([1, 2, 3]);
    a.send(undefined);
    expect(b.recv()).toBeUndefined();
    a.close(); b.close();
  });

  it('an uncloneable value throws and writes nothing', () => {
    const [a, b] = mp.Pipe();
    expect(() => a.send({ f: () => 1 })).toThrow(/could not be cloned/);
    expect(b.poll()).toBe(false);
    a.close(); b.close();
  });

  it('sendBytes with offset/size, recvBytes, recvBytesInto with an offset', () => {
    const [a, b] = mp.Pipe();
    a.sendBytes(Buffer.from('0123456789'), 2, 5);
    expect(b.recvBytes().toString()).toBe('23456');
    a.sendBytes(new Uint16Array([0x4142, 0x4344]));
    expect(b.recvBytes()).toEqual(Buffer.from(new Uint16Array([0x4142, 0x4344]).buffer));
    a.sendBytes(Buffer.alloc(0));
    expect(b.recvBytes().length).toBe(0);
    a.sendBytes(Buffer.from('abc'));
    const into = Buffer.alloc(8, '.');
    expect(b.recvBytesInto(into, 4)).toBe(3);
    expect(into.toString()).toBe('....abc.');
    a.close(); b.close();
  });

  it('recvBytesInto a buffer too short throws BufferTooShort with the whole message', () => {
    const [a, b] = mp.Pipe();
    a.sendBytes(Buffer.from('a long message'));
    a.sendBytes(Buffer.from('next'));
    let err: unknown;
    try {
      b.recvBytesInto(Buffer.alloc(8), 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(mp.BufferTooShort);
    expect((err as mp.BufferTooShort).data.toString()).toBe('a long message');
    expect(b.recvBytes().toString()).toBe('next'); // the stream stays in step
    a.close(); b.close();
  });

  it('recvBytes(maxlength) refuses a longer message and closes the connection (as Python)', () => {
    const [a, b] = mp.Pipe();
    a.sendBytes(Buffer.alloc(100));
    expect(() => b.recvBytes(10)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MESSAGE_LENGTH' }));
    expect(b.closed).toBe(true);
    a.close();
  });

  it('poll() false when empty, poll(t) false after about t, true with data or at end of file', () => {
    const [a, b] = mp.Pipe();
    expect(b.poll()).toBe(false);
    const t = performance.now();
    expect(b.poll(0.2)).toBe(false);
    const dt = (performance.now() - t) / 1000;
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(dt).toBeLessThan(2);
    a.send(1);
    expect(b.poll()).toBe(true);
    expect(b.poll(null)).toBe(true);
    expect(b.recv()).toBe(1);
    a.close();
    expect(b.poll(1)).toBe(true); // end of file is readable
    expect(() => b.recv()).toThrow(expect.objectContaining({ code: 'ERR_EOF', name: 'EOFError' }));
    b.close();
  });

  it('EOF inside a message is an EOFError that says so', () => {
    const [r, w] = os.pipe();
    os.write(w, Buffer.from([0, 0, 0, 10, 1, 2]));
    os.close(w);
    const c = new mp.Connection(r, -1, { writable: false });
    expect(() => c.recvBytes()).toThrow(/inside a message \(2 of 10 bytes\)/);
    c.close();
  });
});

describe('Pipe between processes', () => {
  it('parent and child talk both ways; recv blocks until the child sends', () => {
    const [a, b] = mp.Pipe();
    const p = child(() => {
      a.close();
      const x = b.recv() as number;
      sleepSync(200);
      b.send(x * 2);
    });
    b.close();
    a.send(21);
    const t = performance.now();
    expect(a.recv()).toBe(42);
    expect(performance.now() - t).toBeGreaterThan(150);
    p.join();
    expect(p.exitCode).toBe(0);
    expect(() => a.recv()).toThrow(mp.EOFError); // the child's end closed at its exit
    a.close();
  });

  it('messages larger than the pipe buffer: send blocks while full and everything arrives', () => {
    const [a, b] = mp.Pipe();
    const big = Buffer.alloc(4 * 1024 * 1024 + 1);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const p = child(() => {
      a.close();
      const got = b.recvBytes();
      b.send(got.equals(big));
      b.sendBytes(got);
    });
    b.close();
    a.sendBytes(big);
    expect(a.recv()).toBe(true);
    expect(a.recvBytes().equals(big)).toBe(true);
    p.join();
    a.close();
  });

  it('send to a peer that closed its end throws EPIPE (BrokenPipeError)', () => {
    const [r, w] = mp.Pipe(false);
    r.close();
    expect(() => w.send('x')).toThrow(expect.objectContaining({ code: 'EPIPE' }));
    w.close();
  });
});

describe('Python interop (the wire format is multiprocessing.connection\'s)', () => {
  it('python3 reads our sendBytes and answers with send_bytes', () => {
    const [a, b] = mp.Pipe();
    a.sendBytes(Buffer.from('hello python'));
    const py = 'from multiprocessing.connection import Connection\n' +
      'c = Connection(3)\n' +
      'm = c.recv_bytes()\n' +
      'c.send_bytes(m[::-1] + b"!" * 70000)\n';
    const r = spawnSync('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'pipe', b.fileno()], timeout: 20_000, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = a.recvBytes();
    expect(got.subarray(0, 12).toString()).toBe('nohtyp olleh');
    expect(got.length).toBe(12 + 70000);
    a.close(); b.close();
  });
});

describe('message bodies: the JSON fast path gives what structured clone gives', () => {
  it('round-trips values at the edges of the fast path exactly', () => {
    const [a, b] = mp.Pipe();
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 40; i++) { cur.next = {}; cur = cur.next as Record<string, unknown>; }
    const nullProto = Object.assign(Object.create(null), { x: 1 });
    const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "y": 2}');
    const values: unknown[] = [
      -0, NaN, Infinity, -Infinity, 0, 1.5, 2 ** 53, '', 'lone \ud800 surrogate', 'é€😀',
      [1, undefined, 3], [1, , 3], { u: undefined, n: null }, [new Date(5)], { d: new Map([[1, 2]]) },
      deep, nullProto, withProtoKey, [[[['nested']]]], { 1: 'a', b: 'c', 0: 'z' }, true, false, null, undefined, 10n,
    ];
    for (const v of values) {
      a.send(v);
      const got = b.recv();
      expect(got).toStrictEqual(structuredClone(v));
      if (Object.is(v, -0)) expect(Object.is(got, -0)).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    a.close(); b.close();
  });
});

describe('connection.wait input', () => {
  it('reads the object list once, capped: a 2**32-1 sparse array is a RangeError, not walked', () => {
    expect(() => mp.connection.wait(new Array(2 ** 32 - 1), 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const [a, b] = mp.Pipe();
    b.send(1);
    expect(mp.connection.wait(new Set([a]), 0)).toEqual([a]);
    a.close();
    b.close();
  });
});
