// Running programs: the exec family (execv ... execvpe, with Python's PATH
// search), posix_spawn/posix_spawnp, and Python's spawn* helpers on top of
// posix_spawn.
import { errno as ERRNO, invalidArgType, invalidArgValue, OSError, validateInt32, validateInteger } from '../errors';
import { family } from '../native';
import { cstring, iterableArg } from './args';
import { sched_param } from './sched';
import { waitpid, WIFSTOPPED, waitstatus_to_exitcode } from './wait';

interface ExecNative {
  execve(path: string, args: string[], env: string[], resetSigpipe?: boolean): never;
  posix_spawn(path: string, argv: string[], env: string[], usePath: boolean, fileActions: unknown[][],
    setpgroup: number, resetids: boolean, setsid: boolean, setsigmask: number[] | null, setsigdef: number[] | null,
    schedPolicy: number | null, schedPriority: number | null): number;
  spawnConstants: Record<string, number>;
  signalConstants: Record<string, number>;
}
const native = family<ExecNative>();
const K = native.spawnConstants;
const NSIG = native.signalConstants.NSIG;

/** posix_spawn file action: `[POSIX_SPAWN_OPEN, fd, path, flags, mode]`. */
export const POSIX_SPAWN_OPEN: number = K.POSIX_SPAWN_OPEN;
/** posix_spawn file action: `[POSIX_SPAWN_CLOSE, fd]`. */
export const POSIX_SPAWN_CLOSE: number = K.POSIX_SPAWN_CLOSE;
/** posix_spawn file action: `[POSIX_SPAWN_DUP2, fd, new_fd]`. */
export const POSIX_SPAWN_DUP2: number = K.POSIX_SPAWN_DUP2;
/** spawn* mode: wait for the program and return its exit code. */
export const P_WAIT: number = K.P_WAIT;
/** spawn* mode: return the pid at once. */
export const P_NOWAIT: number = K.P_NOWAIT;
export const P_NOWAITO: number = K.P_NOWAITO;

/** An environment as exec and spawn take it (process.env's shape); undefined values are left out. */
export type Env = Record<string, string | undefined>;

const pathArg = (path: unknown, name = 'path'): string => cstring(path, name);

function argvArg(args: unknown, who: string): string[] {
  const list = iterableArg(args, 'args', 'an array of strings', (a) => cstring(a, 'args[]'));
  if (list.length === 0) throw invalidArgValue('args', args, `must not be empty (${who})`);
  return list;
}

function envArg(env: unknown): string[] {
  if (env === null || typeof env !== 'object') throw invalidArgType('env', 'of type object', env);
  const envp: string[] = [];
  for (const [k, v] of Object.entries(env as Env)) {
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalidArgType(`env.${k}`, 'of type string', v);
    if (k.includes('=') || k === '') throw invalidArgValue('env', k, 'has an illegal variable name');
    envp.push(`${k}=${v}`);
  }
  return envp;
}

// ---- exec ------------------------------------------------------------------------

/** execv(3): replaces the process image; returns only by throwing. */
export function execv(path: string, args: string[]): never {
  return execve(path, args, process.env);
}

/**
 * execve(2). Before it, stdio is made inheritable again (Node marks it
 * close-on-exec), SIGPIPE (ignored by Node) is reset to its default, and the
 * signal mask is cleared. Returns only by throwing (with `path` on the error).
 */
export function execve(path: string, args: string[], env: Env): never {
  const p = pathArg(path);
  const a = argvArg(args, 'execve');
  if (a[0] === '') throw invalidArgValue('args', args, 'must start with a non-empty program name');
  return native.execve(p, a, envArg(env), true);
}

/** execl(path, arg0, arg1, ...): execv with the arguments spread. */
export function execl(path: string, ...args: string[]): never {
  return execv(path, args);
}

/** execle(path, arg0, ..., env): execve with the arguments spread, the environment last. */
export function execle(path: string, ...argsAndEnv: [...string[], Env]): never {
  const env = argsAndEnv[argsAndEnv.length - 1] as Env;
  return execve(path, argsAndEnv.slice(0, -1) as string[], env);
}

/** execlp(file, arg0, ...): execvp with the arguments spread. */
export function execlp(file: string, ...args: string[]): never {
  return execvp(file, args);
}

/** execlpe(file, arg0, ..., env): execvpe with the arguments spread, the environment last. */
export function execlpe(file: string, ...argsAndEnv: [...string[], Env]): never {
  const env = argsAndEnv[argsAndEnv.length - 1] as Env;
  return execvpe(file, argsAndEnv.slice(0, -1) as string[], env);
}

