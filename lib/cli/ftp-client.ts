// `posixkit ftp-client HOST PORT`: a menu-driven FTP client. It prints a
// menu, reads a choice from stdin, and speaks FTP to the server: list the
// server's regular files, download one, upload one, quit. A plain
// synchronous program: every call blocks.
import { existsSync, readSync, renameSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { FtpClient, FtpError } from '../ftp/client';
import { poll, POLLIN } from '../select';
import { socketErrorText } from './serve';

/** The client could not start: the server is unreachable or refused the login. Exit status 1. */
export class MenuError extends Error {}

export interface MenuIO {
  readLine(prompt: string): string | null;
  print(text: string): void;
}

/**
 * Blocking line input on fd 0. A stdin left non-blocking (O_NONBLOCK, by a
 * shell or a parent that shares the file description) answers EAGAIN: then
 * wait in poll(2) for input instead of retrying at once.
 */
export function terminalIO(fd = 0): MenuIO {
  let pending = '';
  const buf = Buffer.alloc(4096);
  let waiter: ReturnType<typeof poll> | null = null;
  return {
    print: (text) => process.stdout.write(`${text}\n`),
    readLine(prompt) {
      process.stdout.write(prompt);
      for (;;) {
        const nl = pending.indexOf('\n');
        if (nl >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          return line;
        }
        let n = 0;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          if (!waiter) {
            waiter = poll();
            waiter.register(fd, POLLIN);
          }
          waiter.poll(); // POLLIN, or POLLHUP at end of input: read() says which
          continue;
        }
        if (n === 0) {
          if (!pending.length) return null; // end of input
          const last = pending;
          pending = '';
          return last;
        }
        pending += buf.toString('utf8', 0, n);
      }
    },
  };
}

const MENU = `
=========== posixkit FTP client ===========
  1  list     the server's files
  2  get      download a file
  3  put      upload a file
  4  quit
===========================================`;

/**
 * Downloads `name` into the current directory under a temporary name and
 * renames it into place only when the transfer succeeded: a refused or
 * broken download leaves no empty or partial file behind.
 */
export function download(client: FtpClient, name: string, dir = '.'): { file: string; bytes: number } {
  const file = path.join(dir, path.basename(name));
  const part = path.join(dir, `.${path.basename(name)}.part-${process.pid}`);
  try {
    const bytes = client.retr(name, part);
    renameSync(part, file);
    return { file, bytes };
  } catch (e) {
    try { unlinkSync(part); } catch { /* never created */ }
    throw e;
  }
}

/**
 * Connects, logs in and runs the menu until quit or end of input. Throws
 * MenuError when the server cannot be reached or refuses the login; returns
 * the exit status otherwise (0: per-command refusals are printed and the menu
 * goes on).
 */
export function runMenu(host: string, port: number, io: MenuIO, user?: string, password?: string): number {
  let client: FtpClient;
  try {
    client = new FtpClient(host, port, 30);
  } catch (e) {
    throw new MenuError(e instanceof FtpError ? `${host}:${port} refused the connection: ${e.reply.code} ${e.reply.text}`
      : socketErrorText(e, [host, port]));
  }
  try {
    client.login(user, password);
  } catch (e) {
    client.close();
    if (e instanceof FtpError) {
      throw new MenuError(`login as ${user ?? 'anonymous'} refused: ${e.reply.code} ${e.reply.text}` +
        (e.reply.code === 530 && user !== undefined ? ' (wrong user name or password?)' : ''));
    }
    throw new MenuError(`login failed: ${(e as Error).message}`);
  }
  io.print(client.welcome.text);
  for (;;) {
    io.print(MENU);
    const choice = io.readLine('command> ');
    if (choice === null) break;
    const cmd = choice.trim().toLowerCase();
    try {
      if (cmd === '1' || cmd === 'list') {
        const files = client.files();
        io.print(files.length ? files.join('\n') : '(no files)');
      } else if (cmd === '2' || cmd === 'get') {
        const name = io.readLine('file to download: ')?.trim();
        if (!name) continue;
        const { bytes } = download(client, name);
        io.print(`downloaded ${name}: ${bytes} bytes`);
      } else if (cmd === '3' || cmd === 'put') {
        const local = io.readLine('local file to upload: ')?.trim();
        if (!local) continue;
        if (!existsSync(local)) {
          io.print(`no such local file: ${local}`);
          continue;
        }
        const n = client.stor(local);
        io.print(`uploaded ${path.basename(local)}: ${n} bytes`);
      } else if (cmd === '4' || cmd === 'quit' || cmd === 'q') {
        break;
      } else {
        io.print(`unknown command: ${choice}`);
      }
    } catch (e) {
      // The server refused (550 ...) or a transfer failed: say so and go on.
      io.print(e instanceof FtpError ? `refused: ${e.reply.code} ${e.reply.text}` : `error: ${(e as Error).message}`);
    }
  }
  try {
    client.quit();
  } catch { /* already gone */ }
  io.print('bye');
  return 0;
}
