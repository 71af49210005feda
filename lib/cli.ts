// The posixkit command (bin/posixkit.js): servers on any model, the models
// table, and a menu FTP client. docs/cli.md is its reference.
//
// Exit status: 0 done (a server stopped by a signal included), 1 a runtime
// failure (one `posixkit CMD: message` line on stderr), 2 a usage error (the
// message and the usage line on stderr).
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commandHelp, CommandSpec, HELP_OPTION, intValue, Parsed, parseCommand, stringOption, usageLine, UsageError, wrap } from './cli/args';
import { MenuError, runMenu, terminalIO } from './cli/ftp-client';
import { CliError, ModelExtras, runServer, SERVER_NOTES, ServerCommand, serverOptions, serverSynopsis } from './cli/serve';
import { FTP_MODELS, serveFtp } from './ftp/server';
import { serveHttp } from './http/server';
import * as modelsMod from './models/index';
import type { ProtocolCore } from './server/types';

export { UsageError } from './cli/args';

interface Command extends CommandSpec {
  run(p: Parsed): Promise<number | void> | number | void;
}

const ALL_MODELS = modelsMod.models.map((m) => m.name);
const SHARED_STATE_MODELS = modelsMod.models.filter((m) => m.sharedState).map((m) => m.name);

const server = (c: Omit<ServerCommand, 'unix' | 'scheme'> & Partial<ServerCommand>): ServerCommand => ({ unix: true, scheme: 'tcp', ...c });
const ECHO = server({ name: 'echo', defModel: 'epoll-et', defPort: 9000, models: ALL_MODELS });
const CHAT = server({ name: 'chat', defModel: 'epoll', defPort: 9001, models: SHARED_STATE_MODELS });
const HTTP = server({ name: 'http', defModel: 'epoll-et', defPort: 8000, models: ALL_MODELS, scheme: 'http' });
const FTP = server({ name: 'ftp', defModel: 'forking', defPort: 2121, models: FTP_MODELS, unix: false, scheme: 'ftp' });

/** A core on models.serve, for the echo and chat commands. */
const onModel = (core: () => ProtocolCore) => (model: string, address: modelsMod.ListenAddress,
  wrapCore: (c: ProtocolCore) => ProtocolCore, onListening: (info: modelsMod.ListenInfo) => void, extras: ModelExtras) =>
  modelsMod.serve(model, { address, core: wrapCore(core()), onListening, ...extras });

