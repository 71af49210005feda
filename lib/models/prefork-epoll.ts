// prefork-epoll: the nginx architecture on real fork(2). The parent binds,
// builds the protocol core (its routes, caches, loaded modules: what the
// workers then share copy-on-write), and forks N workers, by default one per
// CPU. Each worker runs the epoll-et loop (non-blocking sockets, edge-
// triggered, drained until EAGAIN) over many connections at once. The parent
// only supervises (workers.ts): it replaces a dead worker and stops them all
// on SIGTERM/SIGINT.
//
// How the workers share the port (docs/models.md, "prefork-epoll"):
// - reusePort (TCP, the default): each worker listens on its own SO_REUSEPORT
//   socket; the kernel spreads new connections over them by hash, so
//   keep-alive clients end up evenly spread over the workers.
// - shared (Unix sockets, or reusePort: false): the parent's listening socket,
//   registered in every worker's epoll with EPOLLEXCLUSIVE, so a connection
//   wakes one waiting worker instead of all of them (no thundering herd).
//
//   parent: bind ── fork x N ── pause ── SIGCHLD ── waitpid ── fork replacement
//   worker 1..N: epoll_wait ──> accept4 until EAGAIN ──> recv ──> core ──> send
import { availableParallelism } from 'node:os';
import { codedError, outOfRange } from '../errors';
import * as os from '../os';
import { EPOLLET, EPOLLEXCLUSIVE, EPOLLIN } from '../select';
import * as sig from '../signal';
import { AF_UNIX } from '../socket';
import type { ServeStats } from '../server/types';
import { checkOptions, familyOf, isStop, listenOn, requireSingleProcess } from './common';
import { EpollOptions } from './epoll';
import { EpollEtWaiter } from './epoll-et';
import { serveEvents } from './event';
import { serveWorkers, WorkerStart } from './workers';

export interface PreforkEpollOptions extends EpollOptions {
  /** Worker processes; default: the CPUs this process may run on. */
  workers?: number;
  /** Each worker listens on its own SO_REUSEPORT socket (TCP). Default true for TCP; Unix sockets always share. */
  reusePort?: boolean;
}

const NAME = 'prefork-epoll';

/** The epoll-et waiter that registers a shared listener with EPOLLEXCLUSIVE: one worker woken per connection. */
class ExclusiveListenerWaiter extends EpollEtWaiter {
  constructor(readonly listenFd: number, maxEvents?: number) {
    super(maxEvents);
  }
  override add(fd: number, read: boolean, write: boolean): void {
    // EPOLLEXCLUSIVE takes only EPOLLIN/EPOLLOUT/EPOLLET alongside it (epoll_ctl(2)).
    if (fd === this.listenFd) this.ep.register(fd, (EPOLLIN | EPOLLET | EPOLLEXCLUSIVE) >>> 0);
    else super.add(fd, read, write);
  }
}

export function serve(o: PreforkEpollOptions): ServeStats {
  checkOptions(o);
  requireSingleProcess(NAME, o.core);
  const n = o.workers ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw outOfRange('workers', 'an integer 1..1024', n);
  const unix = familyOf(o.address) === AF_UNIX;
  if (o.reusePort && unix) {
    throw codedError('ERR_MODEL_OPTION', 'prefork-epoll reusePort needs a TCP address: SO_REUSEPORT does not apply to Unix sockets');
  }
  return serveWorkers(NAME, o, n, o.reusePort ?? !unix, false, (w) => worker(w, o));
}

function worker({ inherited, address, reusePort, slot, stop, counts, ready }: WorkerStart, o: PreforkEpollOptions): never {
  let code = 0;
  try {
    stop.dropInChild();
    // The parent decides when workers stop (it sends SIGTERM); a terminal's Ctrl-C reaches the whole group.
    sig.signal(sig.SIGINT, sig.SIG_IGN);
    // A parent killed with SIGKILL cannot send it: the kernel does.
    const parent = os.getppid();
    os.set_pdeathsig(sig.SIGTERM);
    if (os.getppid() !== parent) os._exit(0);
    let sock = inherited;
    if (reusePort) {
      inherited.close();
      sock = listenOn(address, o.backlog, true);
    }
    const waiter = reusePort ? () => new EpollEtWaiter(o.maxEvents) : () => new ExclusiveListenerWaiter(sock.fileno(), o.maxEvents);
    const st = serveEvents(NAME, { ...o, stop: undefined, signals: [sig.SIGTERM], onListening: undefined }, waiter,
      { socket: sock, onServing: ready });
    counts.addFrom(st);
  } catch (e) {
    if (!isStop(e)) {
      process.stderr.write(`posixkit ${NAME} worker ${os.getpid()} (slot ${slot}): ${(e as Error)?.stack ?? e}\n`);
      code = 1;
    }
  }
  os._exit(code);
}
