// posixkit/fcntl against the kernel: the locks it takes are seen by Python 3
// (another process, its own open of the file) and by a forked child; fcntl's
// commands change what the kernel reports for the fd.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import * as fcntl from '../../lib/fcntl';
import * as os from '../../lib/os';
import { BlockingIOError, OSError } from '../../lib/errors';
import { error, timed } from '../helpers/checks';
import { fdCount, runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';

const dir = mkdtempSync(path.join(tmpdir(), 'posixkit-fcntl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A new file with 100 bytes and an fd open on it for writing; closed after fn. */
async function withFile(fn: (fd: number, file: string) => Promise<void> | void): Promise<void> {
  const file = path.join(dir, `f${n++}`);
  writeFileSync(file, Buffer.alloc(100));
  const fd = openSync(file, 'r+');
  try {
    await fn(fd, file);
  } finally {
    closeSync(fd);
  }
}

// One python3 for the file: each request line "kind path op [len start]" makes
// it open the file itself (a new open file description, another process),
// try the non-blocking lock, close the file and answer 'ok' or the name of
// what it raised; "getlk path" answers F_GETLK's lock type and holder pid.
const PROBER = `
import fcntl, struct, sys
for line in sys.stdin:
    kind, path, *rest = line.split()
    with open(path, 'r+b') as f:
        if kind == 'getlk':
            lk = struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0)
            t, w, start, length, pid = struct.unpack('hhqqi4x', fcntl.fcntl(f, fcntl.F_GETLK, lk))
            print(t == fcntl.F_WRLCK, pid, flush=True)
            continue
        flag = {'SH': fcntl.LOCK_SH, 'EX': fcntl.LOCK_EX}[rest[0]] | fcntl.LOCK_NB
        try:
            (fcntl.flock if kind == 'flock' else fcntl.lockf)(f, flag, *[int(a) for a in rest[1:]])
            print('ok', flush=True)
        except OSError as e:
            print(type(e).__name__, flush=True)
`;
const prober = spawn('python3', ['-c', PROBER], { stdio: ['pipe', 'pipe', 'inherit'] });
const answers = createInterface({ input: prober.stdout! })[Symbol.asyncIterator]();
afterAll(() => { prober.stdin!.end(); });

async function ask(...words: Array<string | number>): Promise<string> {
  prober.stdin!.write(`${words.join(' ')}\n`);
  const r = await answers.next();
  if (r.done) throw new Error('python3 ended');
  return r.value;
}

function pyTry(kind: 'flock' | 'lockf', file: string, op: 'SH' | 'EX', ...args: number[]): Promise<string> {
  return ask(kind, file, op, ...args);
}

describe('flock', () => {
  it('an exclusive lock is seen by python3; LOCK_UN releases it', () => withFile(async (fd, file) => {
    expect(await pyTry('flock', file, 'EX')).toBe('ok');
    fcntl.flock(fd, fcntl.LOCK_EX);
    expect(await pyTry('flock', file, 'EX')).toBe('BlockingIOError');
    expect(await pyTry('flock', file, 'SH')).toBe('BlockingIOError');
    fcntl.flock(fd, fcntl.LOCK_UN);
    expect(await pyTry('flock', file, 'EX')).toBe('ok');
  }));

  it('shared locks coexist, an exclusive one does not', () => withFile(async (fd, file) => {
    fcntl.flock({ fileno: () => fd }, fcntl.LOCK_SH);
    expect(await pyTry('flock', file, 'SH')).toBe('ok');
    expect(await pyTry('flock', file, 'EX')).toBe('BlockingIOError');
  }));

  it('LOCK_NB on a lock held through another open file description throws BlockingIOError EAGAIN', () =>
    withFile((fd, file) => {
      const other = openSync(file, 'r');
      try {
        fcntl.flock(fd, fcntl.LOCK_EX);
        const e = error(() => fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB));
        expect(e).toBeInstanceOf(BlockingIOError);
        expect([e.code, e.syscall]).toEqual(['EAGAIN', 'flock']);
      } finally {
        closeSync(other);
      }
    }));

  it('without LOCK_NB it waits until a forked child lets go', () => withFile((fd, file) => {
    const pid = runInChild(() => {
      const own = openSync(file, 'r');
      fcntl.flock(own, fcntl.LOCK_EX);
      writeFileSync(`${file}.held`, '');
      sleepSync(300);
      fcntl.flock(own, fcntl.LOCK_UN);
    });
    try {
      const deadline = Date.now() + 10_000;
      while (!require('node:fs').existsSync(`${file}.held`) && Date.now() < deadline) sleepSync(2);
      const [, seconds] = timed(() => fcntl.flock(fd, fcntl.LOCK_EX));
      expect(seconds).toBeGreaterThan(0.15);
      expect(seconds).toBeLessThan(5);
    } finally {
      expect(waitWithTimeout(pid).status).toBe(0);
    }
  }));
});

describe('lockf', () => {
  it('a record lock of this process is seen by python3, byte range by byte range', () => withFile(async (fd, file) => {
    fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0);            // bytes [0, 10)
    expect(await pyTry('lockf', file, 'EX', 10, 10)).toBe('ok');  // [10, 20)
    expect(await pyTry('lockf', file, 'EX', 10, 5)).not.toBe('ok'); // [5, 15) overlaps
    expect(await pyTry('lockf', file, 'SH', 1, 9)).not.toBe('ok');
    fcntl.lockf(fd, fcntl.LOCK_UN, 10, 0);
    expect(await pyTry('lockf', file, 'EX', 10, 5)).toBe('ok');
  }));

  it('LOCK_SH is a read lock: others may read-lock, not write-lock', () => withFile(async (fd, file) => {
    fcntl.lockf(fd, fcntl.LOCK_SH);
    expect(await pyTry('lockf', file, 'SH')).toBe('ok');
    expect(['BlockingIOError', 'PermissionError']).toContain(await pyTry('lockf', file, 'EX'));
  }));

  it('F_GETLK from python3 names this process as the holder', () => withFile(async (fd, file) => {
    fcntl.lockf(fd, fcntl.LOCK_EX, 0, 0, 0);
    expect(await ask('getlk', file)).toBe(`True ${process.pid}`);
  }));

  it('the lock is the process\'s: a forked child conflicts with it and waits until it is released', () =>
    withFile((fd, file) => {
      fcntl.lockf(fd, fcntl.LOCK_EX);
      const pid = runInChild(() => {
        const own = openSync(file, 'r+');
        try {
          fcntl.lockf(own, fcntl.LOCK_EX | fcntl.LOCK_NB);
          return 1;
        } catch (e) {
          if (!(e instanceof OSError) || !['EAGAIN', 'EACCES'].includes(e.code)) return 2;
        }
        fcntl.lockf(own, fcntl.LOCK_EX); // waits for the parent's unlock
        return 0;
      });
      try {
        sleepSync(200);
        expect(os.waitpid(pid, os.WNOHANG), 'the child waits on the lock').toEqual([0, 0]);
        fcntl.lockf(fd, fcntl.LOCK_UN);
      } finally {
        expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status ?? -1)).toBe(0);
      }
    }));

  it('an unknown cmd is a RangeError before any syscall', () => withFile((fd) => {
    for (const cmd of [0, fcntl.LOCK_NB, 16]) {
      expect(error(() => fcntl.lockf(fd, cmd))).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    }
    expect(error(() => fcntl.lockf(fd, fcntl.LOCK_EX, 1.5))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(error(() => fcntl.lockf(fd, fcntl.LOCK_EX, 0, 0, 3))).toMatchObject({ code: 'EINVAL', syscall: 'fcntl' });
  }));
});

