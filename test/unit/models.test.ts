// posixkit/models without servers: the registry, argument checks, the cores
// as pure state machines, and the stop handle.
import { describe, expect, it } from 'vitest';
import * as models from '../../lib/models';
import { SelectWaiter } from '../../lib/models/select';
import * as os from '../../lib/os';
import { create_server } from '../../lib/socket';
import { fdCount, forkRun, runInChild, sleepSync } from '../helpers/proc';
import type { ConnInfo, OutputItem, Session } from '../../lib/models';

function conn(id = 1, wake: () => void = () => {}): ConnInfo {
  return { fd: -1, peer: ['127.0.0.1', 1], local: ['127.0.0.1', 2], family: 2, model: 'test', id, wake };
}
const text = (items: OutputItem[] | null): string =>
  (items ?? []).map((b) => Buffer.from(b as Uint8Array).toString()).join('');
function drain(s: Session): string {
  let out = '';
  for (let o = s.takeOutput(); o; o = s.takeOutput()) out += text(o);
  return out;
}

describe('registry', () => {
  it('lists every model with its kind, syscalls and costs', () => {
    const names = models.models.map((m) => m.name);
    expect(names).toEqual(['iterative', 'nonblocking', 'forking', 'prefork', 'prefork-epoll', 'threading', 'select', 'poll', 'epoll', 'epoll-et', 'coroutine']);
    for (const m of models.models) {
      expect(m.description.length).toBeGreaterThan(10);
      expect(m.syscalls.length).toBeGreaterThan(0);
      expect(typeof m.serve).toBe('function');
    }
    expect(models.getModel('epoll_et')).toBe(models.getModel('epoll-et'));
    expect(models.getModel('prefork_epoll')).toBe(models.getModel('prefork-epoll'));
  });
  it('refuses unknown models with ERR_UNKNOWN_MODEL', () => {
    expect(() => models.getModel('fibers')).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_MODEL' }));
  });
});

describe('argument checks (before any socket exists)', () => {
  const core = models.echoCore();
  const before = fdCount();
  it.each([
    [{ address: null, core }, /address/],
    [{ address: { port: 70000 }, core }, /port/],
    [{ address: { port: -1 }, core }, /port/],
    [{ address: { path: '' }, core }, /path/],
    [{ address: { port: 0 }, core: {} }, /ProtocolCore/],
    [{ address: { port: 0 }, core, readSize: 0 }, /readSize/],
  ])('%o', (opts, re) => {
    expect(() => models.serve('epoll', opts as never)).toThrow(re);
    expect(fdCount()).toBe(before);
  });
  it('model options', () => {
    expect(() => models.serve('forking', { address: { port: 0 }, core, maxChildren: 0 })).toThrow(RangeError);
    expect(() => models.serve('prefork', { address: { port: 0 }, core, workers: 0 })).toThrow(RangeError);
    expect(() => models.serve('prefork', { address: { path: '/tmp/x.sock' }, core, reusePort: true }))
      .toThrow(expect.objectContaining({ code: 'ERR_MODEL_OPTION' }));
    expect(() => models.serve('prefork-epoll', { address: { port: 0 }, core, workers: 1025 })).toThrow(RangeError);
    expect(() => models.serve('prefork-epoll', { address: { path: '/tmp/x.sock' }, core, reusePort: true }))
      .toThrow(expect.objectContaining({ code: 'ERR_MODEL_OPTION' }));
    expect(() => models.serve('prefork-epoll', { address: { port: 0 }, core: models.chatCore() }))
      .toThrow(expect.objectContaining({ code: 'ERR_MODEL_CORE_MISMATCH' }));
    expect(() => models.serve('threading', { address: { port: 0 }, core: { name: 'x', open: core.open } }))
      .toThrow(expect.objectContaining({ code: 'ERR_MODEL_CORE_REF' }));
    expect(() => models.serve('forking', { address: { port: 0 }, core: models.chatCore() }))
      .toThrow(expect.objectContaining({ code: 'ERR_MODEL_CORE_MISMATCH' }));
    expect(fdCount()).toBe(before);
  });
  it('a port in use fails with EADDRINUSE and leaks nothing', () => {
    const s = create_server(['127.0.0.1', 0]);
    const port = (s.getsockname() as [string, number])[1];
    try {
      expect(() => models.serve('epoll-et', { address: { port }, core, signals: [] }))
        .toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    } finally {
      s.close();
    }
    expect(fdCount()).toBe(before);
  });
});

describe('a stop handle', () => {
  it('stops an event model from inside a core, and the server cleans up', () => {
    const before = fdCount();
    const stop = models.createStopHandle();
    let listening = false;
    const stats = models.serve('epoll', {
      address: { port: 0 }, core: models.echoCore(), stop, signals: [],
      onListening: () => { listening = true; stop.stop(); },
    });
    expect(listening).toBe(true);
    expect(stop.stopped).toBe(true);
    expect(stats).toEqual({ model: 'epoll', connections: 0, errors: 0, signal: 0 });
    stop.reset();
    expect(stop.stopped).toBe(false);
    stop.close();
    expect(fdCount()).toBe(before);
  });
  it('stops a blocking model (the check between accepts)', () => {
    const stop = models.createStopHandle();
    const stats = models.serve('iterative', {
      address: { port: 0 }, core: models.echoCore(), stop, signals: [], onListening: () => stop.stop(),
    });
    expect(stats.connections).toBe(0);
    stop.close();
  });
});

