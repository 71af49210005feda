// The hub's timers: a binary min-heap; stale entries (old tokens) are dropped lazily.
import type { Task } from './task';

export interface Timer {
  at: number;
  task: Task<unknown>;
  token: number;
}

export class TimerHeap {
  #a: Timer[] = [];
  get size(): number {
    return this.#a.length;
  }
  peek(): Timer | undefined {
    return this.#a[0];
  }
  push(t: Timer): void {
    const a = this.#a;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= a[i].at) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].at < a[m].at) m = l;
        if (r < a.length && a[r].at < a[m].at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
