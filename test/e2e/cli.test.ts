// The posixkit command line as a user types it: bin/posixkit.js in its own
// process. Usage, help, version, usage errors, the models table. The servers
// are in cli-servers.test.ts, Ctrl-C on a terminal in cli-pty.test.ts, the
// FTP client in cli-ftp.test.ts, the README's quick start in cli-readme.test.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const BIN = path.join(ROOT, 'bin/posixkit.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, cwd: ROOT });
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const COMMANDS = ['echo', 'chat', 'http', 'ftp', 'ftp-client', 'models'];

/** A usage error: exit 2, nothing on stdout, the message and a usage line on stderr. */
function usageError(args: string[], message: RegExp, usage = /^usage: posixkit /m) {
  const r = cli(args);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(usage);
  return r;
}

describe('posixkit: usage, help, version', () => {
  it('no arguments: the usage on stderr, exit 2', () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: posixkit COMMAND \[options\]/);
    for (const c of COMMANDS) expect(r.stderr).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
  });

  it('--help and -h: the same text on stdout, exit 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: posixkit COMMAND \[options\]/);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect(r.stdout).toMatch(/-V, --version/);
    expect(cli(['-h']).stdout).toBe(r.stdout);
    expect(cli(['help']).stdout).toBe(r.stdout);
    expect(cli([]).stderr).toBe(r.stdout);
  }, 60_000);

  it('--version and -V print the package version', () => {
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('unknown commands and global options are usage errors', () => {
    usageError(['nope'], /^posixkit: unknown command 'nope'$/m);
    usageError(['--bogus'], /^posixkit: unknown option '--bogus'$/m);
    usageError(['-x', 'echo'], /^posixkit: unknown option '-x'$/m);
    usageError(['help', 'nope'], /unknown command 'nope'/, /^usage: posixkit help \[COMMAND\]$/m);
  }, 60_000);

  it.each(COMMANDS)('%s --help: stdout, exit 0, lists every option it accepts and nothing else', (c) => {
    const r = cli([c, '--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^usage: posixkit ${c}\\b`));
    expect(cli([c, '-h']).stdout).toBe(r.stdout);
    expect(cli(['help', c]).stdout).toBe(r.stdout);
    const listed = [...r.stdout.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((m) => m[1]).sort();
    const expected: Record<string, string[]> = {
      echo: ['help', 'host', 'model', 'no-status', 'port', 'status', 'unix', 'workers'],
      chat: ['help', 'host', 'model', 'no-status', 'port', 'status', 'unix'],
      http: ['help', 'host', 'model', 'no-status', 'port', 'root', 'status', 'unix', 'workers'],
      ftp: ['help', 'host', 'model', 'no-status', 'port', 'root', 'status', 'user', 'workers'],
      'ftp-client': ['help', 'password', 'user'],
      models: ['help'],
    };
    expect(listed).toEqual(expected[c]);
    // every listed option is accepted (a usage error would be exit 2; these fail later or not at all)
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  }, 60_000);

  it('ftp --help offers neither --unix nor the models ftp refuses', () => {
    const r = cli(['ftp', '--help']);
    expect(r.stdout).not.toMatch(/--unix/);
    const models = /--model M +(.*(?:\n {10,}.*)*)/.exec(r.stdout)![1].replace(/\s+/g, ' ');
    expect(models).toMatch(/forking, iterative, prefork, threading$/);
    for (const m of ['epoll', 'select', 'poll', 'nonblocking', 'coroutine']) expect(models).not.toMatch(new RegExp(`\\b${m}\\b`));
    const chat = cli(['chat', '--help']).stdout;
    for (const m of ['forking', 'prefork', 'threading']) expect(chat).not.toMatch(new RegExp(`\\b${m}\\b`));
  }, 60_000);
});

describe('posixkit COMMAND: every usage error exits 2 with the usage line', () => {
  const echoUsage = /^usage: posixkit echo \[-m M\]/m;
  it.each([
    [['echo', '--bogus'], /^posixkit echo: unknown option '--bogus'$/m],
    [['echo', '-z'], /^posixkit echo: unknown option '-z'$/m],
    [['echo', 'stray'], /^posixkit echo: unexpected argument 'stray'$/m],
    [['echo', '--port'], /^posixkit echo: --port needs a value$/m],
    [['echo', '--port', '--status'], /^posixkit echo: --port needs a value$/m],
    [['echo', '--status=yes'], /^posixkit echo: --status takes no value$/m],
    [['echo', '--port', '99999'], /^posixkit echo: --port must be an integer 0\.\.65535, not '99999'$/m],
    [['echo', '--port', '12ab'], /--port must be an integer 0\.\.65535, not '12ab'/],
    [['echo', '--port', '-1'], /--port needs a value|--port must be an integer/],
    [['echo', '--model', 'nope'], /^posixkit echo: unknown model "nope"; echo runs on iterative, nonblocking, forking, prefork/m],
    [['echo', '--status', '--no-status'], /--status and --no-status exclude each other/],
    [['echo', '--host', '::1', '--unix', '/tmp/x.sock'], /--host and --unix exclude each other/],
    [['echo', '--workers', '2'], /^posixkit echo: --workers is for the prefork and prefork-epoll models, not epoll-et$/m],
    [['echo', '-m', 'prefork-epoll', '-w', '0'], /--workers must be an integer 1\.\.1024, not '0'/],
  ])('%j', (args, message) => {
    usageError(args as string[], message as RegExp, echoUsage);
  });

  it.each([
    [['ftp', '--unix', '/tmp/x.sock'], /^posixkit ftp: unknown option '--unix'$/m, /^usage: posixkit ftp /m],
    [['ftp', '--model', 'epoll'], /model "epoll" is not one this command runs on; ftp runs on forking, iterative, prefork, threading/, /^usage: posixkit ftp /m],
    [['chat', '--model', 'prefork'], /model "prefork" is not one this command runs on; chat runs on iterative, nonblocking, select/, /^usage: posixkit chat /m],
    [['http', '--root', '/nonexistent-dir'], /--root \/nonexistent-dir is not a directory/, /^usage: posixkit http /m],
    [['http', '--root', BIN], /is not a directory/, /^usage: posixkit http /m],
    [['ftp', '--user', 'alice'], /--user takes NAME:PASSWORD/, /^usage: posixkit ftp /m],
    [['models', 'extra'], /^posixkit models: unexpected argument 'extra'$/m, /^usage: posixkit models$/m],
    [['models', '--wide'], /unknown option '--wide'/, /^usage: posixkit models$/m],
  ])('each command refuses what it does not take: %j', (args, message, usage) => {
    usageError(args as string[], message as RegExp, usage as RegExp);
  });

  const clientUsage = /^usage: posixkit ftp-client HOST PORT/m;
  it.each([
    [[], /^posixkit ftp-client: missing HOST PORT$/m],
    [['127.0.0.1'], /^posixkit ftp-client: missing PORT$/m],
    [['127.0.0.1', '21', 'x'], /unexpected argument 'x'/],
    [['127.0.0.1', '0'], /PORT must be an integer 1\.\.65535, not '0'/],
    [['127.0.0.1', 'ftp'], /PORT must be an integer/],
    [['127.0.0.1', '21', '--user', 'a'], /--user and --password go together/],
  ])('ftp-client %j: HOST and PORT required, PORT checked, --user and --password together', (args, message) => {
    usageError(['ftp-client', ...(args as string[])], message as RegExp, clientUsage);
  });
});

describe('posixkit models', () => {
  it('lists every model and fits 80 columns', () => {
    const r = cli(['models']);
    expect(r.status).toBe(0);
    for (const m of ['iterative', 'nonblocking', 'forking', 'prefork', 'prefork-epoll', 'threading', 'select', 'poll', 'epoll', 'epoll-et', 'coroutine']) {
      expect(r.stdout).toMatch(new RegExp(`^${m} +(blocking|spin|process|thread|event|coroutine) `, 'm'));
    }
    expect(r.stdout).toMatch(/strace: epoll_wait, epoll_ctl \(EPOLLET, once per socket\),\n +accept4, recvfrom, sendto/);
    const widest = Math.max(...r.stdout.split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(80);
    expect(widest).toBeGreaterThan(60); // uses the width, not one word a line
  });
});

describe('docs/cli.md', () => {
  it('documents every command and every option each accepts', async () => {
    const { commands } = await import('../../lib/cli');
    const doc = readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
    for (const [name, spec] of Object.entries(commands)) {
      expect(doc).toMatch(new RegExp(`^## .*\`${name}\``, 'm'));
      for (const opt of Object.keys(spec.options)) expect(doc, `${name} --${opt}`).toContain(`--${opt}`);
    }
    expect(doc).toContain('--version');
  });
});
