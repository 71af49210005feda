// fd calls against their visible effect: file contents and metadata (via
// node:fs as an independent reader), /proc/self/fd, locks seen by another
// process; plus bad input, closed fds and the wrong kind of fd.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileExistsError, FileNotFoundError } from '../../lib/errors';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { code, error } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';
import { forkRun, runInChild, sleepSync } from '../helpers/proc';

let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(tmpdir(), 'posixkit-fdio-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });
checkLeaks();

let n = 0;
const tmp = (): string => path.join(dir, `f${n++}`);

function withFile<T>(content: string, fn: (fd: number, p: string) => T, flags = os.O_RDWR): T {
  const p = tmp();
  fs.writeFileSync(p, content);
  const fd = os.open(p, flags);
  try {
    return fn(fd, p);
  } finally {
    os.close(fd);
  }
}

describe('open', () => {
  it('creates with mode & ~umask, close-on-exec, and names the path on errors', () => {
    const p = tmp();
    const old = os.umask(0o022);
    try {
      const fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o664);
      expect(os.get_inheritable(fd)).toBe(false);
      expect(os.write(fd, 'hi')).toBe(2);
      os.close(fd);
    } finally {
      os.umask(old);
    }
    expect(fs.statSync(p).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(p, 'utf8')).toBe('hi');
    const e = error(() => os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL));
    expect(e).toBeInstanceOf(FileExistsError);
    expect(e).toMatchObject({ code: 'EEXIST', syscall: 'open', path: p });
    expect(error(() => os.open(path.join(dir, 'none'), os.O_RDONLY))).toBeInstanceOf(FileNotFoundError);
  });
  it('O_APPEND, O_TRUNC and dir_fd', () => {
    const p = tmp();
    fs.writeFileSync(p, 'abc');
    let fd = os.open(p, os.O_WRONLY | os.O_APPEND);
    os.write(fd, 'def');
    os.close(fd);
    expect(fs.readFileSync(p, 'utf8')).toBe('abcdef');
    const d = os.open(dir, os.O_RDONLY | os.O_DIRECTORY);
    try {
      fd = os.open(path.basename(p), os.O_WRONLY | os.O_TRUNC, 0o777, { dir_fd: d });
      os.close(fd);
      expect(fs.readFileSync(p, 'utf8')).toBe('');
      expect(code(() => os.open('x', os.O_RDONLY, 0o777, { dir_fd: 9999 }))).toBe('EBADF');
    } finally {
      os.close(d);
    }
  });
  it('O_TMPFILE gives an unnamed file in the directory', () => {
    const fd = os.open(dir, os.O_TMPFILE | os.O_RDWR, 0o600);
    try {
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toMatch(/ \(deleted\)$/);
      expect(fs.readdirSync(dir).every((f) => /^f\d+$/.test(f))).toBe(true);
    } finally {
      os.close(fd);
    }
  });
  it('bad arguments', () => {
    expect(code(() => os.open('a\0b', os.O_RDONLY))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.open(1 as never, os.O_RDONLY))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.open('x', '0' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.open('x', os.O_RDONLY, -1))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('closerange', () => {
  it('closes [lo, hi) and nothing else', () => {
    const base = 900;
    const [r, w] = os.pipe();
    for (let i = 0; i < 3; i++) os.dup2(r, base + i);
    os.closerange(base, base + 2);
    const open = new Set(fs.readdirSync('/proc/self/fd').map(Number));
    expect([open.has(base), open.has(base + 1), open.has(base + 2), open.has(r)]).toEqual([false, false, true, true]);
    os.closerange(base + 5, base + 2); // empty range: nothing
    os.closerange(base + 2, base + 3);
    expect(fs.readdirSync('/proc/self/fd').map(Number)).not.toContain(base + 2);
    os.close(r);
    os.close(w);
    expect(code(() => os.closerange(0.5, 2))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('seek, positioned and vectored I/O', () => {
  it('lseek with SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE', () => {
    withFile('hello world', (fd) => {
      expect(os.lseek(fd, 0, os.SEEK_END)).toBe(11);
      expect(os.lseek(fd, -5, os.SEEK_CUR)).toBe(6);
      expect(os.read(fd, 5).toString()).toBe('world');
      expect(os.lseek(fd, 0, os.SEEK_SET)).toBe(0);
      expect(os.lseek(fd, 0, os.SEEK_DATA)).toBe(0);
      expect(os.lseek(fd, 0, os.SEEK_HOLE)).toBe(11);
      expect(code(() => os.lseek(fd, 0, 99))).toBe('EINVAL');
      expect(code(() => os.lseek(fd, -1, os.SEEK_SET))).toBe('EINVAL');
    });
    const [r, w] = os.pipe();
    expect(code(() => os.lseek(r, 0, os.SEEK_CUR))).toBe('ESPIPE');
    os.close(r);
    os.close(w);
  });
  it('pread/pwrite work at an offset and leave the position alone', () => {
    withFile('0123456789', (fd) => {
      expect(os.pwrite(fd, 'abc', 4)).toBe(3);
      expect(os.lseek(fd, 0, os.SEEK_CUR)).toBe(0);
      expect(os.pread(fd, 5, 3).toString()).toBe('3abc7');
      expect(os.pread(fd, 10, 100).length).toBe(0);
      expect(os.pwrite(fd, new Uint8Array([0x41, 0x42]), 12)).toBe(2); // past the end: a hole of zeros
    }, os.O_RDWR);
    const [r, w] = os.pipe();
    expect(code(() => os.pread(r, 1, 0))).toBe('ESPIPE');
    os.close(r);
    os.close(w);
    expect(code(() => os.pread(r, 1, 0))).toBe('EBADF');
    expect(code(() => os.pread(0, -1, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.pwrite(0, 5 as never, 0))).toBe('ERR_INVALID_ARG_TYPE');
  });
  it('writev and readv gather and scatter any ArrayBufferView, SharedArrayBuffer ones too', () => {
    const [r, w] = os.pipe();
    const shared = new Uint8Array(new SharedArrayBuffer(2));
    shared.set([0x67, 0x68]); // "gh"
    const dv = new DataView(new ArrayBuffer(2));
    dv.setUint8(0, 0x65);
    dv.setUint8(1, 0x66);
    expect(os.writev(w, [Buffer.from('ab'), new Uint8Array([0x63, 0x64]), dv, shared, new Uint16Array(0)])).toBe(8);
    const a = Buffer.alloc(3);
    const b = new Uint8Array(new SharedArrayBuffer(8));
    expect(os.readv(r, [a, b])).toBe(8);
    expect(a.toString()).toBe('abc');
    expect(Buffer.from(b.subarray(0, 5)).toString()).toBe('defgh');
    expect(os.writev(w, [])).toBe(0);
    os.close(r);
    os.close(w);
  });
  it('preadv/pwritev at an offset; RWF_APPEND appends whatever the offset', () => {
    withFile('0123456789', (fd, p) => {
      expect(os.pwritev(fd, [Buffer.from('ab'), Buffer.from('c')], 2)).toBe(3);
      const x = Buffer.alloc(4);
      const y = Buffer.alloc(4);
      expect(os.preadv(fd, [x, y], 1)).toBe(8);
      expect(`${x}${y}`).toBe('1abc5678');
      expect(os.pwritev(fd, [Buffer.from('Z')], 0, os.RWF_APPEND)).toBe(1);
      expect(fs.readFileSync(p, 'utf8')).toBe('01abc56789Z');
      expect(code(() => os.preadv(fd, [x], 0, 0x7fff0000))).toMatch(/^E(OPNOTSUPP|INVAL)$/);
    });
  });
  it('a buffer detached by a signal handler during readv fails the call (ERR_BUFFER_CHANGED), losing no data', () => {
    const [r, w] = os.pipe();
    const child = runInChild(() => { os.close(r); sleepSync(300); os.write(w, 'kept'); return 0; });
    os.close(w);
    const doomed = new Uint8Array(new ArrayBuffer(8));
    const kept = Buffer.alloc(8);
    signal.signal(signal.SIGALRM, () => { structuredClone(doomed.buffer, { transfer: [doomed.buffer] }); });
    try {
      signal.setitimer(signal.ITIMER_REAL, 0.05);
      expect(code(() => os.readv(r, [kept, doomed]))).toBe('ERR_BUFFER_CHANGED');
      expect(doomed.byteLength).toBe(0);
      expect(os.read(r, 10).toString()).toBe('kept'); // nothing was consumed
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, signal.SIG_DFL);
      os.close(r);
      os.waitpid(child, 0);
    }
  });
  it('buffer lists: views only, at most IOV_MAX (1024)', async () => {
    expect(code(() => os.writev(1, ['abc'] as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.writev(1, 5 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => os.readv(0, new Array(1025).fill(Buffer.alloc(1))))).toBe('ERR_INVALID_ARG_VALUE');
    const { binding } = await import('../../lib/native');
    const b = binding as Record<string, (...a: unknown[]) => unknown>;
    expect(code(() => b.readv(0, new Array(1025).fill(Buffer.alloc(1))))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => b.writev(1, [1]))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => b.pread(0, 'x', 0))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => b.preadv(0, [], 2 ** 60, 0))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('fstat, sync, truncate, allocate, advise', () => {
  it('fstat agrees with node:fs field by field', () => {
    withFile('some bytes', (fd) => {
      const st = os.fstat({ fileno: () => fd });
      const ref = fs.fstatSync(fd, { bigint: true });
      expect(st).toBeInstanceOf(os.stat_result);
      expect([st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, st.st_size]).toEqual(
        [ref.mode, ref.ino, ref.dev, ref.nlink, ref.uid, ref.gid, ref.size].map(Number));
      expect([st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns]).toEqual([ref.atimeNs, ref.mtimeNs, ref.ctimeNs]);
      expect(st[8]).toBe(Number(ref.mtimeNs / 1_000_000_000n));
      expect(Math.abs(st.st_mtime - Number(ref.mtimeNs) / 1e9)).toBeLessThan(1e-6);
      expect([st.st_blksize, st.st_blocks, st.st_rdev]).toEqual([ref.blksize, ref.blocks, ref.rdev].map(Number));
    });
    expect(code(() => os.fstat(9999))).toBe('EBADF');
  });
  it('ftruncate cuts and extends with zeros; fsync/fdatasync refuse a pipe', () => {
    withFile('0123456789', (fd, p) => {
      os.ftruncate(fd, 4);
      expect(fs.readFileSync(p, 'utf8')).toBe('0123');
      os.ftruncate(fd, 6);
      expect(fs.readFileSync(p)).toEqual(Buffer.from('0123\0\0'));
      os.fsync(fd);
      os.fdatasync(fd);
      expect(code(() => os.ftruncate(fd, -1))).toBe('EINVAL');
    });
    const [r, w] = os.pipe();
    expect(code(() => os.fsync(r))).toBe('EINVAL');
    expect(code(() => os.fdatasync(w))).toBe('EINVAL');
    expect(code(() => os.ftruncate(w, 0))).toBe('EINVAL');
    os.close(r);
    os.close(w);
    expect(code(() => os.fsync(r))).toBe('EBADF');
  });
  it('posix_fallocate grows the file and its blocks; posix_fadvise takes the POSIX_FADV_* values', () => {
    withFile('', (fd) => {
      os.posix_fallocate(fd, 0, 65536);
      const st = os.fstat(fd);
      expect(st.st_size).toBe(65536);
      expect(st.st_blocks * 512).toBeGreaterThanOrEqual(65536);
      for (const a of [os.POSIX_FADV_NORMAL, os.POSIX_FADV_SEQUENTIAL, os.POSIX_FADV_RANDOM, os.POSIX_FADV_NOREUSE,
        os.POSIX_FADV_WILLNEED, os.POSIX_FADV_DONTNEED]) os.posix_fadvise(fd, 0, 0, a);
      expect(code(() => os.posix_fadvise(fd, 0, 0, 99))).toBe('EINVAL');
      expect(code(() => os.posix_fallocate(fd, 0, 0))).toBe('EINVAL');
    });
    const [r, w] = os.pipe();
    expect(code(() => os.posix_fadvise(r, 0, 0, os.POSIX_FADV_NORMAL))).toBe('ESPIPE');
    expect(code(() => os.posix_fallocate(w, 0, 1))).toMatch(/^E(SPIPE|NODEV)$/);
    os.close(r);
    os.close(w);
  });
});

describe('mkfifo and lockf', () => {
  it('mkfifo makes a named pipe (mode & ~umask), EEXIST with the path, dir_fd', () => {
    const p = tmp();
    const old = os.umask(0o022);
    try {
      os.mkfifo(p, 0o666);
    } finally {
      os.umask(old);
    }
    const st = fs.statSync(p);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o644);
    expect(error(() => os.mkfifo(p))).toMatchObject({ code: 'EEXIST', syscall: 'mkfifo', path: p });
    const d = os.open(dir, os.O_RDONLY | os.O_DIRECTORY);
    try {
      os.mkfifo('fifo-rel', 0o600, { dir_fd: d });
      expect(fs.statSync(path.join(dir, 'fifo-rel')).isFIFO()).toBe(true);
    } finally {
      os.close(d);
    }
    // A FIFO opened non-blocking for reading does not wait for a writer.
    const fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK);
    os.close(fd);
  });
  it('lockf: a lock held by another process is seen and waited for', () => {
    const p = tmp();
    fs.writeFileSync(p, 'x'.repeat(100));
    const [r, w] = os.pipe();
    const [r2, w2] = os.pipe();
    const child = runInChild(() => {
      os.close(r);
      os.close(w2);
      const fd = os.open(p, os.O_RDWR);
      os.lockf(fd, os.F_LOCK, 0);
      os.write(w, 'L');
      os.read(r2, 1); // until the parent says so
      os.lockf(fd, os.F_ULOCK, 0);
      return 0;
    });
    os.close(w);
    os.close(r2);
    const fd = os.open(p, os.O_RDWR);
    try {
      expect(os.read(r, 1).toString()).toBe('L');
      expect(code(() => os.lockf(fd, os.F_TEST, 0))).toMatch(/^E(ACCES|AGAIN)$/);
      expect(code(() => os.lockf(fd, os.F_TLOCK, 10))).toMatch(/^E(ACCES|AGAIN)$/);
      os.write(w2, 'U');
      os.lockf(fd, os.F_LOCK, 0); // waits until the child unlocked
      os.lockf(fd, os.F_TEST, 0); // our own lock does not conflict
      expect(forkRun(() => { assert.ok(['EACCES', 'EAGAIN'].includes(code(() => os.lockf(os.open(p, os.O_RDWR), os.F_TLOCK, 0))!)); })).toBe(0);
      os.lockf(fd, os.F_ULOCK, 0);
    } finally {
      os.close(fd);
      os.close(r);
      os.close(w2);
      os.waitpid(child, 0);
    }
    const ro = os.open(p, os.O_RDONLY);
    expect(code(() => os.lockf(ro, os.F_LOCK, 0))).toBe('EBADF'); // needs a writable fd
    os.close(ro);
    expect(code(() => os.lockf(0, 'x' as never, 0))).toBe('ERR_INVALID_ARG_TYPE');
  });
});
