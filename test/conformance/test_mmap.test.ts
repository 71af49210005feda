// Port of CPython 3.11 Lib/test/test_mmap.py (the methods that apply to
// Linux; the tagname and pagefile tests are Windows-only).
//
// Python's mmap object is a file-like object with indexing and slicing.
// posixkit's MemoryMap is reached here through:
//   mmap.mmap(fd, length, flags=, prot=, access=, offset=) -> mmap(fd, length, { flags, prot, access, offset })
//   len(m)                        -> m.length
//   m[i], m[i] = v                -> m.getitem(i), m.setitem(i, v)      (IndexError: RangeError)
//   m[a:b:c], m[a:b:c] = data     -> m.getslice(a, b, c), m.setslice(a, b, c, data)
//   m.read/read_byte/write/write_byte/readline/seek/tell/find/rfind/move/resize/madvise/flush/size/closed
// (the methods the file-like API will have; until then those tests are listed in known.ts).
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import * as mmapmod from '../../lib/mmap';
import { OSError as PkOSError } from '../../lib/errors';
import { TESTFN, unlink } from './support/helpers';
import { OSError, OverflowError, run, strict, TestCase, ValueError } from './support/unittest';

const M = strict(mmapmod, 'mmap');
const PAGESIZE = mmapmod.PAGESIZE;
/** IndexError: out of range (mapped to RangeError, as ValueError). */
const IndexError = ValueError;
const SystemError = { pyName: 'SystemError', test: (e: unknown) => (e as Error | null)?.name === 'SystemError' };

type PyMmap = any;

