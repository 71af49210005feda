// The loop a forked Pool worker runs (never returns): read a task, run it,
// write its result; leave at end of file, on a stop message, or after
// maxtasksperchild tasks.
import { serialize } from 'node:v8';
import { inspect } from 'node:util';
import * as os from '../os';
import { encode } from './_codec';
import { Connection, sendFrame } from './connection';
import { stateError } from './errors';
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
      let msg: [number, FnRef, Kind, unknown[]] | null;
      try {
        msg = tasks.recv() as typeof msg;
      } catch {
        break; // the pool closed our pipe (or died): leave
      }
      if (msg === null) break;
      const [id, ref, kind, args] = msg;
      Atomics.store(started, 0, id | 0); // from here on, a death fails this task
      let reply: Buffer;
      try {
        const fn = lookup(ref);
        let value: unknown;
        if (kind === Kind.Apply) value = checkSync(fn(...args));
        else if (kind === Kind.Map) value = args.map((x) => checkSync(fn(x)));
        else value = args.map((a) => checkSync(fn(...(a as unknown[]))));
        try {
          reply = encode([id, true, value]);
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

function checkSync(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function') {
    throw stateError('ERR_ASYNC_TARGET',
      'the function returned a Promise: pool workers run functions synchronously (a forked worker cannot run the event loop)');
  }
  return v;
}

function packError(id: number, e: unknown): Buffer {
  const extra: Record<string, unknown> = {};
  if (e instanceof Error) {
    for (const [k, v] of Object.entries(e)) {
      try {
        serialize(v);
        extra[k] = v;
      } catch { /* not cloneable: dropped */ }
    }
  }
  try {
    return serialize([id, false, e, extra]);
  } catch {
    return serialize([id, false, new Error(`task threw an uncloneable value: ${inspect(e)}`), {}]);
  }
}

