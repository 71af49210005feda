// posixkit/models: the classic server models, each on the primitives its name
// promises, behind one interface: serve(model, { address, core, ... }) serves
// until a signal (SIGTERM/SIGINT) or a stop handle ends it. See docs/models.md.
import { codedError, invalidArgValue } from '../errors';
import * as coroutine from './coroutine';
import * as epollEt from './epoll-et';
import * as epoll from './epoll';
import * as forking from './forking';
import * as iterative from './iterative';
import * as nonblocking from './nonblocking';
import * as poll from './poll';
import * as prefork from './prefork';
import * as preforkEpoll from './prefork-epoll';
import * as select from './select';
import * as threading from './threading';
import type { LoopServer, ServeOptions, ServeStats } from '../server/types';

export * from '../server/types';
export { createStopHandle, StopRequest } from './common';
export { echoCore } from './cores/echo';
export type { EchoOptions } from './cores/echo';
export { chatCore } from './cores/chat';
export type { ChatOptions } from './cores/chat';
export type { IterativeOptions } from './iterative';
export type { ForkingOptions } from './forking';
export type { PreforkOptions } from './prefork';
export type { PreforkEpollOptions } from './prefork-epoll';
export type { ThreadingOptions } from './threading';
export type { NonblockingOptions } from './nonblocking';
export type { EventOptions } from './event';
export type { EpollOptions } from './epoll';

export type ModelKind = 'blocking' | 'process' | 'thread' | 'event' | 'spin' | 'coroutine';

/** One row of the models table (`posixkit models`). */
export interface ModelInfo {
  name: string;
  kind: ModelKind;
  description: string;
  /** How many clients it serves at once. */
  concurrency: string;
  /** The syscalls strace shows on its serving path. */
  syscalls: string[];
  strengths: string;
  costs: string;
  /** Whether a core with sharedState (chat) can run on it. */
  sharedState: boolean;
  serve(options: ServeOptions): ServeStats;
  /** The event models only: serve on Node's event loop (see serveOnLoop). */
  serveOnLoop?(options: ServeOptions): LoopServer;
}

