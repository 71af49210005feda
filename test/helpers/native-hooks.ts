// The test build's hooks (native/test_hooks.cc, native/fork_hazard.cc): only
// the addon scripts/build-addon.js builds for the test suite has them, never
// the published one. vitest.config.mts makes every test process load it.
import { binding } from '../../lib/native';

/** What the last fork did (docs/fork.md). */
export interface ForkInfo {
  glibc: string;
  condvarFix: boolean;
  layout: 'supported' | 'unsupported' | 'unchecked';
  layoutReason: string;
  waitersAtLastFork: number;
  releasedInChild: number;
  mappingsAtLastFork: number;
}

/** Signal delivery counters: forwarded from other threads, recorded per signal, chained to libuv. */
export interface SignalStats {
  forwarded: number;
  recorded: Record<number, number>;
  libuvHandlerKnown: boolean;
  chained: number[];
}

export interface TestHooksNative {
  _fork_info(): ForkInfo;
  /** Off reproduces the condvar hang that the release after fork prevents. */
  _set_condvar_fix(on: boolean): void;
  _signal_stats(): SignalStats;
  _condvar_hazard_start(): boolean;
  _condvar_hazard_signal(count: number): void;
  _condvar_hazard_stop(): void;
}

if (typeof binding._fork_info !== 'function') {
  throw new Error('the test build of the addon is not loaded: run the tests through vitest (POSIXKIT_ADDON)');
}

export const hooks = binding as unknown as TestHooksNative;
