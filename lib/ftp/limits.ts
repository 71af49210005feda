// Per-IP and global client caps for the FTP server, shared by every process
// or thread of one server: a table of slots in shared memory (MAP_SHARED
// memory that forked children inherit, or a SharedArrayBuffer that worker
// threads receive), claimed and released with Atomics.
//
// slot i: [owner pid, ip hash]. owner 0 = free. A slot whose owner process
// died without releasing it (kill -9 of a forked child) is reclaimed when a
// count finds that pid gone.
import * as os from '../os';

export class ClientSlots {
  readonly view: Int32Array;
  readonly maxClients: number;
  readonly maxPerIp: number;

  constructor(view: Int32Array, maxClients: number, maxPerIp: number) {
    this.view = view;
    this.maxClients = maxClients;
    this.maxPerIp = maxPerIp;
  }

  /** Bytes of shared memory a table for maxClients needs. */
  static bytes(maxClients: number): number {
    return 8 * maxClients;
  }

  /**
   * Claims a slot for a client from `ip`; -1 if a cap is reached. Claim first,
   * count afterwards (self included), release on excess: two racing clients
   * may both be refused at the edge, never both admitted past it.
   */
  acquire(ip: string): number {
    const v = this.view;
    const me = os.getpid();
    const h = hashIp(ip);
    let slot = -1;
    for (let i = 0; i < this.maxClients; i++) {
      if (Atomics.compareExchange(v, 2 * i, 0, me) === 0) {
        Atomics.store(v, 2 * i + 1, h);
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      if (this.#reclaim() === 0) return -1;
      return this.acquire(ip);
    }
    let sameIp = 0;
    for (let i = 0; i < this.maxClients; i++) {
      if (Atomics.load(v, 2 * i) !== 0 && Atomics.load(v, 2 * i + 1) === h) sameIp++;
    }
    if (sameIp > this.maxPerIp && this.#reclaim() > 0) {
      sameIp = 0;
      for (let i = 0; i < this.maxClients; i++) {
        if (Atomics.load(v, 2 * i) !== 0 && Atomics.load(v, 2 * i + 1) === h) sameIp++;
      }
    }
    if (sameIp > this.maxPerIp) {
      this.release(slot);
      return -1;
    }
    return slot;
  }

  release(slot: number): void {
    if (slot < 0) return;
    Atomics.store(this.view, 2 * slot + 1, 0);
    Atomics.store(this.view, 2 * slot, 0);
  }

  /** Slots in use. */
  used(): number {
    let n = 0;
    for (let i = 0; i < this.maxClients; i++) if (Atomics.load(this.view, 2 * i) !== 0) n++;
    return n;
  }

  // Frees the slots of processes that no longer exist; returns how many.
  #reclaim(): number {
    const v = this.view;
    let freed = 0;
    for (let i = 0; i < this.maxClients; i++) {
      const pid = Atomics.load(v, 2 * i);
      if (pid === 0 || pid === os.getpid()) continue;
      let alive = true;
      try { os.kill(pid, 0); } catch (e) { alive = (e as { code?: string }).code !== 'ESRCH'; }
      if (!alive && Atomics.compareExchange(v, 2 * i, pid, 0) === pid) freed++;
    }
    return freed;
  }
}

// FNV-1a, never 0 (0 marks a free slot's hash too).
function hashIp(ip: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) {
    h ^= ip.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h === 0 ? 1 : h;
}