export const models: readonly ModelInfo[] = Object.freeze([
  {
    name: 'iterative', kind: 'blocking', sharedState: true,
    description: 'One connection at a time: accept, serve it to the end, accept the next (and the UDP loop).',
    concurrency: '1',
    syscalls: ['accept4', 'recvfrom', 'sendto'],
    strengths: 'Simplest possible; no concurrency bugs; fine for one client at a time.',
    costs: 'Every other client waits in the backlog; one slow client stalls all.',
    serve: iterative.serve as ModelInfo['serve'],
  },
  {
    name: 'nonblocking', kind: 'spin', sharedState: true,
    description: 'One process, non-blocking sockets, a loop that retries accept and every recv.',
    concurrency: 'many (one core at 100% CPU)',
    syscalls: ['accept4 (EAGAIN)', 'recvfrom (EAGAIN)'],
    strengths: 'Concurrency without any readiness API; shows why readiness APIs exist.',
    costs: 'Spins: burns a CPU core even when idle; cost grows with connections.',
    serve: nonblocking.serve as ModelInfo['serve'],
  },
  {
    name: 'forking', kind: 'process', sharedState: false,
    description: 'The parent only accepts; fork(2) per connection; SIGCHLD reaps; a cap on children.',
    concurrency: 'maxChildren (default 256)',
    syscalls: ['accept4', 'clone (fork)', 'wait4', 'recvfrom', 'sendto'],
    strengths: 'Isolation: a crashing handler takes down one client; blocking code is fine.',
    costs: 'A fork (~2 ms with Node) and a process (~30 MB RSS) per connection.',
    serve: forking.serve as ModelInfo['serve'],
  },
  {
    name: 'prefork', kind: 'process', sharedState: false,
    description: 'N forked workers block in accept(2) on one listening socket (or SO_REUSEPORT sockets); dead workers replaced.',
    concurrency: 'workers (default 4)',
    syscalls: ['clone (fork)', 'accept4', 'recvfrom', 'sendto', 'wait4'],
    strengths: 'No fork per connection; uses every core; crash isolation.',
    costs: 'Concurrency capped at the worker count; a process per worker.',
    serve: prefork.serve as ModelInfo['serve'],
  },
  {
    name: 'prefork-epoll', kind: 'process', sharedState: false,
    description: 'The nginx design: the parent binds and forks N workers (default: CPU count), each an epoll-et loop over many connections.',
    concurrency: 'workers x RLIMIT_NOFILE',
    syscalls: ['clone (fork)', 'epoll_wait', 'accept4', 'recvfrom', 'sendto', 'wait4'],
    strengths: 'Every core, many connections per worker; warm state shared copy-on-write; crash isolation.',
    costs: 'No state shared between workers (chat refused); a process per core.',
    serve: preforkEpoll.serve as ModelInfo['serve'],
  },
  {
    name: 'threading', kind: 'thread', sharedState: false,
    description: 'The main thread accepts; a worker thread per connection (or a pool of N threads blocking in accept).',
    concurrency: 'maxThreads (default 64) / pool size',
    syscalls: ['accept4', 'clone (thread)', 'futex', 'recvfrom', 'sendto'],
    strengths: 'Parallel on every core in one process; fds shared.',
    costs: 'A V8 isolate per thread (~10 MB, ~30 ms to start); the core must be loadable from a module.',
    serve: threading.serve as ModelInfo['serve'],
  },
  {
    name: 'select', kind: 'event', sharedState: true,
    description: 'One process, one thread, select(2) over read and write fd sets.',
    concurrency: `up to FD_SETSIZE fds (1024)`,
    syscalls: ['pselect6', 'accept4', 'recvfrom', 'sendto'],
    strengths: 'Portable everywhere; no threads, no locks.',
    costs: 'O(n) per wait; refuses fds >= 1024.',
    serve: select.serve as ModelInfo['serve'],
    serveOnLoop: select.serveOnLoop as ModelInfo['serveOnLoop'],
  },
  {
    name: 'poll', kind: 'event', sharedState: true,
    description: 'One process, one thread, poll(2) over a reused pollfd table.',
    concurrency: 'RLIMIT_NOFILE',
    syscalls: ['poll', 'accept4', 'recvfrom', 'sendto'],
    strengths: 'No FD_SETSIZE ceiling.',
    costs: 'O(n) per wait: the kernel scans the whole table.',
    serve: poll.serve as ModelInfo['serve'],
    serveOnLoop: poll.serveOnLoop as ModelInfo['serveOnLoop'],
  },
  {
    name: 'epoll', kind: 'event', sharedState: true,
    description: 'One process, one thread, level-triggered epoll; one read per report.',
    concurrency: 'RLIMIT_NOFILE',
    syscalls: ['epoll_wait', 'epoll_ctl', 'accept4', 'recvfrom', 'sendto'],
    strengths: 'O(ready) per wait; idle connections cost only memory.',
    costs: 'Linux only; an epoll_ctl whenever write interest changes.',
    serve: epoll.serve as ModelInfo['serve'],
    serveOnLoop: epoll.serveOnLoop as ModelInfo['serveOnLoop'],
  },
  {
    name: 'epoll-et', kind: 'event', sharedState: true,
    description: 'One process, one thread, edge-triggered epoll; non-blocking drains until EAGAIN.',
    concurrency: 'RLIMIT_NOFILE',
    syscalls: ['epoll_wait', 'epoll_ctl (EPOLLET, once per socket)', 'accept4', 'recvfrom', 'sendto'],
    strengths: 'Fewest syscalls per byte: one epoll_ctl per connection, no interest changes.',
    costs: 'Must drain (to EAGAIN, or a short read) or lose the edge; harder to get right.',
    serve: epollEt.serve as ModelInfo['serve'],
    serveOnLoop: epollEt.serveOnLoop as ModelInfo['serveOnLoop'],
  },
  {
    name: 'coroutine', kind: 'coroutine', sharedState: true,
    description: 'One process, one thread, a gevent-style hub (posixkit/coroutine) on epoll; a task per connection.',
    concurrency: 'RLIMIT_NOFILE',
    syscalls: ['epoll_wait', 'epoll_ctl', 'accept4', 'recvfrom', 'sendto'],
    strengths: 'Reads like blocking code (recv, sendall), runs like an event loop.',
    costs: 'A generator per connection; every suspension point must be a yield*.',
    serve: coroutine.serve as ModelInfo['serve'],
  },
]);

const byName = new Map<string, ModelInfo>(models.map((m) => [m.name, m]));
byName.set('epoll_et', byName.get('epoll-et')!);
byName.set('prefork_epoll', byName.get('prefork-epoll')!);

/** The model's row; throws ERR_UNKNOWN_MODEL with the list of names. */
export function getModel(name: string): ModelInfo {
  const m = byName.get(name);
  if (!m) {
    throw codedError('ERR_UNKNOWN_MODEL', `unknown model ${JSON.stringify(name)}; known: ${models.map((x) => x.name).join(', ')}`);
  }
  return m;
}

/** serve(modelName, options): runs the model in this thread until it is stopped; returns its counters. */
export function serve(model: string, options: ServeOptions & Record<string, unknown>): ServeStats {
  if (typeof model !== 'string') throw invalidArgValue('model', model, 'must be a model name');
  return getModel(model).serve(options);
}

/**
 * serveOnLoop(modelName, options): an event model (select, poll, epoll,
 * epoll-et) served from Node's event loop. Returns once it listens; the
 * program keeps running, and `stop()` (from a timer, a request handler, a
 * promise) ends it. Other models block by design: ERR_MODEL_NOT_ON_LOOP.
 */
export function serveOnLoop(model: string, options: ServeOptions & Record<string, unknown>): LoopServer {
  if (typeof model !== 'string') throw invalidArgValue('model', model, 'must be a model name');
  const m = getModel(model);
  if (!m.serveOnLoop) {
    const on = models.filter((x) => x.serveOnLoop).map((x) => x.name).join(', ');
    throw codedError('ERR_MODEL_NOT_ON_LOOP', `the ${m.name} model serves in a blocking loop of its own; on Node's event loop: ${on}`);
  }
  return m.serveOnLoop(options);
}

export { iterative, nonblocking, forking, prefork, preforkEpoll, threading, select, poll, epoll, epollEt, coroutine };