describe('fcntl', () => {
  it('F_GETFD / F_SETFD: posixkit\'s fds are close-on-exec; clearing FD_CLOEXEC is seen by os.get_inheritable', () => {
    const [r, w] = os.pipe();
    try {
      expect(fcntl.fcntl(r, fcntl.F_GETFD) & fcntl.FD_CLOEXEC).toBe(fcntl.FD_CLOEXEC);
      expect(fcntl.fcntl(r, fcntl.F_SETFD, 0)).toBe(0);
      expect(os.get_inheritable(r)).toBe(true);
      fcntl.fcntl(r, fcntl.F_SETFD, fcntl.FD_CLOEXEC);
      expect(os.get_inheritable(r)).toBe(false);
    } finally {
      os.close(r);
      os.close(w);
    }
  });

  it('F_GETFL / F_SETFL: O_NONBLOCK set here is what os.get_blocking sees', () => {
    const [r, w] = os.pipe();
    try {
      const fl = fcntl.fcntl(w, fcntl.F_GETFL);
      expect(fl & os.O_NONBLOCK).toBe(0);
      fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK);
      expect(os.get_blocking(w)).toBe(false);
    } finally {
      os.close(r);
      os.close(w);
    }
  });

  it('F_DUPFD_CLOEXEC returns the lowest free fd >= arg; F_GETPIPE_SZ / F_SETPIPE_SZ', () => {
    const [r, w] = os.pipe();
    let d = -1;
    try {
      d = fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, 200);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(os.get_inheritable(d)).toBe(false);
      expect(fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 128 * 1024)).toBe(128 * 1024);
      expect(fcntl.fcntl(w, fcntl.F_GETPIPE_SZ)).toBe(128 * 1024);
    } finally {
      if (d >= 0) os.close(d);
      os.close(r);
      os.close(w);
    }
  });

  it('a bytes argument comes back as a new Buffer with what the kernel wrote (F_GETLK), the input untouched', () =>
    withFile((fd) => {
      // struct flock on x86-64/aarch64: short type, short whence, off_t start, off_t len, pid_t pid, padding.
      const lk = Buffer.alloc(32);
      lk.writeInt16LE(fcntl.F_WRLCK, 0);
      const copy = Buffer.from(lk);
      const pid = runInChild(() => {
        fcntl.lockf(fd, fcntl.LOCK_EX, 5, 3);
        sleepSync(2000);
      });
      try {
        let out: Buffer = Buffer.alloc(0);
        const deadline = Date.now() + 10_000;
        do {
          sleepSync(5);
          out = fcntl.fcntl(fd, fcntl.F_GETLK, lk);
        } while (out.readInt16LE(0) === fcntl.F_UNLCK && Date.now() < deadline);
        expect(lk).toEqual(copy);
        expect(out).not.toBe(lk);
        expect(out.length).toBe(32);
        expect([out.readInt16LE(0), Number(out.readBigInt64LE(8)), Number(out.readBigInt64LE(16)), out.readInt32LE(24)])
          .toEqual([fcntl.F_WRLCK, 3, 5, pid]);
      } finally {
        os.kill(pid, 9);
        waitWithTimeout(pid);
      }
    }));

  it('a string argument is its UTF-8 bytes; more than 1024 bytes is a RangeError', () => withFile((fd) => {
    expect(Buffer.isBuffer(fcntl.fcntl(fd, fcntl.F_GETFD, 'ab'))).toBe(true);
    expect(error(() => fcntl.fcntl(fd, fcntl.F_GETLK, Buffer.alloc(1025))))
      .toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(fcntl.fcntl(fd, fcntl.F_GETFD, Buffer.alloc(1024)).length).toBe(1024);
  }));

  it('bad fds and arguments', () => {
    const fds = fdCount();
    const [r, w] = os.pipe();
    os.close(r);
    os.close(w);
    for (const call of [() => fcntl.fcntl(r, fcntl.F_GETFD), () => fcntl.flock(r, fcntl.LOCK_EX), () => fcntl.lockf(r, fcntl.LOCK_EX)]) {
      const e = error(call);
      expect(e).toBeInstanceOf(OSError);
      expect(e.code).toBe('EBADF');
    }
    expect(error(() => fcntl.fcntl(0, 99999))).toMatchObject({ code: 'EINVAL', syscall: 'fcntl' });
    expect(error(() => fcntl.fcntl(-1, fcntl.F_GETFD))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(error(() => fcntl.fcntl('0' as never, fcntl.F_GETFD))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(error(() => fcntl.fcntl(0, fcntl.F_GETFD, {} as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(error(() => fcntl.fcntl(0, fcntl.F_SETFD, 2 ** 32))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(error(() => fcntl.flock(0, 'x' as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(fdCount()).toBe(fds);
  });
});
