// The exact command sequences of curl, ftplib, lftp and basic-ftp
// (docs/api/ftp.md), replayed against the session with the in-memory driver.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpConfig } from '../../lib/ftp/index';
import { MemDriver } from '../helpers/ftp-driver';

let root = '';
const dirs: string[] = [];
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftpt-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'pub', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'readme.txt'), 'hello ftp\n');
  fs.writeFileSync(path.join(root, 'pub', 'data.bin'), Buffer.from([0, 1, 2, 255, 13, 10, 0]));
  fs.writeFileSync(path.join(root, 'pub', 'deep', 'f.txt'), 'deep');
  fs.writeFileSync(path.join(root, '.hidden'), 'secret');
});
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const upload: () => FtpConfig = () => ({ root, users: { alice: { password: 's3cret', write: true } } });
/** Runs [command, expected final code] pairs; the 1xx of a transfer is checked too. */
function transcript(d: MemDriver, steps: Array<[string, number] | [string, number, number]>): void {
  for (const [cmd, code, pre] of steps) {
    const rs = d.cmd(cmd);
    const finals = rs.filter((r) => r.code >= 200);
    expect(finals.map((r) => r.code), cmd).toEqual([code]);
    if (pre !== undefined) expect(rs[0].code, cmd).toBe(pre);
  }
}
const EPSV = /^229 Entering Extended Passive Mode \(\|\|\|(\d+)\|\)\r\n$/;
const PASV = /^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/;

describe('curl', () => {
  it('curl ftp://h/pub/ (list, multicwd)', () => {
    const d = new MemDriver({ root });
    expect(d.greeting.map((r) => r.raw)).toEqual(['220 posixkit FTP server ready.\r\n']);
    transcript(d, [['USER anonymous', 331], ['PASS ftp@example.com', 230]]);
    const pwd = d.cmd('PWD')[0];
    expect(pwd.raw).toBe('257 "/" is the current directory\r\n');
    transcript(d, [['CWD pub', 250]]);
    expect(d.cmd('EPSV')[0].raw).toMatch(EPSV);
    transcript(d, [['TYPE A', 200], ['LIST', 226, 150]]);
    const list = d.transfers[0].toString();
    expect(list).toMatch(/^-rw\S* +1 ftp +ftp +7 [A-Z][a-z]{2} [ \d]\d [ \d]\d:\d\d data\.bin\r\n/m);
    expect(list).toMatch(/^d\S+ .* deep\r\n/m);
    transcript(d, [['QUIT', 221]]);
    expect(d.session.wantsClose).toBe(true);
  });
  it('curl --list-only ftp://h/ (NLST; dot-files hidden from anonymous)', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS ftp@example.com', 230], ['PWD', 257], ['EPSV', 229], ['TYPE A', 200], ['NLST', 226, 150], ['QUIT', 221]]);
    expect(d.transfers[0].toString()).toBe('pub\r\nreadme.txt\r\n');
  });
  it('curl ftp://h/pub/deep/f.txt (download with SIZE)', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS ftp@example.com', 230], ['PWD', 257], ['CWD pub', 250], ['CWD deep', 250],
      ['EPSV', 229], ['TYPE I', 200]]);
    expect(d.cmd('SIZE f.txt')[0].raw).toBe('213 4\r\n');
    transcript(d, [['RETR f.txt', 226, 150], ['QUIT', 221]]);
    expect(d.transfers[0].toString()).toBe('deep');
  });
  it('SIZE of a missing file is 550 and RETR of it 550 (curl tolerates the first)', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS x', 230], ['EPSV', 229], ['TYPE I', 200], ['SIZE nope', 550], ['RETR nope', 550]]);
  });
  it('curl -T f ftp://h/pub/ (upload by a user), then the second URL on the same connection', () => {
    const d = new MemDriver(upload());
    d.uploads.push(Buffer.from('uploaded bytes'));
    transcript(d, [['USER alice', 331], ['PASS s3cret', 230], ['PWD', 257], ['CWD pub', 250], ['EPSV', 229], ['TYPE I', 200], ['STOR up.txt', 226, 150]]);
    expect(fs.readFileSync(path.join(root, 'pub', 'up.txt'), 'utf8')).toBe('uploaded bytes');
    expect(fs.readdirSync(path.join(root, 'pub')).filter((n) => n.includes('.part'))).toEqual([]);
    transcript(d, [['CWD /', 250], ['CWD pub', 250], ['EPSV', 229], ['SIZE up.txt', 213], ['RETR up.txt', 226, 150], ['QUIT', 221]]);
    expect(d.transfers[0].toString()).toBe('uploaded bytes');
  });
  it('curl %2e%2e in a URL: STOR ..anotherup is a plain name', () => {
    const d = new MemDriver(upload());
    d.uploads.push(Buffer.from('x'));
    transcript(d, [['USER alice', 331], ['PASS s3cret', 230], ['EPSV', 229], ['TYPE I', 200], ['STOR ..anotherup.216', 226, 150]]);
    expect(fs.existsSync(path.join(root, '..anotherup.216'))).toBe(true);
  });
  it('EPSV refused -> PASV fallback gives 227 with six numbers', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS x', 230]]);
    const m = PASV.exec(d.cmd('PASV')[0].raw)!;
    expect(m.slice(1, 5).join('.')).toBe('127.0.0.1');
    expect(Number(m[5]) * 256 + Number(m[6])).toBe(40000);
  });
});

