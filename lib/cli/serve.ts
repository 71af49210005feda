// The server commands' shared part: --model/--port/--host/--unix/--status,
// running a server until a signal stops it, the status reporter and the one
// summary line.
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import * as modelsMod from '../models/index';
import type { ListenAddress, ListenInfo, ProtocolCore, ServeStats } from '../server/types';
import { CommandSpec, exclusive, HELP_OPTION, intOption, OptionSpec, Parsed, stringOption, UsageError } from './args';
import { countingCore, Reporter, StatusCounters } from './status';

/** An error the CLI reports as one line, `posixkit CMD: message`, exit status 1. */
export class CliError extends Error {}

export interface ServerCommand {
  name: string;
  defModel: string;
  defPort: number;
  /** The models it runs on (the help lists them; any other is a usage error). */
  models: readonly string[];
  unix: boolean;
  scheme: string;
}

/** The options every server command takes, with this command's defaults and models. */
export function serverOptions(c: ServerCommand): Record<string, OptionSpec> {
  const opts: Record<string, OptionSpec> = {
    model: { type: 'string', short: 'm', value: 'M', help: `server model (default ${c.defModel}): ${c.models.join(', ')}` },
    port: { type: 'string', short: 'p', value: 'P', help: `TCP port (default ${c.defPort}); 0 picks a free one` },
    host: { type: 'string', value: 'H', help: 'address to listen on (default 127.0.0.1; ::1 for IPv6, 0.0.0.0 for every interface)' },
  };
  if (c.unix) opts.unix = { type: 'string', value: 'PATH', help: 'listen on a Unix socket at PATH instead of TCP' };
  const pools = WORKER_MODELS.filter((m) => c.models.includes(m));
  if (pools.length > 0) {
    opts.workers = { type: 'string', short: 'w', value: 'N', help: `worker processes of ${pools.join(' and ')} (default: 4 for prefork, one per CPU for prefork-epoll)` };
  }
  opts.status = { type: 'boolean', help: 'print the counters every second: a live line on a terminal, plain lines into a pipe or file' };
  opts['no-status'] = { type: 'boolean', help: 'no counters (the default unless stderr is a terminal)' };
  return opts;
}

/** The models that run a pool of forked workers (--workers). */
const WORKER_MODELS = ['prefork', 'prefork-epoll'];

/** Model options a command line sets beyond the address. */
export interface ModelExtras {
  workers?: number;
}

export function serverSynopsis(c: ServerCommand, more = ''): string {
  const pools = WORKER_MODELS.some((m) => c.models.includes(m)) ? ' [-w N]' : '';
  return `[-m M]${pools} [-p P] ${c.unix ? '[--host H | --unix PATH]' : '[--host H]'} [--status | --no-status]${more}`;
}

export const SERVER_NOTES = ['Ctrl-C (SIGINT) or SIGTERM stops the server; it then prints one summary line.'];

export function withHelp(spec: Omit<CommandSpec, 'options'> & { options: Record<string, OptionSpec> }): CommandSpec {
  return { ...spec, options: { ...spec.options, help: HELP_OPTION } };
}

/** Checks --model (a usage error names the accepted ones) and the address options. */
export function serverArgs(c: ServerCommand, p: Parsed): { model: string; address: ListenAddress; extras: ModelExtras } {
  const model = stringOption(p, 'model') ?? c.defModel;
  if (!c.models.includes(model)) {
    const known = modelsMod.models.some((m) => m.name === model);
    throw new UsageError(`${known ? 'model' : 'unknown model'} "${model}"${known ? ' is not one this command runs on' : ''}; ${c.name} runs on ${c.models.join(', ')}`);
  }
  exclusive(p, 'status', 'no-status');
  exclusive(p, 'host', 'unix');
  const extras: ModelExtras = {};
  if (p.values.workers !== undefined) {
    if (!WORKER_MODELS.includes(model)) throw new UsageError(`--workers is for the ${WORKER_MODELS.join(' and ')} models, not ${model}`);
    extras.workers = intOption(p, 'workers', 0, 1, 1024);
  }
  const unix = stringOption(p, 'unix');
  if (unix !== undefined) {
    if (unix === '') throw new UsageError('--unix needs a path');
    return { model, address: { path: unix }, extras };
  }
  const host = stringOption(p, 'host') ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host needs an address');
  return { model, address: { host, port: intOption(p, 'port', c.defPort, 0, 65535) }, extras };
}

