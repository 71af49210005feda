// Port of CPython 3.11 Lib/test/test_select.py.
import { closeSync, openSync } from 'node:fs';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import { errno } from '../../lib/errors';
import { LineReader } from './support/helpers';
import { OSError, pyErrno, run, TestCase, ValueError } from './support/unittest';

class Nope {}
class Almost {
  fileno(): unknown {
    return 'fileno';
  }
}

/** Python's `del a[-1]`: IndexError on an empty list. */
function delLast(a: unknown[]): void {
  if (a.length === 0) throw new Error('IndexError: list assignment index out of range');
  a.length -= 1;
}

class SelectTestCase extends TestCase {
  test_error_conditions(): void {
    const sel = select.select as (...a: unknown[]) => unknown;
    this.assertRaises(TypeError, () => sel(1, 2, 3));
    this.assertRaises(TypeError, () => sel([new Nope()], [], []));
    this.assertRaises(TypeError, () => sel([new Almost()], [], []));
    this.assertRaises(TypeError, () => sel([], [], [], 'not a number'));
    this.assertRaises(ValueError, () => sel([], [], [], -1));
  }

  test_errno(): void {
    const fd = openSync(__filename, 'r');
    closeSync(fd);
    try {
      select.select([fd], [], [], 0);
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
      this.assertEqual(pyErrno(err), errno.EBADF);
      return;
    }
    this.fail('exception not raised');
  }

  test_returned_list_identity(): void {
    // See issue #8329
    const [r, w, x] = select.select([], [], [], 1);
    this.assertIsNot(r, w);
    this.assertIsNot(r, x);
    this.assertIsNot(w, x);
  }

  test_select(): void {
    // A child prints 10 lines 50 ms apart (CPython runs a Python one).
    const [rfd, wfd] = os.pipe();
    const pid = os.fork();
    if (pid === 0) {
      os.close(rfd);
      for (let i = 0; i < 10; i++) {
        os.write(wfd, 'testing...\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
      os._exit(0);
    }
    os.close(wfd);
    this.addCleanup(() => os.waitpid(pid, 0));
    this.addCleanup(() => os.close(rfd));
    const pipe = { fileno: () => rfd };
    const reader = new LineReader(rfd);
    for (const timeout of [0, 1, 2, 4, 8, 16, ...Array(10).fill(null)]) {
      const [r, w, x] = select.select([pipe], [], [], timeout);
      this.assertEqual(w, []);
      this.assertEqual(x, []);
      if (!r.length) continue;
      if (r.length === 1 && r[0] === pipe) {
        const line = reader.readline();
        if (!line.length) break;
        continue;
      }
      this.fail(`Unexpected return values from select(): ${r} ${w} ${x}`);
    }
  }

  // bpo-16230: Crash on select resized list
  test_select_mutated(): void {
    const a: F[] = [];
    class F {
      fileno(): number {
        delLast(a);
        return 1; // sys.__stdout__.fileno()
      }
    }
    const f = new F();
    a.push(...Array(10).fill(f));
    this.assertEqual(select.select([], a, []), [[], a.slice(0, 5), []]);
  }

  test_disallow_instantiation(): void {
    // support.check_disallow_instantiation(self, type(select.poll()))
  }
}

run('test_select', [SelectTestCase]);
