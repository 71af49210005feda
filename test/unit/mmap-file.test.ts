// The mmap object's Python API: access modes, the file-like methods at a
// position, indexing and slicing with bounds checks, find/rfind, move,
// madvise, flush, size() and resize() (incl. what happens to other views and
// mappings of the same memory). Python on this machine checks the files.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as mm from '../../lib/mmap';
import { OSError } from '../../lib/errors';
import { forkRun } from '../helpers/proc';
import { trackFds } from '../helpers/fds';

const { mmap, PAGESIZE } = mm;
const dir = mkdtempSync(path.join(tmpdir(), 'pk-mmapfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
trackFds();
let n = 0;
const tmp = (content: string | Buffer): string => {
  const f = path.join(dir, `f${n++}`);
  writeFileSync(f, content);
  return f;
};
const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};
const py = (src: string): string => execFileSync('python3', ['-c', src], { encoding: 'utf8', timeout: 15_000 });

/** A file opened for the test, closed after fn. */
function withFile<T>(file: string, flags: string, fn: (fd: number) => T): T {
  const fd = openSync(file, flags);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

describe('module names', () => {
  it('error is OSError; ACCESS_* are Python\'s numbers; MADV_* come from the headers', () => {
    expect(mm.error).toBe(OSError);
    expect([mm.ACCESS_DEFAULT, mm.ACCESS_READ, mm.ACCESS_WRITE, mm.ACCESS_COPY]).toEqual([0, 1, 2, 3]);
    const want = JSON.parse(py(`import mmap, json; print(json.dumps({n: getattr(mmap, n) for n in dir(mmap) if n.startswith(('MADV_', 'MAP_'))}))`));
    for (const [name, value] of Object.entries(want)) expect((mm as Record<string, unknown>)[name], name).toBe(value);
  });
});

describe('access modes', () => {
  it('ACCESS_WRITE writes through to the file (Python reads it back); ACCESS_COPY never does', () => {
    const file = tmp('a'.repeat(10));
    withFile(file, 'r+', (fd) => {
      using w = mmap(fd, 10, { access: mm.ACCESS_WRITE });
      w.write(B('written'));
      w.flush();
      expect(py(`print(open(${JSON.stringify(file)}, 'rb').read().decode())`).trim()).toBe('writtenaaa');
      using c = mmap(fd, 10, { access: mm.ACCESS_COPY });
      c.setslice(null, null, null, B('0123456789'));
      c.flush(); // nothing to do for a copy
      expect(c.getslice().toString()).toBe('0123456789');
      expect(readFileSync(file, 'latin1')).toBe('writtenaaa');
      expect(Buffer.from(w.buffer).toString()).toBe('writtenaaa');
    });
  });

  it('ACCESS_READ: reads without a buffer; every change is a TypeError; a read-only fd is enough', () => {
    const file = tmp('readonly!!');
    withFile(file, 'r', (fd) => {
      using r = mmap(fd, 0, { access: mm.ACCESS_READ });
      expect(r.read().toString()).toBe('readonly!!');
      expect(code(() => r.buffer)).toBe('ERR_MMAP_PROTECTION');
      r.seek(0);
      for (const change of [() => r.write(B('x')), () => r.write_byte(1), () => r.setitem(0, 1),
        () => r.setslice(0, 1, null, B('x')), () => r.move(0, 1, 1)]) {
        expect(change).toThrow(TypeError);
        expect(code(change)).toBe('ERR_MMAP_PROTECTION');
      }
      expect(code(() => r.resize(20))).toBe('ERR_MMAP_NOT_RESIZABLE');
      expect(r.tell()).toBe(0);
    });
    expect(readFileSync(file, 'latin1')).toBe('readonly!!');
  });

  it('bad access values and access combined with prot/flags are refused, as in Python', () => {
    const file = tmp('0123456789');
    withFile(file, 'r+', (fd) => {
      expect(code(() => mmap(fd, 10, { access: 4 }))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => mmap(fd, 10, { access: -1 }))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => mmap(fd, 10, { access: mm.ACCESS_WRITE, prot: mm.PROT_READ }))).toBe('ERR_INVALID_ARG_VALUE');
      expect(code(() => mmap(fd, 10, { access: mm.ACCESS_READ, flags: mm.MAP_PRIVATE }))).toBe('ERR_INVALID_ARG_VALUE');
      using ok = mmap(fd, 10, { access: mm.ACCESS_WRITE, prot: mm.PROT_READ | mm.PROT_WRITE, flags: mm.MAP_SHARED });
      expect(ok.length).toBe(10);
      expect(code(() => mmap(fd, 11))).toBe('ERR_OUT_OF_RANGE'); // longer than the file
    });
    withFile(tmp(''), 'r', (fd) => {
      expect(() => mmap(fd, 0, { access: mm.ACCESS_READ })).toThrow(/cannot mmap an empty file/);
    });
  });
});