describe('python ftplib', () => {
  it('login, nlst, dir, retrbinary, storbinary, size, pwd, cwd(".."), quit', () => {
    const d = new MemDriver(upload());
    transcript(d, [['USER alice', 331], ['PASS s3cret', 230]]);
    transcript(d, [['TYPE A', 200], ['PASV', 227], ['NLST', 226, 150]]);
    expect(d.transfers.at(-1)!.toString()).toBe('.hidden\r\npub\r\nreadme.txt\r\n');
    transcript(d, [['TYPE A', 200], ['PASV', 227], ['LIST', 226, 150]]);
    expect(d.transfers.at(-1)!.toString().split('\r\n').length).toBe(4);
    transcript(d, [['TYPE I', 200], ['PASV', 227], ['RETR pub/data.bin', 226, 150]]);
    expect([...d.transfers.at(-1)!]).toEqual([0, 1, 2, 255, 13, 10, 0]);
    transcript(d, [['TYPE I', 200], ['PASV', 227], ['REST 3', 350], ['RETR pub/data.bin', 226, 150]]);
    expect([...d.transfers.at(-1)!]).toEqual([255, 13, 10, 0]);
    d.uploads.push(Buffer.alloc(70_000, 7));
    transcript(d, [['TYPE I', 200], ['PASV', 227], ['STOR big.bin', 226, 150]]);
    expect(fs.readFileSync(path.join(root, 'big.bin')).equals(Buffer.alloc(70_000, 7))).toBe(true);
    expect(d.cmd('SIZE big.bin')[0].raw).toBe('213 70000\r\n');
    transcript(d, [['CWD pub/deep', 250]]);
    expect(d.cmd('PWD')[0].raw).toBe('257 "/pub/deep" is the current directory\r\n');
    transcript(d, [['CDUP', 250]]);
    expect(d.cmd('PWD')[0].raw).toContain('"/pub"');
    transcript(d, [['QUIT', 221]]);
  });
  it('abort(): ABOR while idle -> 225', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS anonymous@', 230], ['ABOR', 225]]);
  });
  it('on IPv6 ftplib uses EPSV; PASV is refused there', () => {
    const d = new MemDriver({ root }, { peer: '::1', local: '::1' });
    transcript(d, [['USER anonymous', 331], ['PASS anonymous@', 230], ['PASV', 522], ['EPSV', 229], ['EPSV 1', 522], ['EPSV 2', 229]]);
    const a = d.actions.find((x) => x.kind === 'listen')!;
    expect(a).toMatchObject({ host: '::1', family: 6 });
  });
});

