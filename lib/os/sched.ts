// Scheduling: policies and priorities, CPU affinity, nice values of
// processes, groups and users, the number of CPUs.
import { invalidArgType, validateInt32, validateInteger } from '../errors';
import { family } from '../native';
import { iterableArg } from './args';
import { defineStructSeq, StructSeq } from './structseq';

interface SchedNative {
  sched_yield(): void;
  sched_get_priority_min(policy: number): number;
  sched_get_priority_max(policy: number): number;
  sched_getscheduler(pid: number): number;
  sched_setscheduler(pid: number, policy: number, priority: number): void;
  sched_getparam(pid: number): number;
  sched_setparam(pid: number, priority: number): void;
  sched_rr_get_interval(pid: number): number;
  sched_getaffinity(pid: number): number[];
  sched_setaffinity(pid: number, cpus: number[]): void;
  getpriority(which: number, who: number): number;
  setpriority(which: number, who: number, priority: number): void;
  cpu_count(): number | null;
  schedConstants: Record<string, number>;
}
const native = family<SchedNative>();
const K = native.schedConstants;

export const SCHED_OTHER: number = K.SCHED_OTHER;
export const SCHED_FIFO: number = K.SCHED_FIFO;
export const SCHED_RR: number = K.SCHED_RR;
export const SCHED_BATCH: number = K.SCHED_BATCH;
export const SCHED_IDLE: number = K.SCHED_IDLE;
/** OR it into a policy: children of the process start with SCHED_OTHER again. */
export const SCHED_RESET_ON_FORK: number = K.SCHED_RESET_ON_FORK;
export const PRIO_PROCESS: number = K.PRIO_PROCESS;
export const PRIO_PGRP: number = K.PRIO_PGRP;
export const PRIO_USER: number = K.PRIO_USER;

/** Python's os.sched_param: `new sched_param(priority)`, one field, sched_priority. */
export class sched_param extends StructSeq<number> {
  declare readonly sched_priority: number;
  constructor(sched_priority: number) {
    super([sched_priority]);
  }
}
defineStructSeq(sched_param, { qualname: 'os.sched_param', sequence: ['sched_priority'], extra: [] });

function pidArg(pid: unknown): number {
  return validateInteger(pid, 'pid', 0, 2 ** 31 - 1);
}

function paramArg(param: unknown): number {
  if (!(param instanceof sched_param)) throw invalidArgType('param', 'an instance of sched_param', param);
  return validateInt32(param.sched_priority, 'param.sched_priority');
}

/** sched_yield(2): gives up the CPU to another runnable thread. */
export function sched_yield(): void {
  native.sched_yield();
}
/** The lowest static priority of `policy` (0 for SCHED_OTHER, 1 for SCHED_FIFO/RR). */
export function sched_get_priority_min(policy: number): number {
  return native.sched_get_priority_min(validateInt32(policy, 'policy'));
}
/** The highest static priority of `policy` (99 for SCHED_FIFO/RR on Linux). */
export function sched_get_priority_max(policy: number): number {
  return native.sched_get_priority_max(validateInt32(policy, 'policy'));
}
/** sched_getscheduler(2): the policy of `pid` (0: this process), with SCHED_RESET_ON_FORK if set. */
export function sched_getscheduler(pid: number): number {
  return native.sched_getscheduler(pidArg(pid));
}
/** sched_setscheduler(2). Real-time policies need CAP_SYS_NICE (or RLIMIT_RTPRIO). */
export function sched_setscheduler(pid: number, policy: number, param: sched_param): void {
  native.sched_setscheduler(pidArg(pid), validateInt32(policy, 'policy'), paramArg(param));
}
/** sched_getparam(2): the static priority of `pid` as a sched_param. */
export function sched_getparam(pid: number): sched_param {
  return new sched_param(native.sched_getparam(pidArg(pid)));
}
/** sched_setparam(2): the static priority under the current policy. */
export function sched_setparam(pid: number, param: sched_param): void {
  native.sched_setparam(pidArg(pid), paramArg(param));
}
/** sched_rr_get_interval(2): the SCHED_RR time slice of `pid` in seconds. */
export function sched_rr_get_interval(pid: number): number {
  return native.sched_rr_get_interval(pidArg(pid));
}
/** sched_getaffinity(2): the CPUs `pid` (0: this thread) may run on. */
export function sched_getaffinity(pid: number): Set<number> {
  return new Set(native.sched_getaffinity(pidArg(pid)));
}
/** sched_setaffinity(2): restricts `pid` (0: this thread) to the CPUs in `mask`. */
export function sched_setaffinity(pid: number, mask: Iterable<number>): void {
  const p = pidArg(pid);
  const cpus = iterableArg(mask, 'mask', 'an iterable of CPU numbers', (c) => validateInteger(c, 'mask[]', 0, 2 ** 20 - 1));
  native.sched_setaffinity(p, cpus);
}

/** getpriority(2): the nice value (-20..19) of a PRIO_PROCESS, PRIO_PGRP or PRIO_USER `who` (0: the caller). */
export function getpriority(which: number, who: number): number {
  return native.getpriority(validateInt32(which, 'which'), validateInteger(who, 'who', 0, 2 ** 31 - 1));
}
/** setpriority(2): sets that nice value; lowering it needs CAP_SYS_NICE. */
export function setpriority(which: number, who: number, priority: number): void {
  native.setpriority(validateInt32(which, 'which'), validateInteger(who, 'who', 0, 2 ** 31 - 1),
    validateInt32(priority, 'priority'));
}

/** The number of online CPUs (sysconf(_SC_NPROCESSORS_ONLN)), or null if unknown. */
export function cpu_count(): number | null {
  return native.cpu_count();
}