/** execvp: execv with the PATH search of Python's os.execvp (PATH of process.env). */
export function execvp(file: string, args: string[]): never {
  return searchPath(pathArg(file, 'file'), process.env, (full) => execve(full, args, process.env));
}

/** execvpe: execve with the PATH search of Python's os.execvpe (PATH of `env`). */
export function execvpe(file: string, args: string[], env: Env): never {
  return searchPath(pathArg(file, 'file'), env, (full) => execve(full, args, env));
}

/**
 * Python's PATH search (os._execvpe): a name with a slash is used as it is;
 * otherwise each directory of env.PATH (default "/bin:/usr/bin") is tried in
 * order. ENOENT and ENOTDIR move on; the first other error is the one thrown
 * when every directory failed (EACCES for a found but non-executable file),
 * else the last.
 */
function searchPath<T>(file: string, env: unknown, attempt: (path: string) => T): T {
  if (file.includes('/')) return attempt(file);
  if (env === null || typeof env !== 'object') throw invalidArgType('env', 'of type object', env);
  const PATH = (env as Env).PATH;
  const dirs = (PATH === undefined ? '/bin:/usr/bin' : PATH).split(':');
  let saved: unknown;
  let last: unknown;
  for (const dir of dirs) {
    const full = dir === '' ? file : dir.endsWith('/') ? dir + file : `${dir}/${file}`;
    try {
      return attempt(full);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      last = e;
      if (e.errno !== -ERRNO.ENOENT && e.errno !== -ERRNO.ENOTDIR && saved === undefined) saved = e;
    }
  }
  throw saved ?? last;
}

// ---- posix_spawn -------------------------------------------------------------------

export type FileAction =
  | [tag: number, fd: number, path: string, flags: number, mode: number]
  | [tag: number, fd: number]
  | [tag: number, fd: number, new_fd: number];

export interface PosixSpawnOptions {
  /** Applied in the child, in order, before the exec: POSIX_SPAWN_OPEN / CLOSE / DUP2 arrays. */
  file_actions?: Iterable<FileAction> | null;
  /** setpgid(0, setpgroup) in the child; 0 makes a new group led by the child. */
  setpgroup?: number | null;
  /** The child's effective ids become its real ids (POSIX_SPAWN_RESETIDS). */
  resetids?: boolean;
  /** setsid() in the child (POSIX_SPAWN_SETSID). */
  setsid?: boolean;
  /** The child's signal mask. */
  setsigmask?: Iterable<number>;
  /** Signals reset to their default action in the child. */
  setsigdef?: Iterable<number>;
  /** `[policy | null, sched_param]`: the child's scheduling policy and priority (policy null: priority only). */
  scheduler?: [number | null, sched_param] | null;
}

function signalsArg(v: unknown, name: string): number[] | null {
  if (v === undefined || v === null) return null;
  return iterableArg(v, name, 'an iterable of signal numbers', (s) => validateInteger(s, `${name}[]`, 1, NSIG - 1));
}

function fileActionsArg(v: unknown): unknown[][] {
  if (v === undefined || v === null) return [];
  return iterableArg(v, 'file_actions', 'an iterable of arrays', (a) => {
    if (!Array.isArray(a) || a.length === 0) throw invalidArgType('file_actions[]', 'an array starting with a POSIX_SPAWN_* tag', a);
    const [tag, fd, x, flags, mode] = a as unknown[];
    const want = tag === POSIX_SPAWN_OPEN ? 5 : tag === POSIX_SPAWN_CLOSE ? 2 : tag === POSIX_SPAWN_DUP2 ? 3 : 0;
    if (want === 0) throw invalidArgType('file_actions[][0]', 'POSIX_SPAWN_OPEN, POSIX_SPAWN_CLOSE or POSIX_SPAWN_DUP2', tag);
    if (a.length !== want) throw invalidArgValue('file_actions[]', a, `must have ${want} items for its tag`);
    validateInteger(fd, 'file_actions[][1]', 0, 2 ** 31 - 1);
    if (tag === POSIX_SPAWN_OPEN) {
      return [tag, fd, pathArg(x, 'file_actions[][2]'), validateInt32(flags, 'file_actions[][3]'),
        validateInteger(mode, 'file_actions[][4]', 0, 0o7777)];
    }
    if (tag === POSIX_SPAWN_DUP2) return [tag, fd, validateInteger(x, 'file_actions[][2]', 0, 2 ** 31 - 1)];
    return [tag, fd];
  });
}

