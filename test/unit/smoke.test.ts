import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import { forkRun } from '../helpers/proc';

describe('smoke', () => {
  it('forks inside the test runner', () => {
    expect(forkRun(() => 5)).toBe(5);
  });
});
