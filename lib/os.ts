// posixkit/os: Python's os module for processes, fds and IPC, on the real
// syscalls and in Python's shapes (waitpid -> [pid, status], WNOHANG,
// stat_result ...). One module per syscall family under lib/os/.
export * from './os/fork';
export * from './os/wait';
export * from './os/process';
export * from './os/ids';
export * from './os/fd';
export * from './os/ipc';
export * from './os/tty';
export * from './os/exec';
export * from './os/sched';
export * from './os/system';
export { StructSeq } from './os/structseq';
export { errnoError } from './errors';

// openat2(2) lives in lib/file.ts (native/file.cc); the O_* flags come from lib/os/fd.ts.
export {
  AT_FDCWD, openat2, OpenAt2Options, RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
} from './file';