function spawn(usePath: boolean, path: unknown, argv: unknown, env: unknown, options: PosixSpawnOptions): number {
  const p = pathArg(path);
  const a = argvArg(argv, usePath ? 'posix_spawnp' : 'posix_spawn');
  const e = envArg(env === undefined ? process.env : env);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const actions = fileActionsArg(options.file_actions);
  const pgroup = options.setpgroup === undefined || options.setpgroup === null
    ? -1 : validateInteger(options.setpgroup, 'options.setpgroup', 0, 2 ** 31 - 1);
  let policy: number | null = null;
  let priority: number | null = null;
  const sch = options.scheduler;
  if (sch !== undefined && sch !== null) {
    if (!Array.isArray(sch) || sch.length !== 2 || !(sch[1] instanceof sched_param)) {
      throw invalidArgType('options.scheduler', 'a [policy, sched_param] array', sch);
    }
    policy = sch[0] === null ? null : validateInt32(sch[0], 'options.scheduler[0]');
    priority = validateInt32(sch[1].sched_priority, 'options.scheduler[1].sched_priority');
  }
  return native.posix_spawn(p, a, e, usePath, actions, pgroup, Boolean(options.resetids), Boolean(options.setsid),
    signalsArg(options.setsigmask, 'options.setsigmask'), signalsArg(options.setsigdef, 'options.setsigdef'),
    policy, priority);
}

/**
 * posix_spawn(3): runs `path` with `argv` and `env` in a new process and
 * returns its pid, without forking this one. A failed exec throws here
 * (FileNotFoundError with `path`...), no child is left. The child gets
 * stdio (fds 0-2) as inherited fds and SIGPIPE at its default action, like
 * a program started by a C or Python parent; every other fd keeps its own
 * close-on-exec flag. Reap the child with waitpid.
 */
export function posix_spawn(path: string, argv: string[], env: Env = process.env, options: PosixSpawnOptions = {}): number {
  return spawn(false, path, argv, env, options);
}

/** posix_spawnp(3): posix_spawn with glibc's search of this process's PATH for `path`. */
export function posix_spawnp(path: string, argv: string[], env: Env = process.env, options: PosixSpawnOptions = {}): number {
  return spawn(true, path, argv, env, options);
}

// ---- spawn* (Python's os.spawnv family, on posix_spawn) ---------------------------

function spawnMode(mode: unknown, pid: number): number {
  if (mode === P_NOWAIT) return pid;
  for (;;) {
    const [, status] = waitpid(pid, 0);
    if (!WIFSTOPPED(status)) return waitstatus_to_exitcode(status);
  }
}

function spawnve_(mode: number, file: string, args: string[], env: Env, usePath: boolean): number {
  validateInt32(mode, 'mode');
  const f = pathArg(file, usePath ? 'file' : 'path');
  const a = argvArg(args, 'spawn');
  const pid = usePath ? searchPath(f, env, (full) => spawn(false, full, a, env, {})) : spawn(false, f, a, env, {});
  return spawnMode(mode, pid);
}

/**
 * Python's os.spawnv: runs `path` with `args`; P_NOWAIT returns the pid,
 * P_WAIT (any other mode, as in Python) waits and returns the exit code, or
 * -signal for a killed program. On posix_spawn, so a program that cannot be
 * executed throws here (Python's forked child would exit 127 instead).
 */
export function spawnv(mode: number, path: string, args: string[]): number {
  return spawnve_(mode, path, args, process.env, false);
}
/** spawnv with an environment. */
export function spawnve(mode: number, path: string, args: string[], env: Env): number {
  return spawnve_(mode, path, args, env, false);
}
/** spawnv with Python's PATH search (os.execvp's). */
export function spawnvp(mode: number, file: string, args: string[]): number {
  return spawnve_(mode, file, args, process.env, true);
}
/** spawnve with Python's PATH search in env.PATH. */
export function spawnvpe(mode: number, file: string, args: string[], env: Env): number {
  return spawnve_(mode, file, args, env, true);
}
/** spawnv with the arguments spread. */
export function spawnl(mode: number, path: string, ...args: string[]): number {
  return spawnve_(mode, path, args, process.env, false);
}
/** spawnve with the arguments spread, the environment last. */
export function spawnle(mode: number, path: string, ...argsAndEnv: [...string[], Env]): number {
  return spawnve_(mode, path, argsAndEnv.slice(0, -1) as string[], argsAndEnv[argsAndEnv.length - 1] as Env, false);
}
/** spawnvp with the arguments spread. */
export function spawnlp(mode: number, file: string, ...args: string[]): number {
  return spawnve_(mode, file, args, process.env, true);
}
/** spawnvpe with the arguments spread, the environment last. */
export function spawnlpe(mode: number, file: string, ...argsAndEnv: [...string[], Env]): number {
  return spawnve_(mode, file, argsAndEnv.slice(0, -1) as string[], argsAndEnv[argsAndEnv.length - 1] as Env, true);
}
