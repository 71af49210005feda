// fds made for IPC and in-kernel copies: eventfd counters, memfd files,
// sendfile, splice, copy_file_range.
import { FileLike, outOfRange, toFd, validateInteger } from '../errors';
import { family } from '../native';
import { cstring, SAFE } from './args';

interface IpcNative {
  eventfd(initval: number, flags: number): number;
  eventfd_read(fd: number): number | bigint;
  eventfd_write(fd: number, value: number | bigint): void;
  memfd_create(name: string, flags: number): number;
  sendfile(outFd: number, inFd: number, offset: number | null, count: number): number;
  splice(src: number, dst: number, count: number, offSrc: number | null, offDst: number | null, flags: number): number;
  copy_file_range(src: number, dst: number, count: number, offSrc: number | null, offDst: number | null): number;
  eventfdConstants: Record<string, number>;
  fdcopyConstants: Record<string, number>;
}
const native = family<IpcNative>();
const E = native.eventfdConstants;
const C = native.fdcopyConstants;

export const EFD_CLOEXEC: number = E.EFD_CLOEXEC;
export const EFD_NONBLOCK: number = E.EFD_NONBLOCK;
export const EFD_SEMAPHORE: number = E.EFD_SEMAPHORE;
export const MFD_CLOEXEC: number = E.MFD_CLOEXEC;
export const MFD_ALLOW_SEALING: number = E.MFD_ALLOW_SEALING;
export const MFD_HUGETLB: number = E.MFD_HUGETLB;
export const MFD_HUGE_SHIFT: number = E.MFD_HUGE_SHIFT;
export const MFD_HUGE_MASK: number = E.MFD_HUGE_MASK;
export const MFD_HUGE_64KB: number = E.MFD_HUGE_64KB;
export const MFD_HUGE_512KB: number = E.MFD_HUGE_512KB;
export const MFD_HUGE_1MB: number = E.MFD_HUGE_1MB;
export const MFD_HUGE_2MB: number = E.MFD_HUGE_2MB;
export const MFD_HUGE_8MB: number = E.MFD_HUGE_8MB;
export const MFD_HUGE_16MB: number = E.MFD_HUGE_16MB;
export const MFD_HUGE_32MB: number = E.MFD_HUGE_32MB;
export const MFD_HUGE_256MB: number = E.MFD_HUGE_256MB;
export const MFD_HUGE_512MB: number = E.MFD_HUGE_512MB;
export const MFD_HUGE_1GB: number = E.MFD_HUGE_1GB;
export const MFD_HUGE_2GB: number = E.MFD_HUGE_2GB;
export const MFD_HUGE_16GB: number = E.MFD_HUGE_16GB;
export const SPLICE_F_MOVE: number = C.SPLICE_F_MOVE;
export const SPLICE_F_NONBLOCK: number = C.SPLICE_F_NONBLOCK;
export const SPLICE_F_MORE: number = C.SPLICE_F_MORE;

const U64_MAX = 2n ** 64n - 1n;

/** eventfd(2): an fd holding a 64-bit counter starting at `initval`. */
export function eventfd(initval: number, flags: number = EFD_CLOEXEC): number {
  validateInteger(initval, 'initval', 0, 2 ** 32 - 1);
  validateInteger(flags, 'flags', 0, 2 ** 31 - 1);
  return native.eventfd(initval, flags);
}

/**
 * Reads the counter and resets it to 0 (with EFD_SEMAPHORE: returns 1 and
 * decrements). Blocks while it is 0 unless EFD_NONBLOCK (BlockingIOError).
 * A number, or a BigInt above Number.MAX_SAFE_INTEGER.
 */
export function eventfd_read(fd: FileLike): number | bigint {
  return native.eventfd_read(toFd(fd));
}

/** Adds `value` to the counter; blocks while that would pass 2^64 - 2 (unless EFD_NONBLOCK). */
export function eventfd_write(fd: FileLike, value: number | bigint): void {
  const f = toFd(fd);
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw outOfRange('value', '>= 0n && <= 2n ** 64n - 1n', value);
  } else {
    validateInteger(value, 'value', 0, SAFE);
  }
  native.eventfd_write(f, value);
}

/**
 * memfd_create(2): an anonymous file in memory, visible as
 * /proc/self/fd/N -> "/memfd:NAME (deleted)". Close-on-exec by default.
 */
export function memfd_create(name: string, flags: number = MFD_CLOEXEC): number {
  return native.memfd_create(cstring(name, 'name'), validateInteger(flags, 'flags', 0, 2 ** 32 - 1));
}

function offsetArg(v: unknown, name: string): number | null {
  return v === null || v === undefined ? null : validateInteger(v, name, 0, SAFE);
}

/**
 * sendfile(2): copies up to `count` bytes from `in_fd` (a file) to `out_fd`
 * inside the kernel. `offset` null reads from (and advances) in_fd's
 * position; a number reads there and leaves the position alone.
 */
export function sendfile(out_fd: FileLike, in_fd: FileLike, offset: number | null, count: number): number {
  const o = toFd(out_fd, 'out_fd');
  const i = toFd(in_fd, 'in_fd');
  return native.sendfile(o, i, offsetArg(offset, 'offset'), validateInteger(count, 'count', 0, SAFE));
}

/**
 * splice(2): moves up to `count` bytes between two fds, one of them a pipe.
 * An offset (null: the fd's position) is only valid for the non-pipe side.
 */
export function splice(src: FileLike, dst: FileLike, count: number, offset_src: number | null = null,
  offset_dst: number | null = null, flags = 0): number {
  const s = toFd(src, 'src');
  const d = toFd(dst, 'dst');
  return native.splice(s, d, validateInteger(count, 'count', 0, SAFE), offsetArg(offset_src, 'offset_src'),
    offsetArg(offset_dst, 'offset_dst'), validateInteger(flags, 'flags', 0, 2 ** 32 - 1));
}

/** copy_file_range(2): up to `count` bytes from file `src` to file `dst`, in the kernel. */
export function copy_file_range(src: FileLike, dst: FileLike, count: number, offset_src: number | null = null,
  offset_dst: number | null = null): number {
  const s = toFd(src, 'src');
  const d = toFd(dst, 'dst');
  return native.copy_file_range(s, d, validateInteger(count, 'count', 0, SAFE), offsetArg(offset_src, 'offset_src'),
    offsetArg(offset_dst, 'offset_dst'));
}
