// Loads the addon (a prebuild from prebuilds/, or build/Release after a
// local compile) once per thread. Each TS module describes the slice of the
// binding it uses with its own interface, so a syscall family stays in one
// native file and one TS module.
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => Record<string, unknown>;

export const binding: Record<string, unknown> = load(path.resolve(__dirname, '..'));

export function family<T>(): T {
  return binding as unknown as T;
}
