// posixkit/socketserver: Python's behaviours (SS-01..SS-11, docs/api/socketserver.md). The
// server runs in the test process (serveForever blocks it); clients run in
// forked children that call server.shutdown() when done: the wake pipe is
// inherited, so the byte they write stops the parent's loop.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import * as ss from '../../lib/socketserver';
import {
  fdCount, forkRun, procState, runInChild, runNode, sleepSync, waitWithTimeout, zombieChildren,
} from '../helpers/proc';

const req = createRequire(__filename);
// The handlers live in a plain .js fixture (worker threads load them from there).
const H = req('../fixtures/ss-handlers.js') as Record<string, ss.HandlerClass> & Record<
  'BaseErrorTestServer' | 'ThreadingErrorTestServer', new (log: string, exception: string) => ErrorTestServer> & {
  ForkingErrorTestServer: new (log: string, exception: string) => ErrorTestServer & ss.BaseServer & {
    activeChildren: Set<number> | null;
  };
};
/** CPython's BaseErrorTestServer (test/fixtures/ss-handlers.js). */
interface ErrorTestServer {
  exercise(): void;
}

const dir = mkdtempSync(path.join(tmpdir(), 'pk-ss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { expect(zombieChildren()).toEqual([]); });

type Kind = 'tcp' | 'udp' | 'unix-stream' | 'unix-dgram';
type Mode = 'sync' | 'threading' | 'forking';

const classes: Record<Kind, Record<Mode, new (a: any, h: ss.HandlerClass) => ss.TCPServer>> = {
  tcp: { sync: ss.TCPServer, threading: ss.ThreadingTCPServer, forking: ss.ForkingTCPServer },
  udp: { sync: ss.UDPServer, threading: ss.ThreadingUDPServer, forking: ss.ForkingUDPServer },
  'unix-stream': { sync: ss.UnixStreamServer, threading: ss.ThreadingUnixStreamServer, forking: ss.ForkingUnixStreamServer },
  'unix-dgram': { sync: ss.UnixDatagramServer, threading: ss.ThreadingUnixDatagramServer, forking: ss.ForkingUnixDatagramServer },
};

let seq = 0;
function addressFor(kind: Kind): socket.Address {
  return kind.startsWith('unix') ? path.join(dir, `s${++seq}.sock`) : ['127.0.0.1', 0];
}

/** One request/reply as a client: a line sent, the reply read to EOF (stream) or one datagram. */
function exchange(kind: Kind, addr: socket.SockAddr, line: string): string {
  const stream = kind === 'tcp' || kind === 'unix-stream';
  const fam = kind.startsWith('unix') ? socket.AF_UNIX : socket.AF_INET;
  using c = socket.socket(fam, stream ? socket.SOCK_STREAM : socket.SOCK_DGRAM);
  c.settimeout(10);
  if (stream) {
    c.connect(addr as socket.Address);
    c.sendall(Buffer.from(line));
    try {
      c.shutdown(socket.SHUT_WR);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOTCONN') throw e; // the server closed first (SS-07)
    }
    const parts: Buffer[] = [];
    for (let d = c.recv(65536); d.length > 0; d = c.recv(65536)) parts.push(d);
    return Buffer.concat(parts).toString();
  }
  if (kind === 'unix-dgram') c.bind(path.join(dir, `c${os.getpid()}-${++seq}.sock`));
  c.sendto(Buffer.from(line), addr as socket.Address);
  return c.recvfrom(65536)[0].toString();
}

/**
 * Serves until `client` (run in a forked child) returns; the child always
 * calls server.shutdown() and exits 0 only if client() returned true.
 */
function serveWith(server: ss.BaseServer, client: () => boolean | void, pollInterval: number | null = 0.5): number {
  const pid = runInChild(() => {
    let ok = false;
    try {
      ok = client() !== false;
    } finally {
      server.shutdown();
    }
    return ok ? 0 : 1;
  });
  try {
    server.serveForever(pollInterval);
  } finally {
    server.serverClose();
  }
  const { status } = waitWithTimeout(pid, 20_000);
  return os.waitstatus_to_exitcode(status!);
}

describe('SS-01: every server kind x mode echoes', () => {
  for (const kind of Object.keys(classes) as Kind[]) {
    for (const mode of ['sync', 'threading', 'forking'] as Mode[]) {
      it(`${kind} ${mode}`, async () => {
        const before = fdCount();
        const handler = kind.endsWith('dgram') || kind === 'udp' ? H.EchoDgram : H.EchoStream;
        const server = new classes[kind][mode](addressFor(kind), handler);
        expect(server.serverAddress).toEqual(server.socket.getsockname());
        if (kind === 'tcp' || kind === 'udp') expect((server.serverAddress as [string, number])[1]).toBeGreaterThan(0);
        const parent = process.pid;
        const code = serveWith(server, () => {
          for (let i = 0; i < 3; i++) {
            const reply = exchange(kind, server.serverAddress, `line ${i}\n`);
            const m = /^(\d+) line (\d)\n$/.exec(reply);
            if (!m || Number(m[2]) !== i) return false;
            // A forking server answers from a child; the others from the server process itself.
            if ((Number(m[1]) === parent) === (mode === 'forking')) return false;
          }
          return true;
        });
        expect(code).toBe(0);
        expect(server.socket.fileno()).toBe(-1);
        if (kind.startsWith('unix')) rmSync(server.serverAddress as string);
        // A joined worker thread may still be tearing down its own loop's fds for a moment.
        for (let i = 0; i < 100 && fdCount() !== before; i++) await new Promise((r) => setTimeout(r, 20));
        expect(fdCount()).toBe(before);
      });
    }
  }
});

describe('ForkingMixIn', () => {
  it('SS-02: serverClose() waits for the children still running', () => {
    let forked = 0;
    class S extends ss.ForkingTCPServer {
      override processRequest(r: ss.Request, a: socket.SockAddr): void {
        super.processRequest(r, a);
        forked = [...this.activeChildren!][0];
        this.shutdown(); // stop while the 50 ms handler still runs
      }
    }
    const server = new S(['127.0.0.1', 0], H.Slow);
    const code = serveWith(server, () => exchange('tcp', server.serverAddress, 'x\n') === 'x\n');
    expect(code).toBe(0);
    expect(forked).toBeGreaterThan(0);
    expect(server.activeChildren!.size).toBe(0);
    expect(procState(forked)).toBe(null); // reaped, not a zombie
  });

  it('blockOnClose = false: serverClose returns at once, the running child is left to the program', () => {
    const before = fdCount();
    class S extends ss.ForkingTCPServer {
      override blockOnClose = false;
      override processRequest(r: ss.Request, a: socket.SockAddr): void {
        super.processRequest(r, a);
        this.shutdown();
      }
    }
    const server = new S(['127.0.0.1', 0], H.Slower);
    const t0 = performance.now();
    const pid = runInChild(() => {
      try {
        return exchange('tcp', server.serverAddress, 'x\n') === 'x\n' ? 0 : 1;
      } finally {
        server.shutdown();
      }
    });
    server.serveForever();
    server.serverClose();
    const closeMs = performance.now() - t0;
    const left = [...server.activeChildren!];
    expect(left).toHaveLength(1); // still answering: serverClose did not wait
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
    for (const p of left) expect(os.waitpid(p, 0)[0]).toBe(p);
    expect(closeMs).toBeLessThan(5000);
    expect(fdCount()).toBe(before);
  });

  it('SS-03: does not reap a child it did not create', () => {
    const mine = runInChild(() => { sleepSync(100); return 72; });
    const server = new ss.ForkingTCPServer(['127.0.0.1', 0], H.EchoStream);
    const code = serveWith(server, () => {
      for (let i = 0; i < 3; i++) exchange('tcp', server.serverAddress, 'hi\n');
      sleepSync(150); // let the test's own child exit while the server reaps its children
      exchange('tcp', server.serverAddress, 'hi\n');
    }, 0.01);
    expect(code).toBe(0);
    const [pid, status] = os.waitpid(mine, 0);
    expect(pid).toBe(mine);
    expect(os.waitstatus_to_exitcode(status)).toBe(72);
  });

  it('SS-10: never more than maxChildren children; none left after', () => {
    let max = 0;
    class S extends ss.ForkingTCPServer {
      static override requestQueueSize = 64;
      override maxChildren = 4;
      override processRequest(r: ss.Request, a: socket.SockAddr): void {
        super.processRequest(r, a);
        max = Math.max(max, this.activeChildren!.size);
      }
    }
    const server = new S(['127.0.0.1', 0], H.Slow);
    const N = 20;
    const t0 = performance.now();
    const code = serveWith(server, () => {
      const conns = Array.from({ length: N }, () => socket.create_connection(server.serverAddress as [string, number], 10));
      conns.forEach((c, i) => c.sendall(Buffer.from(`${i}\n`)));
      let ok = true;
      conns.forEach((c, i) => {
        ok = ok && c.recv(100).toString() === `${i}\n`;
        c.close();
      });
      return ok;
    });
    expect(code).toBe(0);
    expect(max).toBe(4);
    // 20 requests of 50 ms, 4 at a time: at least 5 rounds.
    expect(performance.now() - t0).toBeGreaterThan(200);
    expect(server.activeChildren!.size).toBe(0);
  });
});

describe('errors', () => {
  it('SS-06: a handler error goes to handleError and the server keeps running (sync)', () => {
    const seen: unknown[] = [];
    class S extends ss.TCPServer {
      override handleError(_r: ss.Request, _a: socket.SockAddr, e: unknown): void {
        seen.push(e);
      }
    }
    const server = new S(['127.0.0.1', 0], H.Failing);
    const code = serveWith(server, () => {
      exchange('tcp', server.serverAddress, 'boom\n');
      return exchange('tcp', server.serverAddress, 'ok\n') === 'ok\n';
    });
    expect(code).toBe(0);
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe('handler failed on purpose');
  });

  it('SS-06: in a forking server the failing child reports and exits 1; the server goes on', () => {
    const [r, w] = os.pipe();
    let status = -1;
    class S extends ss.ForkingTCPServer {
      override handleError(): void {
        os.write(w, Buffer.from(`E${os.getpid() === parent ? 'parent' : 'child'}`));
      }
      override serviceActions(): void {
        // Reap by hand first to see the exit status of the failing child.
        for (const pid of this.activeChildren ?? []) {
          const [p, s] = os.waitpid(pid, os.WNOHANG);
          if (p === pid) {
            if (status === -1) status = os.waitstatus_to_exitcode(s);
            this.activeChildren!.delete(pid);
          }
        }
      }
    }
    const parent = process.pid;
    const server = new S(['127.0.0.1', 0], H.Failing);
    const code = serveWith(server, () => {
      exchange('tcp', server.serverAddress, 'boom\n');
      sleepSync(100);
      return exchange('tcp', server.serverAddress, 'ok\n') === 'ok\n';
    }, 0.01);
    expect(code).toBe(0);
    expect(os.read(r, 100).toString()).toBe('Echild');
    expect(status).toBe(1);
    os.close(r);
    os.close(w);
  });

  it('SS-06: in a threading server the worker prints the traceback and the server goes on', () => {
    const r = runNode(['test/fixtures/ss-thread-error.js'], { timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('reply: fine\nclosed\n');
    expect(r.stderr).toMatch(/^-{40}\nException occurred during processing of request from \["127\.0\.0\.1",\d+\]\nError: handler failed on purpose\n/);
  });

  it('SS-06: SystemExit is not swallowed: it ends serveForever', () => {
    class Exiter extends ss.BaseRequestHandler {
      override handle(): void {
        throw new ss.SystemExit(3);
      }
    }
    let thrown: unknown;
    const s2 = new ss.TCPServer(['127.0.0.1', 0], Exiter);
    const pid = runInChild(() => {
      try {
        exchange('tcp', s2.serverAddress, 'x\n');
      } catch {
        // the server drops the connection: fine
      }
    });
    try {
      s2.serveForever();
    } catch (e) {
      thrown = e;
    } finally {
      s2.serverClose();
    }
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
    expect(thrown).toBeInstanceOf(ss.SystemExit);
    expect((thrown as ss.SystemExit).status).toBe(3);
  });

  it('handleError prints the address and the stack to stderr (traceback.print_exc)', () => {
    // fd 2 itself goes to a pipe for the call: the report is written there directly.
    const [r, w] = os.pipe();
    const saved = os.dup(2);
    try {
      os.dup2(w, 2);
      using base = new ss.BaseServer(['127.0.0.1', 1], H.EchoStream);
      base.handleError(null as never, ['127.0.0.1', 1], new Error('xyz'));
    } finally {
      os.dup2(saved, 2);
      os.close(saved);
      os.close(w);
    }
    const out = os.read(r, 65536).toString();
    os.close(r);
    expect(out).toContain('Exception occurred during processing of request from ["127.0.0.1",1]');
    expect(out).toContain('Error: xyz');
    expect(out).toMatch(/^-{40}\n/);
  });
});

// CPython's ErrorHandlerTest: errors go to handleError, SystemExit does not;
// each server handles one request that fails and closes, as there.
describe('ErrorHandlerTest', () => {
  let n = 0;
  const logFile = (): string => path.join(dir, `errlog-${++n}`);
  const expected = (handled: boolean): string => `Handler called\n${handled ? 'Error handled\n' : ''}`;

  it('test_sync_handled', () => {
    const log = logFile();
    new H.BaseErrorTestServer(log, 'ValueError').exercise();
    expect(readFileSync(log, 'utf8')).toBe(expected(true));
  });

  it('test_sync_not_handled', () => {
    const log = logFile();
    // The fixture's SystemExit is dist/'s class, not lib/'s: compare by name and status.
    expect(() => new H.BaseErrorTestServer(log, 'SystemExit').exercise())
      .toThrow(expect.objectContaining({ name: 'SystemExit', status: 'Test error' }));
    expect(readFileSync(log, 'utf8')).toBe(expected(false));
  });

  it('test_threading_handled: handleError runs in the request thread, and the shutdownRequest override too', () => {
    const log = logFile();
    new H.ThreadingErrorTestServer(log, 'ValueError').exercise();
    expect(readFileSync(log, 'utf8')).toBe(expected(true));
  });

  it('test_threading_not_handled', () => {
    const log = logFile();
    new H.ThreadingErrorTestServer(log, 'SystemExit').exercise();
    expect(readFileSync(log, 'utf8')).toBe(expected(false));
  });

  // In a forked child of the test: a handler's child that returned into the program would run the rest of it.
  function forking(exception: string): { log: string; exits: number[] } {
    const log = logFile();
    const exits = path.join(dir, `exits-${n}`);
    const code = forkRun(() => {
      const me = os.getpid();
      class S extends H.ForkingErrorTestServer {
        override serverClose(): void {
          // The handler's exit status, before the mixin reaps it.
          for (const pid of this.activeChildren ?? []) {
            appendFileSync(exits, `${os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}\n`);
            this.activeChildren!.delete(pid);
          }
          super.serverClose();
        }
      }
      new S(log, exception).exercise();
      if (os.getpid() !== me) appendFileSync(log, 'the handler child returned into the program\n');
      return 0;
    });
    expect(code).toBe(0);
    return { log: readFileSync(log, 'utf8'), exits: readFileSync(exits, 'utf8').trim().split('\n').map(Number) };
  }

  it('test_forking_handled', () => {
    expect(forking('ValueError')).toEqual({ log: expected(true), exits: [1] });
  });

  it('test_forking_not_handled: SystemExit with a message ends the child with _exit(1)', () => {
    expect(forking('SystemExit')).toEqual({ log: expected(false), exits: [1] });
  });

  it('a SystemExit in a forked handler: an integer status is the exit status, null is 0, others 1', () => {
    expect(forking('SystemExit(3)')).toEqual({ log: expected(false), exits: [3] });
    expect(forking('SystemExit(null)')).toEqual({ log: expected(false), exits: [0] });
    expect(forking('SystemExit(1.5)')).toEqual({ log: expected(false), exits: [1] });
    expect(forking('SystemExit(1099511627776)')).toEqual({ log: expected(false), exits: [1] });
  });
});

describe('requests', () => {
  it('SS-07: verifyRequest() false still closes the request', () => {
    let shut = 0;
    class S extends ss.TCPServer {
      override verifyRequest(): boolean {
        return false;
      }
      override shutdownRequest(r: ss.Request): void {
        shut++;
        super.shutdownRequest(r);
      }
    }
    const server = new S(['127.0.0.1', 0], H.EchoStream);
    const code = serveWith(server, () => exchange('tcp', server.serverAddress, 'x\n') === '');
    expect(code).toBe(0);
    expect(shut).toBe(1);
  });

  it('SS-08: ThreadingMixIn does not keep every finished thread', () => {
    let tracked = 0;
    class S extends ss.ThreadingTCPServer {
      override processRequest(r: ss.Request, a: socket.SockAddr): void {
        super.processRequest(r, a);
        tracked = Math.max(tracked, this.threads.size);
      }
    }
    const server = new S(['127.0.0.1', 0], H.EchoStream);
    const code = serveWith(server, () => {
      for (let i = 0; i < 10; i++) if (!exchange('tcp', server.serverAddress, 'x\n').endsWith(' x\n')) return false;
      return true;
    });
    expect(code).toBe(0);
    expect(tracked).toBeLessThan(10);
    expect(server.threads.size).toBe(0); // joined by serverClose
  });

  it('shutdown() from a handler in a worker thread stops the server', () => {
    const server = new ss.ThreadingTCPServer(['127.0.0.1', 0], H.Stopper);
    const pid = runInChild(() => { exchange('tcp', server.serverAddress, 'x\n'); });
    const t0 = performance.now();
    server.serveForever(null); // no poll interval: only the wake pipe can end it
    server.serverClose();
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });

  it('ThreadingMixIn refuses a handler class a worker cannot load', () => {
    class Local extends ss.StreamRequestHandler {}
    const server = new ss.ThreadingTCPServer(['127.0.0.1', 0], Local);
    const errors: unknown[] = [];
    server.handleError = (_r, _a, e) => { errors.push(e); };
    const code = serveWith(server, () => exchange('tcp', server.serverAddress, 'x\n') === '');
    expect(code).toBe(0);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/static module = __filename/);
  });

  it('ThreadingMixIn refuses, when constructed, a server whose every-request override a worker could not run', () => {
    class Local extends ss.ThreadingTCPServer {
      override shutdownRequest(r: ss.Request): void {
        super.shutdownRequest(r);
      }
    }
    const before = fdCount();
    let error: unknown;
    try {
      new Local(['127.0.0.1', 0], H.EchoStream).serverClose();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(String(error)).toMatch(/overrides shutdownRequest.*static module = __filename/);
    expect(fdCount()).toBe(before); // refused before the socket was made
  });

  // A class defined here (a .ts test file) cannot be loaded by a worker: the stand-in is posixkit's class.
  for (const kind of ['tcp', 'udp', 'unix-dgram'] as Kind[]) {
    it(`ThreadingMixIn (${kind}): a server a worker cannot load serves, with no override and with a handleError override`, () => {
      const Threading = classes[kind].threading as unknown as typeof ss.TCPServer;
      class Plain extends Threading {}
      class WithHandleError extends Threading {
        override handleError(r: ss.Request, a: socket.SockAddr, e: unknown): void {
          super.handleError(r, a, e);
        }
      }
      const handler = kind === 'tcp' ? H.EchoStream : H.EchoDgram;
      const reply = `${os.getpid()} hi\n`; // the server's pid: the worker is a thread of this process
      for (const C of [Plain, WithHandleError]) {
        const server = new C(addressFor(kind), handler);
        expect(serveWith(server, () => exchange(kind, server.serverAddress, 'hi\n') === reply, 0.01)).toBe(0);
      }
    });
  }

  it('ThreadingMixIn: when the handler throws, a handleError the worker cannot run is reported with the error', () => {
    class Local extends ss.ThreadingTCPServer {
      override handleError(): void {
        appendFileSync(path.join(dir, 'never'), 'ran\n');
      }
    }
    const server = new Local(['127.0.0.1', 0], H.Failing);
    const [r, w] = os.pipe();
    const saved = os.dup(2);
    let code: number;
    try {
      os.dup2(w, 2);
      code = serveWith(server, () => exchange('tcp', server.serverAddress, 'boom\n') === ''
        && exchange('tcp', server.serverAddress, 'fine\n') === 'fine\n', 0.01);
    } finally {
      os.dup2(saved, 2);
      os.close(saved);
      os.close(w);
    }
    const out = os.read(r, 65536).toString();
    os.close(r);
    expect(code).toBe(0);
    expect(out).toMatch(/^-{40}\nException occurred during processing of request from \["127\.0\.0\.1",\d+\]\n/);
    expect(out).toContain("Error: Local.handleError could not run in the request's worker thread");
    expect(out).toContain('static module = __filename');
    expect(out).toContain("The handler's error:\nError: handler failed on purpose");
    expect(out.match(/Exception occurred/g)).toHaveLength(1);
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('SS-11: one wfile.write() of 16 MiB + 1 is fully sent, with SIGALRM interrupting it', () => {
    const prev = signal.signal(signal.SIGALRM, () => { /* interrupt only */ });
    const server = new ss.TCPServer(['127.0.0.1', 0], H.Big);
    let total = -1;
    try {
      signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001);
      const [r, w] = os.pipe();
      const code = serveWith(server, () => {
        using c = socket.create_connection(server.serverAddress as [string, number], 20);
        c.sendall(Buffer.from('go\n'));
        let n = 0;
        for (let d = c.recv(1 << 20); d.length > 0; d = c.recv(1 << 20)) {
          if (d.some((b) => b !== 0x61)) return false;
          n += d.length;
          sleepSync(n < 1 << 20 ? 5 : 0); // a slow reader first, so the server blocks in sendall
        }
        os.write(w, Buffer.from(String(n)));
      });
      expect(code).toBe(0);
      total = Number(os.read(r, 64).toString());
      os.close(r);
      os.close(w);
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, prev ?? signal.SIG_DFL);
    }
    expect(total).toBe(16 * 1024 * 1024 + 1);
  });
});

describe('rfile / wfile', () => {
  it('SocketReader: lines across recv boundaries, limits, read(n), read(), EOF', () => {
    const [a, b] = socket.socketpair();
    const r = new ss.SocketReader(b, 7); // tiny recv size: every line spans several recvs
    const w = new ss.SocketWriter(a);
    const long = 'x'.repeat(100_000);
    expect(w.write(`first line\n${long}\nabcdef\ntail`)).toBe(100_000 + 23);
    a.shutdown(socket.SHUT_WR);
    expect(r.readline().toString()).toBe('first line\n');
    expect(r.readline().toString()).toBe(`${long}\n`);
    expect(r.readline(3).toString()).toBe('abc');
    expect(r.read(2).toString()).toBe('de');
    expect([...r].map(String)).toEqual(['f\n', 'tail']);
    expect(r.readline().length).toBe(0);
    expect(r.read().length).toBe(0);
    a.close();
    b.close();
  });

  it('SocketReader.readlines(hint) stops at the hint as Python; a foreign this fails at once', () => {
    const [a, b] = socket.socketpair();
    const r = new ss.SocketReader(b);
    a.sendall(Buffer.from('one\ntwo\nthree\nfour\n')); // the peer never shuts down: without the hint this would block
    expect(r.readlines(5).map(String)).toEqual(['one\n', 'two\n']);
    expect(r.readlines(1).map(String)).toEqual(['three\n']);
    expect(() => r.readlines(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    a.shutdown(socket.SHUT_WR);
    expect(r.readlines(null).map(String)).toEqual(['four\n']);
    // a sparse array of length 2**32-1 as `this` was spread for minutes
    const t0 = Date.now();
    expect(() => ss.SocketReader.prototype.readlines.call(new Array(2 ** 32 - 1) as never)).toThrow(TypeError);
    expect(Date.now() - t0).toBeLessThan(5000);
    a.close();
    b.close();
  });

  it('SocketWriter with wbufsize gathers writes until flush; BytesReader/BytesWriter', () => {
    const [a, b] = socket.socketpair();
    const w = new ss.SocketWriter(a, 1024);
    w.write('ab');
    w.writelines(['c', Buffer.from('d')]);
    b.setblocking(false);
    expect(() => b.recv(10)).toThrow(expect.objectContaining({ code: 'EAGAIN' })); // nothing sent yet
    w.flush();
    b.setblocking(true);
    expect(b.recv(10).toString()).toBe('abcd');
    w.close();
    expect(() => w.write('x')).toThrow('write to closed file');
    expect(() => new ss.SocketWriter(a).write(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const br = new ss.BytesReader(Buffer.from('one\ntwo'));
    expect([...br].map(String)).toEqual(['one\n', 'two']);
    const bw = new ss.BytesWriter();
    bw.write('a');
    bw.write(new Uint8Array([98]));
    expect(bw.getvalue().toString()).toBe('ab');
    a.close();
    b.close();
  });
});

describe('lifecycle', () => {
  it('SS-04: shutdown() reliably stops serveForever (20 servers, from a signal handler)', () => {
    let current: ss.BaseServer | null = null;
    const prev = signal.signal(signal.SIGALRM, () => current?.shutdown());
    try {
      for (let i = 0; i < 20; i++) {
        const server = new ss.TCPServer(['127.0.0.1', 0], H.EchoStream);
        current = server;
        const t0 = performance.now();
        signal.setitimer(signal.ITIMER_REAL, 0.005);
        server.serveForever(null); // blocks in poll(2) with no timeout: the signal's pipe write wakes it
        server.serverClose();
        expect(performance.now() - t0).toBeLessThan(2000);
      }
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, prev ?? signal.SIG_DFL);
    }
  });

  it('shutdown() before serveForever makes the next one return at once, once', () => {
    using server = new ss.UDPServer(['127.0.0.1', 0], H.EchoDgram);
    server.shutdown();
    server.serveForever(null);
    expect(server.serving).toBe(false);
  });

  it('SS-05: a failing bind leaks no fd (1,024 constructions)', () => {
    using first = new ss.TCPServer(['127.0.0.1', 0], H.EchoStream);
    const before = fdCount();
    for (let i = 0; i < 1024; i++) {
      expect(() => new ss.TCPServer(first.serverAddress as [string, number], H.EchoStream))
        .toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
    }
    for (let i = 0; i < 16; i++) {
      expect(() => new ss.ForkingTCPServer(first.serverAddress as [string, number], H.EchoStream)).toThrow();
      expect(() => new ss.ThreadingUnixStreamServer(path.join(dir, 'no/such/dir.sock'), H.EchoStream)).toThrow();
    }
    expect(fdCount()).toBe(before);
  });

  it('SS-09: dispose / serverClose right after construction', () => {
    const before = fdCount();
    let s: ss.TCPServer;
    {
      using server = new ss.TCPServer(['127.0.0.1', 0], H.EchoStream);
      s = server;
      expect(server.fileno()).toBeGreaterThan(2);
    }
    expect(s.socket.fileno()).toBe(-1);
    for (const C of [ss.ForkingTCPServer, ss.ThreadingTCPServer, ss.UDPServer, ss.ForkingUDPServer]) {
      const x = new C(['127.0.0.1', 0], H.EchoStream);
      x.serverClose();
      x.serverClose(); // idempotent
    }
    expect(fdCount()).toBe(before);
  });

  it('bindAndActivate false, allowReuseAddress, and handleRequest timeout', () => {
    class S extends ss.TCPServer {
      static override allowReuseAddress = true;
      timeouts = 0;
      override handleTimeout(): void {
        this.timeouts++;
      }
    }
    using server = new S(['127.0.0.1', 0], H.EchoStream, false);
    expect(server.serverAddress).toEqual(['127.0.0.1', 0]);
    server.serverBind();
    server.serverActivate();
    expect(server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).toBe(1);
    using plain = new ss.TCPServer(['127.0.0.1', 0], H.EchoStream);
    expect(plain.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).toBe(0);
    server.timeout = 0.05;
    const t0 = performance.now();
    server.handleRequest();
    expect(server.timeouts).toBe(1);
    expect(performance.now() - t0).toBeGreaterThan(40);
  });

  it('an AF_INET6 subclass serves on ::1', () => {
    class Server6 extends ss.ThreadingTCPServer {
      static override addressFamily = socket.AF_INET6;
    }
    let server: Server6;
    try {
      server = new Server6(['::1', 0], H.EchoStream);
    } catch (e) {
      if ((e as { code?: string }).code === 'EADDRNOTAVAIL') return; // no ::1 on this machine
      throw e;
    }
    expect(server.serverAddress).toEqual(['::1', expect.any(Number), 0, 0]);
    const code = serveWith(server, () => {
      using c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM);
      c.settimeout(10);
      c.connect(server.serverAddress as socket.Address);
      c.sendall(Buffer.from('six\n'));
      return c.recv(100).toString().endsWith(' six\n');
    });
    expect(code).toBe(0);
  });

  it('validates its arguments', () => {
    expect(() => new ss.TCPServer(['127.0.0.1', 0], 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    using server = new ss.TCPServer(['127.0.0.1', 0], H.EchoStream);
    expect(() => server.serveForever(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const closed = new ss.UDPServer(['127.0.0.1', 0], H.EchoDgram);
    closed.serverClose();
    expect(() => closed.serveForever()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'serveForever' }));
    expect(() => closed.handleRequest()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'handleRequest' }));
    expect(() => new ss.UnixStreamServer(['127.0.0.1', 0] as never, H.EchoStream))
      .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('ThreadingUDPServer.serverClose', () => {
  it('joins request threads before closing the socket they answer through', () => {
    const server = new ss.ThreadingUDPServer(['127.0.0.1', 0], H.EchoDgram);
    using c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    c.settimeout(10);
    for (let i = 0; i < 5; i++) c.sendto(Buffer.from(`d${i}`), server.serverAddress as socket.Address);
    const pid = runInChild(() => {
      for (let i = 0; i < 5; i++) server.handleRequest();
      server.serverClose(); // right away: every reply must still go out
      return 0;
    });
    const got = new Set<string>();
    for (let i = 0; i < 5; i++) got.add(c.recvfrom(100)[0].toString().split(' ')[1]);
    expect(waitWithTimeout(pid).status).toBe(0);
    expect([...got].sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    server.serverClose();
  });
});