describe('echo core', () => {
  it('copies what it is fed, closes after EOF once all is taken', () => {
    const s = models.echoCore().open(conn());
    const buf = Buffer.from('abc');
    s.feed(buf);
    buf.fill(0); // drivers reuse their buffer
    s.feed(Buffer.from('def'));
    expect(s.wantsClose).toBe(false);
    expect(drain(s)).toBe('abcdef');
    s.onEof();
    expect(s.wantsClose).toBe(true);
    s.close();
  });
  it('idle timeout through nextDeadline/tick', () => {
    const s = models.echoCore({ idleTimeoutMs: 50 }).open(conn());
    const d = s.nextDeadline!()!;
    expect(d).toBeGreaterThan(Date.now());
    s.tick!(d - 1);
    expect(s.wantsClose).toBe(false);
    s.tick!(d);
    expect(s.wantsClose).toBe(true);
    expect(() => models.echoCore({ idleTimeoutMs: -1 })).toThrow(RangeError);
  });
  it('has a ref a worker thread can load', () => {
    const ref = models.echoCore({ idleTimeoutMs: 5 }).ref!;
    expect(ref.export).toBe('echoCore');
    expect(ref.args).toEqual([{ idleTimeoutMs: 5 }]);
  });
});

describe('chat core', () => {
  it('broadcasts lines to the others and wakes their drivers', () => {
    const core = models.chatCore({ greeting: 'hi.' });
    const woken: number[] = [];
    const a = core.open(conn(1, () => woken.push(1)));
    const b = core.open(conn(2, () => woken.push(2)));
    expect(core.sharedState).toBe(true);
    expect(drain(a)).toMatch(/^hi\. You are guest1.*\n\* guest2 joined\n$/);
    expect(drain(a)).toBe('');
    woken.length = 0;
    b.feed(Buffer.from('/nick bob\nhello '));
    b.feed(Buffer.from('there\n'));
    expect(woken).toContain(1);
    expect(drain(a)).toBe('* guest2 is now bob\nbob: hello there\n');
    expect(drain(b)).toMatch(/you are bob/);
    a.feed(Buffer.from('/nick bob\n'));
    expect(drain(a)).toBe('* bob is taken\n');
    b.onEof();
    expect(b.wantsClose).toBe(true);
    expect(drain(a)).toBe('* bob left\n');
    expect(core.members).toBe(1);
  });
  it('drops a client whose line is too long or who never reads', () => {
    const core = models.chatCore({ maxLineBytes: 10, maxBacklogBytes: 100 });
    const a = core.open(conn(1));
    a.feed(Buffer.alloc(20, 'x'));
    expect(drain(a)).toMatch(/line too long/);
    expect(a.wantsClose).toBe(true);
    const b = core.open(conn(2));
    const c = core.open(conn(3));
    for (let i = 0; i < 20; i++) c.feed(Buffer.from('0123456789\n'));
    expect(drain(b)).toMatch(/too far behind/);
    expect(b.wantsClose).toBe(true);
  });
});

describe('select model', () => {
  it('refuses an fd at FD_SETSIZE with ERR_FD_SETSIZE', () => {
    const w = new SelectWaiter();
    expect(() => w.add(1024, true, false)).toThrow(expect.objectContaining({ code: 'ERR_FD_SETSIZE' }));
    w.add(1023, true, false);
  });
});

describe('forking.stopChildren signals only children of its own', () => {
  it('refuses pid 0 (its own process group) and non-integers before signalling anything', () => {
    // In a child that leads a process group of its own: a kill(0, SIGTERM) there ends only that child.
    const exit = forkRun(() => {
      os.setpgid(0, 0);
      for (const bad of [0, 1.5]) {
        try {
          models.forking.stopChildren(new Set([bad]), 0);
          return 10;
        } catch (e) {
          if ((e as { code?: string }).code !== 'ERR_OUT_OF_RANGE') return 11;
        }
      }
      return 0;
    });
    expect(exit).toBe(0);
  });
  it('leaves a live process that is not its child alone', () => {
    const sibling = runInChild(() => { sleepSync(10_000); });
    try {
      // The caller is a sibling: `sibling` is not its child, so nothing may be sent to it.
      expect(forkRun(() => { models.forking.stopChildren(new Set([sibling]), 0); })).toBe(0);
      expect(os.waitpid(sibling, os.WNOHANG)).toEqual([0, 0]);
    } finally {
      try { os.kill(sibling, 9); } catch { /* already ended (the failure this test is about) */ }
      try { os.waitpid(sibling, 0); } catch { /* already reaped */ }
    }
  });
  it('still stops and reaps its own children', () => {
    const kids = new Set([runInChild(() => { sleepSync(10_000); }), runInChild(() => { sleepSync(10_000); })]);
    const [a, b] = [...kids];
    models.forking.stopChildren(kids, 0);
    expect(kids.size).toBe(0);
    for (const pid of [a, b]) expect(() => os.waitpid(pid, os.WNOHANG)).toThrow(expect.objectContaining({ code: 'ECHILD' }));
  });
});

describe('forking.stopChildren input', () => {
  it('wants the Set it empties: an endless generator is refused before a pid is read', () => {
    function* endless(): Generator<number> { for (;;) yield 1; }
    expect(() => models.forking.stopChildren(endless() as never, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
