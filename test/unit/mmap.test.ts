import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as os from '../../lib/os';
import {
  attachShared, futex_wait, futex_wake, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, mmap, PAGESIZE, PROT_READ,
  PROT_WRITE, SharedMemory,
} from '../../lib/mmap';
import { binding } from '../../lib/native';
import { fdCount, forkRun, runInChild, sleepSync, waitWithTimeout, zombieChildren } from '../helpers/proc';
import { timed } from '../helpers/checks';

// SharedMemory names are '/psm_' + randomBytes(4) in hex (as Python); a test
// that needs chosen names sets nextName (the module has no test hook).
const shmNaming = vi.hoisted(() => ({ nextName: null as null | (() => string) }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const randomBytes = ((n: number) => (shmNaming.nextName
    ? Buffer.from(shmNaming.nextName().replace(/^\/psm_/, ''), 'hex')
    : real.randomBytes(n))) as typeof real.randomBytes;
  return { ...real, default: { ...real, randomBytes }, randomBytes };
});

// Every segment name this file creates; none may be left in /dev/shm.
const shmNames = new Set<string>();
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'pk-mmap-')); });
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // no segment this file made is left behind
  expect(shmNames.size).toBeGreaterThan(5);
  const leaked = readdirSync('/dev/shm').filter((n) => shmNames.has(n));
  expect(leaked).toEqual([]);
});
afterEach(() => { expect(zombieChildren()).toEqual([]); });

function cloexec(fd: number): boolean {
  const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1];
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

