// The rest of Python's multiprocessing surface: parent_process, authkey,
// kwargs, Array, Value(lock=None), logging, connection.Listener/Client/wait
// (cross-checked with a Python peer), reduction.send_handle/recv_handle and
// ShareableList (attached from Python).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import { runNode, sleepSync } from '../helpers/proc';
import { elapsed } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

beforeAll(() => { new mp.Lock(); });
checkLeaks(() => {
  for (const p of mp.activeChildren()) { p.kill(); p.join(); }
});

const py = (code: string, args: string[] = []): string =>
  execFileSync('python3', ['-c', code, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('Process: parent_process, authkey, kwargs, Python spellings', () => {
  it('parent_process() is null here and names the parent in a child; it sees the parent die', () => {
    expect(mp.parentProcess()).toBeNull();
    expect(mp.parent_process).toBe(mp.parentProcess);
    const [r, w] = mp.Pipe(false);
    const p = new mp.Process({
      target: () => {
        const pp = mp.parent_process()!;
        w.send([pp.name, pp.pid, pp.is_alive(), os.getppid()]);
        // A grandchild outlives its parent (this child) and sees it go.
        const g = new mp.Process({
          target: () => {
            const me = mp.parentProcess()!;
            me.join(10);
            w.send(['grandchild saw', me.isAlive()]);
          },
        });
        g.start();
        os._exit(0); // leaves without joining g: g's parent is gone
      },
    });
    p.start();
    expect(r.recv()).toEqual(['MainProcess', process.pid, true, process.pid]);
    expect(r.recv()).toEqual(['grandchild saw', false]);
    p.join();
    r.close(); w.close();
  });

  it('authkey: 32 bytes here, copied to new processes, settable; kwargs reach the target', () => {
    const key = mp.current_process().authkey;
    expect(key.length).toBe(32);
    const p = new mp.Process({ target: (a: number, kw: { b: number }) => os._exit(a + kw.b), args: [2], kwargs: { b: 3 } });
    expect(p.authkey.equals(key)).toBe(true);
    p.authkey = Buffer.from('secret');
    expect(p.authkey.toString()).toBe('secret');
    expect(() => { p.authkey = 'x' as never; }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    p.start();
    p.join();
    expect(p.exitcode).toBe(5);
    expect(p.is_alive()).toBe(false);
    expect(mp.active_children()).toEqual([]);
    expect(mp.cpu_count()).toBeGreaterThan(0);
  });
});

describe('Array and Value', () => {
  it('Array() is Python\'s function (new optional); Value(lock: null) gets a new RLock as lock=None', () => {
    const a = mp.Array('i', [1, 2, 3]);
    expect(a).toBeInstanceOf(mp.SharedArray);
    expect(a.toArray()).toEqual([1, 2, 3]);
    const b = new mp.Array('d', 2, { lock: false });
    expect(() => b.getLock()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    const v = new mp.Value('i', 7, { lock: null });
    expect(v.getLock()).toBeInstanceOf(mp.RLock);
    expect(new mp.Value('i', 7, { lock: true }).getLock()).toBeInstanceOf(mp.RLock);
  });
});

describe('logging', () => {
  it('log_to_stderr(INFO) prints what Python prints for a child process', () => {
    const r = runNode(['-e', `
      const mp = require('./dist/multiprocessing');
      const log = mp.log_to_stderr(mp.INFO);
      if (mp.get_logger() !== log || log.name !== 'multiprocessing') throw new Error('one logger');
      const p = new mp.Process({ target: () => {}, name: 'Worker-1' });
      p.start(); p.join();
      log.warning('from %s', 'main');`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('[INFO/Worker-1] child process calling self.run()');
    expect(r.stderr).toContain('[INFO/Worker-1] process exiting with exitcode 0');
    expect(r.stderr).toContain('[WARNING/MainProcess] from main');
    expect(r.stderr).toContain('[INFO/MainProcess] process shutting down');
  });

  it('is silent without a handler, and below its level', () => {
    const r = runNode(['-e', `
      const mp = require('./dist/multiprocessing');
      mp.get_logger().info('nobody hears this');
      const l = mp.log_to_stderr(mp.WARNING);
      l.info('below the level'); l.debug('below too');`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('connection.Listener / Client / wait', () => {
  const { Listener, Client, wait, AuthenticationError } = mp.connection;

  it('AF_UNIX with an authkey: accept, messages both ways, the socket path removed at close', () => {
    const l = new Listener(null, 'AF_UNIX', 1, Buffer.from('k3y'));
    const path = l.address as string;
    expect(existsSync(path)).toBe(true);
    const p = new mp.Process({
      target: () => {
        const c = Client(path, null, Buffer.from('k3y'));
        c.send({ hello: 'from child' });
        c.sendBytes(Buffer.from(String(c.recv())));
        c.close();
      },
    });
    p.start();
    const c = l.accept();
    expect(c.recv()).toEqual({ hello: 'from child' });
    c.send(42);
    expect(c.recvBytes().toString()).toBe('42');
    c.close();
    p.join();
    expect(p.exitCode).toBe(0);
    l.close();
    expect(existsSync(path)).toBe(false);
  });

  it('a wrong key fails on both sides with AuthenticationError', () => {
    using l = new Listener(['127.0.0.1', 0], { authkey: Buffer.from('right') });
    const [host, port] = l.address as [string, number];
    expect(host).toBe('127.0.0.1');
    const p = new mp.Process({
      target: () => {
        try {
          Client([host, port], null, Buffer.from('wrong')).close();
        } catch (e) {
          os._exit(e instanceof AuthenticationError ? 7 : 8);
        }
      },
    });
    p.start();
    expect(() => l.accept()).toThrow(AuthenticationError);
    p.join();
    expect(p.exitCode).toBe(7);
  });

  it("a Python Client (3.11's md5 handshake) talks to our Listener; our Client talks to a Python Listener", () => {
    using l = new Listener(['127.0.0.1', 0], 'AF_INET', 1, Buffer.from('shared-key'));
    const [, port] = l.address as [string, number];
    const child = spawn('python3', ['-c', `
from multiprocessing.connection import Client
c = Client(('127.0.0.1', ${port}), authkey=b'shared-key')
c.send_bytes(b'hello from python')
print(c.recv_bytes().decode(), flush=True)
c.close()`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const c = l.accept();
    expect(c.recvBytes().toString()).toBe('hello from python');
    c.sendBytes(Buffer.from('hello from posixkit'));
    c.close();
    return new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => {
        try {
          expect(code).toBe(0);
          expect(out.trim()).toBe('hello from posixkit');
          // And the other way round: a Python Listener, our Client.
          const server = spawn('python3', ['-c', `
from multiprocessing.connection import Listener
with Listener(('127.0.0.1', 0), authkey=b'k2') as l:
    print(l.address[1], flush=True)
    with l.accept() as c:
        c.send_bytes(c.recv_bytes().upper())`], { stdio: ['ignore', 'pipe', 'inherit'] });
          server.stdout.once('data', (d) => {
            const conn = Client(['127.0.0.1', Number(String(d).trim())], 'AF_INET', Buffer.from('k2'));
            conn.sendBytes(Buffer.from('shout'));
            const got = conn.recvBytes().toString();
            conn.close();
            server.on('exit', (c2) => {
              try {
                expect(got).toBe('SHOUT');
                expect(c2).toBe(0);
                resolve();
              } catch (e) { reject(e); }
            });
          });
        } catch (e) { reject(e); }
      });
    });
  });

  it('wait() returns the ready objects: connections with data, a finished process sentinel, a listener', () => {
    const [a, b] = mp.Pipe();
    const [c, d] = mp.Pipe();
    using l = new Listener();
    expect(wait([a, c, l], 0)).toEqual([]);
    const dt = elapsed(() => expect(wait([a, c], 0.2)).toEqual([]));
    expect(dt).toBeGreaterThanOrEqual(0.15);
    d.send('x');
    expect(wait([a, c, l], 1)).toEqual([c]);
    const p = new mp.Process({ target: () => { sleepSync(100); } });
    p.start();
    expect(wait([p.sentinel], 10)).toEqual([p.sentinel]);
    p.join();
    const cl = mp.connection.Client(l.address);
    expect(wait([a, l], 5)).toEqual([l]);
    cl.close();
    l.accept().close();
    expect(() => wait(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    for (const x of [a, b, c, d]) x.close();
  });
});

describe('reduction.send_handle / recv_handle', () => {
  it('moves an open fd to a child over a Pipe: the child writes to our pipe through it', () => {
    const [a, b] = mp.Pipe();
    const [r, w] = os.pipe();
    const p = new mp.Process({
      target: () => {
        const fd = mp.reduction.recv_handle(b);
        os.write(fd, Buffer.from('through a passed fd'));
        os.close(fd);
      },
    });
    p.start();
    mp.reduction.send_handle(a, w, p.pid!);
    os.close(w); // only the child's copy is left
    p.join();
    expect(os.read(r, 100).toString()).toBe('through a passed fd');
    expect(os.read(r, 100).length).toBe(0); // end of file: no copy of w left anywhere
    os.close(r);
    a.close(); b.close();
  });

  it('speaks Python\'s form: a Python process receives the fd with recv_handle', () => {
    const [a, b] = mp.Pipe();
    const [r, w] = os.pipe();
    const fd = b.fileno();
    os.set_inheritable(fd, true);
    const child = spawn('python3', ['-c', `
import os, sys
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
c = Connection(${fd})
h = recv_handle(c)
os.write(h, b'python wrote this')
`], { stdio: ['ignore', 'inherit', 'inherit', ...new Array(Math.max(0, fd - 2)).fill('ignore')] as never });
    mp.reduction.send_handle(a, w, child.pid!);
    os.close(w);
    return new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => {
        try {
          expect(code).toBe(0);
          expect(os.read(r, 100).toString()).toBe('python wrote this');
          os.close(r);
          a.close(); b.close();
          resolve();
        } catch (e) { reject(e); }
      });
    });
  });
});

describe('ShareableList', () => {
  it('items of each kind round-trip; index, count, format; bounds and types are checked', () => {
    const l = new mp.ShareableList([1, 2.5, true, 'héllo', Buffer.from('by'), null, 2n ** 62n]);
    try {
      expect(l.length).toBe(7);
      expect(l.toArray()).toEqual([1, 2.5, true, 'héllo', Buffer.from('by'), null, 2n ** 62n]);
      expect(l[3]).toBe('héllo');
      expect(l[-1]).toBe(2n ** 62n);
      expect(l.format).toBe('qdxxxxxxx?8s8sxxxxxx?xq');
      l[0] = 'ab';
      expect(l.get(0)).toBe('ab');
      expect(l.format.startsWith('8s')).toBe(true);
      expect(() => l.set(0, 'far too long for eight bytes')).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => l.get(7)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => l.set(1, {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(l.index(null)).toBe(5);
      expect(l.count(true)).toBe(1);
      expect(() => l.index('absent')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      expect(String(l)).toContain(`name='${l.shm.name}'`);
    } finally {
      l.shm.close();
      l.shm.unlink();
    }
  });

  it("is Python's layout: Python attaches ours and changes it; we attach Python's", () => {
    const ours = new mp.ShareableList([10, 'text', 1.5, false, null]);
    try {
      const out = py(`
import sys
from multiprocessing import shared_memory as sm, resource_tracker
l = sm.ShareableList(name=sys.argv[1])
# Python 3.11 registers attached segments too, and would unlink ours at exit.
resource_tracker.unregister(l.shm._name, 'shared_memory')
print(list(l), l.format)
l[0] = 99; l[1] = 'new'; l[3] = True
l.shm.close()`, [ours.shm.name]);
      expect(out.trim()).toBe("[10, 'text', 1.5, False, None] q8sdxxxxxxx?xxxxxx?x");
      expect(ours.toArray()).toEqual([99, 'new', 1.5, true, null]);
    } finally {
      ours.shm.close();
      ours.shm.unlink();
    }
    const name = py(`
from multiprocessing import shared_memory as sm, resource_tracker
l = sm.ShareableList([7, b'raw', 'zz', 3.25, None], name='pk_sl_test_${process.pid}')
resource_tracker.unregister(l.shm._name, 'shared_memory')
l.shm.close()
print(l.shm.name)`).trim();
    const theirs = new mp.ShareableList(null, { name });
    try {
      expect(theirs.toArray()).toEqual([7, Buffer.from('raw'), 'zz', 3.25, null]);
    } finally {
      theirs.shm.close();
      theirs.shm.unlink();
    }
    expect(existsSync(`/dev/shm/${name}`)).toBe(false);
    expect(readFileSync('/proc/self/maps', 'utf8')).not.toContain(name);
  });
});

describe('lists walked with a cap', () => {
  it('ShareableList and setForkserverPreload refuse a 2**32-1 sparse array or an endless generator at once', () => {
    function* endless(): Generator<number> { for (;;) yield 1; }
    expect(() => new mp.ShareableList(new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new mp.ShareableList(endless())).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mp.setForkserverPreload(new Array(2 ** 32 - 1))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => mp.setForkserverPreload([1 as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    mp.setForkserverPreload([]);
  }, 60_000); // the generator is read to the cap, 2**24 items
});
