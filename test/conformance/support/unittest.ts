// A small unittest for the ports of CPython's Lib/test suites: TestCase with
// CPython's assert* names, setUp/tearDown/addCleanup in unittest's order, and
// ThreadableTest's client half run in a forked child (a thread in CPython).
// `run(file, classes)` turns each class into a vitest describe
// '<file>.<Class>' with one it('<method>') per test method, and skips the
// methods listed in ../known.ts (set CONFORMANCE_KNOWN=run to run them anyway).
import { inspect, isDeepStrictEqual } from 'node:util';
import { describe, it } from 'vitest';
import * as errors from '../../../lib/errors';
import * as os from '../../../lib/os';
import { known, slow } from '../known';
import { resetEvents } from './events';
import { watchdog } from './watchdog';

// ---- exception matchers: Python's exception classes on posixkit's errors --------

export interface Matcher {
  pyName: string;
  test(e: unknown): boolean;
}
export type ExcSpec = Matcher | (abstract new (...args: never[]) => unknown);

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/** ValueError: a RangeError, or Node's ERR_INVALID_ARG_VALUE. */
export const ValueError: Matcher = {
  pyName: 'ValueError',
  test: (e) => e instanceof RangeError || codeOf(e) === 'ERR_INVALID_ARG_VALUE',
};
/** KeyError has no counterpart in posixkit: only an error named KeyError matches. */
export const KeyError: Matcher = { pyName: 'KeyError', test: (e) => (e as Error | null)?.name === 'KeyError' };
/** RuntimeError: a refusal that is not an errno, posixkit's codedError (an Error with a stable ERR_* code). */
export const RuntimeError: Matcher = {
  pyName: 'RuntimeError',
  test: (e) => e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError)
    && !(e instanceof errors.OSError) && /^ERR_/.test(String(codeOf(e))),
};
/** OverflowError: a RangeError. */
export const OverflowError: Matcher = { pyName: 'OverflowError', test: (e) => e instanceof RangeError };

function matches(spec: ExcSpec | ExcSpec[], e: unknown): boolean {
  if (Array.isArray(spec)) return spec.some((s) => matches(s, e));
  if (typeof spec === 'function') return e instanceof (spec as new () => unknown);
  return spec.test(e);
}

function specName(spec: ExcSpec | ExcSpec[]): string {
  if (Array.isArray(spec)) return `(${spec.map(specName).join(', ')})`;
  return typeof spec === 'function' ? spec.name : spec.pyName;
}

/** Python's `err.errno` (a positive number) from a posixkit error. */
export function pyErrno(e: unknown): number | undefined {
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? -n : undefined;
}

// ---- equality as Python's == on the mapped values ------------------------------

function isBytes(v: unknown): v is ArrayBufferView {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Python's ==: arrays (tuples, lists) elementwise, bytes by content, sets by members, NaN != NaN. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  if (isBytes(a) && isBytes(b)) return bytesOf(a).equals(bytesOf(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((x) => b.has(x));
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && pyEq(v, b.get(k)));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
    return isDeepStrictEqual(a, b);
  }
  return false;
}

export const repr = (v: unknown): string => inspect(v, { depth: 4, breakLength: 120, maxArrayLength: 20 });

export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** A call to an API posixkit does not have (yet): never mistaken for the TypeError a test expects. */
export class MissingApiError extends Error {
  override name = 'MissingApiError';
}

/**
 * `obj` with a guard: reading a property it does not have throws
 * MissingApiError naming `label.prop` (plain access would give undefined and
 * a TypeError that an assertRaises(TypeError, ...) could take for a pass).
 * Methods come back bound to obj, so private fields keep working.
 */
export function strict<T extends object>(obj: T, label: string): any {
  return new Proxy(obj, {
    get(t, p) {
      if (typeof p === 'string' && !(p in t) && p !== 'then' && p !== 'toJSON') {
        throw new MissingApiError(`${label}.${p} is missing`);
      }
      const v = Reflect.get(t, p, t);
      // a class (socket.error is OSError, socket.herror) stays itself, so assertIs can compare it
      const isClass = typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v));
      return typeof v === 'function' && !isClass && !/^[A-Z]/.test(String(p)) ? v.bind(t) : v;
    },
  });
}

export class SkipTest extends Error {
  override name = 'SkipTest';
}

