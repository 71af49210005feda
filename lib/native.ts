// Loads the addon (a prebuild from prebuilds/, or build/Release after a
// local compile) once per thread. Each TS module describes the slice of the
// binding it uses with its own interface, read with family<T>(); a test
// (test/unit/native-binding.test.ts) checks those interfaces against the
// binding's real keys, both ways.
//
// POSIXKIT_ADDON=/path/to/posixkit.node loads another build of the same
// sources instead: the test suite's build with its test-only hooks, or the
// sanitizer build (scripts/build-addon.js). Never needed in production.
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => Record<string, unknown>;

const override = process.env.POSIXKIT_ADDON;

export const binding: Record<string, unknown> = override
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ? require(path.resolve(override)) as Record<string, unknown>
  : load(path.resolve(__dirname, '..'));

export function family<T>(): T {
  return binding as unknown as T;
}