describe('mmap: validation and errors', () => {
  it('refuses bad arguments with Node-style codes', () => {
    expect(() => mmap(-1, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mmap(-1, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mmap(-1, '10' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => mmap('x' as never, 10)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => mmap(-2, 10)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mmap(-1, 10, { offset: 100 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mmap(-1, 10, null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('maps errno: EBADF for a closed fd, EACCES for PROT_WRITE on a read-only fd', () => {
    const [r, w] = os.pipe();
    os.close(w);
    os.close(r);
    // like Python, the fd is fstat'ed first (to refuse a mapping past the end of a file)
    expect(() => mmap(r, 4096)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat', errno: -9 }));
    const file = path.join(dir, 'ro');
    writeFileSync(file, Buffer.alloc(4096));
    const fd = openSync(file, 'r');
    try {
      expect(() => mmap(fd, 4096)).toThrow(expect.objectContaining({ code: 'EACCES', syscall: 'mmap' }));
      using m = mmap(fd, 4096, { prot: PROT_READ, flags: MAP_SHARED });
      expect(m.length).toBe(4096);
    } finally {
      closeSync(fd);
    }
  });

  it('the native layer refuses a foreign handle instead of crashing', () => {
    const native = binding as Record<string, (...a: unknown[]) => unknown>;
    expect(() => native.munmap({ buffer: new ArrayBuffer(8) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => native.munmap(undefined)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    // the handle's buffer cannot be swapped for another one (which munmap would then miss)
    const handle = native.mmap(-1, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, 0) as unknown as { buffer: ArrayBuffer };
    const ab = handle.buffer;
    expect(() => Object.defineProperty(handle, 'buffer', { value: new ArrayBuffer(8) })).toThrow(TypeError);
    expect(() => { 'use strict'; (handle as { buffer: ArrayBuffer }).buffer = new ArrayBuffer(8); }).toThrow(TypeError);
    expect(native.munmap(handle)).toBe(true);
    expect(ab.byteLength).toBe(0);
    expect(native.munmap(handle)).toBe(false);
    expect(() => native.msync(null, 0, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => native.futex_wait(new Uint32Array(1), 0, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => native.futex_wake(new Int32Array(1), 1, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('mmap: anonymous shared memory', () => {
  it('is shared with a forked child (MAP_SHARED, the default)', () => {
    using m = mmap(-1, 8192);
    const b = Buffer.from(m.buffer);
    b.write('parent', 0);
    expect(forkRun(() => {
      if (b.toString('utf8', 0, 6) !== 'parent') return 1;
      b.write('child!', 4096);
      return 0;
    })).toBe(0);
    expect(b.toString('utf8', 4096, 4102)).toBe('child!');
  });

  it("a child's close() unmaps only the child's view", () => {
    using m = mmap(-1, 4096);
    const b = new Uint8Array(m.buffer);
    b[0] = 7;
    expect(forkRun(() => {
      b[1] = 8;
      m.close();
      return b.length === 0 ? 0 : 1;
    })).toBe(0);
    expect([b[0], b[1]]).toEqual([7, 8]);
  });

  it('MAP_PRIVATE is copy-on-write: the child writes its own copy', () => {
    using m = mmap(-1, 4096, { flags: MAP_PRIVATE });
    const b = new Uint8Array(m.buffer);
    b[0] = 1;
    expect(forkRun(() => { b[0] = 2; return b[0] === 2 ? 0 : 1; })).toBe(0);
    expect(b[0]).toBe(1);
  });

  it('is backed by a CLOEXEC memfd that close() releases', () => {
    const before = fdCount();
    const m = mmap(-1, 4096);
    expect(fdCount()).toBe(before + 1);
    expect(cloexec(m.fileno())).toBe(true);
    expect(readFileSync(`/proc/self/fdinfo/${m.fileno()}`, 'utf8')).toMatch(/flags/);
    m.close();
    expect(fdCount()).toBe(before);
  });
});

describe('mmap: close detaches every view (no use after unmap from JS)', () => {
  it('views become empty, further calls fail with EBADF, close is idempotent', () => {
    const m = mmap(-1, 4096);
    const i32 = new Int32Array(m.buffer);
    const buf = Buffer.from(m.buffer, 100, 10);
    i32[0] = 7;
    m.close();
    expect(m.closed).toBe(true);
    expect(m.buffer.byteLength).toBe(0);
    expect(i32.length).toBe(0);
    expect(buf.length).toBe(0);
    expect(i32[0]).toBeUndefined();
    i32[0] = 1; // a no-op on a detached view, not a write to unmapped memory
    expect(() => m.flush()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => m.share()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => futex_wait(i32, 0, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    m.close();
  });

  it('a mapping dropped without close() is unmapped, and its fd closed, by the GC', async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    expect(typeof gc).toBe('function'); // vitest.config runs with --expose-gc
    const maps = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:posixkit')).length;
    const before = maps();
    const fds = fdCount();
    (() => { for (let i = 0; i < 5; i++) new Int32Array(mmap(-1, 4096).buffer)[0] = i; })();
    expect(maps()).toBe(before + 5);
    expect(fdCount()).toBe(fds + 5);
    for (let i = 0; i < 20 && (maps() > before || fdCount() > fds); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(maps()).toBe(before);
    expect(fdCount()).toBe(fds);
  });
});

describe('mmap: files', () => {
  it('maps a file, writes through, flush() msyncs, offset maps a later page', () => {
    const file = path.join(dir, 'data');
    const content = Buffer.alloc(2 * PAGESIZE, 'a');
    content.write('second', PAGESIZE);
    writeFileSync(file, content);
    const fd = openSync(file, 'r+');
    try {
      using m = mmap(fd, 2 * PAGESIZE);
      const b = Buffer.from(m.buffer);
      expect(b.toString('utf8', 0, 3)).toBe('aaa');
      b.write('hello', 0);
      m.flush();
      m.flush(0, 100);
      expect(() => m.flush(1, 10)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'msync' }));
      expect(() => m.flush(0, 3 * PAGESIZE)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(readFileSync(file, 'utf8').slice(0, 5)).toBe('hello');
      expect(m.fileno()).toBe(fd);
      expect(() => m.share()).toThrow(expect.objectContaining({ code: 'ERR_MMAP_NOT_SHAREABLE' }));
      using m2 = mmap(fd, PAGESIZE, { offset: PAGESIZE });
      expect(Buffer.from(m2.buffer).toString('utf8', 0, 6)).toBe('second');
      using whole = mmap(fd, 0); // 0: the whole file, as in Python
      expect(whole.length).toBe(2 * PAGESIZE);
    } finally {
      closeSync(fd); // the mapping does not own a file's fd
    }
  });

  it('refuses to map past the end of a file (a touch there would be SIGBUS)', () => {
    const file = path.join(dir, 'small');
    writeFileSync(file, 'abc');
    const fd = openSync(file, 'r+');
    try {
      expect(() => mmap(fd, 4)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => mmap(fd, 2 * PAGESIZE)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => mmap(fd, 10, { offset: PAGESIZE })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      using m = mmap(fd, 0);
      expect(m.length).toBe(3);
      expect(Buffer.from(m.buffer).toString()).toBe('abc');
      const empty = path.join(dir, 'empty');
      writeFileSync(empty, '');
      const efd = openSync(empty, 'r+');
      try {
        expect(() => mmap(efd, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      } finally {
        closeSync(efd);
      }
    } finally {
      closeSync(fd); // the mapping does not own a file's fd
    }
  });
});

describe('futex', () => {
  it('validates', () => {
    const w = new Int32Array(2);
    expect(() => futex_wait(new Uint32Array(1) as never, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => futex_wait(w, 2, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => futex_wait(w, 0, 0, -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => futex_wait(w, 0, 0, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => futex_wait(w, 0, 2 ** 31)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => futex_wake(w, -1, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => futex_wake(w, 0, -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it("returns 'not-equal' at once and 'timed-out' after about the timeout", () => {
    using m = mmap(-1, 4096);
    const w = new Int32Array(m.buffer);
    w[1] = 5;
    expect(futex_wait(w, 1, 4, 10)).toBe('not-equal');
    const [r, dt] = timed(() => futex_wait(w, 1, 5, 0.2));
    expect(r).toBe('timed-out');
    expect(dt).toBeGreaterThanOrEqual(0.18);
    expect(dt).toBeLessThan(2);
    expect(futex_wait(w, 1, 5, 0)).toBe('timed-out');
    expect(futex_wake(w, 1, 1)).toBe(0);
  });

  it('a forked child wakes the parent (shared, not private, futex)', () => {
    using m = mmap(-1, 4096);
    const w = new Int32Array(m.buffer);
    const pid = runInChild(() => {
      sleepSync(300);
      Atomics.store(w, 0, 1);
      // the parent is asleep on the word by now: it must be woken by us
      return futex_wake(w, 0, 1) === 1 ? 0 : 1;
    });
    const [r, dt] = timed(() => futex_wait(w, 0, 0, 10));
    expect(r).toBe('ok');
    expect(dt).toBeGreaterThan(0.15);
    expect(Atomics.load(w, 0)).toBe(1);
    const { status } = waitWithTimeout(pid);
    expect(os.waitstatus_to_exitcode(status!)).toBe(0);
  });

  it('two mappings of one memfd meet on the same futex (what worker threads rely on)', () => {
    using m = mmap(-1, 4096);
    using alias = attachShared(m.share());
    const a = new Int32Array(m.buffer);
    const b = new Int32Array(alias.buffer);
    a[3] = 42;
    expect(b[3]).toBe(42);
    const pid = runInChild(() => { sleepSync(200); Atomics.store(b, 3, 0); return futex_wake(b, 3, 1) === 1 ? 0 : 1; });
    expect(futex_wait(a, 3, 42, 10)).toBe('ok');
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });

  it('attachShared refuses a descriptor whose fd was closed or reused', () => {
    const m = mmap(-1, 4096);
    const desc = m.share();
    m.close();
    expect(() => attachShared(desc)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    const [r, w] = os.pipe(); // likely reuses the number
    try {
      expect(() => attachShared({ ...desc, fd: r })).toThrow(expect.objectContaining({ code: 'EBADF' }));
    } finally {
      os.close(r);
      os.close(w);
    }
    expect(() => attachShared({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('SharedMemory', () => {
  const made: SharedMemory[] = [];
  afterEach(() => {
    for (const s of made.splice(0)) {
      s.close();
      try { s.unlink(); } catch { /* unlinked by the test */ }
    }
  });
  const create = (size: number, name?: string) => {
    const s = new SharedMemory({ name, create: true, size });
    shmNames.add(s.name);
    made.push(s);
    return s;
  };

  it('validates (ValueError cases of Python are RangeError / TypeError here)', () => {
    expect(() => new SharedMemory({ create: true, size: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new SharedMemory({ create: true })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new SharedMemory({ create: true, size: -1 })).toThrow(RangeError);
    expect(() => new SharedMemory({})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new SharedMemory({ name: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new SharedMemory({ name: 'a\0b' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new SharedMemory(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it("creates '/psm_' + hex names (<= 14 chars), 0600, O_CLOEXEC, size from fstat", () => {
    const s = create(512);
    expect(s.name).toMatch(/^psm_[0-9a-f]{8}$/);
    expect(s.name.length + 1).toBeLessThanOrEqual(14);
    expect(s.size).toBe(512);
    expect(s.buf.length).toBe(512);
    expect(String(s)).toContain(s.name);
    expect(String(s)).toContain('size=512');
    const st = statSync(`/dev/shm/${s.name}`);
    expect(st.mode & 0o777).toBe(0o600);
    expect(cloexec(s.mmap.fileno())).toBe(true);
  });

  it('attach by name sees writes; the size passed on attach is ignored', () => {
    const s = create(4096, `pk_${process.pid}_a`);
    s.buf.write('howdy');
    using t = new SharedMemory({ name: s.name, size: 20 * 4096 });
    expect(t.size).toBe(4096);
    expect(t.buf.toString('utf8', 0, 5)).toBe('howdy');
    t.buf[10] = 42;
    expect(s.buf[10]).toBe(42);
  });

  it('FileExistsError / FileNotFoundError, second unlink fails, mappings outlive unlink', () => {
    const s = create(64, `pk_${process.pid}_b`);
    expect(() => new SharedMemory({ name: s.name, create: true, size: 64 }))
      .toThrow(expect.objectContaining({ name: 'FileExistsError', code: 'EEXIST', syscall: 'shm_open' }));
    s.buf[0] = 9;
    s.unlink();
    expect(s.buf[0]).toBe(9);
    expect(() => new SharedMemory({ name: s.name }))
      .toThrow(expect.objectContaining({ name: 'FileNotFoundError', code: 'ENOENT' }));
    expect(() => s.unlink()).toThrow(expect.objectContaining({ name: 'FileNotFoundError', code: 'ENOENT', syscall: 'shm_unlink' }));
  });

  it('close() detaches buf and releases the fd; double close is fine', () => {
    const before = fdCount();
    const s = create(128);
    const view = s.buf;
    expect(fdCount()).toBe(before + 1);
    s.close();
    s.close();
    expect(fdCount()).toBe(before);
    expect(view.length).toBe(0);
    expect(s.closed).toBe(true);
    expect(() => s.mmap).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a generated name that already exists is retried with a new one (SHM-05)', () => {
    const taken = create(64);
    const fresh = `psm_${process.pid.toString(16).padStart(8, '0').slice(-8)}`;
    const names = [`/${taken.name}`, `/${fresh}`];
    let calls = 0;
    shmNaming.nextName = () => names[Math.min(calls++, 1)];
    try {
      const s = new SharedMemory({ create: true, size: 64 });
      shmNames.add(s.name);
      made.push(s);
      expect(calls).toBe(2);
      expect(s.name).toBe(fresh);
      // a name that always collides ends in FileExistsError, not a endless loop
      calls = 0;
      shmNaming.nextName = () => `/${taken.name}`;
      expect(() => new SharedMemory({ create: true, size: 64 })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    } finally {
      shmNaming.nextName = null;
    }
  });

  it('a forked child attaches by name and writes (SHM-07)', () => {
    const s = create(64);
    expect(forkRun(() => {
      const t = new SharedMemory({ name: s.name });
      t.buf.write('howdy');
      t.close();
    })).toBe(0);
    expect(s.buf.toString('utf8', 0, 5)).toBe('howdy');
  });

  const py = (code: string, ...args: string[]) => spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', timeout: 20_000 });

  it('Python attaches a posixkit segment by name, and the segment survives Python (SHM-08)', () => {
    const s = create(1024);
    s.buf.write('from node');
    const r = py(`
import sys
from multiprocessing import shared_memory, resource_tracker
shm = shared_memory.SharedMemory(name=sys.argv[1])
# Python 3.11 would unlink an attached segment at exit (gh-82300)
resource_tracker.unregister(shm._name, "shared_memory")
print(shm.size, bytes(shm.buf[:9]).decode())
shm.buf[100:111] = b'from python'
shm.close()
`, s.name);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('1024 from node');
    expect(s.buf.toString('utf8', 100, 111)).toBe('from python');
    expect(existsSync(`/dev/shm/${s.name}`)).toBe(true);
  });

  it('posixkit attaches a segment Python created', () => {
    const r = py(`
from multiprocessing import shared_memory, resource_tracker
shm = shared_memory.SharedMemory(create=True, size=300)
resource_tracker.unregister(shm._name, "shared_memory")
shm.buf[:6] = b'python'
print(shm.name)
shm.close()
`);
    expect(r.stderr).toBe('');
    const name = r.stdout.trim();
    expect(name).toMatch(/^psm_/);
    shmNames.add(name);
    const s = new SharedMemory({ name });
    made.push(s);
    expect(s.size).toBeGreaterThanOrEqual(300);
    expect(s.buf.toString('utf8', 0, 6)).toBe('python');
    s.unlink();
    expect(existsSync(`/dev/shm/${name}`)).toBe(false);
  });
});