describe('file-like methods', () => {
  it('read/read_byte/readline/write/write_byte/seek/tell move one position, as Python', () => {
    using m = mmap(-1, 16);
    expect(m.write(B('line1\nline2\n'))).toBe(12);
    expect(m.tell()).toBe(12);
    m.write_byte(0x41);
    expect(m.seek(0)).toBe(0);
    expect(m.readline().toString()).toBe('line1\n');
    expect(m.read(3).toString()).toBe('lin');
    expect(m.read_byte()).toBe(0x65);
    expect(m.readline().toString()).toBe('2\n');
    expect(m.read().toString('latin1')).toBe('A\0\0\0');
    expect(m.read().length).toBe(0); // at the end
    expect(m.readline().length).toBe(0);
    expect(m.seek(-4, 2)).toBe(12);
    expect(m.seek(2, 1)).toBe(14);
    expect(m.read(-1).length).toBe(2);
    expect(m.seekable()).toBe(true);
  });

  it('bounds: reads and writes past the end, seeks outside, bad whence and types', () => {
    using m = mmap(-1, 4);
    m.seek(0, 2);
    expect(() => m.read_byte()).toThrow(/read byte out of range/);
    expect(() => m.write_byte(1)).toThrow(/write byte out of range/);
    m.seek(2);
    expect(() => m.write(B('abc'))).toThrow(/data out of range/);
    expect(m.tell()).toBe(2); // nothing written, nothing moved
    expect(m.getslice().toString('latin1')).toBe('\0\0\0\0');
    expect(() => m.seek(5)).toThrow(/seek out of range/);
    expect(() => m.seek(-1)).toThrow(/seek out of range/);
    expect(() => m.seek(0, 3)).toThrow(/unknown seek type/);
    for (const bad of [() => m.seek(1.5), () => m.read(2.5), () => m.write_byte(256), () => m.write_byte(-1)]) {
      expect(bad).toThrow(RangeError);
    }
    for (const bad of [() => m.seek('1' as never), () => m.read('2' as never), () => m.write('ab' as never),
      () => m.find('a' as never)]) {
      expect(bad).toThrow(TypeError);
    }
  });

  it('find/rfind: default start is the position; negative bounds count from the end; NUL bytes are bytes', () => {
    using m = mmap(-1, 16);
    m.write(B('one two\0ones'));
    m.seek(0);
    expect(m.find(B('one'))).toBe(0);
    expect(m.rfind(B('one'))).toBe(8);
    expect(m.find(B('\0o'))).toBe(7);
    expect(m.find(B('one'), 1)).toBe(8);
    expect(m.find(B('one'), 1, -6)).toBe(-1);
    expect(m.rfind(B('one'), 0, -6)).toBe(0);
    m.seek(9);
    expect(m.find(B('one'))).toBe(-1); // from the position
    expect(m.find(B(''))).toBe(9);
    expect(m.rfind(B(''), 0, 5)).toBe(5);
    expect(m.find(B('x'), 100, -100)).toBe(-1);
    expect(m.find(new Uint16Array([0x6e6f]))).toBe(-1); // 'on' at an even offset after the position
    m.seek(0);
    expect(m.find(new Uint8Array(B('two')))).toBe(4);
  });

  it('move copies inside the mapping, overlapping either way; out of range is refused', () => {
    using m = mmap(-1, 10);
    m.write(B('ABCDEabcde'));
    m.move(5, 0, 5);
    expect(m.getslice().toString()).toBe('ABCDEABCDE');
    m.move(0, 2, 8);
    expect(m.getslice().toString()).toBe('CDEABCDEDE');
    for (const [d, s, c] of [[-1, 0, 1], [0, -1, 1], [0, 0, -1], [0, 5, 6], [6, 0, 5]]) {
      expect(() => m.move(d, s, c)).toThrow(/source, destination, or count out of range/);
    }
  });
});

