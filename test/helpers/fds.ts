// Per-test fd and child accounting shared by the unit tests: every test must
// close what it opens and reap what it forks, or its afterEach fails.
import { afterEach, beforeEach, expect } from 'vitest';
import * as os from '../../lib/os';
import { fdCount, zombieChildren } from './proc';

export interface FdTracker {
  /** os.pipe(), closed after the test if the test did not close it. */
  pipe(): [number, number];
  /** Closes fd now and stops tracking it. */
  closeFd(fd: number): void;
  /** Tracks an fd the test opened another way; returns it. */
  track(fd: number): number;
}

/**
 * Installs beforeEach/afterEach hooks in the calling file: after each test the
 * tracked fds still open are closed, then the process's fd count must equal
 * the one before the test (so an fd leaked by the code under test fails it).
 */
export function trackFds(): FdTracker {
  let opened: number[] = [];
  let fdsBefore = 0;
  beforeEach(() => {
    fdsBefore = fdCount();
  });
  afterEach(() => {
    for (const fd of opened) {
      try { os.close(fd); } catch { /* closed by the test */ }
    }
    opened = [];
    expect(fdCount()).toBe(fdsBefore);
  });
  return {
    pipe() {
      const p = os.pipe();
      opened.push(...p);
      return p;
    },
    closeFd(fd) {
      os.close(fd);
      opened = opened.filter((f) => f !== fd);
    },
    track(fd) {
      opened.push(fd);
      return fd;
    },
  };
}

/**
 * Installs hooks that, after each test, run `cleanup` (end what the test left
 * running), then require no zombie children and the fd count of before the test.
 */
export function checkLeaks(cleanup?: () => void | Promise<void>): void {
  let fds = 0;
  beforeEach(() => { fds = fdCount(); });
  afterEach(async () => {
    await cleanup?.();
    expect(zombieChildren()).toEqual([]);
    expect(fdCount()).toBe(fds);
  });
}