/**
 * CPython's test resources (regrtest -u), plus 'slow' (known.ts): enabled by
 * CONFORMANCE_RESOURCES=walltime,cpu,slow or =all. 'network' (the internet) is
 * only on when named: the machines this runs on have loopback only.
 */
export function resourceEnabled(name: string): boolean {
  const set = (process.env.CONFORMANCE_RESOURCES ?? '').split(',').map((s) => s.trim());
  return set.includes(name) || (set.includes('all') && name !== 'network');
}

/** support.requires(resource): skips unless the resource is enabled. */
export function requires(resource: string): void {
  if (!resourceEnabled(resource)) throw new SkipTest(`resource '${resource}' is not enabled (CONFORMANCE_RESOURCES)`);
}

type Cleanup = () => unknown;

// ---- TestCase ----------------------------------------------------------------------

export class TestCase {
  static file = '';
  readonly _testMethodName: string;
  #cleanups: Cleanup[] = [];

  constructor(methodName: string) {
    this._testMethodName = methodName;
  }

  id(): string {
    return `${(this.constructor as typeof TestCase).file}.${this.constructor.name}.${this._testMethodName}`;
  }

  setUp(): void | Promise<void> {}
  tearDown(): void | Promise<void> {}

  addCleanup(fn: Cleanup): void {
    this.#cleanups.push(fn);
  }

  /** enterContext: a Disposable closed as a cleanup; returns it. */
  enterContext<T extends Disposable>(cm: T): T {
    this.addCleanup(() => cm[Symbol.dispose]());
    return cm;
  }

  async doCleanups(): Promise<unknown[]> {
    const errs: unknown[] = [];
    while (this.#cleanups.length) {
      const fn = this.#cleanups.pop()!;
      try {
        await fn();
      } catch (e) {
        errs.push(e);
      }
    }
    return errs;
  }

  skipTest(reason: string): never {
    throw new SkipTest(reason);
  }

  fail(msg = 'fail'): never {
    throw new AssertionError(msg);
  }

  /** The test method, as the harness runs it. */
  async _runMethod(): Promise<void> {
    const fn = (this as unknown as Record<string, () => unknown>)[this._testMethodName];
    await fn.call(this);
  }

  /** unittest's order: setUp; the test; tearDown (if setUp passed); cleanups (always, LIFO). */
  async run(): Promise<void> {
    let first: unknown = null;
    try {
      await this._setUpOuter();
      try {
        await this._runMethod();
      } catch (e) {
        first = e;
      }
      try {
        await this.tearDown();
      } catch (e) {
        first ??= e;
      }
    } catch (e) {
      first = e;
    }
    const errs = await this.doCleanups();
    if (first !== null) throw first;
    if (errs.length) throw errs[0];
  }

  async _setUpOuter(): Promise<void> {
    await this.setUp();
  }

