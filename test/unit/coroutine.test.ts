// posixkit/coroutine: explicit greenlet switches, and the epoll hub with
// spawn/sleep/joinall and cooperative sockets.
import { afterEach, describe, expect, it } from 'vitest';
import * as co from '../../lib/coroutine';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import * as socket from '../../lib/socket';
import { fdCount, forkRun, zombieChildren } from '../helpers/proc';

afterEach(() => { expect(zombieChildren()).toEqual([]); });

// A private hub per test, quiet about failed tasks (they are asserted instead).
function quietHub(): co.Hub {
  const hub = new co.Hub();
  hub.handleError = () => {};
  return hub;
}

describe('Greenlet: explicit switch', () => {
  it('switches in the order written, passing values both ways', () => {
    const log: string[] = [];
    const g1: co.Greenlet = new co.Greenlet(function* (a: string) {
      log.push(`g1 start ${a}`);
      const b = yield* g2.switch('to g2');
      log.push(`g1 got ${b}`);
      const c = yield* g2.switch('again');
      log.push(`g1 got ${c}`);
      return 'g1 result';
    });
    const g2: co.Greenlet = new co.Greenlet(function* (x: string) {
      log.push(`g2 start ${x}`);
      const y = yield* g1.switch('back to g1');
      log.push(`g2 got ${y}`);
      yield* g1.switch(1, 2);
      log.push('never');
    });
    expect(g1.switch('go')).toBe('g1 result');
    expect(log).toEqual(['g1 start go', 'g2 start to g2', 'g1 got back to g1', 'g2 got again', 'g1 got 1,2']);
    expect(g1.dead).toBe(true);
    expect(g2.dead).toBe(false);
    expect(g2.active).toBe(true);
  });

  it('switching to ROOT returns to plain code; the greenlet resumes later', () => {
    expect(co.getcurrentGreenlet()).toBe(co.ROOT);
    const g = new co.Greenlet(function* () {
      expect(co.getcurrentGreenlet()).toBe(g);
      let total = 0;
      for (;;) {
        const v = (yield* co.ROOT.switch(total)) as number | undefined;
        if (v === undefined) return `total ${total}`;
        total += v;
      }
    });
    expect(g.parent).toBe(co.ROOT);
    expect(g.switch()).toBe(0);
    expect(g.switch(2)).toBe(2);
    expect(g.switch(3)).toBe(5);
    expect(g.switch()).toBe('total 5');
    expect(g.dead).toBe(true);
    // A dead greenlet's switch goes to its parent: here straight back with the value.
    expect(g.switch('x')).toBe('x');
  });

  it('an exception goes to the parent; throw() raises at the switch point', () => {
    const child = new co.Greenlet(function* () { throw new Error('from child'); });
    expect(() => child.switch()).toThrow('from child');
    expect(child.dead).toBe(true);

    const log: string[] = [];
    const parent = new co.Greenlet(function* () {
      const kid = new co.Greenlet(function* () { throw new TypeError('kid failed'); });
      expect(kid.parent).toBe(parent);
      try {
        yield* kid.switch();
      } catch (e) {
        log.push(`parent caught ${(e as Error).message}`);
      }
      return 'parent done';
    });
    expect(parent.switch()).toBe('parent done');

    const g = new co.Greenlet(function* () {
      try {
        yield* co.ROOT.switch('suspended');
      } catch (e) {
        log.push(`g caught ${(e as Error).message}`);
        return 'handled';
      }
    });
    expect(g.switch()).toBe('suspended');
    expect(g.throw(new Error('stop'))).toBe('handled');
    const h = new co.Greenlet(function* () { yield* co.ROOT.switch(); });
    h.switch();
    const exit = h.throw();
    expect(exit).toBeInstanceOf(co.GreenletExit); // GreenletExit is a normal return value
    expect(h.dead).toBe(true);
    expect(log).toEqual(['parent caught kid failed', 'g caught stop']);
  });

  it('refuses a bare yield and a non-function run', () => {
    const g = new co.Greenlet(function* () { yield 5; });
    expect(() => g.switch()).toThrow(/yield\* g\.switch/);
    expect(() => new co.Greenlet(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const a = new co.Greenlet(function* () { /* */ });
    const b = new co.Greenlet(function* () { /* */ }, a);
    expect(() => { a.parent = b; }).toThrow(expect.objectContaining({ code: 'ERR_GREENLET_CYCLE' }));
  });

  it('throw() into a never-started greenlet kills it without running it', () => {
    let ran = false;
    const g = new co.Greenlet(function* () { ran = true; });
    expect(g.throw()).toBeInstanceOf(co.GreenletExit);
    expect(g.dead).toBe(true);
    expect(ran).toBe(false);
    const h = new co.Greenlet(function* () { ran = true; });
    expect(() => h.throw(new RangeError('no'))).toThrow(RangeError);
    expect(ran).toBe(false);
  });
});

describe('Hub: spawn, sleep, joinall', () => {
  it('runs ready tasks in spawn order and wakes sleepers by deadline', () => {
    const hub = quietHub();
    const log: string[] = [];
    const mk = (name: string, delay: number) => hub.spawn(function* () {
      log.push(`${name}:start`);
      yield* co.sleep(delay);
      log.push(`${name}:end`);
      return name;
    });
    const ts = [mk('a', 0.06), mk('b', 0.02), mk('c', 0), mk('d', 0.04)];
    const t0 = performance.now();
    const done = hub.run(co.joinall(ts));
    const ms = performance.now() - t0;
    expect(done).toHaveLength(4);
    expect(log.slice(0, 4)).toEqual(['a:start', 'b:start', 'c:start', 'd:start']);
    expect(log.slice(4)).toEqual(['c:end', 'b:end', 'd:end', 'a:end']);
    expect(ts.map((t) => t.value)).toEqual(['a', 'b', 'c', 'd']);
    expect(ms).toBeGreaterThanOrEqual(55);
    expect(ms).toBeLessThan(2000);
    hub.close();
  });

  it('sleep(0) yields to the other ready tasks', () => {
    const hub = quietHub();
    const log: number[] = [];
    const ts = [1, 2].map((n) => hub.spawn(function* () {
      for (let i = 0; i < 3; i++) {
        log.push(n * 10 + i);
        yield* co.sleep(0);
      }
    }));
    hub.run(co.joinall(ts));
    expect(log).toEqual([10, 20, 11, 21, 12, 22]);
    hub.close();
  });

  it('joinall with a timeout returns the tasks that ended', () => {
    const hub = quietHub();
    const fast = hub.spawn(function* () { yield* co.sleep(0.01); });
    const slow = hub.spawn(function* () { yield* co.sleep(5); });
    const t0 = performance.now();
    const done = hub.run(co.joinall([fast, slow], 0.1));
    expect(done).toEqual([fast]);
    expect(performance.now() - t0).toBeLessThan(2000);
    slow.kill();
    hub.run(slow.join());
    expect(slow.dead).toBe(true);
    expect(slow.exception).toBeUndefined();
    hub.close();
  });

  it('exceptions propagate to join/joinall/run', () => {
    const hub = quietHub();
    const bad = hub.spawn(function* () {
      yield* co.sleep(0.01);
      throw new Error('task failed');
    });
    const good = hub.spawn(function* () { return 42; });
    hub.run(co.joinall([bad, good]));
    expect(bad.dead).toBe(true);
    expect(bad.successful()).toBe(false);
    expect((bad.exception as Error).message).toBe('task failed');
    expect(good.successful()).toBe(true);
    expect(good.value).toBe(42);
    expect(() => hub.run(co.joinall([bad, good], null, true))).toThrow('task failed');
    expect(() => hub.run((function* () { yield* co.sleep(0); throw new RangeError('op failed'); })()))
      .toThrow(RangeError);
    // A task joining another sees its exception on the object, not thrown.
    const watcher = hub.spawn(function* () {
      yield* bad.join();
      return (bad.exception as Error).message;
    });
    hub.run(watcher.join());
    expect(watcher.value).toBe('task failed');
    hub.close();
  });

  it('handleError reports an uncaught task error once (gevent prints it)', () => {
    const hub = new co.Hub();
    const seen: unknown[] = [];
    hub.handleError = (t, e) => seen.push([t.name, (e as Error).message]);
    const t = hub.spawn(function* () { throw new Error('x'); });
    hub.run();
    expect(seen).toEqual([[t.name, 'x']]);
    hub.close();
  });

  it('a plain function runs as a task; a bare yield is refused', () => {
    const hub = quietHub();
    const plain = hub.spawn((a: number, b: number) => a + b, 2, 3);
    const bare = hub.spawn(function* () { yield 1 as never; });
    const lazy = hub.spawn(function* () { yield co.sleep(1) as never; });
    hub.run();
    expect(plain.value).toBe(5);
    expect(String(bare.exception)).toMatch(/tasks yield\* hub operations/);
    expect(String(lazy.exception)).toMatch(/write yield\*, not yield/);
    hub.close();
  });

  it('run(op) that can never complete throws ERR_LOOP_EXIT instead of hanging', () => {
    const hub = quietHub();
    const [r, w] = os.pipe();
    // A task that waits forever on a pipe nobody writes to keeps the loop alive; a join on a
    // task that waits on nothing at all cannot.
    const never: co.Task = hub.spawn(function* () { yield* co.sleep(0); yield* never.join(); });
    expect(() => hub.run(never.join())).toThrow(expect.objectContaining({ code: 'ERR_LOOP_EXIT' }));
    expect(() => hub.run(co.wait_read(r, 0.05))).toThrow(expect.objectContaining({ code: 'ETIMEDOUT' }));
    os.close(r);
    os.close(w);
    hub.close();
  });

  it('stop() from a signal handler wakes the hub out of epoll_wait', () => {
    const hub = quietHub();
    const [r, w] = os.pipe();
    hub.spawn(function* () { yield* co.wait_read(r); }); // blocks forever without stop()
    const prev = signal.signal(signal.SIGALRM, () => hub.stop());
    try {
      signal.setitimer(signal.ITIMER_REAL, 0.02);
      const t0 = performance.now();
      hub.run();
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, prev ?? signal.SIG_DFL);
      os.close(r);
      os.close(w);
      hub.close();
    }
  });

  it('refuses reentrant run and use after close', () => {
    const hub = quietHub();
    const t = hub.spawn(() => hub.run());
    hub.run();
    expect((t.exception as { code?: string }).code).toBe('ERR_HUB_RUNNING');
    hub.close();
    expect(() => hub.spawn(() => 1)).toThrow(expect.objectContaining({ code: 'ERR_HUB_CLOSED' }));
    expect(() => hub.run()).toThrow(expect.objectContaining({ code: 'ERR_HUB_CLOSED' }));
  });
});

describe('the default hub', () => {
  it('getHub() is per process: a forked child gets a fresh hub, the parent keeps its own', () => {
    const parentHub = co.getHub();
    const parentFd = parentHub.fileno();
    const t = co.spawn(function* () { expect(co.getcurrent()).toBe(t); yield* co.sleep(0.01); return 'p'; });
    const code = forkRun(() => {
      const h = co.getHub();
      if (h === parentHub || !parentHub.closed) return 2;
      const c = co.spawn(function* () { yield* co.sleep(0.01); return 'c'; });
      co.run(c.join());
      return c.value === 'c' ? 0 : 3;
    });
    expect(code).toBe(0);
    expect(co.getHub()).toBe(parentHub);
    expect(parentHub.fileno()).toBe(parentFd);
    co.run(t.join());
    expect(t.value).toBe('p');
    expect(co.getcurrent()).toBe(null);
  });
});

describe('Hub: validation and kill', () => {
  it('refuses bad arguments with coded errors', () => {
    const hub = quietHub();
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => hub.spawn(5 as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => co.sleep('1' as never).next()).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => co.joinall([5 as never]).next()).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => co.joinall([], -1).next()).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => co.wait_read(-1).next()).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => co.wait_read('x' as never).next()).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => new co.Hub({ maxevents: 0 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new co.CoSocket(3 as never, hub)).toThrow(TypeError);
    // A closed fd waited on: EBADF from epoll_ctl, thrown into the task, not a crash.
    const [r, w] = os.pipe();
    os.close(r);
    os.close(w);
    const t = hub.spawn(function* () { yield* co.wait_read(r); });
    hub.run();
    expect((t.exception as { code?: string }).code).toBe('EBADF');
    hub.close();
  });

  it('kill(): a waiting task, a ready task, an unstarted task, and the running task itself', () => {
    const hub = quietHub();
    const [r, w] = os.pipe();
    const log: string[] = [];
    const waiting = hub.spawn(function* () {
      try {
        yield* co.wait_read(r);
      } finally {
        log.push('waiting cleaned up');
      }
    });
    const self: co.Task = hub.spawn(function* () {
      self.kill();
      log.push('self still runs until it suspends');
      yield* co.sleep(0);
      log.push('never');
    });
    const unstarted = hub.spawn(function* () { log.push('never either'); });
    unstarted.kill(new Error('custom'));
    hub.spawn(function* () { yield* co.sleep(0.01); waiting.kill(); });
    hub.run();
    expect(log).toEqual(['self still runs until it suspends', 'waiting cleaned up']);
    expect([waiting.dead, self.dead, unstarted.dead]).toEqual([true, true, true]);
    expect(waiting.exception).toBeUndefined(); // TaskExit is a normal end
    expect((unstarted.exception as Error).message).toBe('custom');
    os.close(r);
    os.close(w);
    hub.close();
  });
});