describe('lftp', () => {
  it('FEAT before login (RFC 2389 format), OPTS UTF8 ON, AUTH TLS refused, ls, get, put', () => {
    const d = new MemDriver(upload());
    const feat = d.cmd('FEAT');
    expect(feat.length).toBe(1);
    expect(feat[0].raw).toBe('211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n');
    transcript(d, [['OPTS UTF8 ON', 200], ['AUTH TLS', 502], ['USER alice', 331], ['PASS s3cret', 230], ['PWD', 257]]);
    transcript(d, [['PASV', 227], ['LIST', 226, 150]]);
    transcript(d, [['TYPE I', 200], ['SIZE readme.txt', 213]]);
    expect(d.cmd('MDTM readme.txt')[0].raw).toMatch(/^213 \d{14}\r\n$/);
    transcript(d, [['PASV', 227], ['RETR readme.txt', 226, 150]]);
    expect(d.transfers.at(-1)!.toString()).toBe('hello ftp\n');
    d.uploads.push(Buffer.from('put by lftp'));
    transcript(d, [['TYPE I', 200], ['PASV', 227], ['STOR put.txt', 226, 150], ['NOOP', 200], ['QUIT', 221]]);
    expect(fs.readFileSync(path.join(root, 'put.txt'), 'utf8')).toBe('put by lftp');
  });
  it('ABOR with Telnet IP/DM (IAC sequences stripped)', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS lftp@', 230]]);
    const rs = d.send(Buffer.concat([Buffer.from([0xff, 0xf4, 0xff, 0xf2]), Buffer.from('ABOR\r\n')]));
    expect(rs.map((r) => r.code)).toEqual([225]);
  });
});

describe('basic-ftp', () => {
  it('OPTS UTF8 ON before login, FEAT, TYPE I, STRU F, EPSV, LIST -a, RETR, STOR', () => {
    const d = new MemDriver(upload());
    transcript(d, [['OPTS UTF8 ON', 200], ['USER alice', 331], ['PASS s3cret', 230], ['FEAT', 211], ['TYPE I', 200],
      ['STRU F', 200], ['OPTS UTF8 ON', 200], ['EPSV', 229], ['LIST -a', 226, 150]]);
    expect(d.transfers.at(-1)!.toString()).toContain('.hidden');
    transcript(d, [['EPSV', 229], ['LIST -la pub', 226, 150]]);
    expect(d.transfers.at(-1)!.toString()).toContain('data.bin');
    transcript(d, [['EPSV', 229], ['RETR readme.txt', 226, 150]]);
    d.uploads.push(Buffer.from('b'));
    transcript(d, [['EPSV', 229], ['STOR pub/b.txt', 226, 150], ['QUIT', 221]]);
    expect(fs.readFileSync(path.join(root, 'pub', 'b.txt'), 'utf8')).toBe('b');
  });
});

describe('RFC 959 minimum and active mode', () => {
  it('TYPE/MODE/STRU defaults and refusals', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER ftp', 331], ['PASS x', 230], ['TYPE A N', 200], ['TYPE L 8', 200], ['TYPE E', 504], ['TYPE', 501],
      ['MODE S', 200], ['MODE B', 504], ['STRU F', 200], ['STRU R', 504], ['NOOP', 200], ['SYST', 215], ['HELP', 214]]);
  });
  it('PORT and EPRT to the control peer, then a transfer connects actively', () => {
    const d = new MemDriver({ root });
    transcript(d, [['USER anonymous', 331], ['PASS x', 230], ['PORT 127,0,0,1,200,10', 200], ['RETR readme.txt', 226, 150]]);
    expect(d.actions.find((a) => a.kind === 'open-data')).toMatchObject({ mode: 'active', host: '127.0.0.1', port: 200 * 256 + 10 });
    transcript(d, [['EPRT |1|127.0.0.1|6275|', 200], ['LIST', 226, 150]]);
    expect(d.transfers.length).toBe(2);
  });
});
