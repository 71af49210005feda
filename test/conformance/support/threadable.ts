// ThreadableTest: CPython runs a test's client half in a thread; here it runs
// in a forked child (see the class comment).
import * as v8 from 'node:v8';
import * as os from '../../../lib/os';
import { newEvent, SharedEvent } from './events';
import { AssertionError, repr, SkipTest, TestCase } from './unittest';

/**
 * CPython runs `_testFoo` in a thread while `testFoo` runs in the main thread.
 * Here the client half runs in a child forked once the server is ready (at
 * serverExplicitReady() or at the end of setUp), so it sees everything the
 * server set up until then, like the thread would. Sockets the server made
 * are closed in the child and the ones named in clientOwned are closed in the
 * parent, so each side holds only its own ends, as the thread's test did.
 * The child's failure comes back through a pipe and fails the test.
 */
export class ThreadableTest extends TestCase {
  /** Properties holding the client's objects when the fork happens (closed in the parent). */
  clientOwned: string[] = ['cli'];
  /**
   * Properties clientSetUp() sets that the server half reads (a thread
   * shares them): sent to the parent before client_ready is set.
   */
  clientExports: string[] = ['cli_addr'];
  #ctlR = -1;
  server_crashed = false;
  /** Set by the client when it is done (after clientTearDown), as ThreadableTest.done. */
  done!: SharedEvent;
  #client_ready!: SharedEvent;
  #child = -1;
  #errR = -1;
  #inChild = false;

  /** True in the forked client. */
  get inClient(): boolean {
    return this.#inChild;
  }

  clientSetUp(): void {}
  clientTearDown(): void {}

  serverExplicitReady(): void {
    this.#forkClient();
  }

  override async _setUpOuter(): Promise<void> {
    this.#client_ready = newEvent();
    this.done = newEvent();
    try {
      await this.setUp();
    } catch (e) {
      this.server_crashed = true;
      throw e;
    } finally {
      if (!this.server_crashed) this.#forkClient();
    }
    this.#client_ready.wait();
    this.addCleanup(() => this.#joinClient());
    this.#importClientState();
  }

  #forkClient(): void {
    if (this.#child >= 0 || this.#inChild) return;
    const [r, w] = os.pipe();
    const [cr, cw] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      this.#inChild = true;
      os.close(r);
      os.close(cr);
      this.#runClient(w, cw);
    }
    this.#child = pid;
    this.#errR = r;
    this.#ctlR = cr;
    os.close(w);
    os.close(cw);
    for (const name of this.clientOwned) closeQuietly((this as Record<string, unknown>)[name]);
  }

  #exportClientState(cw: number): void {
    const state: Record<string, unknown> = {};
    for (const k of this.clientExports) {
      if ((this as Record<string, unknown>)[k] !== undefined) state[k] = (this as Record<string, unknown>)[k];
    }
    const body = v8.serialize(state);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    const all = Buffer.concat([head, body]);
    for (let off = 0; off < all.length;) off += os.write(cw, all.subarray(off));
    os.close(cw);
  }

  #importClientState(): void {
    const chunks: Buffer[] = [];
    for (;;) {
      const b = os.read(this.#ctlR, 65536);
      if (b.length === 0) break;
      chunks.push(b);
    }
    os.close(this.#ctlR);
    const all = Buffer.concat(chunks);
    if (all.length < 4) return; // clientSetUp failed: reported by the join
    const state = v8.deserialize(all.subarray(4, 4 + all.readUInt32LE(0))) as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      (this as Record<string, unknown>)[k] = Buffer.isBuffer(v) || !(v instanceof Uint8Array) ? v : Buffer.from(v);
    }
  }

  #runClient(w: number, cw: number): never {
    let failed = false;
    const report = (e: unknown): void => {
      failed = true;
      const text = e instanceof SkipTest ? `SKIP ${e.message}` : `${(e as Error)?.stack ?? repr(e)}`;
      try {
        os.write(w, Buffer.from(text));
      } catch {
        // parent gone
      }
    };
    try {
      for (const [name, v] of Object.entries(this)) {
        if (!this.clientOwned.includes(name)) closeSocketLike(v);
      }
      try {
        this.clientSetUp();
        this.#exportClientState(cw);
      } catch (e) {
        report(e);
        safe(() => os.close(cw));
        this.#client_ready.set();
        safe(() => this.clientTearDown());
        this.done.set();
        os._exit(1);
      }
      this.#client_ready.set();
      try {
        const fn = (this as unknown as Record<string, () => unknown>)[`_${this._testMethodName}`];
        const r = fn.call(this);
        if (r && typeof (r as Promise<unknown>).then === 'function') throw new Error('client half must be synchronous');
      } catch (e) {
        report(e);
      } finally {
        try {
          this.clientTearDown();
        } catch (e) {
          report(e);
        }
      }
    } catch (e) {
      report(e);
    }
    this.done.set();
    os._exit(failed ? 1 : 0);
  }

  #joinClient(): void {
    if (this.#child < 0) return;
    const pid = this.#child;
    this.#child = -1;
    const status = waitChild(pid, 60_000);
    let text = '';
    for (;;) {
      const b = os.read(this.#errR, 65536);
      if (b.length === 0) break;
      text += b.toString();
    }
    os.close(this.#errR);
    if (text.startsWith('SKIP ')) throw new SkipTest(text.slice(5));
    if (text) throw new AssertionError(`client half failed:\n${text}`);
    if (status === null) throw new AssertionError('client half hung for 60 s (killed)');
    if (status !== 0) throw new AssertionError(`client half exited with ${status}`);
  }
}

function safe(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // reported elsewhere
  }
}

function closeQuietly(v: unknown): void {
  if (v && typeof (v as { close?: unknown }).close === 'function') safe(() => (v as { close(): void }).close());
}

function closeSocketLike(v: unknown): void {
  // Only sockets and other fd owners (fileno + close); never plain data.
  if (v && typeof v === 'object' && typeof (v as { fileno?: unknown }).fileno === 'function') closeQuietly(v);
}

/** waitpid with a watchdog: the exit code (-sig when killed), or null after SIGKILL on timeout. */
export function waitChild(pid: number, timeoutMs: number): number | null {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const [p, status] = os.waitpid(pid, os.WNOHANG);
    if (p === pid) return os.waitstatus_to_exitcode(status);
    if (Date.now() > end) {
      try {
        os.kill(pid, 9);
      } catch {
        // gone
      }
      os.waitpid(pid, 0);
      return null;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
}

