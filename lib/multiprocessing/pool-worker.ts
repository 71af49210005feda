// The loop a forked Pool worker runs (never returns): read a task, run it,
// write its result; leave at end of file, on a stop message, or after
// maxtasksperchild tasks.
import { inspect } from 'node:util';
import * as os from '../os';
import { decode, encodeParts, isInt32, NumberList } from './_codec';
import { Connection, sendFrame } from './connection';
import { errorParts, stateError } from './errors';
import { type FnRef, lookup } from './pool-functions';
import { Kind } from './pool-results';

// ---- workers ---------------------------------------------------------------------

// In the worker (never returns): read a task, run it, write its result.
/** @internal */
export function workerMain(taskFd: number, resultFd: number, initializer: ((...a: any[]) => unknown) | undefined,
  initargs: unknown[], maxtasks: number, started: Int32Array): never {
  const tasks = new Connection(taskFd, -1, { writable: false });
  let code = 0;
  try {
    if (initializer) initializer(...initargs);
    for (let done = 0; maxtasks === 0 || done < maxtasks; done++) {
      let msg: [[number, FnRef, Kind], unknown[] | NumberList] | null;
      try {
        msg = decode(tasks.recvBytes(), true) as typeof msg;
      } catch {
        break; // the pool closed our pipe (or died): leave
      }
      if (msg === null) break;
      const [[id, ref, kind], args] = msg;
      Atomics.store(started, 0, id | 0); // from here on, a death fails this task
      let reply: Buffer;
      try {
        const fn = lookup(ref);
        let value: unknown;
        if (kind === Kind.Apply) value = checkSync(fn(...(args as unknown[])));
        else if (kind === Kind.Map) value = mapChunk(fn, args instanceof NumberList ? args.data : args);
        else value = (args as unknown[]).map((a) => checkSync(fn(...(a as unknown[]))));
        try {
          reply = encodeParts([[id, true], value]);
        } catch (e) {
          throw stateError('ERR_RESULT_NOT_CLONEABLE', `the result could not be sent to the parent: ${(e as Error).message}`);
        }
      } catch (e) {
        reply = packError(id, e);
      }
      try {
        sendFrame(resultFd, reply);
      } catch (e) {
        if ((e as { code?: string }).code === 'EPIPE') break; // the pool is gone: leave quietly
        throw e;
      }
    }
  } catch (e) {
    code = 1;
    try {
      process.stderr.write(`Pool worker ${process.pid}: ${inspect(e)}\n`);
    } catch { /* nowhere to report */ }
  }
  return os._exit(code);
}

// fn over one map chunk. While every result is a number they go into a
// Float64Array (no boxed heap numbers, little garbage: a fresh worker's
// first chunks are dominated by allocation and the page faults it costs);
// the first other value switches to a plain array.
function mapChunk(fn: (x: unknown) => unknown, items: ArrayLike<unknown>): unknown[] | NumberList {
  const n = items.length;
  const nums = new Float64Array(n);
  let int32 = true;
  let i = 0;
  for (; i < n; i++) {
    const v = fn(items[i]);
    if (typeof v !== 'number') {
      const out = new Array<unknown>(n);
      for (let j = 0; j < i; j++) out[j] = nums[j];
      out[i] = checkSync(v);
      for (i++; i < n; i++) out[i] = checkSync(fn(items[i]));
      return out;
    }
    nums[i] = v;
    if (int32 && !isInt32(v)) int32 = false;
  }
  return new NumberList(nums, int32);
}

function checkSync(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function') {
    throw stateError('ERR_ASYNC_TARGET',
      'the function returned a Promise: pool workers run functions synchronously (a forked worker cannot run the event loop)');
  }
  return v;
}

function packError(id: number, e: unknown): Buffer {
  try {
    return encodeParts([[id, false], errorParts(e)]);
  } catch {
    return encodeParts([[id, false], errorParts(new Error(`task threw an uncloneable value: ${inspect(e)}`))]);
  }
}
