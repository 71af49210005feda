// threading.Event for the halves of a ThreadableTest, which run in two
// processes: an int32 word in one MAP_SHARED page (inherited across fork),
// set with a futex wake, waited for with futex_wait.
import { futex_wait, futex_wake, mmap } from '../../../lib/mmap';

let words: Int32Array | null = null;

export class SharedEvent {
  constructor(private readonly w: Int32Array, private readonly i: number) {}

  set(): void {
    Atomics.store(this.w, this.i, 1);
    futex_wake(this.w, this.i, Infinity);
  }

  is_set(): boolean {
    return Atomics.load(this.w, this.i) === 1;
  }

  /** Waits until set, or `timeout` seconds; returns whether it is set. */
  wait(timeout: number | null = null): boolean {
    const end = timeout === null ? Infinity : performance.now() + timeout * 1000;
    while (Atomics.load(this.w, this.i) === 0) {
      const left = end - performance.now();
      if (left <= 0) return false;
      futex_wait(this.w, this.i, 0, left === Infinity ? null : left / 1000);
    }
    return true;
  }
}

let next = 0;

/** Forgets every event: the harness calls it before each test, whose events reuse the slots. */
export function resetEvents(): void {
  next = 0;
}

/** A fresh (cleared) threading.Event shared with the children forked after this call. */
export function newEvent(): SharedEvent {
  words ??= new Int32Array(mmap(-1, 4096).buffer);
  if (next >= words.length) throw new Error('too many events in one test');
  const i = next++;
  Atomics.store(words, i, 0);
  return new SharedEvent(words, i);
}

/** n fresh events. */
export function newEvents(n: number): SharedEvent[] {
  return Array.from({ length: n }, newEvent);
}
