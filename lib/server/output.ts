// What a protocol core hands its driver to send, and a small queue that turns
// it into byte chunks for any driver (blocking sendall or non-blocking send).
import { closeSync, readSync } from 'node:fs';
import { codedError, invalidArgType, toList } from '../errors';

/** A file sent as a byte range was cut short meanwhile: the length promised to the peer cannot be kept. */
export function fileShrank(path: string): Error & { code: string } {
  return codedError('ERR_FILE_SHRANK', `file shrank while sending: ${path}`);
}

/**
 * A byte range of an open file, to be sent as is (sendfile(2) or pread
 * chunks). Ownership of `fd` passes to whoever takes the item from the core:
 * close it with releaseOutput() once sent, or when the connection dies.
 */
export interface FileOutput {
  kind: 'file';
  fd: number;
  offset: number;
  length: number;
  /** Real path under the root, for logs only. */
  path: string;
}

export type OutputItem = Uint8Array | FileOutput;

export function isFileOutput(item: OutputItem): item is FileOutput {
  return !(item instanceof Uint8Array);
}

/** Closes the fd of a file item (no-op for bytes); safe to call twice. */
export function releaseOutput(item: OutputItem): void {
  if (isFileOutput(item) && item.fd >= 0) {
    try { closeSync(item.fd); } catch { /* already closed: nothing to free */ }
    item.fd = -1;
  }
}

/** Total bytes an item will put on the wire. */
export function outputLength(item: OutputItem): number {
  return isFileOutput(item) ? item.length : item.byteLength;
}

/**
 * FIFO of output items with partial-send bookkeeping. peek() gives the next
 * bytes to send (reading files in chunks of `chunkSize`), consume(n) records
 * that n of them went out. A sendfile driver checks peekFile() first.
 */
/** The most items one OutputQueue.push takes. */
const MAX_PUSH = 1 << 20;

function checkItem(it: unknown): OutputItem {
  if (it instanceof Uint8Array) return it;
  const f = it as FileOutput | null;
  if (f !== null && typeof f === 'object' && f.kind === 'file' && Number.isSafeInteger(f.fd)
    && Number.isSafeInteger(f.offset) && f.offset >= 0 && Number.isSafeInteger(f.length) && f.length >= 0) return f;
  throw invalidArgType('items', 'an iterable of Uint8Array or file output items', it);
}

export class OutputQueue {
  #items: OutputItem[] = [];
  #chunk: Uint8Array | null = null;
  #bytes = 0;
  constructor(private readonly chunkSize = 64 * 1024) {}

  /**
   * Queues what a session returned. The iterable is read once and checked
   * first (at most MAX_PUSH items, each bytes or a file item), so an endless
   * generator or a bad item is an error and the queue is left as it was.
   */
  push(items: Iterable<OutputItem>): void {
    const list = toList(items, 'items', 'an iterable of output items', MAX_PUSH, checkItem);
    for (const it of list) {
      if (outputLength(it) === 0) releaseOutput(it);
      else { this.#items.push(it); this.#bytes += outputLength(it); }
    }
  }
  /** Bytes still queued. */
  get pending(): number {
    return this.#bytes;
  }
  get empty(): boolean {
    return this.#items.length === 0;
  }
  /** The head item when it is a file and nothing of it is buffered: for sendfile(2). */
  peekFile(): FileOutput | null {
    const it = this.#items[0];
    return it && isFileOutput(it) && this.#chunk === null ? it : null;
  }
  /** Next bytes to send, or null when empty. Throws only if a file read fails (EIO, truncated file). */
  peek(): Uint8Array | null {
    const it = this.#items[0];
    if (!it) return null;
    if (!isFileOutput(it)) return it;
    if (this.#chunk === null) {
      const buf = Buffer.allocUnsafe(Math.min(this.chunkSize, it.length));
      const n = readSync(it.fd, buf, 0, buf.length, it.offset);
      if (n <= 0) throw fileShrank(it.path);
      this.#chunk = buf.subarray(0, n);
    }
    return this.#chunk;
  }
  /** Records that `n` bytes from the head went out (after send, or sendfile on a file head). */
  consume(n: number): void {
    while (n > 0 && this.#items.length > 0) {
      const it = this.#items[0];
      if (isFileOutput(it)) {
        const k = Math.min(n, it.length);
        it.offset += k;
        it.length -= k;
        this.#bytes -= k;
        n -= k;
        if (this.#chunk) this.#chunk = this.#chunk.length > k ? this.#chunk.subarray(k) : null;
        if (it.length === 0) { releaseOutput(it); this.#items.shift(); this.#chunk = null; }
      } else {
        const k = Math.min(n, it.byteLength);
        this.#bytes -= k;
        n -= k;
        if (k === it.byteLength) this.#items.shift();
        else this.#items[0] = it.subarray(k);
      }
    }
  }
  /** Drops everything and closes file fds (connection torn down). */
  dispose(): void {
    for (const it of this.#items) releaseOutput(it);
    this.#items = [];
    this.#chunk = null;
    this.#bytes = 0;
  }
}
