// The EINTR rule (PEP 475) is proven for every blocking call posixkit has.
// Each family lists its blocking calls in test/eintr/<family>.cases.ts as
// `export const cases: EintrCase[]`; test/eintr/eintr.test.ts runs every case
// twice while an interval timer (setitimer ITIMER_REAL, a few ms) fires:
//  - with a handler that counts: the call must complete with the right
//    result (check) and the handler must have run at least once;
//  - with a handler that throws: the call must throw that very error.
export interface EintrCall {
  /** The blocking call. Without signals it must block for ~300 ms or more before it completes. */
  call(): unknown;
  /** Asserts the result of a completed call (throw on a wrong result). */
  check?(result: unknown): void;
  /** Releases everything prepare() made (fds, children: kill and reap). */
  cleanup(): void;
}

export interface EintrCase {
  /** The call's name as users know it: 'waitpid', 'epoll.poll', 'socket.recv' ... */
  name: string;
  prepare(): EintrCall;
}