describe('indexing and slicing', () => {
  it("getitem/setitem with negative indexes; IndexError-like RangeErrors at the bounds", () => {
    using m = mmap(-1, 8);
    m.setitem(0, 1);
    m.setitem(-1, 255);
    expect([m.getitem(0), m.getitem(7), m.getitem(-8)]).toEqual([1, 255, 1]);
    expect(() => m.getitem(8)).toThrow(/mmap index out of range/);
    expect(() => m.getitem(-9)).toThrow(/mmap index out of range/);
    expect(() => m.setitem(8, 0)).toThrow(/mmap index out of range/);
    expect(() => m.setitem(0, 256)).toThrow(/must be in range\(0, 256\)/);
    expect(() => m.setitem(0, '1' as never)).toThrow(TypeError);
  });

  it("getslice/setslice follow Python's slice rules (checked against Python), wrong sizes are refused", () => {
    const data = Buffer.from(Array.from({ length: 32 }, (_, i) => 100 + i));
    using m = mmap(-1, data.length);
    m.setslice(null, null, null, data);
    const cases: Array<[number | null, number | null, number | null]> = [
      [null, null, null], [2, 5, null], [-5, null, null], [null, -30, null], [5, 100, 3], [-100, 7, 2],
      [null, null, -1], [20, 3, -4], [3, 20, -1], [-1, -40, -7], [100, -100, -3],
    ];
    const want = JSON.parse(py(`
import json
d = bytes(range(100, 132))
print(json.dumps([list(d[a:b:c]) for a, b, c in ${JSON.stringify(cases).replace(/null/g, 'None')}]))`));
    cases.forEach(([a, b, c], k) => expect([...m.getslice(a, b, c)], `${a}:${b}:${c}`).toEqual(want[k]));
    m.setslice(20, 3, -4, B('wxyzv'));
    expect([m.getitem(20), m.getitem(16), m.getitem(4)]).toEqual([0x77, 0x78, 0x76]);
    expect(() => m.setslice(0, 4, null, B('abc'))).toThrow(/wrong size/);
    expect(() => m.setslice(0, 4, 2, B('abc'))).toThrow(/wrong size/);
    expect(() => m.getslice(0, 4, 0)).toThrow(/step cannot be zero/);
    m.setslice(0, 0, null, B('')); // empty slice, empty data
    // data that is a view of the mapping itself
    m.setslice(1, 9, null, Buffer.from(m.buffer, 0, 8));
    expect(m.getitem(1)).toBe(100);
  });

  it('a PROT_NONE mapping: every access is refused, nothing faults', () => {
    using m = mmap(-1, PAGESIZE, { prot: mm.PROT_NONE });
    for (const op of [() => m.getitem(0), () => m.getslice(0, 4), () => m.read(1), () => m.readline(),
      () => m.find(B('x')), () => m.move(0, 1, 1), () => m.write(B('x'))]) {
      expect(code(op)).toBe('ERR_MMAP_PROTECTION');
    }
    expect(m.tell()).toBe(0);
  });
});

