// os.openat2: the RESOLVE_* rules as the kernel enforces them, and the bad paths.
import * as fs from 'node:fs';
import * as nodeOs from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AT_FDCWD, openat2_read_raw, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS } from '../../lib/file';
import * as os from '../../lib/os';
import { fdCount } from '../helpers/proc';

let base = '';
let root = '';
beforeAll(() => {
  base = fs.mkdtempSync(path.join(nodeOs.tmpdir(), 'pk-openat2-'));
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'a.txt'), 'inside');
  fs.writeFileSync(path.join(base, 'secret'), 'outside');
  fs.symlinkSync('sub/a.txt', path.join(root, 'rel-link'));
  fs.symlinkSync(path.join(base, 'secret'), path.join(root, 'abs-out'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function readFd(fd: number): string {
  const s = os.read(fd, 64).toString();
  os.close(fd);
  return s;
}

function codeOf(f: () => unknown): string {
  try {
    const fd = f();
    if (typeof fd === 'number') os.close(fd);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
}

describe('openat2', () => {
  it('opens a file by absolute path and relative to a dirfd, close-on-exec unless inheritable', () => {
    const n = fdCount();
    const fd = os.openat2(path.join(root, 'sub', 'a.txt'), os.O_RDONLY);
    expect(os.get_inheritable(fd)).toBe(false);
    expect(readFd(fd)).toBe('inside');
    const dfd = os.openat2(root, os.O_PATH | os.O_DIRECTORY);
    expect(readFd(os.openat2('sub/a.txt', os.O_RDONLY, { dirfd: dfd }))).toBe('inside');
    const inh = os.openat2('sub/a.txt', os.O_RDONLY, { dirfd: dfd, inheritable: true });
    expect(os.get_inheritable(inh)).toBe(true);
    os.close(inh);
    os.close(dfd);
    expect(fdCount()).toBe(n);
  });

  it('RESOLVE_BENEATH refuses .. and absolute symlinks (EXDEV) but follows one that stays inside', () => {
    const dfd = os.openat2(root, os.O_PATH | os.O_DIRECTORY);
    try {
      const o = { dirfd: dfd, resolve: os.RESOLVE_BENEATH };
      expect(codeOf(() => os.openat2('../secret', os.O_RDONLY, o))).toBe('EXDEV');
      expect(codeOf(() => os.openat2('abs-out', os.O_RDONLY, o))).toBe('EXDEV');
      expect(readFd(os.openat2('rel-link', os.O_RDONLY, o))).toBe('inside');
      // Without the rule, the same lookups leave the root.
      expect(readFd(os.openat2('../secret', os.O_RDONLY, { dirfd: dfd }))).toBe('outside');
    } finally {
      os.close(dfd);
    }
  });

  it('RESOLVE_IN_ROOT treats dirfd as /: .. stops at it', () => {
    const dfd = os.openat2(root, os.O_PATH | os.O_DIRECTORY);
    try {
      expect(readFd(os.openat2('../../sub/a.txt', os.O_RDONLY, { dirfd: dfd, resolve: os.RESOLVE_IN_ROOT }))).toBe('inside');
    } finally {
      os.close(dfd);
    }
  });

  it('RESOLVE_NO_SYMLINKS refuses any symlink on the way (ELOOP); NO_MAGICLINKS refuses /proc fd links', () => {
    expect(codeOf(() => os.openat2(path.join(root, 'rel-link'), os.O_RDONLY, { resolve: os.RESOLVE_NO_SYMLINKS }))).toBe('ELOOP');
    expect(codeOf(() => os.openat2(path.join(root, 'sub/a.txt'), os.O_RDONLY, { resolve: os.RESOLVE_NO_SYMLINKS }))).toBe('ok');
    const fd = os.openat2(path.join(root, 'sub/a.txt'), os.O_RDONLY);
    try {
      expect(codeOf(() => os.openat2(`/proc/self/fd/${fd}`, os.O_RDONLY, { resolve: os.RESOLVE_NO_MAGICLINKS }))).toBe('ELOOP');
    } finally {
      os.close(fd);
    }
  });

  it('O_CREAT|O_EXCL creates with the mode (umask applied) and refuses an existing file', () => {
    const p = path.join(root, 'new.txt');
    const fd = os.openat2(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, { mode: 0o600 });
    os.write(fd, 'x');
    os.close(fd);
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    expect(codeOf(() => os.openat2(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL))).toBe('EEXIST');
    fs.unlinkSync(p);
  });

  it('errors carry code, errno, syscall; bad arguments are TypeError/RangeError', () => {
    try {
      os.openat2(path.join(root, 'missing'), os.O_RDONLY);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'openat2' });
    }
    expect(() => os.openat2(42 as never, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => os.openat2('a\0b', 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => os.openat2('x', -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => os.openat2('x', 0, { mode: 0o10000 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => os.openat2('x', 0, { resolve: 0x1000 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => os.openat2('x', 0, { dirfd: -5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(codeOf(() => os.openat2('sub/a.txt', os.O_RDONLY, { dirfd: 987654 }))).toBe('EBADF');
    expect(() => os.openat2('x', 0, null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('openat2_read_raw (the static file server\'s one call)', () => {
  const meta = new Float64Array(4);
  const S_IFMT = fs.constants.S_IFMT;
  const read = (p: string, max: number, into: Buffer) => openat2_read_raw(AT_FDCWD, p, RESOLVE_NO_SYMLINKS, max, into, meta);

  it('reads a small regular file whole and closes it; meta is what fstat says', () => {
    const n = fdCount();
    const into = Buffer.alloc(64, 0x2e);
    const p = path.join(root, 'sub', 'a.txt');
    expect(read(p, 64, into)).toBe(6);
    expect(into.subarray(0, 6).toString()).toBe('inside');
    expect(into[6]).toBe(0x2e); // nothing past the file written
    const st = fs.statSync(p);
    expect(Array.from(meta)).toEqual([6, st.mtimeMs, st.mode, -1]);
    expect(fdCount()).toBe(n);
  });

  it('a file above maxBytes or the buffer comes back open (the caller owns it), unread', () => {
    const n = fdCount();
    const p = path.join(root, 'sub', 'a.txt');
    for (const [max, len] of [[5, 64], [64, 5]]) {
      const into = Buffer.alloc(len, 0x2e);
      expect(read(p, max, into)).toBe(0);
      expect(meta[0]).toBe(6);
      const fd = meta[3];
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(into.every((b) => b === 0x2e)).toBe(true);
      expect(os.get_inheritable(fd)).toBe(false);
      expect(readFd(fd)).toBe('inside');
    }
    expect(fdCount()).toBe(n);
  });

  it('a directory or a FIFO is typed and closed, and the FIFO does not block the open', () => {
    const n = fdCount();
    const fifo = path.join(base, 'fifo');
    os.mkfifo(fifo);
    try {
      expect(read(root, 64, Buffer.alloc(64))).toBe(0);
      expect([meta[2] & S_IFMT, meta[3]]).toEqual([fs.constants.S_IFDIR, -1]);
      expect(read(fifo, 64, Buffer.alloc(64))).toBe(0);
      expect([meta[2] & S_IFMT, meta[3]]).toEqual([fs.constants.S_IFIFO, -1]);
    } finally {
      fs.unlinkSync(fifo);
    }
    expect(fdCount()).toBe(n);
  });

  it('failures are -errno, RESOLVE_* applies, and nothing stays open', () => {
    const n = fdCount();
    const E = nodeOs.constants.errno;
    expect(read(path.join(root, 'nope'), 64, Buffer.alloc(64))).toBe(-E.ENOENT);
    expect(read(path.join(root, 'sub', 'a.txt', 'x'), 64, Buffer.alloc(64))).toBe(-E.ENOTDIR);
    expect(read(path.join(root, 'rel-link'), 64, Buffer.alloc(64))).toBe(-E.ELOOP);
    const dfd = os.openat2(root, os.O_PATH | os.O_DIRECTORY);
    try {
      expect(openat2_read_raw(dfd, '../secret', RESOLVE_BENEATH, 64, Buffer.alloc(64), meta)).toBe(-E.EXDEV);
      expect(openat2_read_raw(dfd, 'sub/a.txt', RESOLVE_BENEATH, 64, Buffer.alloc(64), meta)).toBe(6);
    } finally {
      os.close(dfd);
    }
    expect(openat2_read_raw(987654, 'x', 0, 64, Buffer.alloc(64), meta)).toBe(-E.EBADF);
    expect(fdCount()).toBe(n);
  });

  it('bad arguments are refused before any syscall', () => {
    const p = path.join(root, 'sub', 'a.txt');
    const code = (f: () => unknown) => {
      try { f(); return 'ok'; } catch (e) { return (e as { code: string }).code; }
    };
    const b = Buffer.alloc(64);
    expect(code(() => openat2_read_raw(AT_FDCWD, p, 0, 64, b, new Float64Array(3)))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p, 0, 64, b, new Float32Array(4) as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p, 0, 64, 'x' as never, meta))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p + '\0', 0, 64, b, meta))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p, 0, -1, b, meta))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p, -1, 64, b, meta))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => openat2_read_raw(AT_FDCWD, p, 0, 64, b, meta))).toBe('ok');
  });
});
