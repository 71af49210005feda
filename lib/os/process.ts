// Processes, process groups and sessions: ids, signals to processes, nice,
// abort, the parent-death signal.
import { validateInt32, validateInteger } from '../errors';
import { family } from '../native';

interface ProcessNative {
  getpid(): number; getppid(): number; gettid(): number;
  kill(pid: number, sig: number): void; killpg(pgid: number, sig: number): void;
  setsid(): number; getsid(pid: number): number;
  setpgid(pid: number, pgid: number): void; getpgid(pid: number): number; getpgrp(): number;
  nice(inc: number): number;
  abort(): never;
  set_pdeathsig(sig: number): void; get_pdeathsig(): number;
}
const native = family<ProcessNative>();

export const getpid = (): number => native.getpid();
export const getppid = (): number => native.getppid();
/** The calling thread's id (gettid(2)). */
export const gettid = (): number => native.gettid();

/**
 * kill(2). A signal this process sends itself runs its posixkit JS handler
 * before kill returns (as in Python); a handler's exception propagates.
 */
export function kill(pid: number, signal: number): void {
  native.kill(validateInt32(pid, 'pid'), validateInt32(signal, 'signal'));
}
/** killpg(2); a handler of a signal that reached this process runs before it returns. */
export function killpg(pgid: number, signal: number): void {
  native.killpg(validateInt32(pgid, 'pgid'), validateInt32(signal, 'signal'));
}
export const setsid = (): number => native.setsid();
export function getsid(pid: number): number {
  return native.getsid(validateInt32(pid, 'pid'));
}
export function setpgid(pid: number, pgid: number): void {
  native.setpgid(validateInt32(pid, 'pid'), validateInt32(pgid, 'pgid'));
}
export function getpgid(pid: number): number {
  return native.getpgid(validateInt32(pid, 'pid'));
}
export const getpgrp = (): number => native.getpgrp();
/** setpgrp(2): this process leads a new process group (setpgid(0, 0)). */
export function setpgrp(): void {
  native.setpgid(0, 0);
}
/** nice(2): adds `increment` to the niceness and returns the new value. */
export function nice(increment: number): number {
  return native.nice(validateInt32(increment, 'increment', -40, 40));
}

/** abort(3): ends the process with SIGABRT (a core dump where enabled). Never returns. */
export function abort(): never {
  return native.abort();
}

/**
 * prctl(PR_SET_PDEATHSIG): the kernel sends `sig` to this process when its
 * parent ends, however it ends (SIGKILL included); 0 clears it. Linux only,
 * not inherited by fork children, kept across execve of a non-setuid program.
 * Check getppid() after setting it: a parent that ended before the call
 * sends nothing.
 */
export function set_pdeathsig(sig: number): void {
  native.set_pdeathsig(validateInteger(sig, 'sig', 0, 64));
}

/** prctl(PR_GET_PDEATHSIG): the signal set by set_pdeathsig, or 0. */
export function get_pdeathsig(): number {
  return native.get_pdeathsig();
}
