// Command-line parsing for `posixkit`: each command declares its options
// once; node:util.parseArgs (strict) parses them, and the same declaration
// writes the command's help, so the help lists exactly what is accepted.
import { parseArgs } from 'node:util';

/** A usage error: exit status 2, the message and the command's usage line on stderr. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder for the value in the help ('P', 'DIR'). */
  value?: string;
  help: string;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  /** One line for the command list. */
  summary: string;
  /** The usage line after `posixkit NAME`. */
  synopsis: string;
  /** Longer description under the usage line. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** Names of the positional arguments, all required (default none). */
  args?: string[];
  /** Lines after the options (how it stops, examples). */
  notes?: string[];
}

export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

const WIDTH = 80;

/** Wraps `text` to WIDTH columns, every line after the first indented by `indent` spaces. */
export function wrap(text: string, indent: number, first = indent, width = WIDTH): string {
  const lines: string[] = [];
  let line = '';
  let room = width - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = width - indent;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The usage line, wrapped at WIDTH between bracketed groups (never inside one). */
export function usageLine(name: string, spec: CommandSpec): string {
  const head = `usage: posixkit ${name}`;
  const groups: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of spec.synopsis) {
    if (ch === ' ' && depth === 0) {
      if (cur) groups.push(cur);
      cur = '';
      continue;
    }
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    cur += ch;
  }
  if (cur) groups.push(cur);
  const lines = [head];
  for (const g of groups) {
    const last = lines.length - 1;
    if (lines[last].length + 1 + g.length > WIDTH && lines[last].trim() !== '') lines.push(' '.repeat(head.length));
    lines[lines.length - 1] += ` ${g}`;
  }
  return lines.join('\n');
}

/** The full help of a command: usage, description, every option it accepts, notes. */
export function commandHelp(name: string, spec: CommandSpec): string {
  const opts = Object.entries(spec.options);
  const label = ([long, o]: [string, OptionSpec]) =>
    `${o.short ? `-${o.short}, ` : '    '}--${long}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  const col = Math.max(...opts.map((e) => label(e).length)) + 4;
  const out = [usageLine(name, spec), '', wrap(spec.description ?? spec.summary, 0)];
  out.push('', 'options:', ...opts.map((e) => `  ${label(e).padEnd(col - 2)}${wrap(e[1].help, col)}`));
  if (spec.notes?.length) out.push('', ...spec.notes.map((n) => wrap(n, 0)));
  return out.join('\n');
}

// parseArgs' messages name the flag but also explain `--`; ours are one short line.
function usageMessage(e: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const flag = quoted.replace(/ <value>$/, '').replace(/^-\w, /, '');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `${flag} takes no value`;
      return `${flag} needs a value`;
    default:
      return e.message;
  }
}

/** Parses `argv` strictly against the command's options; any mismatch is a UsageError. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, o] of Object.entries(spec.options)) options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as Parsed;
  } catch (e) {
    if (typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(usageMessage(e as Error));
    }
    throw e;
  }
  if (parsed.values.help) return parsed;
  const names = spec.args ?? [];
  if (parsed.positionals.length > names.length) throw new UsageError(`unexpected argument '${parsed.positionals[names.length]}'`);
  if (parsed.positionals.length < names.length) throw new UsageError(`missing ${names.slice(parsed.positionals.length).join(' ')}`);
  return parsed;
}

/** An integer option in [min, max]; `def` when absent. */
export function intOption(p: Parsed, name: string, def: number, min: number, max: number): number {
  const v = p.values[name];
  if (v === undefined) return def;
  return intValue(`--${name}`, String(v), min, max);
}

export function intValue(what: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what} must be an integer ${min}..${max}, not '${text}'`);
  return n;
}

export function stringOption(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Rejects two options that exclude each other. */
export function exclusive(p: Parsed, a: string, b: string): void {
  if (p.values[a] !== undefined && p.values[b] !== undefined) throw new UsageError(`--${a} and --${b} exclude each other`);
}
