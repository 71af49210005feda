// Greenlet-style coroutines with explicit switch, over generator functions.
//
// Python's greenlet gives every greenlet its own C stack, so a plain call
// deep inside it can switch away. JavaScript has no stackful coroutines: a
// function can only be suspended at a `yield` in its own body, and nested
// calls must be `yield*`-delegated generators. So a greenlet's run function
// is a generator function, and a switch from inside one is written
// `yield* other.switch(value)`. From plain code (the root greenlet) a switch
// is an ordinary call that returns when control comes back to the root.
// The scheduler is a trampoline in the root: it resumes whichever greenlet
// is the target of the last switch, so greenlets never nest on the JS stack.
import { codedError, invalidArgType } from '../errors';

/** Thrown into a greenlet by kill-like throw() calls; a greenlet that lets it escape returns normally. */
export class GreenletExit extends Error {
  constructor(message = 'GreenletExit') {
    super(message);
    this.name = 'GreenletExit';
  }
}

/** A greenlet's body: a generator function, called with the arguments of the first switch. */
export type GreenletRun = (this: Greenlet, ...args: any[]) => Generator<unknown, unknown, unknown>;

// What a suspended greenlet yields: a request to switch (or throw) to a target.
class SwitchRequest {
  constructor(readonly target: Greenlet, readonly args: unknown[], readonly isThrow: boolean) {}
}

// Python's greenlet passes a single argument through as is, none as None, several as a tuple.
function packArgs(args: unknown[]): unknown {
  return args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
}

let trampolineActive = false;

/**
 * A greenlet: a generator function run in steps, switched to explicitly.
 * `parent` receives control (and the return value) when it finishes;
 * an exception escaping it is thrown into the parent.
 */
export class Greenlet {
  #run: GreenletRun | null;
  #gen: Generator<unknown, unknown, unknown> | null = null;
  #dead = false;
  #parent: Greenlet | null;
  readonly name: string;
  static #count = 0;

  /** parent defaults to the greenlet that creates it (the root greenlet in plain code). */
  constructor(run?: GreenletRun, parent: Greenlet | null = current ?? null, name?: string) {
    if (run !== undefined && typeof run !== 'function') throw invalidArgType('run', 'a generator function', run);
    this.#run = run ?? null;
    this.#parent = parent;
    this.name = name ?? `Greenlet-${++Greenlet.#count}`;
  }

  /** The greenlet that gets control when this one ends (null: the root). */
  get parent(): Greenlet | null {
    return this.#parent;
  }

  set parent(p: Greenlet | null) {
    if (p !== null && !(p instanceof Greenlet)) throw invalidArgType('parent', 'a Greenlet or null', p);
    for (let g: Greenlet | null = p; g; g = g.#parent) {
      if (g === this) throw codedError('ERR_GREENLET_CYCLE', 'cyclic parent chain');
    }
    this.#parent = p;
  }

  /** True once the run function returned or threw. */
  get dead(): boolean {
    return this.#dead;
  }

  /** Started and not dead. */
  get active(): boolean {
    return this.#gen !== null && !this.#dead;
  }

  /**
   * Transfers control to this greenlet. Its first switch calls run(...args);
   * later ones make the switch() it is suspended in return `args` (one value
   * as is, none as undefined, several as an array). From plain code this
   * runs greenlets until one switches back to the root (or a child of the
   * root ends) and returns what was passed. Inside a greenlet it returns a
   * generator that must be delegated to: `const v = yield* g.switch(x)`.
   */
  switch(...args: unknown[]): any {
    if (current !== ROOT) return switchOp(new SwitchRequest(this, args, false));
    return trampoline(this, args, false);
  }

  /**
   * Raises `err` (a GreenletExit by default) inside this greenlet at its
   * switch point. A greenlet that was never started dies at once and `err`
   * goes to its parent. Same calling rule as switch().
   */
  throw(err: unknown = new GreenletExit()): any {
    if (this === ROOT && current === ROOT) throw err;
    if (current !== ROOT) return switchOp(new SwitchRequest(this, [err], true));
    return trampoline(this, [err], true);
  }

  // One step: resumes this greenlet; returns what it yielded or how it ended.
  _step(args: unknown[], isThrow: boolean): { yielded?: SwitchRequest; done?: true; value?: unknown; error?: unknown } {
    if (this.#gen === null) {
      if (isThrow) {
        this.#dead = true;
        return args[0] instanceof GreenletExit ? { done: true, value: args[0] } : { done: true, error: args[0] };
      }
      if (!this.#run) {
        this.#dead = true;
        return { done: true, error: new TypeError(`${this.name} has no run function`) };
      }
      try {
        const gen = this.#run.apply(this, args);
        if (!gen || typeof (gen as Generator).next !== 'function') {
          this.#dead = true;
          return { done: true, value: gen }; // a plain function ran to completion
        }
        this.#gen = gen;
      } catch (e) {
        this.#dead = true;
        return e instanceof GreenletExit ? { done: true, value: e } : { done: true, error: e };
      }
      args = [];
      isThrow = false;
    }
    let r: IteratorResult<unknown, unknown>;
    try {
      r = isThrow ? this.#gen.throw(args[0]) : this.#gen.next(packArgs(args));
    } catch (e) {
      this.#dead = true;
      return e instanceof GreenletExit ? { done: true, value: e } : { done: true, error: e };
    }
    if (r.done) {
      this.#dead = true;
      return { done: true, value: r.value };
    }
    if (!(r.value instanceof SwitchRequest)) {
      // A bare `yield` (or `yield g.switch()` without the star) would lose the switch: refuse loudly.
      return this._step([new TypeError(`${this.name} yielded ${String(r.value)}: switch with yield* g.switch(...)`)], true);
    }
    return { yielded: r.value };
  }

  toString(): string {
    return `<Greenlet ${this.name}${this.#dead ? ' dead' : this.active ? ' active' : ''}>`;
  }
}

function* switchOp(req: SwitchRequest): Generator<unknown, any, unknown> {
  return yield req;
}

// The first live greenlet up the parent chain (null: the root).
function liveParent(g: Greenlet): Greenlet | null {
  let p = g.parent;
  while (p && p.dead) p = p.parent;
  return p;
}

function trampoline(target: Greenlet, args: unknown[], isThrow: boolean): unknown {
  if (trampolineActive) throw codedError('ERR_GREENLET_REENTRY', 'switch() from plain code while greenlets run');
  trampolineActive = true;
  let g: Greenlet | null = target;
  try {
    for (;;) {
      // Switching to a dead greenlet goes to its parent, as in greenlet.
      while (g && g.dead) g = liveParent(g);
      if (g === null || g === ROOT) {
        if (isThrow) throw args[0];
        return packArgs(args);
      }
      current = g;
      const step = g._step(args, isThrow);
      if (step.yielded) {
        ({ target: g, args, isThrow } = step.yielded);
      } else if ('error' in step) {
        args = [step.error];
        isThrow = true;
        g = liveParent(g);
      } else {
        args = [step.value];
        isThrow = false;
        g = liveParent(g);
      }
    }
  } finally {
    current = ROOT;
    trampolineActive = false;
  }
}

/**
 * The root greenlet: plain code. Switching to it from a greenlet returns
 * from the switch() call that plain code is in. It never dies.
 */
export const ROOT: Greenlet = new Greenlet(undefined, null, 'root');
let current: Greenlet = ROOT;

/** The running greenlet; ROOT in plain code (Python's greenlet.getcurrent()). */
export function getcurrent(): Greenlet {
  return current;
}
