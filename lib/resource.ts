// posixkit/resource: Python's resource module on the real syscalls
// (getrlimit, setrlimit, prlimit, getrusage). Limits are numbers, with
// RLIM_INFINITY (-1, Python's value) for "unlimited".
import { invalidArgType, OSError, validateInt32, validateInteger } from './errors';
import { family } from './native';
import { iterableArg, SAFE } from './os/args';
import { defineStructSeq, StructSeq } from './os/structseq';

interface ResourceNative {
  getrlimit(resource: number): [number, number];
  setrlimit(resource: number, soft: number, hard: number): void;
  prlimit(pid: number, resource: number, soft?: number, hard?: number): [number, number];
  getrusage(who: number): number[];
  getpagesize(): number;
  resourceConstants: Record<string, number>;
}
const native = family<ResourceNative>();
const K = native.resourceConstants;

/** Python's resource.error: OSError. */
export const error = OSError;

export const RLIM_INFINITY: number = K.RLIM_INFINITY;
export const RLIMIT_CPU: number = K.RLIMIT_CPU;
export const RLIMIT_FSIZE: number = K.RLIMIT_FSIZE;
export const RLIMIT_DATA: number = K.RLIMIT_DATA;
export const RLIMIT_STACK: number = K.RLIMIT_STACK;
export const RLIMIT_CORE: number = K.RLIMIT_CORE;
export const RLIMIT_RSS: number = K.RLIMIT_RSS;
export const RLIMIT_NPROC: number = K.RLIMIT_NPROC;
export const RLIMIT_NOFILE: number = K.RLIMIT_NOFILE;
export const RLIMIT_OFILE: number = K.RLIMIT_OFILE;
export const RLIMIT_MEMLOCK: number = K.RLIMIT_MEMLOCK;
export const RLIMIT_AS: number = K.RLIMIT_AS;
export const RLIMIT_SIGPENDING: number = K.RLIMIT_SIGPENDING;
export const RLIMIT_MSGQUEUE: number = K.RLIMIT_MSGQUEUE;
export const RLIMIT_NICE: number = K.RLIMIT_NICE;
export const RLIMIT_RTPRIO: number = K.RLIMIT_RTPRIO;
export const RLIMIT_RTTIME: number = K.RLIMIT_RTTIME;
export const RUSAGE_SELF: number = K.RUSAGE_SELF;
export const RUSAGE_CHILDREN: number = K.RUSAGE_CHILDREN;
export const RUSAGE_THREAD: number = K.RUSAGE_THREAD;

/**
 * Python's resource.struct_rusage: ru_utime and ru_stime in seconds (float),
 * the other 14 fields as getrusage(2) reports them (ru_maxrss in KiB).
 */
export class struct_rusage extends StructSeq<number> {
  declare readonly ru_utime: number;
  declare readonly ru_stime: number;
  declare readonly ru_maxrss: number;
  declare readonly ru_ixrss: number;
  declare readonly ru_idrss: number;
  declare readonly ru_isrss: number;
  declare readonly ru_minflt: number;
  declare readonly ru_majflt: number;
  declare readonly ru_nswap: number;
  declare readonly ru_inblock: number;
  declare readonly ru_oublock: number;
  declare readonly ru_msgsnd: number;
  declare readonly ru_msgrcv: number;
  declare readonly ru_nsignals: number;
  declare readonly ru_nvcsw: number;
  declare readonly ru_nivcsw: number;
}
defineStructSeq(struct_rusage, {
  qualname: 'resource.struct_rusage',
  sequence: ['ru_utime', 'ru_stime', 'ru_maxrss', 'ru_ixrss', 'ru_idrss', 'ru_isrss', 'ru_minflt', 'ru_majflt',
    'ru_nswap', 'ru_inblock', 'ru_oublock', 'ru_msgsnd', 'ru_msgrcv', 'ru_nsignals', 'ru_nvcsw', 'ru_nivcsw'],
  extra: [],
});

function limitsArg(limits: unknown): [number, number] {
  const pair = iterableArg(limits, 'limits', 'a [soft, hard] pair', (v) => v);
  if (pair.length !== 2) throw invalidArgType('limits', 'a [soft, hard] pair', limits);
  return [validateInteger(pair[0], 'limits[0]', -1, SAFE), validateInteger(pair[1], 'limits[1]', -1, SAFE)];
}

/** getrlimit(2): `[soft, hard]` of an RLIMIT_* resource; RLIM_INFINITY (-1) for none. */
export function getrlimit(resource: number): [number, number] {
  return native.getrlimit(validateInt32(resource, 'resource'));
}

/**
 * setrlimit(2) to `[soft, hard]`. The kernel's refusals are OSErrors:
 * EINVAL (soft above hard, an unknown resource), EPERM (raising the hard
 * limit without CAP_SYS_RESOURCE; Python raises ValueError for both).
 */
export function setrlimit(resource: number, limits: Iterable<number>): void {
  const r = validateInt32(resource, 'resource');
  const [soft, hard] = limitsArg(limits);
  native.setrlimit(r, soft, hard);
}

/**
 * prlimit(2): the limits of process `pid` (0: this one); with `limits`,
 * sets them too. Returns the previous `[soft, hard]`.
 */
export function prlimit(pid: number, resource: number, limits?: Iterable<number>): [number, number] {
  const p = validateInteger(pid, 'pid', 0, 2 ** 31 - 1);
  const r = validateInt32(resource, 'resource');
  if (limits === undefined) return native.prlimit(p, r);
  const [soft, hard] = limitsArg(limits);
  return native.prlimit(p, r, soft, hard);
}

/** getrusage(2) of RUSAGE_SELF, RUSAGE_CHILDREN (reaped children) or RUSAGE_THREAD. */
export function getrusage(who: number): struct_rusage {
  return new struct_rusage(native.getrusage(validateInt32(who, 'who')));
}

/** The page size in bytes (sysconf(_SC_PAGESIZE)). */
export function getpagesize(): number {
  return native.getpagesize();
}
