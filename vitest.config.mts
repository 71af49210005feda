import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests fork the test process itself, so workers are real processes started
// with V8's --single-threaded (docs/fork.md). Each file runs in its own
// process; signal and fork state never leaks between files.
//
// Every test process (and every fixture it spawns) loads the test build of
// the addon: the published sources plus the test-only hooks, which the
// published addon never contains. test/setup-addon.ts builds it when a native
// source changed; npm run test:asan points POSIXKIT_ADDON at its own build.
const addon = process.env.POSIXKIT_ADDON ?? path.resolve('build-test/build/Release/posixkit.node');

export default defineConfig({
  test: {
    pool: 'forks',
    execArgv: ['--single-threaded', '--expose-gc'],
    isolate: true,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup-addon.ts'],
    env: { POSIXKIT_ADDON: addon },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
