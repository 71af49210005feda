// The wait family: waitpid/wait (+ waitpidAsync on a pidfd), waitid with
// its siginfo, wait3/wait4 with the child's resource usage, the W* macros.
// Each blocks the calling thread and follows the EINTR rule.
import { INT32_MAX, validateInt32, validateInteger } from '../errors';
import { family } from '../native';
import { struct_rusage } from '../resource';
import { defineStructSeq, StructSeq } from './structseq';

interface WaitNative {
  waitpid(pid: number, options: number): [number, number];
  waitid(idtype: number, id: number, options: number): number[] | null;
  wait4(pid: number, options: number): [number, number, number[]];
  WIFEXITED(s: number): boolean; WEXITSTATUS(s: number): number;
  WIFSIGNALED(s: number): boolean; WTERMSIG(s: number): number;
  WIFSTOPPED(s: number): boolean; WSTOPSIG(s: number): number;
  WIFCONTINUED(s: number): boolean; WCOREDUMP(s: number): boolean;
  pidfd_open(pid: number, flags: number): number;
  waitpid_watch(pid: number, cb: (err: Error | null, pid: number, status: number) => void, ref: boolean): void;
  waitConstants: Record<string, number>;
}
const native = family<WaitNative>();
const K = native.waitConstants;

export const WNOHANG: number = K.WNOHANG;
export const WUNTRACED: number = K.WUNTRACED;
export const WCONTINUED: number = K.WCONTINUED;
export const WEXITED: number = K.WEXITED;
export const WSTOPPED: number = K.WSTOPPED;
export const WNOWAIT: number = K.WNOWAIT;
export const P_ALL: number = K.P_ALL;
export const P_PID: number = K.P_PID;
export const P_PGID: number = K.P_PGID;
export const P_PIDFD: number = K.P_PIDFD;
export const CLD_EXITED: number = K.CLD_EXITED;
export const CLD_KILLED: number = K.CLD_KILLED;
export const CLD_DUMPED: number = K.CLD_DUMPED;
export const CLD_TRAPPED: number = K.CLD_TRAPPED;
export const CLD_STOPPED: number = K.CLD_STOPPED;
export const CLD_CONTINUED: number = K.CLD_CONTINUED;

/** waitpid(2): `[pid, status]`; `[0, 0]` under WNOHANG while the child runs. */
export function waitpid(pid: number, options: number = 0): [number, number] {
  validateInt32(pid, 'pid');
  validateInt32(options, 'options');
  return native.waitpid(pid, options);
}

/** wait(2): waits for any child; `[pid, status]`. */
export function wait(): [number, number] {
  return native.waitpid(-1, 0);
}

export interface WaitAsyncOptions {
  /** Keep the event loop alive while waiting (default true). */
  ref?: boolean;
}

/**
 * Waits for child `pid` without blocking the event loop: pidfd_open(2) makes
 * the exit a readable fd, libuv polls it, then waitpid reaps. Resolves to
 * `[pid, status]`; rejects with ECHILD for a pid that is not our child and
 * ESRCH for one that does not exist.
 */
export function waitpidAsync(pid: number, options: WaitAsyncOptions = {}): Promise<[number, number]> {
  validateInteger(pid, 'pid', 1, INT32_MAX);
  return new Promise((resolve, reject) => {
    // A pid that is not our child fails now with ECHILD instead of waiting for
    // a stranger's exit; one that already exited resolves at once.
    const [p, status] = native.waitpid(pid, WNOHANG);
    if (p === pid) return resolve([p, status]);
    native.waitpid_watch(pid, (err, q, st) => (err ? reject(err) : resolve([q, st])), options.ref !== false);
  });
}

/**
 * pidfd_open(2): an fd (close-on-exec) that polls readable once process `pid`
 * exits; wait on several children with a timeout through select/poll/epoll.
 */
export function pidfd_open(pid: number, flags = 0): number {
  return native.pidfd_open(validateInteger(pid, 'pid', 1, INT32_MAX), validateInt32(flags, 'flags'));
}

function statusArg(status: unknown): number {
  return validateInt32(status, 'status');
}
export const WIFEXITED = (status: number): boolean => native.WIFEXITED(statusArg(status));
export const WEXITSTATUS = (status: number): number => native.WEXITSTATUS(statusArg(status));
export const WIFSIGNALED = (status: number): boolean => native.WIFSIGNALED(statusArg(status));
export const WTERMSIG = (status: number): number => native.WTERMSIG(statusArg(status));
export const WIFSTOPPED = (status: number): boolean => native.WIFSTOPPED(statusArg(status));
export const WSTOPSIG = (status: number): number => native.WSTOPSIG(statusArg(status));
export const WIFCONTINUED = (status: number): boolean => native.WIFCONTINUED(statusArg(status));
export const WCOREDUMP = (status: number): boolean => native.WCOREDUMP(statusArg(status));

/** Exit code from a wait status: the code, or -signal for a killed child. */
export function waitstatus_to_exitcode(status: number): number {
  statusArg(status);
  if (native.WIFEXITED(status)) return native.WEXITSTATUS(status);
  if (native.WIFSIGNALED(status)) return -native.WTERMSIG(status);
  throw Object.assign(new RangeError(`invalid wait status: ${status}`), { code: 'ERR_INVALID_ARG_VALUE' });
}

/** What waitid() reports about a child (Python's os.waitid_result). */
export class waitid_result extends StructSeq<number> {
  declare readonly si_pid: number;
  declare readonly si_uid: number;
  declare readonly si_signo: number;
  declare readonly si_status: number;
  declare readonly si_code: number;
}
defineStructSeq(waitid_result, {
  qualname: 'os.waitid_result', sequence: ['si_pid', 'si_uid', 'si_signo', 'si_status', 'si_code'], extra: [],
});

/**
 * waitid(2): waits for a child selected by `idtype` (P_PID, P_PGID, P_ALL,
 * P_PIDFD) and `id`, for the events in `options` (WEXITED, WSTOPPED,
 * WCONTINUED; WNOHANG, WNOWAIT). Returns a waitid_result, or null under
 * WNOHANG when no child has anything to report.
 */
export function waitid(idtype: number, id: number, options: number): waitid_result | null {
  validateInt32(idtype, 'idtype');
  validateInteger(id, 'id', 0, 2 ** 32 - 1);
  validateInt32(options, 'options');
  const r = native.waitid(idtype, id, options);
  return r === null ? null : new waitid_result(r);
}

/** wait4(2): waitpid plus the child's resource usage: `[pid, status, struct_rusage]`. */
export function wait4(pid: number, options: number): [number, number, struct_rusage] {
  validateInt32(pid, 'pid');
  validateInt32(options, 'options');
  const [p, status, ru] = native.wait4(pid, options);
  return [p, status, new struct_rusage(ru)];
}

/** wait3(2): wait4(-1, options), any child. */
export function wait3(options: number): [number, number, struct_rusage] {
  validateInt32(options, 'options');
  const [p, status, ru] = native.wait4(-1, options);
  return [p, status, new struct_rusage(ru)];
}
