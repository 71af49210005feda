// `posixkit ftp-client HOST PORT`: the seeds' menu client. It prints a menu,
// reads a choice from the terminal, and speaks FTP to the server: list the
// server's regular files, download one, upload one, quit.
import { existsSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { FtpClient, FtpError } from '../ftp/client';

export interface MenuIO {
  readLine(prompt: string): string | null;
  print(text: string): void;
}

/** Blocking line input on fd 0: the menu client is a plain synchronous program, like the seed. */
export function terminalIO(): MenuIO {
  let pending = '';
  const buf = Buffer.alloc(4096);
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
          n = readSync(0, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          throw e;
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

export function runMenu(host: string, port: number, io: MenuIO, user?: string, password?: string): number {
  let client: FtpClient;
  try {
    client = new FtpClient(host, port, 30);
    client.login(user, password);
  } catch (e) {
    io.print(`cannot connect to ${host}:${port}: ${(e as Error).message}`);
    return 1;
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
        const n = client.retr(name, path.basename(name));
        io.print(`downloaded ${name}: ${n} bytes`);
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
      // The server refused (550 ...) or a transfer failed: say so and go on, as the seed does.
      io.print(e instanceof FtpError ? `refused: ${e.reply.code} ${e.reply.text}` : `error: ${(e as Error).message}`);
    }
  }
  try {
    client.quit();
  } catch { /* already gone */ }
  io.print('bye');
  return 0;
}
