// The system as a whole: uname, times, load averages, error strings, and
// the os constants that belong to no call posixkit wraps (EX_* exit codes...).
import { validateInt32 } from '../errors';
import { family } from '../native';
import { defineStructSeq, StructSeq } from './structseq';

interface SystemNative {
  uname(): string[];
  times(): number[];
  getloadavg(): [number, number, number];
  strerror(errno: number): string;
  sysConstants: Record<string, number>;
}
const native = family<SystemNative>();
const K = native.sysConstants;

// sysexits.h exit codes.
export const EX_OK: number = K.EX_OK;
export const EX_USAGE: number = K.EX_USAGE;
export const EX_DATAERR: number = K.EX_DATAERR;
export const EX_NOINPUT: number = K.EX_NOINPUT;
export const EX_NOUSER: number = K.EX_NOUSER;
export const EX_NOHOST: number = K.EX_NOHOST;
export const EX_UNAVAILABLE: number = K.EX_UNAVAILABLE;
export const EX_SOFTWARE: number = K.EX_SOFTWARE;
export const EX_OSERR: number = K.EX_OSERR;
export const EX_OSFILE: number = K.EX_OSFILE;
export const EX_CANTCREAT: number = K.EX_CANTCREAT;
export const EX_IOERR: number = K.EX_IOERR;
export const EX_TEMPFAIL: number = K.EX_TEMPFAIL;
export const EX_PROTOCOL: number = K.EX_PROTOCOL;
export const EX_NOPERM: number = K.EX_NOPERM;
export const EX_CONFIG: number = K.EX_CONFIG;
// access(2) modes, statvfs flags, dlopen modes, xattr and getrandom flags and
// TMP_MAX: Python's os has them; posixkit leaves those calls to Node's fs.
export const F_OK: number = K.F_OK;
export const R_OK: number = K.R_OK;
export const W_OK: number = K.W_OK;
export const X_OK: number = K.X_OK;
export const TMP_MAX: number = K.TMP_MAX;
export const ST_RDONLY: number = K.ST_RDONLY;
export const ST_NOSUID: number = K.ST_NOSUID;
export const ST_NODEV: number = K.ST_NODEV;
export const ST_NOEXEC: number = K.ST_NOEXEC;
export const ST_SYNCHRONOUS: number = K.ST_SYNCHRONOUS;
export const ST_MANDLOCK: number = K.ST_MANDLOCK;
export const ST_WRITE: number = K.ST_WRITE;
export const ST_APPEND: number = K.ST_APPEND;
export const ST_NOATIME: number = K.ST_NOATIME;
export const ST_NODIRATIME: number = K.ST_NODIRATIME;
export const ST_RELATIME: number = K.ST_RELATIME;
export const RTLD_LAZY: number = K.RTLD_LAZY;
export const RTLD_NOW: number = K.RTLD_NOW;
export const RTLD_GLOBAL: number = K.RTLD_GLOBAL;
export const RTLD_LOCAL: number = K.RTLD_LOCAL;
export const RTLD_NODELETE: number = K.RTLD_NODELETE;
export const RTLD_NOLOAD: number = K.RTLD_NOLOAD;
export const RTLD_DEEPBIND: number = K.RTLD_DEEPBIND;
export const XATTR_CREATE: number = K.XATTR_CREATE;
export const XATTR_REPLACE: number = K.XATTR_REPLACE;
export const XATTR_SIZE_MAX: number = K.XATTR_SIZE_MAX;
export const GRND_NONBLOCK: number = K.GRND_NONBLOCK;
export const GRND_RANDOM: number = K.GRND_RANDOM;

/** Python's os.uname_result. */
export class uname_result extends StructSeq<string> {
  declare readonly sysname: string;
  declare readonly nodename: string;
  declare readonly release: string;
  declare readonly version: string;
  declare readonly machine: string;
}
defineStructSeq(uname_result, {
  qualname: 'os.uname_result', sequence: ['sysname', 'nodename', 'release', 'version', 'machine'], extra: [],
});

/** uname(2). */
export function uname(): uname_result {
  return new uname_result(native.uname());
}

/** Python's os.times_result: CPU times in seconds, and `elapsed` since an arbitrary point. */
export class times_result extends StructSeq<number> {
  declare readonly user: number;
  declare readonly system: number;
  declare readonly children_user: number;
  declare readonly children_system: number;
  declare readonly elapsed: number;
}
defineStructSeq(times_result, {
  qualname: 'os.times_result', sequence: ['user', 'system', 'children_user', 'children_system', 'elapsed'], extra: [],
});

/** times(2), in seconds (clock ticks / _SC_CLK_TCK). The children's times count reaped children only. */
export function times(): times_result {
  return new times_result(native.times());
}

/** getloadavg(3): the 1, 5 and 15 minute load averages. */
export function getloadavg(): [number, number, number] {
  return native.getloadavg();
}

/** strerror(3): the message for an errno (positive; a negative Node-style errno works too). */
export function strerror(code: number): string {
  return native.strerror(validateInt32(code, 'code'));
}
