// posixkit/multiprocessing: Python's multiprocessing on real fork(2), pipes,
// sockets and futexes in shared memory. See docs/api/multiprocessing.md.
export {
  Process, ParentProcess, activeChildren, currentProcess, cpuCount, parentProcess,
  activeChildren as active_children, currentProcess as current_process, cpuCount as cpu_count,
  parentProcess as parent_process,
} from './process';
export type { ProcessOptions } from './process';
export { Connection, Pipe } from './connection';
export { Pool, AsyncResult, MapResult, IMapIterator, registerFunction } from './pool';
export type { PoolOptions, ApplyOptions, Callable, ModuleRef } from './pool';
export { JoinableQueue, Queue, SimpleQueue } from './queues';
export {
  ProcessError, BufferTooShort, TimeoutError, EOFError, WorkerLostError, Empty, Full,
} from './errors';
export { AuthenticationError } from './listener';
export {
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, BrokenBarrierError, withLock,
} from './synchronize';
export { Array, Value, SharedArray, RawValue, RawArray } from './sharedctypes';
export { Manager, BaseManager, SyncManager } from './managers';
export {
  Context, getContext, getStartMethod, setStartMethod, getAllStartMethods, setExecutable, setForkserverPreload,
  freezeSupport, allowConnectionPickling, get_context, get_start_method, set_start_method, get_all_start_methods,
  set_executable, set_forkserver_preload, freeze_support, allow_connection_pickling,
} from './context';
export type { StartMethod } from './context';
export { ShareableList } from './shareable-list';
export {
  getLogger, logToStderr, getLogger as get_logger, logToStderr as log_to_stderr,
  SUBDEBUG, SUBWARNING, DEBUG, INFO, WARNING, ERROR, CRITICAL, NOTSET,
} from './util';
export * as connection from './connection-module';
export * as managers from './managers';
export * as reduction from './reduction';
export * as shared_memory from './shared-memory-module';
export * as util from './util';
