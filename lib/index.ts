// posixkit: each syscall family is also its own subpath (posixkit/os ...).
export * as errors from './errors';
export * as os from './os';
