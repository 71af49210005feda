// ClientSlots: the FTP server's per-IP and global caps in shared memory.
import { describe, expect, it } from 'vitest';
import { ClientSlots } from '../../lib/ftp/limits';
import { mmap } from '../../lib/mmap';
import { forkRun } from '../helpers/proc';

describe('ClientSlots', () => {
  it('admits up to the global cap and the per-IP cap, then refuses; release frees a slot', () => {
    const s = new ClientSlots(new Int32Array(new SharedArrayBuffer(ClientSlots.bytes(4))), 4, 2);
    const a1 = s.acquire('10.0.0.1');
    const a2 = s.acquire('10.0.0.1');
    expect(a1).toBeGreaterThanOrEqual(0);
    expect(a2).toBeGreaterThanOrEqual(0);
    expect(s.acquire('10.0.0.1')).toBe(-1); // per IP
    const b1 = s.acquire('10.0.0.2');
    const b2 = s.acquire('10.0.0.2');
    expect(s.used()).toBe(4);
    expect(s.acquire('10.0.0.3')).toBe(-1); // global
    expect(s.used()).toBe(4); // a refused claim gives its slot back
    s.release(a1);
    expect(s.acquire('10.0.0.3')).toBeGreaterThanOrEqual(0);
    s.release(a2);
    s.release(b1);
    s.release(b2);
    expect(s.used()).toBe(1);
  });

  it('is shared with forked children through MAP_SHARED memory, and a dead child\'s slot is reclaimed', () => {
    const map = mmap(-1, ClientSlots.bytes(2));
    try {
      const s = new ClientSlots(new Int32Array(map.buffer), 2, 2);
      // The child claims both slots and exits without releasing them (as a kill -9 would leave them).
      const code = forkRun(() => (s.acquire('1.2.3.4') >= 0 && s.acquire('1.2.3.4') >= 0 ? 0 : 1));
      expect(code).toBe(0);
      expect(s.used()).toBe(2);
      // Full, but the owner is gone: the claim reclaims its slots.
      const slot = s.acquire('5.6.7.8');
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(s.used()).toBe(1);
    } finally {
      map.close();
    }
  });
});

describe('ftpProtocol arguments', () => {
  it('refuses a shared table that is not a SharedArrayBuffer of the right size, before copying it', async () => {
    const { ftpProtocol } = await import('../../lib/ftp/server');
    const huge = new Array(2 ** 32 - 1); // copied element by element it would run for minutes
    const t0 = Date.now();
    expect(() => ftpProtocol({ root: '/' } as never, huge as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => ftpProtocol({ root: '/' } as never, new SharedArrayBuffer(8))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => ftpProtocol(Infinity as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => ftpProtocol({ root: '/', maxClients: 2 ** 31 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(ftpProtocol({ root: '/', maxClients: 4 } as never, new SharedArrayBuffer(32)).name).toBe('ftp');
  });
});
