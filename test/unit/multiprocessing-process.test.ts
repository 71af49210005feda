// Process, activeChildren, currentProcess.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { forkRun, procState, runNode, sleepSync } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

checkLeaks(() => {
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

describe('Process: arguments', () => {
  it('rejects bad options with Node-style codes', () => {
    expect(() => new mp.Process({ target: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Process({ args: 'x' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Process({ name: 1 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Process({ daemon: 'yes' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new mp.Process(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const p = new mp.Process({});
    expect(() => p.join(Number.NaN)).toThrow();
  });
});

describe('Process: life cycle', () => {
  it('exitCode is null before start and while running, 0 after join; activeChildren tracks it', () => {
    const [r, w] = mp.Pipe(false);
    const p = new mp.Process({ target: () => { r.recvBytes(); } });
    expect(p.exitCode).toBeNull();
    expect(p.isAlive()).toBe(false);
    expect(p.pid).toBeNull();
    p.start();
    expect(p.pid).toBeGreaterThan(0);
    expect(p.isAlive()).toBe(true);
    expect(p.exitCode).toBeNull();
    expect(mp.activeChildren()).toContain(p);
    w.sendBytes(Buffer.from('go'));
    p.join();
    expect(p.exitCode).toBe(0);
    expect(p.isAlive()).toBe(false);
    expect(mp.activeChildren()).not.toContain(p);
    r.close(); w.close(); p.close();
  });

  it('passes args to target, runs in another process, names children as Python', () => {
    const [a, b] = mp.Pipe();
    const p = new mp.Process({
      target: (x: number, s: string, o: { k: number[] }) => {
        b.send([x, s, o, process.pid, os.getppid(), mp.currentProcess().name, mp.currentProcess().pid]);
      },
      args: [42, 'hi', { k: [1, 2] }],
    });
    expect(p.name).toMatch(/^Process-\d+$/);
    p.start();
    const got = a.recv() as unknown[];
    p.join();
    expect(got.slice(0, 3)).toEqual([42, 'hi', { k: [1, 2] }]);
    expect(got[3]).toBe(p.pid);
    expect(got[4]).toBe(process.pid);
    expect(got[5]).toBe(p.name);
    expect(got[6]).toBe(p.pid);
    expect(mp.currentProcess().name).toBe('MainProcess');
    expect(mp.currentProcess().pid).toBe(process.pid);
    a.close(); b.close();
  });

  it('a subclass overriding run() runs it in the child', () => {
    class Exiter extends mp.Process {
      constructor(readonly code: number) { super({ name: 'exiter' }); }
      override run(): void { os._exit(this.code); }
    }
    const p = new Exiter(17);
    expect(p.name).toBe('exiter');
    p.start();
    p.join();
    expect(p.exitCode).toBe(17);
  });

  it('a throwing target exits 1; an async target is refused (exit 1)', () => {
    const p = new mp.Process({ target: () => { throw new Error('expected in test: boom'); } });
    p.start(); p.join();
    expect(p.exitCode).toBe(1);
    const q = new mp.Process({ target: async () => 1 });
    q.start(); q.join();
    expect(q.exitCode).toBe(1);
  });

  it('start twice, join before start, close while running, use after close', () => {
    const p = new mp.Process({ target: () => sleepSync(5000) });
    expect(() => p.join()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_NOT_STARTED' }));
    p.start();
    expect(() => p.start()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_STARTED' }));
    expect(() => { p.daemon = true; }).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_STARTED' }));
    expect(() => p.close()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_RUNNING' }));
    p.kill(); p.join();
    p.close();
    expect(() => p.start()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_CLOSED' }));
    expect(() => p.isAlive()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_CLOSED' }));
    expect(() => p.sentinel).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_CLOSED' }));
    p.close(); // idempotent
  });

  it('the current process cannot be started or joined', () => {
    expect(() => mp.currentProcess().start()).toThrow(expect.objectContaining({ code: 'ERR_PROCESS_STARTED' }));
    expect(() => mp.currentProcess().join()).toThrow(expect.objectContaining({ code: 'ERR_JOIN_SELF' }));
    expect(mp.currentProcess().isAlive()).toBe(true);
  });
});

describe('Process: signals and timeouts', () => {
  it('terminate() gives -15, kill() gives -9', () => {
    const p = new mp.Process({ target: () => sleepSync(10_000) });
    p.start(); p.terminate(); p.join();
    expect(p.exitCode).toBe(-15);
    const q = new mp.Process({ target: () => sleepSync(10_000) });
    q.start(); q.kill(); q.join();
    expect(q.exitCode).toBe(-9);
    q.terminate(); // after the end: no error, no signal to a reused pid
  });

  it('join(0) and join(-1) return at once on a live process; join(t) waits about t', () => {
    const p = new mp.Process({ target: () => sleepSync(10_000) });
    p.start();
    expect(elapsed(() => p.join(0))).toBeLessThan(0.1);
    expect(elapsed(() => p.join(-1))).toBeLessThan(0.1);
    expect(p.exitCode).toBeNull();
    const dt = elapsed(() => p.join(0.3));
    expect(dt).toBeGreaterThanOrEqual(0.28);
    expect(dt).toBeLessThan(2);
    expect(p.isAlive()).toBe(true);
    p.terminate();
    expect(elapsed(() => p.join(5))).toBeLessThan(2);
    expect(p.exitCode).toBe(-15);
  });

  it('join(timeout) returns as soon as the child ends (sentinel), not at the timeout', () => {
    const p = new mp.Process({ target: () => { sleepSync(100); os._exit(3); } });
    p.start();
    const dt = elapsed(() => p.join(10));
    expect(dt).toBeLessThan(3);
    expect(p.exitCode).toBe(3);
    expect(p.sentinel).toBe(-1); // closed once reaped
  });

  it('EINTR-10: join() interrupted by a signal whose handler returns still completes', () => {
    let calls = 0;
    signal.signal(signal.SIGALRM, () => { calls++; });
    try {
      const p = new mp.Process({ target: () => sleepSync(400) });
      p.start();
      signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05);
      p.join();
      signal.setitimer(signal.ITIMER_REAL, 0);
      expect(p.exitCode).toBe(0);
      expect(calls).toBeGreaterThan(0);
      const q = new mp.Process({ target: () => sleepSync(400) });
      q.start();
      signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05);
      q.join(5);
      signal.setitimer(signal.ITIMER_REAL, 0);
      expect(q.exitCode).toBe(0);
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      signal.signal(signal.SIGALRM, signal.SIG_DFL);
    }
  });
});

describe('Process: async join, grandchildren, daemons', () => {
  it('joinAsync() resolves when the child ends without blocking the event loop', async () => {
    // The child ends only once a timer of this event loop released it: a
    // joinAsync() that blocked the loop would never resolve.
    const [r, w] = os.pipe();
    const p = new mp.Process({ target: () => { os.read(r, 1); os._exit(5); } });
    p.start();
    os.close(r);
    let released = false;
    setTimeout(() => { released = true; os.write(w, 'x'); }, 50);
    await p.joinAsync();
    os.close(w);
    expect(released).toBe(true);
    expect(p.exitCode).toBe(5);
    await p.joinAsync(); // again: already known
    await new Promise((r) => setTimeout(r, 10)); // libuv closes the pidfd in its close callback
  });

  it('joinAsync() after a synchronous join() resolves; both at once agree', async () => {
    const p = new mp.Process({ target: () => { sleepSync(150); } });
    p.start();
    const pending = p.joinAsync();
    p.join();
    await pending;
    expect(p.exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 10));
  });

  it('a child can start and join its own child (names Process-N:1)', () => {
    const [a, b] = mp.Pipe();
    const p = new mp.Process({
      target: () => {
        const g = new mp.Process({ target: () => { b.send(mp.currentProcess().name); os._exit(9); } });
        g.start();
        g.join();
        b.send(mp.activeChildren().length);
        os._exit(g.exitCode!);
      },
    });
    p.start();
    const gname = a.recv();
    expect(a.recv()).toBe(0);
    p.join();
    expect(p.exitCode).toBe(9);
    expect(gname).toBe(`${p.name}:1`);
    a.close(); b.close();
  });

  it("join(timeout) is not fooled by a grandchild that outlives its parent (the sentinel is private)", () => {
    const [a, b] = mp.Pipe();
    const p = new mp.Process({
      target: () => {
        const g = new mp.Process({ target: () => sleepSync(3000) });
        g.start();
        b.send(g.pid);
        os._exit(0); // leaves without joining: the grandchild lives on
      },
    });
    p.start();
    const gpid = a.recv() as number;
    try {
      const dt = elapsed(() => p.join(5));
      expect(p.exitCode).toBe(0);
      expect(dt).toBeLessThan(2);
    } finally {
      try { os.kill(gpid, 9); } catch { /* gone */ }
      a.close(); b.close();
    }
  });

  it('a daemonic process may not have children', () => {
    const p = new mp.Process({
      daemon: true,
      target: () => {
        try {
          new mp.Process({ target: () => {} }).start();
          os._exit(0);
        } catch (e) {
          os._exit((e as { code?: string }).code === 'ERR_DAEMON_CHILDREN' ? 21 : 22);
        }
      },
    });
    p.start(); p.join();
    expect(p.exitCode).toBe(21);
  });

  it('at exit, daemon children are terminated and other children joined', () => {
    const r = runNode(['test/fixtures/mp_daemon.js'], { timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const [daemonPid, workerPid, line] = r.stdout.trim().split('\n');
    expect(line).toBe('worker done');
    expect(procState(Number(daemonPid))).toBeNull();
    expect(procState(Number(workerPid))).toBeNull();
  });

  it('a SIGKILLed parent takes its daemon children with it, not the others (PR_SET_PDEATHSIG)', async () => {
    const child = spawn(process.execPath, ['--single-threaded', 'test/fixtures/mp_daemon_killed.js'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('no pids from the fixture')), 10_000);
      child.stdout!.on('data', (b) => { out += b; if (out.includes('\n')) { clearTimeout(t); resolve(out.trim()); } });
    });
    const [daemonPid, workerPid] = line.split(' ').map(Number);
    expect(procState(daemonPid)).not.toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    child.stdout!.destroy(); // the surviving worker holds the pipe's other end
    try {
      const gone = (pid: number) => { const s = procState(pid); return s === null || s === 'Z'; };
      const end = Date.now() + 5000;
      while (!gone(daemonPid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(gone(daemonPid)).toBe(true);
      expect(gone(workerPid)).toBe(false);
    } finally {
      for (const pid of [daemonPid, workerPid]) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
  });

  it('set_pdeathsig / get_pdeathsig round-trip in a child; bad signals are RangeErrors', () => {
    expect(forkRun(() => { os.set_pdeathsig(15); return os.get_pdeathsig() === 15 ? 0 : 1; })).toBe(0);
    expect(os.get_pdeathsig()).toBe(0);
    expect(() => os.set_pdeathsig(65)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => os.set_pdeathsig('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('cpuCount() is a positive integer', () => {
    expect(Number.isInteger(mp.cpuCount())).toBe(true);
    expect(mp.cpuCount()).toBeGreaterThan(0);
  });
});
