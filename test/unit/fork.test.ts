import { fork as cpFork, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { hooks } from '../helpers/native-hooks';
import {
  fdCount, forkRun, procPpid, procState, ROOT, runInChild, runNode, sleepSync, waitWithTimeout, zombieChildren,
} from '../helpers/proc';


function readAll(fd: number): string {
  let out = '';
  for (;;) {
    const chunk = os.read(fd, 65536);
    if (chunk.length === 0) return out;
    out += chunk.toString();
  }
}

describe('fork basics', () => {
  it('returns the child pid in the parent and 0 in the child; ids are right in the child', () => {
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      os.write(w, JSON.stringify({ pid: os.getpid(), processPid: process.pid, ppid: os.getppid() }));
      os._exit(0);
    }
    os.close(w);
    const [p, status] = os.waitpid(pid, 0);
    const got = JSON.parse(readAll(r));
    os.close(r);
    expect(p).toBe(pid);
    expect(os.WIFEXITED(status)).toBe(true);
    expect(got).toEqual({ pid, processPid: pid, ppid: process.pid });
    expect(process.pid).toBe(os.getpid());
  });
  it('a grandchild reports its own pid too', () => {
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      const g = os.fork();
      if (g === 0) {
        os.write(w, JSON.stringify({ processPid: process.pid, pid: os.getpid(), ppid: os.getppid() }));
        os._exit(0);
      }
      os.waitpid(g, 0);
      os._exit(process.pid === os.getpid() ? 0 : 1);
    }
    os.close(w);
    expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(0);
    const got = JSON.parse(readAll(r));
    os.close(r);
    expect(got.processPid).toBe(got.pid);
    expect(got.ppid).toBe(pid);
  });

  it('the child has a copy of memory: its writes do not reach the parent', () => {
    const state = { n: 1 };
    const code = forkRun(() => {
      state.n = 42;
      return state.n === 42 ? 0 : 1;
    });
    expect(code).toBe(0);
    expect(state.n).toBe(1);
  });

  it('every exit code 0..255 reaches waitpid exactly', () => {
    const pids: number[] = [];
    for (let i = 0; i < 256; i++) {
      const pid = os.fork();
      if (pid === 0) os._exit(i);
      pids.push(pid);
    }
    pids.forEach((pid, i) => {
      const [p, status] = os.waitpid(pid, 0);
      expect(p).toBe(pid);
      expect(os.WIFEXITED(status) && os.WEXITSTATUS(status)).toBe(i);
      expect(os.waitstatus_to_exitcode(status)).toBe(i);
    });
  });

  it('a signal death decodes as WIFSIGNALED / -signum', () => {
    for (const sig of [9, 15, 6, 11]) {
      const pid = os.fork();
      if (pid === 0) {
        os.kill(os.getpid(), sig);
        sleepSync(5000);
        os._exit(0);
      }
      const [, status] = os.waitpid(pid, 0);
      expect(os.WIFSIGNALED(status)).toBe(true);
      expect(os.WTERMSIG(status)).toBe(sig);
      expect(os.waitstatus_to_exitcode(status)).toBe(-sig);
    }
  });
});

describe('waitpid', () => {
  it('WNOHANG gives [0, 0] while the child runs, then reaps it', () => {
    const pid = runInChild(() => { sleepSync(200); return 3; });
    expect(os.waitpid(pid, os.WNOHANG)).toEqual([0, 0]);
    let r: [number, number] = [0, 0];
    const end = Date.now() + 5000;
    while (r[0] === 0 && Date.now() < end) {
      sleepSync(10);
      r = os.waitpid(pid, os.WNOHANG);
    }
    expect(r[0]).toBe(pid);
    expect(os.waitstatus_to_exitcode(r[1])).toBe(3);
    expect(() => os.waitpid(pid, os.WNOHANG)).toThrow(expect.objectContaining({ code: 'ECHILD' }));
  });

  it('WUNTRACED and WCONTINUED report stop and continue', () => {
    const pid = runInChild(() => { sleepSync(5000); return 0; });
    os.kill(pid, 19); // SIGSTOP
    let [, status] = os.waitpid(pid, os.WUNTRACED);
    expect(os.WIFSTOPPED(status)).toBe(true);
    expect(os.WSTOPSIG(status)).toBe(19);
    os.kill(pid, 18); // SIGCONT
    [, status] = os.waitpid(pid, os.WCONTINUED);
    expect(os.WIFCONTINUED(status)).toBe(true);
    os.kill(pid, 9);
    [, status] = os.waitpid(pid, 0);
    expect(os.waitstatus_to_exitcode(status)).toBe(-9);
  });

  it('pid -1, 0 and -pgid select children as waitpid(2) says', () => {
    // -1: any child
    const a = runInChild(() => 11);
    const [pa, sa] = os.waitpid(-1, 0);
    expect([pa, os.waitstatus_to_exitcode(sa)]).toEqual([a, 11]);
    // 0: a child in our process group
    const c = runInChild(() => 12);
    const [pc] = os.waitpid(0, 0);
    expect(pc).toBe(c);
    // -pgid: a child that moved to its own group; 0 no longer matches it
    const [r, w] = os.pipe();
    const g = runInChild(() => { os.setpgid(0, 0); os.write(w, 'x'); sleepSync(200); return 13; });
    os.read(r, 1);
    os.close(r);
    os.close(w);
    // No child is left in our group: waitpid(0) has nothing to wait for.
    expect(() => os.waitpid(0, os.WNOHANG)).toThrow(expect.objectContaining({ code: 'ECHILD' }));
    const [pg, sg] = os.waitpid(-g, 0);
    expect([pg, os.waitstatus_to_exitcode(sg)]).toEqual([g, 13]);
  });

  it('a zombie shows state Z until it is reaped, then is gone', () => {
    const pid = runInChild(() => 7);
    const end = Date.now() + 5000;
    while (procState(pid) !== 'Z' && Date.now() < end) sleepSync(5);
    expect(procState(pid)).toBe('Z');
    expect(zombieChildren()).toContain(pid);
    const [, status] = os.waitpid(pid, 0);
    expect(os.waitstatus_to_exitcode(status)).toBe(7);
    expect(procState(pid)).toBe(null);
  });
});