function describeListen(info: ListenInfo, scheme: string): string {
  if (info.path !== null) return `unix:${info.path}`;
  const host = Array.isArray(info.address) ? String(info.address[0]) : '127.0.0.1';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${info.port}/`;
}

/** `host:port` (`[v6]:port`) or the Unix path, as Node's net errors name addresses. */
export function addressText(address: ListenAddress | [string, number]): string {
  if (Array.isArray(address)) return `${address[0].includes(':') ? `[${address[0]}]` : address[0]}:${address[1]}`;
  if ('path' in address) return address.path;
  const host = address.host ?? '127.0.0.1';
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/**
 * A failed socket call as Node's net module words it, naming the address:
 * `connect ECONNREFUSED 127.0.0.1:1`, `bind EADDRINUSE 127.0.0.1:9000`,
 * `getaddrinfo EAI_NONAME nohost.invalid`. Other errors keep their message.
 */
export function socketErrorText(e: unknown, address: ListenAddress | [string, number]): string {
  const err = e as { code?: unknown; syscall?: unknown; message?: string };
  if (typeof err?.code !== 'string' || typeof err.syscall !== 'string' || !/^E/.test(err.code)) return err?.message ?? String(e);
  // A name lookup failed (posixkit resolves inside bind/connect): name the host, as Node does.
  if (err.code.startsWith('EAI_')) {
    return `getaddrinfo ${err.code} ${Array.isArray(address) ? address[0] : 'host' in address ? address.host ?? '' : addressText(address)}`;
  }
  return `${err.syscall} ${err.code} ${addressText(address)}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const signalName = (n: number): string =>
  Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;

type Starter = (model: string, address: ListenAddress, wrap: (core: ProtocolCore) => ProtocolCore,
  onListening: (info: ListenInfo) => void, extras: ModelExtras) => ServeStats;

/**
 * Runs a server until Ctrl-C / SIGTERM: prints where it listens, the status
 * (see Reporter) when asked or when stderr is a terminal, and one summary.
 */
export function runServer(c: ServerCommand, p: Parsed, start: Starter): number {
  const { model, address, extras } = serverArgs(c, p);
  const wantStatus = p.values.status === true || (isatty(2) && p.values['no-status'] !== true);
  const counters = wantStatus ? new StatusCounters() : null;
  const label = `${c.name} (${model})`;
  const reporter = counters ? new Reporter(counters, label) : null;
  let stats: ServeStats;
  let requests = '';
  try {
    stats = start(model, address, (core) => (counters ? countingCore(core, counters) : core), (info) => {
      reporter?.start(); // before the address is out: a client may connect at once
      console.log(`posixkit ${label}: serving on ${describeListen(info, c.scheme)}  (pid ${info.pid}; Ctrl-C stops)`);
    }, extras);
  } catch (e) {
    const syscall = (e as { syscall?: string })?.syscall;
    if (syscall === 'bind' || syscall === 'listen' || syscall === 'getaddrinfo' || syscall === 'socket') throw new CliError(socketErrorText(e, address));
    throw e;
  } finally {
    reporter?.stop();
    if (counters) requests = `, ${plural(counters.requests, 'request')}`;
    counters?.close();
  }
  const how = stats.signal ? `stopped by ${signalName(stats.signal)}` : 'stopped';
  console.log(`posixkit ${label}: ${how}; ${plural(stats.connections, 'connection')}${requests}, ${plural(stats.errors, 'error')}`);
  return 0;
}
