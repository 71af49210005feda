// Blocking calls of posixkit/os under the EINTR rule (CPython _test_eintr.py
// OSEINTRTest). Each peer is a forked child that waits ~300 ms first, so the
// call really blocks while the harness's timer fires.
import * as assert from 'node:assert/strict';
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
];
