// posixkit/multiprocessing: Python's multiprocessing on real fork(2), pipes,
// sockets and futexes in shared memory. See docs/api/multiprocessing.md.
export { Process, activeChildren, currentProcess, cpuCount } from './process';
export type { ProcessOptions } from './process';
export { Connection, Pipe } from './connection';
export { Pool, AsyncResult, MapResult, IMapIterator, registerFunction } from './pool';
export type { PoolOptions, ApplyOptions, Callable, ModuleRef } from './pool';
export { JoinableQueue, Queue, SimpleQueue } from './queues';
export {
  ProcessError, BufferTooShort, TimeoutError, EOFError, WorkerLostError, Empty, Full,
} from './errors';
export {
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, BrokenBarrierError, withLock,
} from './synchronize';
export { Value, SharedArray, RawValue, RawArray } from './sharedctypes';
