// The blocking FTP client (the protocol side of `posixkit ftp-client`) against
// the FTP core served by the node:net reference driver. The client blocks,
// so it runs in a forked child while the parent's event loop serves.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as osm from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FtpClient, FtpCore, FtpError } from '../../lib/ftp/index';
import * as os from '../../lib/os';
import { runInChild } from '../helpers/proc';
import { Running, serveFtp } from '../helpers/net-drivers';

let base = '';
let root = '';
let srv: Running;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const big = Buffer.from(Uint8Array.from({ length: 300_001 }, (_, i) => (i * 13) & 0xff));

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(osm.tmpdir(), 'pk-ftpc-'));
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a.txt'), 'alpha\n');
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  fs.writeFileSync(path.join(base, 'up.bin'), big.subarray(0, 12345));
  srv = await serveFtp(new FtpCore({ root, users: { alice: { password: 'pw', write: true } }, failedLoginDelayMs: 10 }));
});
afterAll(async () => {
  await srv.close();
  fs.rmSync(base, { recursive: true, force: true });
});

// Runs fn in a child; its JSON result comes back through a pipe.
async function inChild(fn: () => unknown): Promise<any> {
  const [r, w] = os.pipe();
  const pid = runInChild(() => {
    let out: unknown;
    try { out = { ok: fn() }; } catch (e) { out = { error: String((e as Error).message) }; }
    os.write(w, JSON.stringify(out));
    return 0;
  });
  os.close(w);
  const [, status] = await os.waitpidAsync(pid);
  let text = '';
  for (let c = os.read(r, 65536); c.length; c = os.read(r, 65536)) text += c;
  os.close(r);
  expect(os.waitstatus_to_exitcode(status)).toBe(0);
  return JSON.parse(text);
}

describe('FtpClient', () => {
  it('lists regular files, downloads byte-exact, quits', async () => {
    const dest = path.join(base, 'got.bin');
    const res = await inChild(() => {
      const c = new FtpClient('127.0.0.1', srv.port, 10);
      c.login();
      const out = { files: c.files().sort(), nlst: c.nlst().sort(), size: c.size('big.bin'), got: c.retr('big.bin', dest) };
      c.quit();
      return out;
    });
    expect(res.ok).toEqual({ files: ['a.txt', 'big.bin'], nlst: ['a.txt', 'big.bin', 'dir'], size: big.length, got: big.length });
    expect(sha(fs.readFileSync(dest))).toBe(sha(big));
  });
  it('uploads with a user that may write; anonymous is refused', async () => {
    const up = path.join(base, 'up.bin');
    const res = await inChild(() => {
      const anon = new FtpClient('127.0.0.1', srv.port, 10);
      anon.login();
      let refused = '';
      try { anon.stor(up); } catch (e) { refused = e instanceof FtpError ? String(e.reply.code) : String(e); }
      anon.quit();
      const c = new FtpClient('127.0.0.1', srv.port, 10);
      c.login('alice', 'pw');
      const sent = c.stor(up, 'uploaded.bin');
      c.quit();
      return { refused, sent };
    });
    expect(res.ok).toEqual({ refused: '550', sent: 12345 });
    expect(sha(fs.readFileSync(path.join(root, 'uploaded.bin')))).toBe(sha(fs.readFileSync(up)));
  });
  it('a missing file and a bad login are clear errors', async () => {
    const res = await inChild(() => {
      const c = new FtpClient('127.0.0.1', srv.port, 10);
      let login = '';
      try { c.login('alice', 'wrong'); } catch (e) { login = (e as Error).message; }
      c.login();
      let missing = '';
      try { c.retr('nope.txt', path.join(base, 'nope')); } catch (e) { missing = (e as Error).message; }
      c.quit();
      return { login, missing };
    });
    expect(res.ok.login).toMatch(/^login: 530/);
    expect(res.ok.missing).toMatch(/^RETR: 550/);
  });
  it('refuses a command with a line break', async () => {
    const res = await inChild(() => {
      const c = new FtpClient('127.0.0.1', srv.port, 10);
      try { c.command('NOOP\r\nDELE a.txt'); return 'sent'; } catch (e) { return (e as Error).name; } finally { c.close(); }
    });
    expect(res.ok).toBe('TypeError');
  });
});
