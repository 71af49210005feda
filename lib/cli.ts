// The posixkit command. Each subcommand parses its own flags; `--help`
// works everywhere.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { runMenu, terminalIO } from './cli/ftp-client';
import { FTP_MODELS, serveFtp } from './ftp/server';
import { serveHttp } from './http/server';
import { countingCore, startReporter, StatusCounters } from './cli/status';
import * as modelsMod from './models/index';
import type { ListenAddress, ListenInfo, ProtocolCore, ServeStats } from './server/types';

export interface Command {
  summary: string;
  usage: string;
  run(args: Args): Promise<number | void> | number | void;
}

/** Parsed `--flag value` / `--flag=value` / `--switch` arguments plus positionals. */
export class Args {
  readonly positional: string[] = [];
  readonly flags = new Map<string, string | true>();
  constructor(argv: string[], booleans: string[] = []) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('--') || a === '--') {
        this.positional.push(a);
        continue;
      }
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) this.flags.set(name, a.slice(eq + 1));
      else if (booleans.includes(name) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) this.flags.set(name, true);
      else this.flags.set(name, argv[++i]);
    }
  }
  has(name: string): boolean {
    return this.flags.has(name);
  }
  string(name: string, def?: string): string | undefined {
    const v = this.flags.get(name);
    if (v === true) throw new UsageError(`--${name} needs a value`);
    return v ?? def;
  }
  int(name: string, def: number, min = 0, max = 65535): number {
    const v = this.string(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], not ${v}`);
    return n;
  }
}

export class UsageError extends Error {}

/** --host/--port or --unix PATH. */
export function listenAddress(args: Args, defPort: number): ListenAddress {
  const unix = args.string('unix');
  if (unix !== undefined) return { path: unix };
  return { host: args.string('host', '127.0.0.1'), port: args.int('port', defPort) };
}

function describeListen(info: ListenInfo, scheme: string): string {
  if (info.path !== null) return `unix:${info.path}`;
  const host = Array.isArray(info.address) ? String(info.address[0]) : '127.0.0.1';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${info.port}/`;
}

type Starter = (model: string, address: ListenAddress, wrap: (core: ProtocolCore) => ProtocolCore,
  onListening: (info: ListenInfo) => void) => ServeStats;

/**
 * Runs a server on `--model` until Ctrl-C / SIGTERM: prints where it listens,
 * a live status line when stderr is a terminal (or with --status), and a summary.
 */
