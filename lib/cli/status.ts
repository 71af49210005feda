// The status of `posixkit echo|chat|http|ftp`: connections and requests per
// second, for every model. The serving thread is blocked in the model, and
// forking/prefork/threading models count in other processes and threads, so
// the counters live in shared memory (mmap) and a forked reporter process
// prints them once a second until the server stops.
import { isatty } from 'node:tty';
import { callExport } from '../internal/modref';
import * as mmap from '../mmap';
import type { CoreRef, ProtocolCore, Session } from '../server/types';
import * as os from '../os';
import * as sig from '../signal';

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

const QUIT_SIGNALS = [sig.SIGINT, sig.SIGTERM, sig.SIGHUP];
const CLEAR = '\r\x1b[K';

/**
 * The status reporter: a forked process that prints the counters on `fd`
 * once a second until stop() is called or the server process dies. On a
 * terminal it rewrites one live line; into a pipe or file it prints a plain
 * line (ending in a newline) each second the counters changed. A signal to
 * it (Ctrl-C reaches the whole process group) clears its line and ends it
 * quietly: the server prints the one summary.
 */
export class Reporter {
  #pid = -1;
  #stopped = false;
  readonly live: boolean;
  constructor(readonly counters: StatusCounters, readonly label: string, readonly fd = 2, live?: boolean) {
    this.live = live ?? isatty(fd);
  }

  start(): void {
    if (this.#pid >= 0 || this.#stopped) return;
    const server = os.getpid();
    // Blocked across fork: the child must not run the server's stop handlers before it has its own.
    const mask = sig.pthread_sigmask(sig.SIG_BLOCK, QUIT_SIGNALS);
    let pid: number;
    try {
      pid = os.fork();
    } catch (e) {
      sig.pthread_sigmask(sig.SIG_SETMASK, mask);
      throw e;
    }
    if (pid === 0) this.#child(server, mask);
    this.#pid = pid;
    sig.pthread_sigmask(sig.SIG_SETMASK, mask); // a stop signal that came meanwhile runs its handler here
  }

  /** Ends the reporter, waits for it and clears its line. Safe to call more than once, or before start(). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#pid < 0) return;
    Atomics.store(this.counters.words, STOPPED, 1);
    mmap.futex_wake(this.counters.words, STOPPED, Infinity);
    try {
      os.waitpid(this.#pid, 0);
    } catch { /* ECHILD: SIGCHLD was ignored and the kernel reaped it */ }
    if (this.live) this.#write(CLEAR);
  }

  #write(text: string): boolean {
    try {
      os.write(this.fd, text);
      return true;
    } catch {
      return false; // terminal or pipe gone
    }
  }

  #child(server: number, mask: Set<number>): never {
    try {
      const quit = (): never => {
        if (this.live) this.#write(CLEAR);
        os._exit(0);
      };
      sig.signal(sig.SIGCHLD, sig.SIG_DFL); // a model's reaper is the server's business
      for (const s of QUIT_SIGNALS) sig.signal(s, quit);
      sig.pthread_sigmask(sig.SIG_SETMASK, mask);
      const c = this.counters;
      const countsText = () => `conns ${c.active} open / ${c.total} total, ${c.requests} requests`;
      let last = 0;
      let shown = 'conns 0 open / 0 total, 0 requests'; // plain lines only when something changed
      let t0 = Date.now();
      for (;;) {
        const r = mmap.futex_wait(c.words, STOPPED, 0, 1);
        if (r !== 'timed-out' || os.getppid() !== server) quit();
        const now = Date.now();
        const req = c.requests;
        const rps = Math.round(((req - last) * 1000) / Math.max(1, now - t0));
        last = req;
        t0 = now;
        const counts = countsText();
        const line = `posixkit ${this.label}: ${counts}, ${rps} req/s`;
        if (this.live) {
          if (!this.#write(`${CLEAR}${line}`)) quit();
        } else if (counts !== shown) {
          shown = counts;
          if (!this.#write(`${line}\n`)) quit();
        }
      }
    } catch {
      os._exit(0);
    }
  }
}