describe('cooperative sockets', () => {
  it('100 clients echo through one hub server, bytes verified', () => {
    const before = fdCount();
    const hub = quietHub();
    const srv = co.listen(['127.0.0.1', 0], 128, hub);
    const addr = srv.getsockname() as [string, number];
    const handlers: co.Task[] = [];
    const server = hub.spawn(function* () {
      for (;;) {
        const [c] = yield* srv.accept();
        handlers.push(hub.spawn(function* () {
          const buf = Buffer.allocUnsafe(4096);
          for (;;) {
            const n = yield* c.recv_into(buf);
            if (n === 0) break;
            yield* c.sendall(buf.subarray(0, n));
          }
          c.close();
        }));
      }
    });
    const N = 100;
    const SIZE = 20_000;
    const clients = Array.from({ length: N }, (_, i) => hub.spawn(function* () {
      const c = yield* co.create_connection(addr, 10, hub);
      const msg = Buffer.alloc(SIZE);
      for (let j = 0; j < SIZE; j++) msg[j] = (i * 31 + j) & 0xff;
      yield* c.sendall(msg);
      c.shutdown(socket.SHUT_WR);
      const parts: Buffer[] = [];
      for (;;) {
        const d = yield* c.recv(65536);
        if (d.length === 0) break;
        parts.push(d);
      }
      c.close();
      return Buffer.concat(parts).equals(msg);
    }));
    const done = hub.run(co.joinall(clients, 30));
    expect(done).toHaveLength(N);
    expect(clients.map((t) => t.exception)).toEqual(clients.map(() => undefined));
    expect(clients.every((t) => t.value === true)).toBe(true);
    hub.run(co.joinall(handlers, 10));
    expect(handlers).toHaveLength(N);
    server.kill();
    hub.run(server.join());
    expect(server.dead).toBe(true);
    srv.close();
    hub.close();
    expect(fdCount()).toBe(before);
  });

  it('UDP recvfrom/sendto, a timeout, and close() waking a waiter with EBADF', () => {
    const hub = quietHub();
    const a = co.socket(socket.AF_INET, socket.SOCK_DGRAM, 0, hub);
    const b = co.socket(socket.AF_INET, socket.SOCK_DGRAM, 0, hub);
    a.bind(['127.0.0.1', 0]);
    const got = hub.spawn(function* () { return yield* a.recvfrom(100); });
    hub.spawn(function* () { yield* co.sleep(0.01); yield* b.sendto(Buffer.from('ping'), a.getsockname() as [string, number]); });
    hub.run(got.join());
    expect((got.value as [Buffer, unknown])[0].toString()).toBe('ping');

    b.timeout = 0.05;
    const timed = hub.spawn(function* () { return yield* b.recvfrom(10); });
    hub.run(timed.join());
    expect((timed.exception as { code?: string }).code).toBe('ETIMEDOUT');

    const waiting = hub.spawn(function* () { return yield* a.recv(10); });
    hub.spawn(function* () { yield* co.sleep(0.01); a.close(); });
    hub.run(waiting.join());
    expect((waiting.exception as { code?: string }).code).toBe('EBADF');
    b.close();
    hub.close();
  });

  it('connect to a closed port fails with ECONNREFUSED', () => {
    const hub = quietHub();
    const probe = socket.socket();
    probe.bind(['127.0.0.1', 0]);
    const port = (probe.getsockname() as [string, number])[1];
    probe.close();
    const t = hub.spawn(function* () { return yield* co.create_connection(['127.0.0.1', port], 5, hub); });
    hub.run(t.join());
    expect((t.exception as { code?: string }).code).toBe('ECONNREFUSED');
    hub.close();
  });

  it('two tasks reading one fd at once: the second gets ERR_CONCURRENT_USE', () => {
    const hub = quietHub();
    const [x, y] = socket.socketpair();
    const cx = co.cooperative(x, hub);
    const t1 = hub.spawn(function* () { return yield* cx.recv(10); });
    const t2 = hub.spawn(function* () { return yield* cx.recv(10); });
    hub.spawn(function* () { yield* co.sleep(0.01); y.send(Buffer.from('hi')); });
    hub.run(co.joinall([t1, t2]));
    expect(t1.value?.toString()).toBe('hi');
    expect((t2.exception as { code?: string }).code).toBe('ERR_CONCURRENT_USE');
    cx.close();
    y.close();
    hub.close();
  });
});

describe('Task arguments', () => {
  it('copies its args once, capped: a 2**32-1 sparse array is refused at construction, not spread on start', () => {
    const hub = new co.Hub();
    expect(() => new co.Task(hub, Math.max as never, new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new co.Task(hub, 5 as never, [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const args = [1, 2];
    const t = new co.Task(hub, Math.max as never, args);
    args.push(9); // the task has its own copy
    expect(t._start()).toEqual({ done: 2 });
  });
});