describe('waitpidAsync', () => {
  it('resolves without blocking the event loop', async () => {
    // The child ends only once a timer of this event loop released it: a
    // waitpidAsync() that blocked the loop would never resolve.
    const [r, w] = os.pipe();
    const pid = runInChild(() => { os.read(r, 1); return 4; });
    os.close(r);
    let released = false;
    setTimeout(() => { released = true; os.write(w, 'x'); }, 50);
    const [p, status] = await os.waitpidAsync(pid);
    os.close(w);
    expect(released).toBe(true);
    expect(p).toBe(pid);
    expect(os.waitstatus_to_exitcode(status)).toBe(4);
  });
  it('resolves at once for an exited child, rejects for a stranger', async () => {
    const pid = runInChild(() => 0);
    sleepSync(100);
    await expect(os.waitpidAsync(pid)).resolves.toEqual([pid, 0]);
    await expect(os.waitpidAsync(1)).rejects.toMatchObject({ code: 'ECHILD' });
    expect(() => os.waitpidAsync(-1)).toThrow(RangeError);
  });
  it('a worker thread that ends with a wait pending leaves cleanly', async () => {
    const pid = runInChild(() => { sleepSync(3000); return 0; });
    const w = new Worker(`
      const os = require(${JSON.stringify(path.join(ROOT, 'dist/os.js'))});
      os.waitpidAsync(${pid});
      require('node:worker_threads').parentPort.postMessage('waiting');`, { eval: true });
    await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
    os.kill(pid, 9);
    expect(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])).toBe(-9);
  });

  it('several concurrent waits each get their own child, with no fd left behind', async () => {
    const before = fdCount();
    const pids = [1, 2, 3, 4, 5].map((i) => runInChild(() => { sleepSync(20 * i); return i; }));
    const res = await Promise.all(pids.map((p) => os.waitpidAsync(p)));
    expect(res.map(([p, s]) => [p, os.waitstatus_to_exitcode(s)])).toEqual(pids.map((p, i) => [p, i + 1]));
    await new Promise((r) => setImmediate(r)); // let the handles close
    expect(fdCount()).toBe(before);
  });
});

