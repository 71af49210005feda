// Start methods and contexts (Python's multiprocessing.context):
// get_context('fork' | 'spawn' | 'forkserver') returns an object with the
// package's API whose Process starts children that way; set_start_method()
// chooses the default for the module's own Process. 'fork' is fork(2);
// 'spawn' is fork + exec of a fresh node (spawn.ts); 'forkserver' asks a
// fork server, started once from a fresh node, to fork each child
// (forkserver.ts). Pool workers and a manager's server are forked in every
// context.
import { invalidArgValue } from '../errors';
import { Pipe } from './connection';
import { stateError } from './errors';
import { Manager } from './managers';
import { Pool } from './pool';
import {
  activeChildren, cpuCount, currentProcess, parentProcess, Process, type ProcessOptions, setDefaultMethod, type StartMethod,
} from './process';
import { JoinableQueue, Queue, SimpleQueue } from './queues';
import { Array as SharedArrayFn, RawArray, RawValue, Value } from './sharedctypes';
import { setExecutable } from './spawn';
import { setForkserverPreload } from './forkserver';
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from './synchronize';
import { getLogger, logToStderr } from './util';

export type { StartMethod } from './process';

const METHODS: readonly StartMethod[] = ['fork', 'spawn', 'forkserver'];
let chosen: StartMethod | null = null;

function checkMethod(method: unknown): StartMethod {
  if (!METHODS.includes(method as StartMethod)) throw invalidArgValue('method', method, `must be one of ${METHODS.join(', ')}`);
  return method as StartMethod;
}

/** The start methods this platform has, the default first (Python's get_all_start_methods()). */
export function getAllStartMethods(): StartMethod[] {
  return [...METHODS];
}

/**
 * The default start method (Python's get_start_method()). Asking fixes it
 * ('fork' unless set); with allowNone, null while nothing chose one.
 */
export function getStartMethod(allowNone = false): StartMethod | null {
  if (chosen === null && !allowNone) chosen = 'fork';
  return chosen;
}

/** Sets the default start method; once chosen it changes only with force (Python's RuntimeError otherwise). */
export function setStartMethod(method: StartMethod | null, force = false): void {
  if (chosen !== null && !force) throw stateError('ERR_CONTEXT_SET', 'context has already been set');
  chosen = method === null ? null : checkMethod(method);
}

setDefaultMethod(() => getStartMethod() as StartMethod);

/**
 * Python's freeze_support(): does nothing, as in Python on every platform
 * but Windows (it exists there for frozen executables).
 */
export function freezeSupport(): void { /* nothing to do on Linux, as in Python */ }

/**
 * Python's allow_connection_pickling(): does nothing here, as in Python 3,
 * where it only imports the connection module. Connections reach children
 * by fork, or through reduction.send_handle.
 */
export function allowConnectionPickling(): void { /* nothing to register, as in Python 3 */ }

const processClasses = new Map<StartMethod, typeof Process>();

function processClass(method: StartMethod): typeof Process {
  let cls = processClasses.get(method);
  if (!cls) {
    const name = { fork: 'ForkProcess', spawn: 'SpawnProcess', forkserver: 'ForkServerProcess' }[method];
    cls = {
      [name]: class extends Process {
        constructor(options: ProcessOptions = {}) {
          super(options);
          this._setStartMethod(method);
        }
      },
    }[name];
    processClasses.set(method, cls);
  }
  return cls;
}

/** A context: the package's API, with Process bound to one start method (Python's BaseContext). */
export class Context {
  readonly Process: typeof Process;

  constructor(readonly method: StartMethod) {
    this.Process = processClass(method);
  }

  get_start_method(): StartMethod {
    return this.method;
  }

  getStartMethod(): StartMethod {
    return this.method;
  }

  get_context(method?: StartMethod | null): Context {
    return getContext(method);
  }

  readonly Pool = Pool;
  readonly Queue = Queue;
  readonly SimpleQueue = SimpleQueue;
  readonly JoinableQueue = JoinableQueue;
  readonly Pipe = Pipe;
  readonly Lock = Lock;
  readonly RLock = RLock;
  readonly Semaphore = Semaphore;
  readonly BoundedSemaphore = BoundedSemaphore;
  readonly Event = Event;
  readonly Condition = Condition;
  readonly Barrier = Barrier;
  readonly Value = Value;
  readonly Array = SharedArrayFn;
  readonly RawValue = RawValue;
  readonly RawArray = RawArray;
  readonly Manager = Manager;
  readonly cpu_count = cpuCount;
  readonly current_process = currentProcess;
  readonly parent_process = parentProcess;
  readonly active_children = activeChildren;
  readonly get_logger = getLogger;
  readonly log_to_stderr = logToStderr;
  readonly set_executable = setExecutable;
  readonly set_forkserver_preload = setForkserverPreload;
  readonly freeze_support = freezeSupport;
  readonly allow_connection_pickling = allowConnectionPickling;
}

const contexts = new Map<StartMethod, Context>();

/** Python's get_context(method): a context for `method` (the default start method if omitted). */
export function getContext(method?: StartMethod | null): Context {
  const m = method === undefined || method === null ? (getStartMethod() as StartMethod) : checkMethod(method);
  let c = contexts.get(m);
  if (!c) contexts.set(m, (c = new Context(m)));
  return c;
}

export {
  allowConnectionPickling as allow_connection_pickling, freezeSupport as freeze_support,
  getAllStartMethods as get_all_start_methods, getContext as get_context, getStartMethod as get_start_method,
  setStartMethod as set_start_method,
};
export { setExecutable, setExecutable as set_executable } from './spawn';
export { setForkserverPreload, setForkserverPreload as set_forkserver_preload } from './forkserver';
