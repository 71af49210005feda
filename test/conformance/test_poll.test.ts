// Port of CPython 3.11 Lib/test/test_poll.py.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import { LineReader, sleep, TESTFN } from './support/helpers';
import { ForkThread } from './support/thread';
import { KeyError, OverflowError, requires, run, RuntimeError, TestCase, ValueError } from './support/unittest';

function find_ready_matching(ready: [number, number][], flag: number): number[] {
  const match: number[] = [];
  for (const [fd, mode] of ready) if (mode & flag) match.push(fd);
  return match;
}

const choice = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)];

class PollTests extends TestCase {
  test_poll1(): void {
    // Basic functional test of poll object
    // Create a bunch of pipe and test that poll works with them.
    const p = select.poll();
    const NUM_PIPES = 12;
    const MSG = Buffer.from(' This is a test.');
    const MSG_LEN = MSG.length;
    const readers: number[] = [];
    const writers: number[] = [];
    const r2w = new Map<number, number>();
    const w2r = new Map<number, number>();

    for (let i = 0; i < NUM_PIPES; i++) {
      const [rd, wr] = os.pipe();
      p.register(rd);
      p.modify(rd, select.POLLIN);
      p.register(wr, select.POLLOUT);
      readers.push(rd);
      writers.push(wr);
      r2w.set(rd, wr);
      w2r.set(wr, rd);
    }

    const bufs: Buffer[] = [];
    while (writers.length) {
      let ready = p.poll();
      const ready_writers = find_ready_matching(ready, select.POLLOUT);
      if (!ready_writers.length) throw new Error('no pipes ready for writing');
      const wr = choice(ready_writers);
      os.write(wr, MSG);

      ready = p.poll();
      const ready_readers = find_ready_matching(ready, select.POLLIN);
      if (!ready_readers.length) throw new Error('no pipes ready for reading');
      const rd = choice(ready_readers);
      const buf = os.read(rd, MSG_LEN);
      this.assertEqual(buf.length, MSG_LEN);
      bufs.push(buf);
      os.close(r2w.get(rd)!); os.close(rd);
      p.unregister(r2w.get(rd)!);
      p.unregister(rd);
      writers.splice(writers.indexOf(r2w.get(rd)!), 1);
    }
    this.assertEqual(bufs, Array(NUM_PIPES).fill(MSG));
  }

  test_poll_unit_tests(): void {
    // returns NVAL for invalid file descriptor
    const [FD, w] = os.pipe();
    os.close(FD);
    os.close(w);
    let p = select.poll();
    p.register(FD);
    let r = p.poll();
    this.assertEqual(r[0], [FD, select.POLLNVAL]);

    const fd = openSync(TESTFN, 'w');
    {
      const f = { fileno: () => fd };
      p = select.poll();
      p.register(f);
      r = p.poll();
      this.assertEqual(r[0][0], fd);
      closeSync(fd);
    }
    r = p.poll();
    this.assertEqual(r[0], [fd, select.POLLNVAL]);
    unlinkSync(TESTFN);

    // type error for invalid arguments
    p = select.poll();
    const pp = p;
    this.assertRaises(TypeError, () => pp.register(pp as never));
    this.assertRaises(TypeError, () => pp.unregister(pp as never));

    // can't unregister non-existent object
    p = select.poll();
    const p2 = p;
    this.assertRaises(KeyError, () => p2.unregister(3));

    // Test error cases
    const pollster = select.poll();
    class Nope {}
    class Almost {
      fileno(): unknown {
        return 'fileno';
      }
    }
    this.assertRaises(TypeError, () => pollster.register(new Nope() as never, 0));
    this.assertRaises(TypeError, () => pollster.register(new Almost() as never, 0));
  }

