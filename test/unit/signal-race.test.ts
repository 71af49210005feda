// A signal that lands while JS runs between two syscalls is only recorded:
// its EINTR is spent before the next blocking call starts. Every blocking
// call runs such pending handlers before it blocks, so none sleeps through a
// signal that has already arrived (and a handler's throw comes out at once).
import { afterEach, describe, expect, it } from 'vitest';
import { Lock } from '../../lib/multiprocessing/index';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { fdCount, runInChild, sleepSync, waitWithTimeout } from '../helpers/proc';

afterEach(() => {
  signal.signal(signal.SIGUSR2, signal.SIG_DFL);
});

// Installs a throwing handler, sends the signal to ourselves while JS runs
// (so it is only recorded), then makes the blocking call: it must throw the
// handler's error well before the 1.5 s it would otherwise block (without
// the pre-check each call below returns or times out after 1.5 s instead).
// Node's process.kill, unlike os.kill, does not run posixkit handlers: the
// signal stays recorded, as one from another process arriving now would.
function expectPrompt(call: () => unknown): void {
  const boom = new Error('recorded while JS ran');
  signal.signal(signal.SIGUSR2, () => { throw boom; });
  process.kill(process.pid, 'SIGUSR2');
  let x = 0;
  for (let i = 0; i < 1e5; i++) x += i; // JS runs; the handler has not
  expect(x).toBeGreaterThan(0);
  const t0 = performance.now();
  expect(call).toThrow(boom);
  expect(performance.now() - t0).toBeLessThan(1000);
}

describe('pending handlers run before a call blocks', () => {
  it('os.read, os.waitpid', () => {
    const before = fdCount();
    const [r, w] = os.pipe();
    const pid = runInChild(() => { sleepSync(1500); os.write(w, 'x'); sleepSync(1500); return 0; });
    expectPrompt(() => os.read(r, 1));
    expectPrompt(() => os.waitpid(pid, 0));
    os.kill(pid, 9);
    waitWithTimeout(pid);
    os.close(r);
    os.close(w);
    expect(fdCount()).toBe(before);
  });
  it('select, poll, epoll', () => {
    const [r, w] = os.pipe();
    expectPrompt(() => select.select([r], [], [], 1.5));
    const p = select.poll();
    p.register(r, select.POLLIN);
    expectPrompt(() => p.poll(1500));
    const ep = select.epoll();
    ep.register(r, select.EPOLLIN);
    expectPrompt(() => ep.poll(1.5));
    ep.close();
    os.close(r);
    os.close(w);
  });
  it('socket recv and accept', () => {
    const [a, b] = socket.socketpair();
    a.settimeout(1.5);
    expectPrompt(() => a.recv(10));
    const into = Buffer.alloc(10);
    expectPrompt(() => a.recv_into(into));
    const srv = socket.create_server(['127.0.0.1', 0]);
    srv.settimeout(1.5);
    expectPrompt(() => srv.accept());
    for (const s of [a, b, srv]) s.close();
  });
  it('a Lock held by another process', () => {
    const lock = new Lock();
    lock.acquire();
    const pid = runInChild(() => { lock.acquire(); return 0; });
    // the child blocks on the lock; our own acquire with a timeout blocks too
    expectPrompt(() => lock.acquire(true, 1.5));
    lock.release();
    expect(os.waitstatus_to_exitcode(waitWithTimeout(pid).status!)).toBe(0);
  });
});

describe('two copies of posixkit/signal in one process', () => {
  it('share one handler table (the addon has one dispatcher per environment)', async () => {
    const dist = await import('../../dist/signal.js');
    let hits = 0;
    signal.signal(signal.SIGUSR2, () => { hits++; });
    // Loading the second copy registered its dispatcher last; ours must still run.
    expect(typeof dist.signal).toBe('function');
    signal.raise_signal(signal.SIGUSR2);
    expect(hits).toBe(1);
  });
});