export function runServer(args: Args, start: Starter, opts: { defModel: string; defPort: number; scheme: string }): number {
  const model = args.string('model', opts.defModel)!;
  try {
    modelsMod.getModel(model); // a clear error for an unknown name before anything listens
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const address = listenAddress(args, opts.defPort);
  const wantStatus = args.has('status') || (process.stderr.isTTY && !args.has('no-status'));
  const counters = wantStatus ? new StatusCounters() : null;
  let reporter: { stop(): void } | null = null;
  let stats: ServeStats;
  try {
    stats = start(model, address, (core) => (counters ? countingCore(core, counters) : core), (info) => {
      console.log(`posixkit ${model}: serving on ${describeListen(info, opts.scheme)}  (pid ${info.pid}; Ctrl-C stops)`);
      if (counters) reporter = startReporter(counters, model);
    });
  } finally {
    (reporter as { stop(): void } | null)?.stop();
    counters?.close();
  }
  console.log(`posixkit ${model}: stopped${stats.signal ? ` by signal ${stats.signal}` : ''}; ${stats.connections} connections, ${stats.errors} errors`);
  return 0;
}

/** A core on models.serve, for the echo and chat commands. */
const onModel = (core: () => ProtocolCore): Starter => (model, address, wrap, onListening) =>
  modelsMod.serve(model, { address, core: wrap(core()), onListening });

/** --user NAME:PASSWORD (repeatable as a comma list) -> users that may upload. */
function usersFlag(args: Args): Record<string, { password: string; write: boolean }> | undefined {
  const v = args.string('user');
  if (v === undefined) return undefined;
  const users: Record<string, { password: string; write: boolean }> = {};
  for (const item of v.split(',')) {
    const i = item.indexOf(':');
    if (i <= 0 || i === item.length - 1) throw new UsageError('--user takes NAME:PASSWORD[,NAME:PASSWORD...]');
    users[item.slice(0, i)] = { password: item.slice(i + 1), write: true };
  }
  return users;
}

const serverUsage = (cmd: string, port: number, model: string, more = '') =>
  `posixkit ${cmd} [--model M] [--port P] [--host H | --unix PATH] [--status | --no-status]${more}\n` +
  `  --model   a server model (posixkit models lists them), default ${model}\n  --port    default ${port}; 0 picks a free one`;

export const commands: Record<string, Command> = {
  models: {
    summary: 'the table of server models',
    usage: 'posixkit models',
    run() {
      const rows = modelsMod.models.map((m) => [m.name, m.kind, m.concurrency, m.syscalls.join(' '), m.description]);
      const head = ['model', 'kind', 'clients at once', 'syscalls (strace)', 'what it does'];
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ');
      console.log([line(head), line(w.map((n, i) => '-'.repeat(i === w.length - 1 ? Math.min(n, 40) : n))), ...rows.map(line)].join('\n'));
    },
  },
  echo: {
    summary: 'an echo server on any model',
    usage: serverUsage('echo', 9000, 'epoll-et'),
    run: (args) => runServer(args, onModel(() => modelsMod.echoCore()), { defModel: 'epoll-et', defPort: 9000, scheme: 'tcp' }),
  },
  chat: {
    summary: 'a line-based chat room (single-process models)',
    usage: serverUsage('chat', 9001, 'epoll'),
    run: (args) => runServer(args, onModel(() => modelsMod.chatCore()), { defModel: 'epoll', defPort: 9001, scheme: 'tcp' }),
  },
  http: {
    summary: 'the HTTP/1.1 server: static files under --root and JSON routes under /api/',
    usage: serverUsage('http', 8000, 'epoll-et', ' [--root DIR]\n  --root    directory to serve, default ./examples/site of posixkit'),
    run(args) {
      const root = path.resolve(args.string('root', path.join(__dirname, '..', 'examples', 'site'))!);
      if (!existsSync(root)) throw new UsageError(`--root ${root} does not exist`);
      return runServer(args, (model, address, wrapCore, onListening) =>
        serveHttp({ model, address, root, routes: 'demo', wrapCore, onListening }), { defModel: 'epoll-et', defPort: 8000, scheme: 'http' });
    },
  },
  ftp: {
    summary: 'the FTP file server (anonymous read-only; --user NAME:PW may upload)',
    usage: serverUsage('ftp', 2121, 'forking', ' [--root DIR] [--user NAME:PW]\n  --root    directory to serve, default the current one\n' +
      `  models    ${FTP_MODELS.join(', ')} (each client owns its process or thread)`),
    run(args) {
      const root = path.resolve(args.string('root', '.')!);
      if (!existsSync(root)) throw new UsageError(`--root ${root} does not exist`);
      const model = args.string('model', 'forking')!;
      if (!FTP_MODELS.includes(model)) throw new UsageError(`FTP runs on ${FTP_MODELS.join(', ')}, not ${model}`);
      if (args.has('unix')) throw new UsageError('FTP needs a TCP address (PASV/PORT carry IP addresses)');
      const users = usersFlag(args);
      return runServer(args, (m, address, wrapCore, onListening) =>
        serveFtp({ model: m, address, root, users, wrapCore, onListening }), { defModel: 'forking', defPort: 2121, scheme: 'ftp' });
    },
  },
  'ftp-client': {
    summary: "the seeds' menu client: list, get, put, quit over FTP",
    usage: 'posixkit ftp-client HOST PORT [--user NAME --password PW]',
    run(args) {
      const [host, portText] = args.positional;
      const port = Number(portText);
      if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('need HOST and PORT');
      return runMenu(host, port, terminalIO(), args.string('user'), args.string('password'));
    },
  },
};

function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  return ['usage: posixkit COMMAND [options]   (posixkit COMMAND --help for details)', '', 'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n].summary}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`posixkit: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return (await cmd.run(new Args(rest))) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`posixkit ${name}: ${e.message}\nusage: ${cmd.usage}`);
      return 2;
    }
    throw e;
  }
}
