// The posixkit command. Each subcommand parses its own flags; `--help`
// works everywhere.
import { runMenu, terminalIO } from './cli/ftp-client';

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

export const commands: Record<string, Command> = {
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