function directory(p: Parsed, def: string): string {
  const dir = path.resolve(stringOption(p, 'root') ?? def);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--root ${dir} is not a directory`);
  return dir;
}

/** --user NAME:PASSWORD[,NAME:PASSWORD...] -> users that may upload. */
function usersFlag(p: Parsed): Record<string, { password: string; write: boolean }> | undefined {
  const v = stringOption(p, 'user');
  if (v === undefined) return undefined;
  const users: Record<string, { password: string; write: boolean }> = {};
  for (const item of v.split(',')) {
    const i = item.indexOf(':');
    if (i <= 0 || i === item.length - 1) throw new UsageError('--user takes NAME:PASSWORD[,NAME:PASSWORD...]');
    users[item.slice(0, i)] = { password: item.slice(i + 1), write: true };
  }
  return users;
}

/** The models table in `width` columns: name, kind, clients at once; then what it does and what strace shows. */
export function modelsTable(width = 80): string {
  const rows = modelsMod.models.map((m) => [m.name, m.kind, m.concurrency]);
  const head = ['MODEL', 'KIND', 'CLIENTS AT ONCE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const indent = w[0] + 2;
  const out = [head.map((h, i) => h.padEnd(w[i])).join('  ').trimEnd()];
  modelsMod.models.forEach((m, k) => {
    out.push(rows[k].map((c, i) => c.padEnd(w[i])).join('  ').trimEnd());
    out.push(' '.repeat(indent) + wrap(m.description, indent, indent, width));
    out.push(' '.repeat(indent) + wrap(`strace: ${m.syscalls.join(', ')}`, indent + 8, indent, width));
  });
  out.push('', wrap('Every server command takes --model M. chat runs on the single-process models only; ftp on ' +
    `${FTP_MODELS.join(', ')}. docs/models.md compares them.`, 0, 0, width));
  return out.join('\n');
}

export const commands: Record<string, Command> = {
  echo: {
    summary: 'an echo server on any model',
    synopsis: serverSynopsis(ECHO),
    description: 'An echo server: every byte a client sends comes back. Try it with `nc 127.0.0.1 9000`.',
    options: { ...serverOptions(ECHO), help: HELP_OPTION },
    notes: SERVER_NOTES,
    run: (p) => runServer(ECHO, p, onModel(() => modelsMod.echoCore())),
  },
  chat: {
    summary: 'a line-based chat room (single-process models)',
    synopsis: serverSynopsis(CHAT),
    description: 'A chat room: each line a client sends goes to every other client. Connect with ' +
      '`nc 127.0.0.1 9001` from several terminals; /nick NAME, /who and /quit are commands. The room lives in ' +
      'one process, so it runs on the single-process models only.',
    options: { ...serverOptions(CHAT), help: HELP_OPTION },
    notes: SERVER_NOTES,
    run: (p) => runServer(CHAT, p, onModel(() => modelsMod.chatCore())),
  },
  http: {
    summary: 'the HTTP/1.1 server: static files and JSON routes under /api/',
    synopsis: serverSynopsis(HTTP, ' [--root DIR]'),
    description: 'The HTTP/1.1 server: static files under --root (keep-alive, ranges, conditional requests) ' +
      'and demo JSON routes under /api/ (/api/time, /api/echo).',
    options: {
      ...serverOptions(HTTP),
      root: { type: 'string', value: 'DIR', help: 'directory to serve (default: the demo site bundled with posixkit)' },
      help: HELP_OPTION,
    },
    notes: SERVER_NOTES,
    run(p) {
      const root = directory(p, path.join(__dirname, '..', 'examples', 'site'));
      return runServer(HTTP, p, (model, address, wrapCore, onListening, extras) =>
        serveHttp({ model, address, root, routes: 'demo', wrapCore, onListening, ...extras }));
    },
  },
  ftp: {
    summary: 'the FTP file server (anonymous read-only; --user NAME:PW may upload)',
    synopsis: serverSynopsis(FTP, ' [--root DIR] [--user NAME:PW[,NAME:PW...]]'),
    description: 'The FTP file server over TCP (passive and active transfers). Anonymous users may list and ' +
      'download; users given with --user may also upload. Each client owns a process or thread, so it runs on ' +
      'the blocking models only.',
    options: {
      ...serverOptions(FTP),
      root: { type: 'string', value: 'DIR', help: 'directory to serve (default: the current one)' },
      user: { type: 'string', value: 'NAME:PW', help: 'users that may log in and upload, comma-separated' },
      help: HELP_OPTION,
    },
    notes: SERVER_NOTES,
    run(p) {
      const root = directory(p, '.');
      const users = usersFlag(p);
      return runServer(FTP, p, (model, address, wrapCore, onListening, extras) =>
        serveFtp({ model, address, root, users, wrapCore, onListening, ...extras }));
    },
  },
  'ftp-client': {
    summary: 'a menu FTP client: list, get, put, quit',
    synopsis: 'HOST PORT [--user NAME --password PW]',
    description: 'A menu-driven FTP client: lists the server\'s files, downloads one into the current directory, ' +
      'uploads one. It reads its choices from stdin, so it can be scripted: ' +
      '`printf "1\\n4\\n" | posixkit ftp-client 127.0.0.1 2121`.',
    args: ['HOST', 'PORT'],
    options: {
      user: { type: 'string', value: 'NAME', help: 'log in as NAME (default: anonymous)' },
      password: { type: 'string', value: 'PW', help: 'the password for --user' },
      help: HELP_OPTION,
    },
    notes: ['Exit status 1 if the server cannot be reached or refuses the login.'],
    run(p) {
      const [host, portText] = p.positionals;
      const port = intValue('PORT', portText, 1, 65535);
      const user = stringOption(p, 'user');
      const password = stringOption(p, 'password');
      if ((user === undefined) !== (password === undefined)) throw new UsageError('--user and --password go together');
      try {
        return runMenu(host, port, terminalIO(), user, password);
      } catch (e) {
        if (e instanceof MenuError) throw new CliError(e.message);
        throw e;
      }
    },
  },
  models: {
    summary: 'the table of server models',
    synopsis: '',
    description: 'Prints the server models every server command can run on, what each does and which ' +
      'syscalls strace shows on its serving path.',
    options: { help: HELP_OPTION },
    run() {
      const cols = process.stdout.isTTY ? process.stdout.columns : 80;
      console.log(modelsTable(Math.max(40, Math.min(80, cols || 80))));
    },
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const USAGE = 'usage: posixkit COMMAND [options]   (posixkit COMMAND --help for its options)\n' +
  '       posixkit --help | --version';

export function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  return [USAGE, '', 'commands:', ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n].summary}`), '',
    'options:', '  -h, --help     print this help and exit', '  -V, --version  print the version and exit', '',
    'docs/cli.md in the package is the full reference.'].join('\n');
}

function usageError(where: string, message: string, usage: string): number {
  process.stderr.write(`${where}: ${message}\n${usage}\n`);
  return 2;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  // Global options come before the command; everything after it is the command's.
  const at = argv.findIndex((a) => !a.startsWith('-') || a === '-');
  const globals = at < 0 ? argv : argv.slice(0, at);
  let g;
  try {
    g = parseArgs({ args: globals, options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } }, strict: true }).values;
  } catch (e) {
    return usageError('posixkit', (e as Error).message.split('. ')[0].replace(/^Unknown/, 'unknown'), USAGE);
  }
  if (g.help) {
    console.log(help());
    return 0;
  }
  if (g.version) {
    console.log(version());
    return 0;
  }
  if (at < 0) {
    process.stderr.write(`${help()}\n`);
    return 2;
  }
  const name = argv[at];
  const rest = argv.slice(at + 1);
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) { console.log(help()); return 0; }
    if (!Object.hasOwn(commands, topic) || rest.length > 1) return usageError('posixkit help', `unknown command '${rest.join(' ')}'`, 'usage: posixkit help [COMMAND]');
    console.log(commandHelp(topic, commands[topic]));
    return 0;
  }
  if (!Object.hasOwn(commands, name)) return usageError('posixkit', `unknown command '${name}'`, USAGE);
  const cmd = commands[name];
  try {
    const parsed = parseCommand(cmd, rest);
    if (parsed.values.help) {
      console.log(commandHelp(name, cmd));
      return 0;
    }
    return (await cmd.run(parsed)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) return usageError(`posixkit ${name}`, e.message, `${usageLine(name, cmd)}\n(posixkit ${name} --help lists the options)`);
    if (e instanceof CliError) {
      process.stderr.write(`posixkit ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