describe('the child keeps running JavaScript', () => {
  it('timers, fs, crypto, net (an inherited listening socket), GC and child_process work in the child', () => {
    const r = runNode(['--expose-gc', 'test/fixtures/fork-child-features.js']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual({ code: 0 });
  });

  it.each([
    ['natural', 0, /child-timer/],
    ['exitcode', 9, /child-exit-listener code=9/],
    ['exit', 7, /child-exit-listener code=7/],
    ['_exit', 5, /^\{"code":5\}/],
    ['throw', 1, /child-exit-listener code=1/],
    ['reject', 1, /child-exit-listener code=1/],
    ['beforeExit', 0, /again 2/],
  ])('exit path %s: code %i reaches the parent', (mode, code, pattern) => {
    const r = runNode(['test/fixtures/fork-exit-paths.js', mode as string]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(JSON.parse(lines.find((l) => l.startsWith('{'))!)).toEqual({ code });
    expect(r.stdout).toMatch(pattern as RegExp);
    // The parent's 'exit' listener runs once in the parent (and, inherited, once in the child unless _exit).
    const parentLines = lines.filter((l) => l.startsWith('parent-exit-listener'));
    expect(parentLines.length).toBe(mode === '_exit' ? 1 : 2);
    if (mode === 'throw') expect(r.stderr).toMatch(/Error: boom in child/);
    if (mode === 'reject') expect(r.stderr).toMatch(/rejected in child/);
  });

  it('an inherited IPC channel is closed in the child without a message', async () => {
    const child = cpFork(path.join(ROOT, 'test/fixtures/fork-ipc.js'), [], { execArgv: ['--single-threaded'], stdio: 'pipe' });
    let sent = 0;
    const msgs: unknown[] = [];
    const iv = setInterval(() => { if (child.connected) { child.send(`m${sent++}`); } }, 5);
    const result = await new Promise<{ child: { childGot: number; connected: boolean; sendError: string } }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), 15000);
      child.on('message', (m) => {
        msgs.push(m);
        if (m && typeof m === 'object' && 'child' in m) {
          clearInterval(iv);
          child.send('done');
          clearTimeout(t);
          resolve(m as never);
        }
      });
    });
    const final = await new Promise<{ parentGot: number }>((resolve) => child.on('message', (m) => {
      if (m && typeof m === 'object' && 'parentGot' in m) resolve(m as never);
    }));
    await new Promise((r) => child.on('exit', r));
    expect(result.child.childGot).toBe(0);
    expect(result.child.connected).toBe(false);
    expect(result.child.sendError).toBe('ERR_IPC_CHANNEL_CLOSED');
    expect(msgs).not.toContain('from-child');
    expect(final.parentGot).toBeGreaterThan(10);
  });
});

describe('refusals', () => {
  it('without --single-threaded: a coded error that says how to fix it', () => {
    const r = runNode(['-e', "try { require('./dist/os').fork(); } catch (e) { console.log(e.code + ' ' + e.message) }"], { execArgv: [] });
    expect(r.stdout).toMatch(/^ERR_FORK_NOT_SINGLE_THREADED .*--single-threaded.*posixkit\/forkable/);
  });
  it('from a worker thread', async () => {
    const w = new Worker(`
      const { parentPort } = require('node:worker_threads');
      try { require(${JSON.stringify(path.join(ROOT, 'dist/os.js'))}).fork(); parentPort.postMessage('forked?!'); }
      catch (e) { parentPort.postMessage(e.code); }`, { eval: true });
    const msg = await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
    expect(msg).toBe('ERR_FORK_NOT_MAIN_THREAD');
  });
});

describe('register_at_fork', () => {
  it('runs before hooks in reverse order, after hooks in order, child hooks in the child', () => {
    // Hooks cannot be unregistered (as in Python): they record only while `on`.
    const calls: string[] = [];
    let on = true;
    const rec = (s: string) => () => { if (on) calls.push(s); };
    os.register_at_fork({ before: rec('b1'), after_in_parent: rec('p1'), after_in_child: rec('c1') });
    os.register_at_fork({ before: rec('b2'), after_in_parent: rec('p2'), after_in_child: rec('c2') });
    os.register_at_fork({ before: () => { if (on) throw new Error('ignored like Python'); } });
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      os.write(w, calls.join(','));
      os._exit(0);
    }
    os.close(w);
    os.waitpid(pid, 0);
    const child = readAll(r);
    os.close(r);
    on = false;
    expect(child).toBe('b2,b1,c1,c2');
    expect(calls).toEqual(['b2', 'b1', 'p1', 'p2']);
  });
});

describe('orphans and double fork', () => {
  it('an orphan is adopted: its getppid changes when its parent exits', () => {
    const [r, w] = os.pipe();
    const [ready, readyW] = os.pipe();
    const child = runInChild(() => {
      const grandchild = os.fork();
      if (grandchild === 0) {
        const before = os.getppid();
        os.write(readyW, 'r');
        const end = Date.now() + 5000;
        while (os.getppid() === before && Date.now() < end) sleepSync(5);
        os.write(w, JSON.stringify({ before, after: os.getppid() }));
        os._exit(0);
      }
      os.read(ready, 1); // the grandchild has seen us as its parent
      return 0;
    });
    os.close(w);
    os.close(readyW);
    os.close(ready);
    expect(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])).toBe(0);
    const got = JSON.parse(readAll(r));
    os.close(r);
    expect(got.before).toBe(child);
    expect(got.after).not.toBe(child);
    expect(got.after).toBeGreaterThan(0);
  });

  it('double fork leaves no zombie behind', () => {
    const [r, w] = os.pipe();
    const child = runInChild(() => {
      if (os.fork() === 0) { sleepSync(50); os.write(w, 'grandchild-ran'); os._exit(0); }
      return 0;
    });
    os.close(w);
    os.waitpid(child, 0);
    expect(readAll(r)).toBe('grandchild-ran');
    os.close(r);
    expect(zombieChildren()).toEqual([]);
    expect(procPpid(child)).toBe(null);
  });
});

