// Blocking calls of posixkit/os under the EINTR rule (CPython _test_eintr.py
// OSEINTRTest). Each peer is a forked child that waits ~300 ms first, so the
// call really blocks while the harness's timer fires.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as os from '../../lib/os';
import { runInChild, sleepSync } from '../helpers/proc';
import type { EintrCase } from './types';

/** A forked child that cleanup() kills and reaps unless the case reaped it. */
class Child {
  readonly pid: number;
  reaped = false;
  constructor(fn: () => number | void) {
    this.pid = runInChild(fn);
  }
  reap(): void {
    if (this.reaped) return;
    this.reaped = true; // never signal a pid after it may have been reused
    try { os.kill(this.pid, 9); } catch { /* already gone */ }
    os.waitpid(this.pid, 0);
  }
}

function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) os.close(fd);
}

const PIPE_MAX = 4 * 1024 * 1024 + 1; // more than any pipe buffer (CPython's PIPE_MAX_SIZE)

/** A fresh file path under a private directory, removed by cleanup(). */
function tempPath(): { path: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'posixkit-eintr-'));
  return { path: path.join(dir, 'f'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A child that exits with `code` after ~300 ms; the call under test reaps it. */
function reapCase(name: string, call: (pid: number) => number): EintrCase {
  return {
    name,
    prepare() {
      const child = new Child(() => { sleepSync(300); return 7; });
      return {
        call: () => {
          const r = call(child.pid);
          child.reaped = true;
          return r;
        },
        check: (r) => assert.equal(r, child.pid),
        cleanup: () => child.reap(),
      };
    },
  };
}

/** A pipe whose write end is full (a blocking write would wait for a reader). */
function fullPipe(): [number, number] {
  const [r, w] = os.pipe();
  os.set_blocking(w, false);
  try {
    for (;;) os.write(w, Buffer.alloc(65536));
  } catch (e) {
    if ((e as { code: string }).code !== 'EAGAIN') throw e;
  }
  os.set_blocking(w, true);
  return [r, w];
}

/** A child that drains `r` after ~300 ms, then exits. */
function drainer(r: number, w: number): Child {
  return new Child(() => {
    os.close(w);
    sleepSync(300);
    while (os.read(r, 65536).length > 0) { /* until EOF */ }
    return 0;
  });
}

export const cases: EintrCase[] = [
  {
    name: 'os.waitpid',
    prepare() {
      const child = new Child(() => { sleepSync(300); return 7; });
      return {
        call: () => {
          const r = os.waitpid(child.pid, 0);
          child.reaped = true;
          return r;
        },
        check: (r) => {
          const [pid, status] = r as [number, number];
          assert.equal(pid, child.pid);
          assert.equal(os.waitstatus_to_exitcode(status), 7);
        },
        cleanup: () => child.reap(),
      };
    },
  },
  {
    name: 'os.read',
    prepare() {
      const [r, w] = os.pipe();
      const child = new Child(() => {
        os.close(r);
        sleepSync(300);
        os.write(w, 'posixkit');
        return 0;
      });
      os.close(w);
      const fds = [r];
      return {
        call: () => os.read(r, 100),
        check: (data) => assert.equal((data as Buffer).toString(), 'posixkit'),
        cleanup: () => { closeAll(fds); child.reap(); },
      };
    },
  },
  {
    name: 'os.write',
    prepare() {
      const [r, w] = os.pipe();
      const data = Buffer.alloc(PIPE_MAX, 0);
      for (let i = 0; i < data.length; i++) data[i] = i % 251;
      // Drains slowly: waits, then reads 64 KiB chunks with pauses, checks every byte.
      const child = new Child(() => {
        os.close(w);
        sleepSync(300);
        let total = 0;
        let chunks = 0;
        for (;;) {
          const b = os.read(r, 65536);
          if (b.length === 0) break;
          for (let i = 0; i < b.length; i++) if (b[i] !== (total + i) % 251) return 2;
          total += b.length;
          if (++chunks % 8 === 0) sleepSync(2);
        }
        return total === PIPE_MAX ? 0 : 1;
      });
      os.close(r);
      const fds = [w];
      return {
        call: () => {
          let view = data.subarray(0);
          while (view.length > 0) view = view.subarray(os.write(w, view));
          closeAll(fds); // EOF for the reader
          const [, status] = os.waitpid(child.pid, 0);
          child.reaped = true;
          return os.waitstatus_to_exitcode(status);
        },
        check: (code) => assert.equal(code, 0, 'the reader must get every byte, in order'),
        cleanup: () => { closeAll(fds); child.reap(); },
      };
    },
  },
  reapCase('os.waitid', (pid) => os.waitid(os.P_PID, pid, os.WEXITED)!.si_pid),
  reapCase('os.wait4', (pid) => os.wait4(pid, 0)[0]),
  reapCase('os.wait3', () => os.wait3(0)[0]),
  {
    name: 'os.spawnv(P_WAIT)',
    prepare() {
      return {
        call: () => os.spawnv(os.P_WAIT, '/bin/sh', ['sh', '-c', 'sleep 0.3; exit 4']),
        check: (r) => assert.equal(r, 4),
        cleanup: () => { /* a throwing handler leaves the child running: it ends by itself, reaped below */
          try { os.waitpid(-1, 0); } catch { /* already reaped */ }
        },
      };
    },
  },
  {
    name: 'os.readv',
    prepare() {
      const [r, w] = os.pipe();
      const child = new Child(() => { os.close(r); sleepSync(300); os.write(w, 'abcdef'); return 0; });
      os.close(w);
      const a = Buffer.alloc(2);
      const b = Buffer.alloc(10);
      return {
        call: () => os.readv(r, [a, b]),
        check: (n) => { assert.equal(n, 6); assert.equal(`${a}${b.subarray(0, 4)}`, 'abcdef'); },
        cleanup: () => { closeAll([r]); child.reap(); },
      };
    },
  },
  {
    name: 'os.writev',
    prepare() {
      const [r, w] = fullPipe();
      const child = drainer(r, w);
      os.close(r);
      const fds = [w];
      return {
        call: () => os.writev(w, [Buffer.from('ab'), Buffer.from('cd')]),
        check: (n) => assert.equal(n, 4),
        cleanup: () => { closeAll(fds); child.reap(); },
      };
    },
  },
  {
    name: 'os.sendfile',
    prepare() {
      const tmp = tempPath();
      fs.writeFileSync(tmp.path, Buffer.alloc(4096, 1));
      const src = os.open(tmp.path, os.O_RDONLY);
      const [r, w] = fullPipe();
      const child = drainer(r, w);
      os.close(r);
      const fds = [w, src];
      return {
        call: () => os.sendfile(w, src, 0, 4096),
        check: (n) => assert.ok((n as number) > 0),
        cleanup: () => { closeAll(fds); child.reap(); tmp.remove(); },
      };
    },
  },
  {
    name: 'os.splice',
    prepare() {
      const tmp = tempPath();
      const dst = os.open(tmp.path, os.O_WRONLY | os.O_CREAT, 0o600);
      const [r, w] = os.pipe();
      const child = new Child(() => { os.close(r); sleepSync(300); os.write(w, 'spliced'); return 0; });
      os.close(w);
      const fds = [r, dst];
      return {
        call: () => os.splice(r, dst, 100),
        check: (n) => { assert.equal(n, 7); assert.equal(fs.readFileSync(tmp.path, 'utf8'), 'spliced'); },
        cleanup: () => { closeAll(fds); child.reap(); tmp.remove(); },
      };
    },
  },
  {
    name: 'os.lockf(F_LOCK)',
    prepare() {
      const tmp = tempPath();
      fs.writeFileSync(tmp.path, 'x');
      const [r, w] = os.pipe();
      const child = new Child(() => {
        os.close(r);
        const fd = os.open(tmp.path, os.O_RDWR);
        os.lockf(fd, os.F_LOCK, 0);
        os.close(w); // locked: let the parent try
        sleepSync(300);
        return 0; // the lock goes with the process
      });
      os.close(w);
      os.read(r, 1); // EOF once the child holds the lock
      os.close(r);
      const fd = os.open(tmp.path, os.O_RDWR);
      const fds = [fd];
      return {
        call: () => { os.lockf(fd, os.F_LOCK, 0); return os.lockf(fd, os.F_ULOCK, 0); },
        cleanup: () => { closeAll(fds); child.reap(); tmp.remove(); },
      };
    },
  },
  {
    name: 'os.eventfd_read',
    prepare() {
      const efd = os.eventfd(0);
      const child = new Child(() => { sleepSync(300); os.eventfd_write(efd, 42); return 0; });
      const fds = [efd];
      return {
        call: () => os.eventfd_read(efd),
        check: (v) => assert.equal(v, 42),
        cleanup: () => { closeAll(fds); child.reap(); },
      };
    },
  },
  {
    name: 'os.eventfd_write',
    prepare() {
      const efd = os.eventfd(0);
      os.eventfd_write(efd, 2n ** 64n - 2n); // full: one more waits for a reader
      const child = new Child(() => { sleepSync(300); os.eventfd_read(efd); return 0; });
      const fds = [efd];
      return {
        call: () => { os.eventfd_write(efd, 5); return os.eventfd_read(efd); },
        check: (v) => assert.equal(v, 5),
        cleanup: () => { closeAll(fds); child.reap(); },
      };
    },
  },
  {
    name: 'os.open (a FIFO waits for its writer)',
    prepare() {
      const tmp = tempPath();
      os.mkfifo(tmp.path, 0o600);
      const child = new Child(() => { sleepSync(300); const fd = os.open(tmp.path, os.O_WRONLY); os.write(fd, 'fifo'); return 0; });
      const fds: number[] = [];
      return {
        call: () => { const fd = os.open(tmp.path, os.O_RDONLY); fds.push(fd); return os.read(fd, 10).toString(); },
        check: (v) => assert.equal(v, 'fifo'),
        cleanup: () => { closeAll(fds); child.reap(); tmp.remove(); },
      };
    },
  },
];