  // ---- assertions ----
  #msg(std: string, msg?: string): string {
    return msg ? `${std} : ${msg}` : std;
  }

  assertEqual(a: unknown, b: unknown, msg?: string): void {
    if (!pyEq(a, b)) throw new AssertionError(this.#msg(`${repr(a)} != ${repr(b)}`, msg));
  }
  assertNotEqual(a: unknown, b: unknown, msg?: string): void {
    if (pyEq(a, b)) throw new AssertionError(this.#msg(`${repr(a)} == ${repr(b)}`, msg));
  }
  assertSequenceEqual(a: unknown, b: unknown, msg?: string): void {
    this.assertEqual(a, b, msg);
  }
  assertListEqual(a: unknown[], b: unknown[], msg?: string): void {
    this.assertEqual(a, b, msg);
  }
  assertCountEqual(a: Iterable<unknown>, b: Iterable<unknown>, msg?: string): void {
    const rest = [...b];
    const extra: unknown[] = [];
    for (const x of a) {
      const i = rest.findIndex((y) => pyEq(x, y));
      if (i < 0) extra.push(x);
      else rest.splice(i, 1);
    }
    if (extra.length || rest.length) {
      throw new AssertionError(this.#msg(`element counts differ: first has ${repr(extra)}, second has ${repr(rest)}`, msg));
    }
  }
  assertTrue(x: unknown, msg?: unknown): void {
    if (!x) throw new AssertionError(this.#msg(`${repr(x)} is not true`, msg === undefined ? undefined : String(msg)));
  }
  assertFalse(x: unknown, msg?: unknown): void {
    if (x) throw new AssertionError(this.#msg(`${repr(x)} is not false`, msg === undefined ? undefined : String(msg)));
  }
  assertIs(a: unknown, b: unknown, msg?: string): void {
    if (a !== b) throw new AssertionError(this.#msg(`${repr(a)} is not ${repr(b)}`, msg));
  }
  assertIsNot(a: unknown, b: unknown, msg?: string): void {
    if (a === b) throw new AssertionError(this.#msg(`unexpectedly identical: ${repr(a)}`, msg));
  }
  assertIsNone(a: unknown, msg?: string): void {
    if (a !== null && a !== undefined) throw new AssertionError(this.#msg(`${repr(a)} is not None`, msg));
  }
  assertIsNotNone(a: unknown, msg?: string): void {
    if (a === null || a === undefined) throw new AssertionError(this.#msg('unexpectedly None', msg));
  }
  assertIn(a: unknown, container: unknown, msg?: string): void {
    if (!contains(container, a)) throw new AssertionError(this.#msg(`${repr(a)} not found in ${repr(container)}`, msg));
  }
  assertNotIn(a: unknown, container: unknown, msg?: string): void {
    if (contains(container, a)) throw new AssertionError(this.#msg(`${repr(a)} unexpectedly found in ${repr(container)}`, msg));
  }
  assertIsInstance(obj: unknown, cls: ExcSpec | ExcSpec[] | NumberConstructor | StringConstructor, msg?: string): void {
    const ok = cls === Number ? typeof obj === 'number'
      : cls === String ? typeof obj === 'string' : matches(cls as ExcSpec, obj);
    if (!ok) throw new AssertionError(this.#msg(`${repr(obj)} is not an instance of ${(cls as { name?: string }).name ?? specName(cls as ExcSpec)}`, msg));
  }
  assertNotIsInstance(obj: unknown, cls: ExcSpec, msg?: string): void {
    if (matches(cls, obj)) throw new AssertionError(this.#msg(`${repr(obj)} is an instance of ${specName(cls)}`, msg));
  }
  assertGreater(a: number, b: number, msg?: string): void {
    if (!(a > b)) throw new AssertionError(this.#msg(`${a} not greater than ${b}`, msg));
  }
  assertGreaterEqual(a: number, b: number, msg?: string): void {
    if (!(a >= b)) throw new AssertionError(this.#msg(`${a} not greater than or equal to ${b}`, msg));
  }
  assertLess(a: number, b: number, msg?: string): void {
    if (!(a < b)) throw new AssertionError(this.#msg(`${a} not less than ${b}`, msg));
  }
  assertLessEqual(a: number, b: number, msg?: string): void {
    if (!(a <= b)) throw new AssertionError(this.#msg(`${a} not less than or equal to ${b}`, msg));
  }
  assertAlmostEqual(a: number, b: number, opts: { places?: number; delta?: number } = {}, msg?: string): void {
    if (a === b) return;
    const diff = Math.abs(a - b);
    const ok = opts.delta !== undefined ? diff <= opts.delta : Math.round(diff * 10 ** (opts.places ?? 7)) === 0;
    if (!ok) throw new AssertionError(this.#msg(`${a} != ${b} within ${opts.delta ?? `${opts.places ?? 7} places`}`, msg));
  }
  assertRegex(text: string, re: RegExp | string, msg?: string): void {
    if (!new RegExp(re).test(text)) throw new AssertionError(this.#msg(`Regex didn't match: ${re} not found in ${repr(text)}`, msg));
  }

  /** assertRaises(exc, fn): the error fn threw, which must match exc. */
  assertRaises(exc: ExcSpec | ExcSpec[], fn: () => unknown): any {
    try {
      fn();
    } catch (e) {
      if (e instanceof SkipTest) throw e;
      if (!matches(exc, e)) {
        const err = new AssertionError(`expected ${specName(exc)}, got ${repr(e)}`);
        (err as { cause?: unknown }).cause = e;
        throw err;
      }
      return e;
    }
    throw new AssertionError(`${specName(exc)} not raised`);
  }

  async assertRaisesAsync(exc: ExcSpec | ExcSpec[], fn: () => Promise<unknown>): Promise<any> {
    try {
      await fn();
    } catch (e) {
      if (!matches(exc, e)) throw new AssertionError(`expected ${specName(exc)}, got ${repr(e)}`);
      return e;
    }
    throw new AssertionError(`${specName(exc)} not raised`);
  }

  assertRaisesRegex(exc: ExcSpec | ExcSpec[], re: RegExp | string, fn: () => unknown): any {
    const e = this.assertRaises(exc, fn);
    const text = String((e as Error)?.message ?? e);
    if (!new RegExp(re).test(text)) throw new AssertionError(`"${re}" does not match "${text}"`);
    return e;
  }
}

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (isBytes(container)) {
    if (isBytes(item)) return bytesOf(container).includes(bytesOf(item));
    return typeof item === 'number' && bytesOf(container).includes(item);
  }
  if (container instanceof Set || container instanceof Map) {
    if (container.has(item)) return true;
    return [...container.keys()].some((k) => pyEq(k, item));
  }
  if (container && typeof (container as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const x of container as Iterable<unknown>) if (pyEq(x, item)) return true;
    return false;
  }
  if (container && typeof container === 'object') return Object.prototype.hasOwnProperty.call(container, item as string);
  return false;
}

// ---- registration ----------------------------------------------------------------------

type TestClass = (new (m: string) => TestCase) & { file: string; name: string };

/** The test methods of a class (its own and inherited), sorted by name as unittest does. */
export function testMethods(cls: Function): string[] {
  const names = new Set<string>();
  for (let p = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (n.startsWith('test') && typeof Object.getOwnPropertyDescriptor(p, n)?.value === 'function') names.add(n);
    }
  }
  return [...names].sort();
}

const runKnown = process.env.CONFORMANCE_KNOWN === 'run';

/**
 * One describe per class ('<file>.<Class>'), one it per test method. Methods
 * in known.ts are skipped unless CONFORMANCE_KNOWN=run. `timeout` (seconds) is the
 * per-method watchdog: a method blocked longer than that kills this worker.
 */
export function run(file: string, classes: Function[], opts: { timeout?: number } = {}): void {
  for (const c of classes) {
    const cls = c as unknown as TestClass;
    cls.file = file;
    describe(`${file}.${cls.name}`, () => {
      for (const m of testMethods(cls)) {
        const id = `${file}.${cls.name}.${m}`;
        const k = known[id] ?? known[`${file}.${cls.name}.*`];
        if (k && (k.kind === 'python-only' || !runKnown)) {
          it.skip(m, { meta: { conformance: { id, known: k.kind } } } as never, () => {});
          continue;
        }
        if (slow[id] && !resourceEnabled('slow')) {
          it.skip(m, { meta: { conformance: { id, skip: `slow: ${slow[id]}` } } } as never, () => {});
          continue;
        }
        // A slow method gets 5 minutes: it is slow because it waits, not because it hangs.
        const limit = (slow[id] ? 300 : opts.timeout ?? 60) * 1000;
        it(m, { timeout: limit + 5000, meta: { conformance: { id, known: k?.kind } } } as never, async (ctx) => {
          resetEvents();
          const t = new cls(m);
          using _w = watchdog(id, limit);
          const owner = process.pid;
          // A forked child that returned into the test instead of leaving (a
          // defect under test) must not run the rest of the test runner.
          const escaped = (): void => {
            if (os.getpid() !== owner) {
              process.stderr.write(`conformance harness: a forked child (pid ${os.getpid()}) returned into ${id}; exiting it\n`);
              os._exit(70);
            }
          };
          try {
            await t.run();
            escaped();
          } catch (e) {
            escaped();
            if (e instanceof SkipTest) {
              (ctx.task.meta as Record<string, unknown>).conformance = { id, skip: e.message };
              ctx.skip(e.message);
            }
            throw e;
          }
        });
      }
    });
  }
}

export { errors };
export {
  OSError, BlockingIOError, ChildProcessError, ConnectionError, BrokenPipeError, ConnectionAbortedError,
  ConnectionRefusedError, ConnectionResetError, FileExistsError, FileNotFoundError, InterruptedError,
  PermissionError, ProcessLookupError, TimeoutError,
} from '../../../lib/errors';
