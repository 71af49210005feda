// The posixkit command. Each subcommand parses its own flags; `--help`
// works everywhere.
import { runMenu, terminalIO } from './cli/ftp-client';
import { countingCore, startReporter, StatusCounters } from './cli/status';
import * as modelsMod from './models/index';
import type { ListenAddress, ListenInfo, ProtocolCore, ServeStats } from './models/types';

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

/**
 * Runs `core` on `--model` until Ctrl-C / SIGTERM: prints where it listens,
 * a live status line when stderr is a terminal (or --status), and a summary.
 */
export function runServer(args: Args, core: ProtocolCore, opts: { defModel: string; defPort: number; scheme: string;
  serve?: (model: string, o: Record<string, unknown>) => ServeStats; extra?: Record<string, unknown> }): number {
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
  const serveFn = opts.serve ?? ((m: string, o: Record<string, unknown>) => modelsMod.serve(m, o as never));
  let stats: ServeStats;
  try {
    stats = serveFn(model, {
      ...opts.extra,
      address,
      core: counters ? countingCore(core, counters) : core,
      onListening: (info: ListenInfo) => {
        console.log(`posixkit ${model}: serving on ${describeListen(info, opts.scheme)}  (pid ${info.pid}; Ctrl-C stops)`);
        if (counters) reporter = startReporter(counters, model);
      },
    });
  } finally {
    (reporter as { stop(): void } | null)?.stop();
    counters?.close();
  }
  console.log(`posixkit ${model}: stopped${stats.signal ? ` by signal ${stats.signal}` : ''}; ${stats.connections} connections, ${stats.errors} errors`);
  return 0;
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
    run: (args) => runServer(args, modelsMod.echoCore(), { defModel: 'epoll-et', defPort: 9000, scheme: 'tcp' }),
  },
  chat: {
    summary: 'a line-based chat room (single-process models)',
    usage: serverUsage('chat', 9001, 'epoll'),
    run: (args) => runServer(args, modelsMod.chatCore(), { defModel: 'epoll', defPort: 9001, scheme: 'tcp' }),
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
