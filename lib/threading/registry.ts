// The table of live threads behind threading.enumerate() and active_count():
// one SharedArrayBuffer that every thread started through posixkit/threading
// receives, so any thread sees all of them (as in Python, where enumerate()
// lists the threads of the whole process). A slot is claimed by start() in
// the starting thread and freed when the thread's target has returned.
// After fork only the calling thread exists in the child: the child's (now
// private) copy keeps that one slot.

const SLOTS = 256;
const WORDS = 16;
const NAME_BYTES = 4 * (WORDS - 5);
// slot words: [state, threadId, tid, daemon, nameLength, name (utf8)...]
const STATE = 0;
const THREAD_ID = 1;
const TID = 2;
const DAEMON = 3;
const NAME_LEN = 4;
const NAME = 5;

const FREE = 0;
const LIVE = 1;

export interface SlotInfo {
  slot: number;
  threadId: number;
  tid: number;
  daemon: boolean;
  name: string;
}

let table: Int32Array | null = null;

/** The table (made by the first thread that asks, passed to every thread it starts). */
export function registryBuffer(): SharedArrayBuffer {
  if (table === null) table = new Int32Array(new SharedArrayBuffer(4 * WORDS * SLOTS));
  return table.buffer as SharedArrayBuffer;
}

/** In a thread started by posixkit: adopt the table its starter passed. */
export function adoptRegistry(buf: SharedArrayBuffer): void {
  table = new Int32Array(buf);
}

function t(): Int32Array {
  registryBuffer();
  return table!;
}

/** Claims a slot for a starting thread; -1 when the table is full (it is then only missing from enumerate()). */
export function claim(name: string, daemon: boolean): number {
  const w = t();
  for (let s = 0; s < SLOTS; s++) {
    const b = s * WORDS;
    if (Atomics.compareExchange(w, b + STATE, FREE, LIVE) !== FREE) continue;
    Atomics.store(w, b + THREAD_ID, -1);
    Atomics.store(w, b + TID, 0);
    Atomics.store(w, b + DAEMON, daemon ? 1 : 0);
    setName(s, name);
    return s;
  }
  return -1;
}

export function setName(slot: number, name: string): void {
  if (slot < 0) return;
  const w = t();
  const b = slot * WORDS;
  const bytes = Buffer.from(name, 'utf8').subarray(0, NAME_BYTES);
  const u8 = new Uint8Array(w.buffer, 4 * (b + NAME), NAME_BYTES);
  u8.set(bytes);
  Atomics.store(w, b + NAME_LEN, bytes.length);
}

/** The started thread fills in who it is. */
export function running(slot: number, threadId: number, tid: number): void {
  if (slot < 0) return;
  const w = t();
  Atomics.store(w, slot * WORDS + THREAD_ID, threadId);
  Atomics.store(w, slot * WORDS + TID, tid);
}

export function release(slot: number): void {
  if (slot < 0) return;
  Atomics.store(t(), slot * WORDS + STATE, FREE);
  Atomics.notify(t(), slot * WORDS + STATE);
}

/** Blocks until `slot` is released (its thread's target returned). */
export function waitReleased(slot: number): void {
  if (slot < 0) return;
  while (Atomics.load(t(), slot * WORDS + STATE) === LIVE) Atomics.wait(t(), slot * WORDS + STATE, LIVE);
}

export function isLive(slot: number): boolean {
  return slot >= 0 && Atomics.load(t(), slot * WORDS + STATE) === LIVE;
}

/** The live threads in the table, oldest slot first. */
export function liveSlots(): SlotInfo[] {
  const w = t();
  const out: SlotInfo[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const b = s * WORDS;
    if (Atomics.load(w, b + STATE) !== LIVE) continue;
    const len = Math.min(Atomics.load(w, b + NAME_LEN), NAME_BYTES);
    const name = Buffer.from(w.buffer, 4 * (b + NAME), len).toString('utf8');
    out.push({ slot: s, threadId: Atomics.load(w, b + THREAD_ID), tid: Atomics.load(w, b + TID), daemon: Atomics.load(w, b + DAEMON) === 1, name });
  }
  return out;
}

/** After fork, in the child: only `keep` (the calling thread's slot) is alive. */
export function forgetAllBut(keep: number): void {
  if (table === null) return;
  for (let s = 0; s < SLOTS; s++) if (s !== keep) Atomics.store(table, s * WORDS + STATE, FREE);
}