describe('madvise and flush', () => {
  it('MADV_DONTNEED zeroes private anonymous pages (a visible effect); bounds as Python', () => {
    using m = mmap(-1, 2 * PAGESIZE, { flags: mm.MAP_PRIVATE });
    m.write(Buffer.alloc(2 * PAGESIZE, 7));
    m.madvise(mm.MADV_DONTNEED, PAGESIZE);
    expect(m.getitem(0)).toBe(7);
    expect(m.getitem(PAGESIZE)).toBe(0);
    m.madvise(mm.MADV_WILLNEED, 0, 10 * PAGESIZE); // a length past the end is cut
    expect(() => m.madvise(mm.MADV_NORMAL, 2 * PAGESIZE)).toThrow(/madvise start out of bounds/);
    expect(() => m.madvise(mm.MADV_NORMAL, -1)).toThrow(/madvise start out of bounds/);
    expect(() => m.madvise(mm.MADV_NORMAL, 0, -1)).toThrow(/madvise length invalid/);
    expect(() => m.madvise(mm.MADV_NORMAL, PAGESIZE, Number.MAX_SAFE_INTEGER)).toThrow(/madvise length too large/);
    expect(code(() => m.madvise(mm.MADV_NORMAL, 1))).toBe('EINVAL'); // not page-aligned: the kernel says so
  });

  it('advice that could make an access fault is refused; the mapping stays usable', () => {
    using m = mmap(-1, PAGESIZE);
    for (const advice of [mm.MADV_DONTFORK, mm.MADV_HWPOISON, 102 /* MADV_GUARD_INSTALL */, 9999]) {
      expect(code(() => m.madvise(advice))).toBe('ERR_MMAP_UNSAFE_ADVICE');
    }
    // a forked child still reads the page (DONTFORK would have unmapped it there)
    m.setitem(0, 42);
    expect(forkRun(() => (m.getitem(0) === 42 ? 0 : 1))).toBe(0);
  });

  it('flush: nothing to do for zero bytes or a copy; EINVAL for an unaligned offset; range checked', () => {
    using m = mmap(-1, 2 * PAGESIZE);
    m.flush();
    m.flush(PAGESIZE, 0);
    expect(code(() => m.flush(1, 10))).toBe('EINVAL');
    expect(code(() => m.flush(0, 3 * PAGESIZE))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => m.flush(-1))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('size() and resize()', () => {
  it("size() is the file's size (not the mapping's), even after the caller closed the fd", () => {
    const file = tmp(Buffer.alloc(3 * PAGESIZE, 1));
    const m = withFile(file, 'r+', (fd) => mmap(fd, PAGESIZE, { offset: PAGESIZE }));
    try {
      expect(m.length).toBe(PAGESIZE);
      expect(m.size()).toBe(3 * PAGESIZE);
      using anon = mmap(-1, 100);
      expect(anon.size()).toBe(100);
    } finally {
      m.close();
    }
    expect(code(() => m.size())).toBe('EBADF');
  });

  it('a file mapping resizes its file (Python sees the new size), keeps contents and position, replaces buffer', () => {
    const file = tmp('0123456789');
    withFile(file, 'r+', (fd) => {
      using m = mmap(fd, 0);
      const old = Buffer.from(m.buffer);
      m.seek(8);
      m.resize(3 * PAGESIZE);
      expect(old.length).toBe(0); // the old views are detached, never dangling
      expect(m.length).toBe(3 * PAGESIZE);
      expect(m.tell()).toBe(8);
      expect(m.size()).toBe(3 * PAGESIZE);
      expect(Number(py(`import os; print(os.path.getsize(${JSON.stringify(file)}))`))).toBe(3 * PAGESIZE);
      expect(Buffer.from(m.buffer).toString('latin1', 0, 11)).toBe('0123456789\0');
      m.setitem(3 * PAGESIZE - 1, 0x5a);
      m.resize(5);
      expect(statSync(file).size).toBe(5);
      expect(m.getslice().toString()).toBe('01234');
      expect(m.read().length).toBe(0); // the position (8) is past the end now
      expect(() => m.write_byte(1)).toThrow(/out of range/);
    });
  });

  it('shrinking a file another mapping still reaches past the new end is refused (its tail would fault)', () => {
    const file = tmp(Buffer.alloc(2 * PAGESIZE, 3));
    withFile(file, 'r+', (fd) => {
      using a = mmap(fd, 0);
      const b = mmap(fd, PAGESIZE, { offset: PAGESIZE });
      expect(code(() => a.resize(PAGESIZE))).toBe('ERR_MMAP_IN_USE');
      expect(statSync(file).size).toBe(2 * PAGESIZE);
      expect(b.getitem(PAGESIZE - 1)).toBe(3);
      b.close();
      a.resize(PAGESIZE);
      expect(statSync(file).size).toBe(PAGESIZE);
      a.resize(2 * PAGESIZE); // growing never hurts the others
      expect(a.getitem(2 * PAGESIZE - 1)).toBe(0);
    });
  });

  it('anonymous shared memory: a forked child keeps its whole view while the parent shrinks and grows', () => {
    const m = mmap(-1, 2 * PAGESIZE);
    try {
      const view = new Uint8Array(m.buffer);
      view[2 * PAGESIZE - 1] = 9;
      // The child shrinks its copy, then reads the parent's pages through a
      // fresh mapping of the same memfd: nothing was truncated.
      const status = forkRun(() => {
        m.resize(PAGESIZE);
        using again = mm.mmap(m.fileno(), 2 * PAGESIZE);
        return again.getitem(2 * PAGESIZE - 1) === 9 ? 0 : 1;
      });
      expect(status).toBe(0);
      expect(view[2 * PAGESIZE - 1]).toBe(9); // the parent's view is untouched
      m.resize(4 * PAGESIZE);
      expect(view.length).toBe(0);
      const grown = new Uint8Array(m.buffer);
      expect([grown[2 * PAGESIZE - 1], grown[4 * PAGESIZE - 1]]).toEqual([9, 0]);
      using again = mm.mmap(m.fileno(), 4 * PAGESIZE); // the memfd grew with it
      expect(again.length).toBe(4 * PAGESIZE);
    } finally {
      m.close();
    }
  });

  it('private anonymous and PROT_READ mappings resize; copies, SharedMemory and closed maps do not', () => {
    using p = mmap(-1, PAGESIZE, { flags: mm.MAP_PRIVATE });
    p.setitem(0, 1);
    p.resize(3 * PAGESIZE);
    expect([p.getitem(0), p.getitem(3 * PAGESIZE - 1)]).toEqual([1, 0]);
    using ro = mmap(-1, PAGESIZE, { prot: mm.PROT_READ });
    ro.resize(2 * PAGESIZE);
    expect(ro.getslice(2 * PAGESIZE - 2).length).toBe(2);
    using c = mmap(-1, PAGESIZE, { access: mm.ACCESS_COPY });
    expect(code(() => c.resize(2 * PAGESIZE))).toBe('ERR_MMAP_NOT_RESIZABLE');
    const shm = new mm.SharedMemory({ create: true, size: 64 });
    try {
      expect(code(() => shm.mmap.resize(128))).toBe('ERR_MMAP_NOT_RESIZABLE');
    } finally {
      shm.close();
      shm.unlink();
    }
    expect(code(() => p.resize(0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => p.resize(1.5))).toBe('ERR_OUT_OF_RANGE');
    p.close();
    expect(code(() => p.resize(10))).toBe('EBADF');
  });
});

describe('a closed mapping', () => {
  it('every method is EBADF (mmap closed or invalid); close is idempotent', () => {
    const m = mmap(-1, 16);
    m.close();
    m.close();
    for (const op of [() => m.read(), () => m.read_byte(), () => m.readline(), () => m.write(B('x')), () => m.write_byte(1),
      () => m.seek(0), () => m.tell(), () => m.find(B('x')), () => m.rfind(B('x')), () => m.move(0, 0, 1),
      () => m.getitem(0), () => m.setitem(0, 1), () => m.getslice(), () => m.setslice(0, 1, null, B('x')),
      () => m.madvise(mm.MADV_NORMAL), () => m.flush(), () => m.size(), () => m.resize(4)]) {
      expect(code(op)).toBe('EBADF');
    }
    expect([m.closed, m.length]).toEqual([true, 0]);
  });
});