  // Another test case for poll().  This is copied from the test case for
  // select(), modified to use poll() instead.
  test_poll2(): void {
    requires('walltime');
    const cmd = 'for i in 0 1 2 3 4 5 6 7 8 9; do echo testing...; sleep 1; done';
    const [r, w] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      os.dup2(w, 1);
      os.execv('/bin/sh', ['/bin/sh', '-c', cmd]);
    }
    os.close(w);
    this.addCleanup(() => os.waitpid(pid, 0));
    this.addCleanup(() => os.close(r));
    const p = new LineReader(r);
    const pollster = select.poll();
    pollster.register(r, select.POLLIN);
    for (const tout of [0, 1000, 2000, 4000, 8000, 16000, ...Array(10).fill(-1)]) {
      const fdlist = pollster.poll(tout);
      if (fdlist.length === 0) continue;
      const [, flags] = fdlist[0];
      if (flags & select.POLLHUP) {
        const line = p.readline();
        if (line.length !== 0) this.fail('error: pipe seems to be closed, but still returns data');
        continue;
      } else if (flags & select.POLLIN) {
        const line = p.readline();
        if (!line.length) break;
        this.assertEqual(line, Buffer.from('testing...\n'));
        continue;
      } else {
        this.fail(`Unexpected return value from select.poll: ${fdlist}`);
      }
    }
  }

  test_poll3(): void {
    // test int overflow
    const pollster = select.poll();
    pollster.register(1);

    this.assertRaises(OverflowError, () => pollster.poll(2 ** 64));

    // Issues #15989, #17919
    this.assertRaises(ValueError, () => pollster.register(0, -1));
    this.assertRaises(OverflowError, () => pollster.register(0, 2 ** 64));
    this.assertRaises(ValueError, () => pollster.modify(1, -1));
    this.assertRaises(OverflowError, () => pollster.modify(1, 2 ** 64));
  }

  test_poll_c_limits(): void {
    const USHRT_MAX = 2 ** 16 - 1, INT_MAX = 2 ** 31 - 1, UINT_MAX = 2 ** 32 - 1;
    const pollster = select.poll();
    pollster.register(1);

    // Issues #15989, #17919
    this.assertRaises(OverflowError, () => pollster.register(0, USHRT_MAX + 1));
    this.assertRaises(OverflowError, () => pollster.modify(1, USHRT_MAX + 1));
    this.assertRaises(OverflowError, () => pollster.poll(INT_MAX + 1));
    this.assertRaises(OverflowError, () => pollster.poll(UINT_MAX + 1));
  }

  test_threaded_poll(): void {
    const [r, w] = os.pipe();
    this.addCleanup(() => os.close(r));
    this.addCleanup(() => os.close(w));
    const rfds: number[] = [];
    for (let i = 0; i < 10; i++) {
      const fd = os.dup(r);
      this.addCleanup(() => os.close(fd));
      rfds.push(fd);
    }
    const pollster = select.poll();
    for (const fd of rfds) pollster.register(fd, select.POLLIN);

    const t = new ForkThread(() => pollster.poll()).start();
    try {
      sleep(0.5);
      // trigger ufds array reallocation
      for (const fd of rfds) pollster.unregister(fd);
      pollster.register(w, select.POLLOUT);
      this.assertRaises(RuntimeError, () => pollster.poll());
    } finally {
      // and make the call to poll() from the thread return
      os.write(w, Buffer.from('spam'));
      t.join();
    }
  }

  test_poll_blocks_with_negative_ms(): void {
    for (const timeout_ms of [null, -1000, -1, -1.0, -0.1, -1e-100]) {
      // Create two file descriptors. This will be used to unlock
      // the blocking call to poll.poll inside the thread
      const [r, w] = os.pipe();
      const pollster = select.poll();
      pollster.register(r, select.POLLIN);

      const poll_thread = new ForkThread(() => pollster.poll(timeout_ms)).start();
      this.addCleanup(() => poll_thread.kill());
      poll_thread.join(0.1);
      this.assertTrue(poll_thread.is_alive());

      // Write to the pipe so pollster.poll unblocks and the thread ends.
      os.write(w, Buffer.from('spam'));
      poll_thread.join();
      this.assertFalse(poll_thread.is_alive());
      os.close(r);
      os.close(w);
    }
  }
}

run('test_poll', [PollTests]);
