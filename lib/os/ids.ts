// Credentials: user and group ids, supplementary groups, the login name, the
// umask. The set* calls change every thread of the process (glibc's POSIX
// semantics), as Python's do. An id of -1 means "leave unchanged" where the
// kernel says so (setreuid, setresuid ...).
import { invalidArgValue, validateInteger } from '../errors';
import { family } from '../native';
import { cstring, iterableArg } from './args';

interface IdsNative {
  getuid(): number; geteuid(): number; getgid(): number; getegid(): number;
  setuid(id: number): void; setgid(id: number): void; seteuid(id: number): void; setegid(id: number): void;
  setreuid(r: number, e: number): void; setregid(r: number, e: number): void;
  setresuid(r: number, e: number, s: number): void; setresgid(r: number, e: number, s: number): void;
  getresuid(): [number, number, number]; getresgid(): [number, number, number];
  getgroups(): number[]; setgroups(groups: number[]): void;
  getgrouplist(user: string, group: number): number[]; initgroups(user: string, group: number): void;
  getlogin(): string; umask(mask: number): number;
  idsConstants: Record<string, number>;
}
const native = family<IdsNative>();

/** Most supplementary groups a process may have (setgroups refuses more). */
export const NGROUPS_MAX: number = native.idsConstants.NGROUPS_MAX;

const ID_MAX = 2 ** 32 - 2;
function id(value: unknown, name: string): number {
  return validateInteger(value, name, -1, ID_MAX);
}

export const getuid = (): number => native.getuid();
export const geteuid = (): number => native.geteuid();
export const getgid = (): number => native.getgid();
export const getegid = (): number => native.getegid();

export function setuid(uid: number): void {
  native.setuid(id(uid, 'uid'));
}
export function setgid(gid: number): void {
  native.setgid(id(gid, 'gid'));
}
export function seteuid(euid: number): void {
  native.seteuid(id(euid, 'euid'));
}
export function setegid(egid: number): void {
  native.setegid(id(egid, 'egid'));
}
export function setreuid(ruid: number, euid: number): void {
  native.setreuid(id(ruid, 'ruid'), id(euid, 'euid'));
}
export function setregid(rgid: number, egid: number): void {
  native.setregid(id(rgid, 'rgid'), id(egid, 'egid'));
}
export function setresuid(ruid: number, euid: number, suid: number): void {
  native.setresuid(id(ruid, 'ruid'), id(euid, 'euid'), id(suid, 'suid'));
}
export function setresgid(rgid: number, egid: number, sgid: number): void {
  native.setresgid(id(rgid, 'rgid'), id(egid, 'egid'), id(sgid, 'sgid'));
}
/** getresuid(2): `[ruid, euid, suid]`. */
export const getresuid = (): [number, number, number] => native.getresuid();
/** getresgid(2): `[rgid, egid, sgid]`. */
export const getresgid = (): [number, number, number] => native.getresgid();

/** getgroups(2): the supplementary group ids. */
export const getgroups = (): number[] => native.getgroups();

/** setgroups(2): any iterable of group ids, at most NGROUPS_MAX. */
export function setgroups(groups: Iterable<number>): void {
  const list = iterableArg(groups, 'groups', 'an iterable of group ids', (g) => validateInteger(g, 'groups[]', 0, ID_MAX));
  if (list.length > NGROUPS_MAX) throw invalidArgValue('groups', groups, `has more than NGROUPS_MAX (${NGROUPS_MAX}) entries`);
  native.setgroups(list);
}

/** getgrouplist(3): the groups the group database lists for `user`, plus `group`. */
export function getgrouplist(user: string, group: number): number[] {
  return native.getgrouplist(cstring(user, 'user'), validateInteger(group, 'group', 0, ID_MAX));
}

/** initgroups(3): setgroups() to getgrouplist(username, gid). Needs privilege. */
export function initgroups(username: string, gid: number): void {
  native.initgroups(cstring(username, 'username'), validateInteger(gid, 'gid', 0, ID_MAX));
}

/** getlogin(3): the user logged in on the controlling terminal; OSError without one. */
export const getlogin = (): string => native.getlogin();

/** umask(2): sets the file mode creation mask and returns the previous one. */
export function umask(mask: number): number {
  return native.umask(validateInteger(mask, 'mask', 0, 0o7777));
}
