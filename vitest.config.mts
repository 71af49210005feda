import { defineConfig } from 'vitest/config';

// Tests fork the test process itself, so workers are real processes started
// with V8's --single-threaded (docs/fork.md). Each file runs in its own
// process; signal and fork state never leaks between files.
export default defineConfig({
  test: {
    pool: 'forks',
    execArgv: ['--single-threaded', '--expose-gc'],
    isolate: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