/** mmap.mmap(fileno, length, **kw). */
function mmap(fd: number, length: number, kw: { flags?: number; prot?: number; access?: number; offset?: number | null } = {}): PyMmap {
  return strict((mmapmod.mmap as (...a: unknown[]) => object)(fd, length, kw), 'MemoryMap');
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Python's bytes slicing, for the expected values. */
function pySlice(data: Buffer | number[], start: number | null, stop: number | null, step: number | null): number[] {
  const n = data.length;
  const st = step ?? 1;
  const norm = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    if (v < 0) v += n;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (st > 0) {
    const a = norm(start, 0, 0, n), z = norm(stop, n, 0, n);
    for (let i = a; i < z; i += st) out.push(data[i]);
  } else {
    const a = norm(start, n - 1, -1, n - 1), z = norm(stop, -1, -1, n - 1);
    for (let i = a; i > z; i += st) out.push(data[i]);
  }
  return out;
}

/** Python's bytes.find(sub, start, end). */
function pyFind(data: Buffer, sub: Buffer, start?: number, end?: number): number {
  const n = data.length;
  let a = start ?? 0;
  let z = end ?? n;
  if (a < 0) a = Math.max(0, a + n);
  if (z < 0) z = Math.max(0, z + n);
  z = Math.min(z, n);
  if (a > n || z - a < sub.length) return -1;
  return data.subarray(0, z).indexOf(sub, a);
}

class MmapTests extends TestCase {
  override setUp(): void {
    unlink(TESTFN);
  }

  override tearDown(): void {
    unlink(TESTFN);
  }

  test_basic(): void {
    // Create a file to be mmap'ed.
    const f = openSync(TESTFN, 'w+');
    let m: PyMmap;
    try {
      // Write 2 pages worth of data to the file
      writeSync(f, Buffer.alloc(PAGESIZE));
      writeSync(f, b('foo'));
      writeSync(f, Buffer.alloc(PAGESIZE - 3));
      m = mmap(f, 2 * PAGESIZE);
    } finally {
      closeSync(f);
    }
    // Simple sanity checks
    this.assertEqual(m.find(b('foo')), PAGESIZE);
    this.assertEqual(m.length, 2 * PAGESIZE);
    this.assertEqual(m.getitem(0), 0);
    this.assertEqual(m.getslice(0, 3), Buffer.alloc(3));
    // Shouldn't crash on boundary (Issue #5292)
    this.assertRaises(IndexError, () => m.getitem(m.length));
    this.assertRaises(IndexError, () => m.setitem(m.length, b('\0')));
    // Modify the file's content
    m.setitem(0, b('3')[0]);
    m.setslice(PAGESIZE + 3, PAGESIZE + 3 + 3, null, b('bar'));
    // Check that the modification worked
    this.assertEqual(m.getitem(0), b('3')[0]);
    this.assertEqual(m.getslice(0, 3), b('3\0\0'));
    this.assertEqual(m.getslice(PAGESIZE - 1, PAGESIZE + 7), b('\0foobar\0'));
    m.flush();
    // Test doing a regular expression match in an mmap'ed file
    const match = /[A-Za-z]+/.exec(Buffer.from(m.buffer).toString('latin1'));
    if (match === null) {
      this.fail('regex match on mmap failed!');
    } else {
      const start = match.index, end = match.index + match[0].length;
      this.assertEqual(start, PAGESIZE);
      this.assertEqual(end, PAGESIZE + 6);
    }
    // test seeking around (try to overflow the seek implementation)
    m.seek(0, 0);
    this.assertEqual(m.tell(), 0);
    m.seek(42, 1);
    this.assertEqual(m.tell(), 42);
    m.seek(0, 2);
    this.assertEqual(m.tell(), m.length);
    // Try to seek to negative position...
    this.assertRaises(ValueError, () => m.seek(-1));
    // Try to seek beyond end of mmap...
    this.assertRaises(ValueError, () => m.seek(1, 2));
    // Try to seek to negative position...
    this.assertRaises(ValueError, () => m.seek(-m.length - 1, 2));
    // Try resizing map
    let resized = true;
    try {
      m.resize(512);
    } catch (e) {
      if (!SystemError.test(e)) throw e;
      resized = false;
    }
    if (resized) {
      this.assertEqual(m.length, 512);
      // Check that we can no longer seek beyond the new size.
      this.assertRaises(ValueError, () => m.seek(513, 0));
      // Check that the underlying file is truncated too (bug #728515)
      this.assertEqual(readFileSync(TESTFN).length, 512);
      this.assertEqual(m.size(), 512);
    }
    m.close();
  }

  test_access_parameter(): void {
    // Test for "access" keyword parameter
    const mapsize = 10;
    writeFileSync(TESTFN, Buffer.alloc(mapsize, 'a'));
    let f = openSync(TESTFN, 'r');
    try {
      const m = mmap(f, mapsize, { access: M.ACCESS_READ });
      this.assertEqual(m.getslice(), Buffer.alloc(mapsize, 'a'), 'Readonly memory map data incorrect.');
      // Ensuring that readonly mmap can't be slice assigned
      this.assertRaises(TypeError, () => m.setslice(null, null, null, Buffer.alloc(mapsize, 'b')));
      // Ensuring that readonly mmap can't be item assigned
      this.assertRaises(TypeError, () => m.setitem(0, b('b')[0]));
      // Ensuring that readonly mmap can't be write() to
      this.assertRaises(TypeError, () => { m.seek(0, 0); m.write(b('abc')); });
      // Ensuring that readonly mmap can't be write_byte() to
      this.assertRaises(TypeError, () => { m.seek(0, 0); m.write_byte(b('d')[0]); });
      // Ensuring that readonly mmap can't be resized
      this.assertRaises([SystemError, TypeError], () => m.resize(2 * mapsize));
      this.assertEqual(readFileSync(TESTFN), Buffer.alloc(mapsize, 'a'), 'Readonly memory map data file was modified');
    } finally {
      closeSync(f);
    }
    // Opening mmap with size too big
    f = openSync(TESTFN, 'r+');
    try {
      this.assertRaises(ValueError, () => mmap(f, mapsize + 1));
    } finally {
      closeSync(f);
    }
    // Opening mmap with access=ACCESS_WRITE
    f = openSync(TESTFN, 'r+');
    try {
      const m = mmap(f, mapsize, { access: M.ACCESS_WRITE });
      // Modifying write-through memory map
      m.setslice(null, null, null, Buffer.alloc(mapsize, 'c'));
      this.assertEqual(m.getslice(), Buffer.alloc(mapsize, 'c'), 'Write-through memory map memory not updated properly.');
      m.flush();
      m.close();
    } finally {
      closeSync(f);
    }
    this.assertEqual(readFileSync(TESTFN), Buffer.alloc(mapsize, 'c'), 'Write-through memory map data file not updated properly.');
    // Opening mmap with access=ACCESS_COPY
    f = openSync(TESTFN, 'r+');
    try {
      const m = mmap(f, mapsize, { access: M.ACCESS_COPY });
      // Modifying copy-on-write memory map
      m.setslice(null, null, null, Buffer.alloc(mapsize, 'd'));
      this.assertEqual(m.getslice(), Buffer.alloc(mapsize, 'd'), 'Copy-on-write memory map data not written correctly.');
      m.flush();
      this.assertEqual(readFileSync(TESTFN), Buffer.alloc(mapsize, 'c'), 'Copy-on-write test data file should not be modified.');
      // Ensuring copy-on-write maps cannot be resized
      this.assertRaises(TypeError, () => m.resize(2 * mapsize));
      m.close();
    } finally {
      closeSync(f);
    }
    // Ensuring invalid access parameter raises exception
    f = openSync(TESTFN, 'r+');
    try {
      this.assertRaises(ValueError, () => mmap(f, mapsize, { access: 4 }));
      // Try incompatible flags, prot and access parameters.
      this.assertRaises(ValueError, () => mmap(f, mapsize, { flags: mmapmod.MAP_PRIVATE, prot: mmapmod.PROT_READ, access: M.ACCESS_WRITE }));
      // Try writing with PROT_EXEC and without PROT_WRITE
      const prot = mmapmod.PROT_READ | mmapmod.PROT_EXEC;
      let m: PyMmap = null;
      try {
        m = mmap(f, mapsize, { prot });
      } catch (e) {
        if (!(e instanceof PkOSError && e.code === 'EACCES')) throw e; // PermissionError
      }
      if (m) {
        this.assertRaises(TypeError, () => m.write(b('abcdef')));
        this.assertRaises(TypeError, () => m.write_byte(0));
        m.close();
      }
    } finally {
      closeSync(f);
    }
  }

  test_bad_file_desc(): void {
    // Try opening a bad file descriptor...
    this.assertRaises(OSError, () => mmap(-2, 4096));
  }

  test_tougher_find(): void {
    // Do a tougher .find() test. SF bug 515943 pointed out that, in 2.2,
    // searching for data with embedded \0 bytes didn't work.
    const data = b('aabaac\x00deef\x00\x00aa\x00');
    const n = data.length;
    writeFileSync(TESTFN, data);
    const f = openSync(TESTFN, 'r+');
    const m = mmap(f, n);
    closeSync(f);
    for (let start = 0; start <= n; start++) {
      for (let finish = start; finish <= n; finish++) {
        const slice = data.subarray(start, finish);
        this.assertEqual(m.find(slice), data.indexOf(slice));
        this.assertEqual(m.find(Buffer.concat([slice, b('x')])), -1);
      }
    }
    m.close();
  }

  test_find_end(): void {
    // test the new 'end' parameter works as expected
    const data = b('one two ones');
    const n = data.length;
    writeFileSync(TESTFN, data);
    const f = openSync(TESTFN, 'r+');
    const m = mmap(f, n);
    closeSync(f);
    this.assertEqual(m.find(b('one')), 0);
    this.assertEqual(m.find(b('ones')), 8);
    this.assertEqual(m.find(b('one'), 0, -1), 0);
    this.assertEqual(m.find(b('one'), 1), 8);
    this.assertEqual(m.find(b('one'), 1, -1), 8);
    this.assertEqual(m.find(b('one'), 1, -2), -1);
    this.assertEqual(m.find(new Uint8Array(b('one'))), 0);
    for (let i = -n - 1; i <= n; i++) {
      for (let j = -n - 1; j <= n; j++) {
        for (const p of ['o', 'on', 'two', 'ones', 's'].map(b)) {
          const expected = pyFind(data, p, i, j);
          this.assertEqual(m.find(p, i, j), expected, `${p} ${i} ${j}`);
        }
      }
    }
  }

  test_find_does_not_access_beyond_buffer(): void {
    const flags = mmapmod.MAP_PRIVATE | mmapmod.MAP_ANONYMOUS;
    const PROT_NONE = 0;
    const PROT_READ = mmapmod.PROT_READ;
    for (let i = 0; i < 2049; i++) {
      using _guard = mmap(-1, PAGESIZE * (i + 1), { flags, prot: PROT_NONE });
      using fm = mmap(-1, PAGESIZE * (i + 2048), { flags, prot: PROT_READ });
      fm.find(b('fo'), -2);
    }
  }

  test_rfind(): void {
    const data = b('one two ones');
    const n = data.length;
    writeFileSync(TESTFN, data);
    const f = openSync(TESTFN, 'r+');
    const m = mmap(f, n);
    closeSync(f);
    this.assertEqual(m.rfind(b('one')), 8);
    this.assertEqual(m.rfind(b('one ')), 0);
    this.assertEqual(m.rfind(b('one'), 0, -1), 8);
    this.assertEqual(m.rfind(b('one'), 0, -2), 0);
    this.assertEqual(m.rfind(b('one'), 1, -1), 8);
    this.assertEqual(m.rfind(b('one'), 1, -2), -1);
    this.assertEqual(m.rfind(new Uint8Array(b('one'))), 8);
  }

  test_double_close(): void {
    // make sure a double close doesn't crash on Solaris (Bug# 665913)
    writeFileSync(TESTFN, Buffer.alloc(2 ** 16, 'a'));
    const f = openSync(TESTFN, 'r');
    try {
      const mf = mmap(f, 2 ** 16, { access: M.ACCESS_READ });
      mf.close();
      mf.close();
    } finally {
      closeSync(f);
    }
  }

  test_entire_file(): void {
    // test mapping of entire file by passing 0 for map length
    writeFileSync(TESTFN, Buffer.alloc(2 ** 16, 'm'));
    const f = openSync(TESTFN, 'r+');
    try {
      using mf = mmap(f, 0);
      this.assertEqual(mf.length, 2 ** 16, 'Map size should equal file size.');
      this.assertEqual(mf.read(2 ** 16), Buffer.alloc(2 ** 16, 'm'));
    } finally {
      closeSync(f);
    }
  }

  test_length_0_offset(): void {
    // Issue #10916: mapping the remainder of a file by passing 0 for map
    // length with an offset doesn't cause a segfault.
    writeFileSync(TESTFN, Buffer.alloc(65536 * 2, 'm'));
    const f = openSync(TESTFN, 'r');
    try {
      using mf = mmap(f, 0, { offset: 65536, access: M.ACCESS_READ });
      this.assertRaises(IndexError, () => mf.getitem(80000));
    } finally {
      closeSync(f);
    }
  }

  test_length_0_large_offset(): void {
    // Issue #10959: mapping a file by passing 0 for map length with a large
    // offset doesn't cause a segfault.
    writeFileSync(TESTFN, Buffer.alloc(115699, 'm'));
    const f = openSync(TESTFN, 'r+');
    try {
      this.assertRaises(ValueError, () => mmap(f, 0, { offset: 2147418112 }));
    } finally {
      closeSync(f);
    }
  }

  test_move(): void {
    // make move works everywhere (64-bit format problem earlier)
    writeFileSync(TESTFN, b('ABCDEabcde'));
    const f = openSync(TESTFN, 'r+');
    const mf = mmap(f, 10);
    closeSync(f);
    mf.move(5, 0, 5);
    this.assertEqual(mf.getslice(), b('ABCDEABCDE'), 'Map move should have duplicated front 5');
    mf.close();
    // more excessive test
    const data = b('0123456789');
    for (let dest = 0; dest < data.length; dest++) {
      for (let src = 0; src < data.length; src++) {
        for (let count = 0; count < data.length - Math.max(dest, src); count++) {
          const expected = Buffer.concat([data.subarray(0, dest), data.subarray(src, src + count), data.subarray(dest + count)]);
          const m = mmap(-1, data.length);
          m.setslice(null, null, null, data);
          m.move(dest, src, count);
          this.assertEqual(m.getslice(), expected);
          m.close();
        }
      }
    }
    // segfault test (bpo-5387)
    let m = mmap(-1, 100);
    const offsets = [-100, -1, 0, 1, 100];
    for (const source of offsets) {
      for (const dest of offsets) {
        for (const size of offsets) {
          try {
            m.move(source, dest, size);
          } catch (e) {
            if (!ValueError.test(e)) throw e;
          }
        }
      }
    }
    for (const [source, dest, size] of [[-1, -1, -1], [-1, -1, 0], [-1, 0, -1], [0, -1, -1], [-1, 0, 0], [0, -1, 0], [0, 0, -1]]) {
      this.assertRaises(ValueError, () => m.move(source, dest, size));
    }
    m.close();
    m = mmap(-1, 1); // single byte
    this.assertRaises(ValueError, () => m.move(0, 0, 2));
    this.assertRaises(ValueError, () => m.move(1, 0, 1));
    this.assertRaises(ValueError, () => m.move(0, 1, 1));
    m.move(0, 0, 1);
    m.move(0, 0, 0);
  }

  test_anonymous(): void {
    // anonymous mmap.mmap(-1, PAGE)
    const m = mmap(-1, PAGESIZE);
    for (let x = 0; x < PAGESIZE; x++) this.assertEqual(m.getitem(x), 0, "anonymously mmap'ed contents should be zero");
    for (let x = 0; x < PAGESIZE; x++) {
      const v = x & 0xff;
      m.setitem(x, v);
      this.assertEqual(m.getitem(x), v);
    }
  }

  test_read_all(): void {
    const m = mmap(-1, 16);
    this.addCleanup(() => m.close());
    const range = (a: number, z: number): Buffer => Buffer.from(Array.from({ length: z - a }, (_, i) => a + i));
    // With no parameters, or None or a negative argument, reads all
    m.write(range(0, 16));
    m.seek(0);
    this.assertEqual(m.read(), range(0, 16));
    m.seek(8);
    this.assertEqual(m.read(), range(8, 16));
    m.seek(16);
    this.assertEqual(m.read(), Buffer.alloc(0));
    m.seek(3);
    this.assertEqual(m.read(null), range(3, 16));
    m.seek(4);
    this.assertEqual(m.read(-1), range(4, 16));
    m.seek(5);
    this.assertEqual(m.read(-2), range(5, 16));
    m.seek(9);
    this.assertEqual(m.read(-42), range(9, 16));
  }

  test_read_invalid_arg(): void {
    const m = mmap(-1, 16);
    this.addCleanup(() => m.close());
    this.assertRaises(TypeError, () => m.read('foo'));
    this.assertRaises(TypeError, () => m.read(5.5));
    this.assertRaises(TypeError, () => m.read([1, 2, 3]));
  }

  test_extended_getslice(): void {
    // Test extended slicing by comparing with list slicing.
    const s = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    const m = mmap(-1, s.length);
    m.setslice(null, null, null, s);
    this.assertEqual(m.getslice(), s);
    const indices = [0, null, 1, 3, 19, 300, Number.MAX_SAFE_INTEGER, -1, -2, -31, -300];
    for (const start of indices) {
      for (const stop of indices) {
        // Skip step 0 (invalid)
        for (const step of indices.slice(1)) {
          this.assertEqual(m.getslice(start, stop, step), Buffer.from(pySlice(s, start, stop, step)));
        }
      }
    }
  }

  test_extended_set_del_slice(): void {
    // Test extended slicing by comparing with list slicing.
    const s = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    const m = mmap(-1, s.length);
    const indices = [0, null, 1, 3, 19, 300, Number.MAX_SAFE_INTEGER, -1, -2, -31, -300];
    for (const start of indices) {
      for (const stop of indices) {
        // Skip invalid step 0
        for (const step of indices.slice(1)) {
          m.setslice(null, null, null, s);
          this.assertEqual(m.getslice(), s);
          const L = [...s];
          // Make sure we have a slice of exactly the right length, but with different data.
          const data = pySlice(L, start, stop, step).reverse();
          // L[start:stop:step] = data
          const idx = pySlice(L.map((_, i) => i), start, stop, step);
          idx.forEach((i, k) => { L[i] = data[k]; });
          m.setslice(start, stop, step, Buffer.from(data));
          this.assertEqual(m.getslice(), Buffer.from(L));
        }
      }
    }
  }

  make_mmap_file(f: number, halfsize: number): PyMmap {
    // Write 2 pages worth of data to the file
    writeSync(f, Buffer.alloc(halfsize));
    writeSync(f, b('foo'));
    writeSync(f, Buffer.alloc(halfsize - 3));
    return mmap(f, 0);
  }

  test_empty_file(): void {
    closeSync(openSync(TESTFN, 'w+'));
    const f = openSync(TESTFN, 'r');
    try {
      this.assertRaisesRegex(ValueError, 'cannot mmap an empty file', () => mmap(f, 0, { access: M.ACCESS_READ }));
    } finally {
      closeSync(f);
    }
  }

  test_offset(): void {
    let f = openSync(TESTFN, 'w+');
    try {
      const halfsize = mmapmod.ALLOCATIONGRANULARITY;
      let m = this.make_mmap_file(f, halfsize);
      m.close();
      closeSync(f);
      const mapsize = halfsize * 2;
      // Try invalid offset
      f = openSync(TESTFN, 'r+');
      for (const offset of [-2, -1, null]) {
        this.assertRaises([ValueError, TypeError, OverflowError], () => mmap(f, mapsize, { offset }));
      }
      closeSync(f);
      // Try valid offset, hopefully 8192 works on all OSes
      f = openSync(TESTFN, 'r+');
      m = mmap(f, mapsize - halfsize, { offset: halfsize });
      this.assertEqual(m.getslice(0, 3), b('foo'));
      closeSync(f);
      // Try resizing map
      let resized = true;
      try {
        m.resize(512);
      } catch (e) {
        if (!SystemError.test(e)) throw e;
        resized = false;
      }
      if (resized) {
        this.assertEqual(m.length, 512);
        // Check that we can no longer seek beyond the new size.
        this.assertRaises(ValueError, () => m.seek(513, 0));
        // Check that the content is not changed
        this.assertEqual(m.getslice(0, 3), b('foo'));
        // Check that the underlying file is truncated too
        this.assertEqual(readFileSync(TESTFN).length, halfsize + 512);
        this.assertEqual(m.size(), halfsize + 512);
      }
      m.close();
    } finally {
      try { closeSync(f); } catch { /* closed */ }
      unlink(TESTFN);
    }
  }

  test_subclass(): void {}

  test_prot_readonly(): void {
    const mapsize = 10;
    writeFileSync(TESTFN, Buffer.alloc(mapsize, 'a'));
    const f = openSync(TESTFN, 'r');
    try {
      const m = mmap(f, mapsize, { prot: mmapmod.PROT_READ });
      this.assertRaises(TypeError, () => m.write('foo'));
    } finally {
      closeSync(f);
    }
  }

  test_error(): void {
    this.assertIs(M.error, PkOSError);
  }

  test_io_methods(): void {
    const data = b('0123456789');
    writeFileSync(TESTFN, Buffer.alloc(data.length, 'x'));
    const f = openSync(TESTFN, 'r+');
    const m = mmap(f, data.length);
    closeSync(f);
    // Test write_byte()
    for (let i = 0; i < data.length; i++) {
      this.assertEqual(m.tell(), i);
      m.write_byte(data[i]);
      this.assertEqual(m.tell(), i + 1);
    }
    this.assertRaises(ValueError, () => m.write_byte(b('x')[0]));
    this.assertEqual(m.getslice(), data);
    // Test read_byte()
    m.seek(0);
    for (let i = 0; i < data.length; i++) {
      this.assertEqual(m.tell(), i);
      this.assertEqual(m.read_byte(), data[i]);
      this.assertEqual(m.tell(), i + 1);
    }
    this.assertRaises(ValueError, () => m.read_byte());
    // Test read()
    m.seek(3);
    this.assertEqual(m.read(3), b('345'));
    this.assertEqual(m.tell(), 6);
    // Test write()
    m.seek(3);
    m.write(b('bar'));
    this.assertEqual(m.tell(), 6);
    this.assertEqual(m.getslice(), b('012bar6789'));
    m.write(new Uint8Array(b('baz')));
    this.assertEqual(m.tell(), 9);
    this.assertEqual(m.getslice(), b('012barbaz9'));
    this.assertRaises(ValueError, () => m.write(b('ba')));
  }

  test_non_ascii_byte(): void {
    for (const v of [129, 200, 255]) { // > 128
      const m = mmap(-1, 1);
      m.write_byte(v);
      this.assertEqual(m.getitem(0), v);
      m.seek(0);
      this.assertEqual(m.read_byte(), v);
      m.close();
    }
  }

  test_context_manager(): void {
    let m: PyMmap;
    {
      using mm = mmap(-1, 10);
      m = mm;
      this.assertFalse(m.closed);
    }
    this.assertTrue(m.closed);
  }

  test_context_manager_exception(): void {
    // Test that the OSError gets passed through
    let m: PyMmap;
    const e = this.assertRaises(Error, () => {
      using mm = mmap(-1, 10);
      m = mm;
      throw new PkOSError('EIO', -5, 'test');
    });
    this.assertIsInstance(e, OSError, 'wrong exception raised in context manager');
    this.assertTrue(m.closed, 'context manager failed');
  }

  test_weakref(): void {}

  test_write_returning_the_number_of_bytes_written(): void {
    const mm = mmap(-1, 16);
    this.assertEqual(mm.write(b('')), 0);
    this.assertEqual(mm.write(b('x')), 1);
    this.assertEqual(mm.write(b('yz')), 2);
    this.assertEqual(mm.write(b('python')), 6);
  }

  test_resize_past_pos(): void {
    const m = mmap(-1, 8192);
    this.addCleanup(() => m.close());
    m.read(5000);
    try {
      m.resize(4096);
    } catch (e) {
      if (SystemError.test(e)) this.skipTest('resizing not supported');
      throw e;
    }
    this.assertEqual(m.read(14), Buffer.alloc(0));
    this.assertRaises(ValueError, () => m.read_byte());
    this.assertRaises(ValueError, () => m.write_byte(42));
    this.assertRaises(ValueError, () => m.write(b('abc')));
  }

  test_concat_repeat_exception(): void {}

  test_flush_return_value(): void {
    // mm.flush() should return None on success, raise an exception on error under all platforms.
    const mm = mmap(-1, 16);
    this.addCleanup(() => mm.close());
    mm.write(b('python'));
    const result = mm.flush();
    this.assertIsNone(result);
    // 'offset' must be a multiple of mmap.PAGESIZE on Linux. See bpo-34754 for details.
    this.assertRaises(OSError, () => mm.flush(1, 'python'.length));
  }

  test_repr(): void {}

  test_madvise(): void {
    const size = 2 * PAGESIZE;
    const m = mmap(-1, size);
    this.assertRaisesRegex(ValueError, 'madvise start out of bounds', () => m.madvise(M.MADV_NORMAL, size));
    this.assertRaisesRegex(ValueError, 'madvise start out of bounds', () => m.madvise(M.MADV_NORMAL, -1));
    this.assertRaisesRegex(ValueError, 'madvise length invalid', () => m.madvise(M.MADV_NORMAL, 0, -1));
    this.assertRaisesRegex(OverflowError, 'madvise length too large', () => m.madvise(M.MADV_NORMAL, PAGESIZE, Number.MAX_SAFE_INTEGER));
    this.assertEqual(m.madvise(M.MADV_NORMAL), undefined);
    this.assertEqual(m.madvise(M.MADV_NORMAL, PAGESIZE), undefined);
    this.assertEqual(m.madvise(M.MADV_NORMAL, PAGESIZE, size), undefined);
    this.assertEqual(m.madvise(M.MADV_NORMAL, 0, 2), undefined);
    this.assertEqual(m.madvise(M.MADV_NORMAL, 0, size), undefined);
  }

  test_mmap_closed_by_int_scenarios(): void {}
}

class LargeMmapTests extends TestCase {
  override setUp(): void {
    unlink(TESTFN);
  }

  override tearDown(): void {
    unlink(TESTFN);
  }

  /** A sparse file: num_zeroes zero bytes (a hole), then tail. */
  _make_test_file(num_zeroes: number, tail: Buffer): number {
    const f = openSync(TESTFN, 'w+');
    writeSync(f, tail, 0, tail.length, num_zeroes);
    return f;
  }

  test_large_offset(): void {
    const f = this._make_test_file(0x14FFFFFFF, b(' '));
    try {
      using m = mmap(f, 0, { offset: 0x140000000, access: M.ACCESS_READ });
      this.assertEqual(m.getitem(0xFFFFFFF), 32);
    } finally {
      closeSync(f);
    }
  }

  test_large_filesize(): void {
    const f = this._make_test_file(0x17FFFFFFF, b(' '));
    try {
      using m = mmap(f, 0x10000, { access: M.ACCESS_READ });
      this.assertEqual(m.size(), 0x180000000);
    } finally {
      closeSync(f);
    }
  }

  // bpo-11277: mmap() with large (~4 GiB) sparse files crashes on OS X.
  _test_around_boundary(boundary: number): void {
    const tail = b('  DEARdear  ');
    const start = boundary - Math.floor(tail.length / 2);
    const end = start + tail.length;
    const f = this._make_test_file(start, tail);
    try {
      using m = mmap(f, 0, { access: M.ACCESS_READ });
      this.assertEqual(m.getslice(start, end), tail);
    } finally {
      closeSync(f);
    }
  }

  test_around_2GB(): void {
    this._test_around_boundary(2 ** 31);
  }

  test_around_4GB(): void {
    this._test_around_boundary(2 ** 32);
  }
}

run('test_mmap', [MmapTests, LargeMmapTests]);
