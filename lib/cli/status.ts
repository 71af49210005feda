// The live status line of `posixkit echo|http|ftp`: connections and requests
// per second, for every model. The serving thread is blocked in the model, and
// forking/prefork/threading models count in other processes and threads, so
// the counters live in shared memory (mmap) and a forked reporter process
// prints them once a second until the server stops.
import { callExport } from '../internal/modref';
import * as mmap from '../mmap';
import type { CoreRef, ProtocolCore, Session } from '../server/types';
import * as os from '../os';

// Int32 words of the shared page.
const TOTAL = 0; // connections accepted
const ACTIVE = 1; // connections open now
const REQUESTS = 2; // requests answered (or messages, for cores that do not count requests)
const STOPPED = 3; // set by the server when it stops; the reporter sleeps on it
const WORDS = 4;

export class StatusCounters {
  readonly map: mmap.MemoryMap;
  readonly words: Int32Array;
  constructor(map?: mmap.MemoryMap) {
    this.map = map ?? mmap.mmap(-1, mmap.PAGESIZE);
    this.words = new Int32Array(this.map.buffer, 0, WORDS);
  }
  get total(): number { return Atomics.load(this.words, TOTAL); }
  get active(): number { return Atomics.load(this.words, ACTIVE); }
  get requests(): number { return Atomics.load(this.words, REQUESTS); }
  close(): void { this.map.close(); }
}

interface Counted { requestCount?: number }

// Forwards every member of `target` (with `target` as `this`, so private
// fields and getters keep working) except the ones in `own`.
function forward<T extends object>(target: T, own: Record<string | symbol, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(own, prop)) return own[prop];
      const v = Reflect.get(t, prop, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** A core whose sessions count into `counters`; everything else is the inner core's. */
export function countingCore(inner: ProtocolCore, counters: StatusCounters, shared?: mmap.SharedMapping): ProtocolCore {
  const w = counters.words;
  const open = (conn: Parameters<ProtocolCore['open']>[0]): Session => {
    Atomics.add(w, TOTAL, 1);
    Atomics.add(w, ACTIVE, 1);
    const s = inner.open(conn);
    let seen = 0;
    let closed = false;
    const requests = () => (s as Session & Counted).requestCount;
    const count = () => {
      const n = requests();
      if (typeof n === 'number' && n > seen) {
        Atomics.add(w, REQUESTS, n - seen);
        seen = n;
      }
    };
    return forward(s, {
      feed(bytes: Uint8Array) {
        s.feed(bytes);
        if (typeof requests() !== 'number') Atomics.add(w, REQUESTS, 1); // a message, for cores without requests
      },
      takeOutput() {
        const out = s.takeOutput();
        count();
        return out;
      },
      close() {
        if (!closed) {
          closed = true;
          count();
          Atomics.sub(w, ACTIVE, 1);
        }
        s.close();
      },
    });
  };
  // Threading models rebuild the core in each worker from its ref: rebuild
  // the counting wrapper there too, over the same shared page.
  const ref = inner.ref ? { module: __filename, export: 'countingFromRef', args: [inner.ref, shared ?? counters.map.share()] } : undefined;
  return forward(inner, { open, ref });
}

export function countingFromRef(ref: CoreRef, desc: mmap.SharedMapping): ProtocolCore {
  const inner = callExport<ProtocolCore>(ref);
  return countingCore(inner, new StatusCounters(mmap.attachShared(desc)), desc);
}

/**
 * Forks the reporter: once a second it prints one status line on `fd`
 * (stderr, a terminal) until `stop()` is called or the server process dies.
 */
export function startReporter(counters: StatusCounters, label: string, fd = 2): { stop(): void } {
  const server = os.getpid();
  const pid = os.fork();
  if (pid === 0) {
    let last = counters.requests;
    let t0 = Date.now();
    for (;;) {
      const r = mmap.futex_wait(counters.words, STOPPED, 0, 1);
      if (r !== 'timed-out' || os.getppid() !== server) os._exit(0);
      const now = Date.now();
      const req = counters.requests;
      const rps = ((req - last) * 1000) / Math.max(1, now - t0);
      last = req;
      t0 = now;
      const line = `${label}  conns ${counters.active} open / ${counters.total} total  ${Math.round(rps)} req/s  ${req} requests`;
      try {
        os.write(fd, `\r\x1b[K${line}`);
      } catch {
        os._exit(0);
      }
    }
  }
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      Atomics.store(counters.words, STOPPED, 1);
      mmap.futex_wake(counters.words, STOPPED, Infinity);
      os.waitpid(pid, 0);
      try { os.write(fd, '\r\x1b[K'); } catch { /* terminal gone */ }
    },
  };
}
