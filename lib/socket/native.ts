// The socket family's slice of the addon (native/socket*.cc), under `binding.socket`.
import { family } from '../native';

/**
 * A socket address as the kernel reports it (docs/api/socket.md, Addresses):
 * [host, port] (AF_INET), [host, port, flowinfo, scope_id] (AF_INET6), a path
 * string or an abstract-name Buffer (AF_UNIX; '' when unnamed), or null when
 * the kernel reported an empty address (length 0): recvfrom/recvmsg on a
 * connected socket, where no sender address comes with the data.
 * getsockname/getpeername report at least the family on Linux, so they do not
 * return null in practice; their type keeps null because the kernel, not
 * posixkit, decides the length.
 */
export type SockAddr = [string, number] | [string, number, number, number] | string | Buffer | null;
export type AncItem = [number, number, Buffer];

export interface SocketNative {
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number): [number, number];
  close(fd: number): void;
  bind(fd: number, family: number, address: unknown): void;
  listen(fd: number, backlog: number): void;
  accept(fd: number, timeout: number): [number, SockAddr];
  accept_raw(fd: number, flags: number): number;
  connect(fd: number, family: number, address: unknown, timeout: number, ex: boolean): number | undefined;
  recv(fd: number, bufsize: number, flags: number, timeout: number): Buffer;
  recv_into(fd: number, buf: ArrayBufferView, nbytes: number, flags: number, timeout: number): number;
  recv_into_raw(fd: number, buf: ArrayBufferView, flags: number): number;
  recvfrom(fd: number, bufsize: number, flags: number, timeout: number): [Buffer, SockAddr];
  recvfrom_into(fd: number, buf: ArrayBufferView, nbytes: number, flags: number, timeout: number): [number, SockAddr];
  send(fd: number, data: ArrayBufferView, flags: number, timeout: number): number;
  send_raw(fd: number, data: ArrayBufferView, offset: number, length: number, flags: number): number;
  sendall(fd: number, data: ArrayBufferView, flags: number, timeout: number): void;
  sendfile(fd: number, inFd: number, offset: number, count: number, timeout: number): number;
  sendfile_raw(fd: number, inFd: number, offset: number, count: number): number;
  sendto(fd: number, data: ArrayBufferView, flags: number, family: number, address: unknown, timeout: number): number;
  sendmsg(fd: number, buffers: ArrayBufferView[], ancdata: Array<[number, number, ArrayBufferView]>, flags: number,
    family: number, address: unknown, timeout: number): number;
  recvmsg(fd: number, bufsize: number, ancbufsize: number, flags: number, timeout: number): [Buffer, AncItem[], number, SockAddr];
  recvmsg_into(fd: number, buffers: ArrayBufferView[], ancbufsize: number, flags: number, timeout: number):
    [number, AncItem[], number, SockAddr];
  CMSG_LEN(n: number): number;
  CMSG_SPACE(n: number): number;
  shutdown(fd: number, how: number): void;
  getsockopt(fd: number, level: number, name: number, buflen: number): number | Buffer;
  setsockopt(fd: number, level: number, name: number, value: number | ArrayBufferView): void;
  getsockname(fd: number): SockAddr;
  getpeername(fd: number): SockAddr;
  gethostname(): string;
  getaddrinfo(host: string | null, port: string | null, family: number, type: number, proto: number, flags: number): AddrInfo[];
  getaddrinfo_async(host: string | null, port: string | null, family: number, type: number, proto: number, flags: number): Promise<AddrInfo[]>;
  getnameinfo(family: number, address: unknown, flags: number): [string, string];
  getservbyname(name: string, proto: string | null): number | null;
  getservbyport(port: number, proto: string | null): string | null;
  inet_pton(family: number, s: string): Buffer | null;
  inet_ntop(family: number, packed: ArrayBufferView): string;
  inet_aton(s: string): Buffer | null;
  gethostbyname_ex(name: string): [string, string[], string[]];
  gethostbyaddr(family: number, ip: string): [string, string[], string[]];
  getprotobyname(name: string): number | null;
  sethostname(name: ArrayBufferView): void;
  if_nameindex(): Array<[number, string]>;
  if_nametoindex(name: string): number;
  if_indextoname(index: number): string;
  constants: Record<string, number>;
}

/** [family, type, proto, canonname, sockaddr], as Python's getaddrinfo. */
export type AddrInfo = [number, number, number, string, SockAddr];

export const native = family<{ socket: SocketNative }>().socket;
export const K = native.constants;