describe('posixkit/forkable', () => {
  it('re-executes in place with --single-threaded: same pid, argv and fds', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-forkable-'));
    const file = path.join(dir, 'fd3');
    const fd = openSync(file, 'w');
    const child = spawn(process.execPath, [path.join(ROOT, 'test/fixtures/forkable-probe.js'), 'a', 'b c'], {
      stdio: ['ignore', 'pipe', 'inherit', fd], execArgv: [],
    } as never);
    closeSync(fd);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    const got = JSON.parse(out);
    expect(code).toBe(0);
    expect(got.pid).toBe(child.pid);
    expect(got.argv).toEqual(['a', 'b c']);
    expect(got.execArgv).toContain('--single-threaded');
    expect(got.env).toBe(null);
    expect(got.fd3).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('fd3-ok');
    expect(got.childCode).toBe(33);
    rmSync(dir, { recursive: true });
  });
});

describe('the glibc condvar deadlock (docs/fork.md)', () => {
  // Waiters on a condvar in the parent do not exist in the child; without the
  // fix the child's fourth pthread_cond_signal waits for them forever.
  function hazardChild(fix: boolean): { hung: boolean; code: number | null } {
    hooks._set_condvar_fix(fix);
    try {
      expect(hooks._condvar_hazard_start()).toBe(true);
      const pid = os.fork();
      if (pid === 0) {
        hooks._condvar_hazard_signal(8);
        os._exit(0);
      }
      const { status, hung } = waitWithTimeout(pid, 3000);
      return { hung, code: status === null ? null : os.waitstatus_to_exitcode(status) };
    } finally {
      hooks._condvar_hazard_stop();
      hooks._set_condvar_fix(true);
    }
  }
  it('reproduces the hang with the fix switched off', () => {
    expect(hazardChild(false)).toEqual({ hung: true, code: null });
  });
  it('does not hang with the fix on', () => {
    expect(hazardChild(true)).toEqual({ hung: false, code: 0 });
    expect(hooks._fork_info().layout).toBe('supported');
    expect(hooks._fork_info().waitersAtLastFork).toBeGreaterThanOrEqual(4);
  });
});

describe('stress', () => {
  // npm run test:asan runs fewer: a fork of an ASan process copies its shadow memory's page tables.
  const FORKS = Number(process.env.POSIXKIT_FORK_STRESS ?? 200);
  it(`${FORKS} forks (grandchildren, GC-heavy children) leave no zombie and no fd`, () => {
    const before = fdCount();
    for (let i = 0; i < FORKS; i++) {
      const kind = i % 4;
      const pid = os.fork();
      if (pid === 0) {
        if (kind === 1) {
          const g = os.fork();
          if (g === 0) os._exit(1);
          os._exit(os.waitstatus_to_exitcode(os.waitpid(g, 0)[1]) === 1 ? kind : 100);
        }
        if (kind === 2) {
          let a: object[] = [];
          for (let j = 0; j < 100000; j++) a.push({ j });
          (globalThis as { gc?: () => void }).gc?.();
          os._exit(a.length === 100000 ? kind : 101);
          a = [];
        }
        os._exit(kind);
      }
      const { status, hung } = waitWithTimeout(pid, 10000);
      expect(hung).toBe(false);
      expect(os.waitstatus_to_exitcode(status!)).toBe(kind);
    }
    expect(zombieChildren()).toEqual([]);
    expect(fdCount()).toBe(before);
  }, 180_000); // a count, not a speed: a fork of this large process takes long on a loaded machine

  it('the stress test of docs/fork.md: allocation churn, GC-heavy children ending naturally, 0 hangs', () => {
    // A count, not a speed: up to 2 s per child (each allocates 3e5 objects and collects them), which a loaded machine needs.
    const count = Number(process.env.POSIXKIT_FORK_GATE ?? 50);
    const r = runNode(['--expose-gc', 'test/fixtures/fork-gate.js', String(count)], { timeout: 2000 * count + 20_000 });
    expect(r.error).toBeUndefined(); // a timeout would show here, not as an empty stdout
    expect(r.stderr).toBe('');
    const res = JSON.parse(r.stdout.trim());
    expect(res).toMatchObject({ hangs: 0, crashes: 0, other: 0 });
    expect(res.ok).toBe(res.count);
  }, 2000 * Number(process.env.POSIXKIT_FORK_GATE ?? 50) + 30_000);
});
