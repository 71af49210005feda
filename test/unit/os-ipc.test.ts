// eventfd counter semantics, memfd files as /proc shows them, and the
// in-kernel copies (sendfile, splice, copy_file_range) checked by content.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockingIOError } from '../../lib/errors';
import * as os from '../../lib/os';
import { code, error } from '../helpers/checks';
import { checkLeaks } from '../helpers/fds';

let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(tmpdir(), 'posixkit-ipc-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });
checkLeaks();

function fdinfoFlags(fd: number): number {
  const line = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').find((l) => l.startsWith('flags:'))!;
  return parseInt(line.split(':')[1].trim(), 8);
}

describe('eventfd', () => {
  it('the counter adds writes and a read takes it all', () => {
    const fd = os.eventfd(5);
    try {
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toBe('anon_inode:[eventfd]');
      expect(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')).toMatch(/eventfd-count:\s+5\b/);
      expect(os.get_inheritable(fd)).toBe(false); // EFD_CLOEXEC by default
      os.eventfd_write(fd, 3);
      os.eventfd_write(fd, 2n);
      expect(os.eventfd_read(fd)).toBe(10);
      expect(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')).toMatch(/eventfd-count:\s+0\b/);
    } finally {
      os.close(fd);
    }
  });
  it('EFD_SEMAPHORE reads 1 at a time; EFD_NONBLOCK reads EAGAIN at 0', () => {
    const fd = os.eventfd(2, os.EFD_SEMAPHORE | os.EFD_NONBLOCK | os.EFD_CLOEXEC);
    try {
      expect(fdinfoFlags(fd) & os.O_NONBLOCK).toBe(os.O_NONBLOCK);
      expect([os.eventfd_read(fd), os.eventfd_read(fd)]).toEqual([1, 1]);
      const e = error(() => os.eventfd_read(fd));
      expect(e).toBeInstanceOf(BlockingIOError);
      expect(e.syscall).toBe('eventfd_read');
    } finally {
      os.close(fd);
    }
  });
  it('64-bit counter: BigInt past 2^53, EAGAIN when it would overflow, EINVAL for 2^64-1', () => {
    const fd = os.eventfd(0, os.EFD_NONBLOCK);
    try {
      const big = 2n ** 64n - 2n;
      os.eventfd_write(fd, big);
      expect(code(() => os.eventfd_write(fd, 1))).toBe('EAGAIN');
      expect(os.eventfd_read(fd)).toBe(big);
      os.eventfd_write(fd, Number.MAX_SAFE_INTEGER);
      expect(os.eventfd_read(fd)).toBe(Number.MAX_SAFE_INTEGER);
      expect(code(() => os.eventfd_write(fd, 2n ** 64n - 1n))).toBe('EINVAL');
      expect(code(() => os.eventfd_write(fd, 2n ** 64n))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => os.eventfd_write(fd, -1))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => os.eventfd_write(fd, '1' as never))).toBe('ERR_INVALID_ARG_TYPE');
    } finally {
      os.close(fd);
    }
    expect(code(() => os.eventfd(0, 0x7fff))).toBe('EINVAL');
    expect(code(() => os.eventfd(-1))).toBe('ERR_OUT_OF_RANGE');
    expect(code(() => os.eventfd_read(fd))).toBe('EBADF');
  });
});

describe('memfd_create', () => {
  it('is a file in memory named in /proc/self/fd, close-on-exec unless asked', () => {
    const fd = os.memfd_create('posixkit-test');
    const fd2 = os.memfd_create('sealable', os.MFD_ALLOW_SEALING);
    try {
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toBe('/memfd:posixkit-test (deleted)');
      expect(os.get_inheritable(fd)).toBe(false);
      expect(os.get_inheritable(fd2)).toBe(true);
      expect(os.write(fd, 'in memory')).toBe(9);
      expect(fs.readFileSync(`/proc/self/fd/${fd}`, 'utf8')).toBe('in memory');
      expect(os.fstat(fd).st_size).toBe(9);
    } finally {
      os.close(fd);
      os.close(fd2);
    }
    expect(code(() => os.memfd_create('a\0b'))).toBe('ERR_INVALID_ARG_VALUE');
    expect(code(() => os.memfd_create('x', 0x7000))).toBe('EINVAL');
    expect(code(() => os.memfd_create('x'.repeat(300)))).toBe('EINVAL');
  });
});

describe('in-kernel copies', () => {
  const content = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  function source(): number {
    const p = path.join(dir, `src${Math.random()}`);
    fs.writeFileSync(p, content);
    return os.open(p, os.O_RDONLY);
  }

  it('sendfile: with an offset the position stays; with null it advances', () => {
    const src = source();
    const [r, w] = os.pipe();
    try {
      expect(os.sendfile(w, src, 100, 50)).toBe(50);
      expect(os.lseek(src, 0, os.SEEK_CUR)).toBe(0);
      expect(os.read(r, 100)).toEqual(content.subarray(100, 150));
      expect(os.sendfile(w, src, null, 30)).toBe(30);
      expect(os.lseek(src, 0, os.SEEK_CUR)).toBe(30);
      expect(os.read(r, 100)).toEqual(content.subarray(0, 30));
      expect(os.sendfile(w, src, 5000, 10)).toBe(0); // at the end
      expect(code(() => os.sendfile(r, src, 0, 1))).toBe('EBADF'); // read end of a pipe
    } finally {
      os.close(src);
      os.close(r);
      os.close(w);
    }
  });
  it('splice: file -> pipe -> file, offsets for the file sides, SPLICE_F_NONBLOCK on an empty pipe', () => {
    const src = source();
    const [r, w] = os.pipe();
    const dstPath = path.join(dir, 'spliced');
    const dst = os.open(dstPath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600);
    try {
      expect(os.splice(src, w, 1000, 2000)).toBe(1000);
      expect(os.lseek(src, 0, os.SEEK_CUR)).toBe(0);
      expect(os.splice(r, dst, 1000, null, 10)).toBe(1000);
      expect(fs.readFileSync(dstPath).subarray(10)).toEqual(content.subarray(2000, 3000));
      expect(code(() => os.splice(r, dst, 10, null, null, os.SPLICE_F_NONBLOCK))).toBe('EAGAIN');
      expect(code(() => os.splice(src, dst, 10))).toBe('EINVAL'); // neither side a pipe
      expect(code(() => os.splice(r, w, 10, 5))).toBe('ESPIPE'); // an offset on a pipe
    } finally {
      os.close(src);
      os.close(r);
      os.close(w);
      os.close(dst);
    }
  });
  it('copy_file_range copies between files at offsets', () => {
    const src = source();
    const dstPath = path.join(dir, 'copied');
    const dst = os.open(dstPath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600);
    try {
      let done = 0;
      while (done < 4000) done += os.copy_file_range(src, dst, 4000 - done, 1000 + done, done);
      expect(fs.readFileSync(dstPath)).toEqual(content.subarray(1000, 5000));
      expect(os.lseek(src, 0, os.SEEK_CUR)).toBe(0);
      expect(os.copy_file_range(src, dst, 10)).toBe(10); // positions used and advanced
      expect(os.lseek(src, 0, os.SEEK_CUR)).toBe(10);
      expect(code(() => os.copy_file_range(src, dst, -1))).toBe('ERR_OUT_OF_RANGE');
      expect(code(() => os.copy_file_range(dst, src, 1))).toBe('EBADF');
    } finally {
      os.close(src);
      os.close(dst);
    }
  });
});
