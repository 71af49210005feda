// Small assertion helpers the unit tests share.

/** The error fn throws; fails the test if it returns. */
export function error(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

/** The `code` of what fn throws, or undefined if it returns. */
export function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** Seconds fn took. */
export function elapsed(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

/** fn's result and the seconds it took. */
export function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}

/** Resolves once cond() holds, checking between event-loop turns (every `everyMs`); false after `ms`. */
export async function until(cond: () => boolean, ms = 2000, everyMs = 1): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return cond();
    await sleep(everyMs);
  }
  return true;
}

/** Waits `ms` with the event loop running. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A time limit for starting and talking to child servers: 4x under the
 * sanitizer build (`npm run test:asan`), where a node process starts in
 * ~1.5 s and every fork copies the page tables of its shadow memory.
 */
export function limit(ms: number): number {
  return process.env.POSIXKIT_ASAN_RUNTIME ? 4 * ms : ms;
}
