// FTP session: security behaviours (docs/api/ftp.md), limits, aborts, timeouts.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSession, FtpConfig, FtpCore, formatReply, LineReader, parseCommand, parseEprt, parsePort, tooManyClients } from '../../lib/ftp/index';
import { MemDriver } from '../helpers/ftp-driver';

const CANARY = 'CANARY-ftp-91ab-OUTSIDE';
let base = '';
let root = '';
const dirs: string[] = [];
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftpc-'));
  dirs.push(base);
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'pub'), { recursive: true });
  fs.mkdirSync(path.join(base, 'outside'));
  fs.writeFileSync(path.join(base, 'secret'), CANARY);
  fs.writeFileSync(path.join(base, 'outside', 'f'), CANARY);
  fs.writeFileSync(path.join(root, 'a.txt'), 'inside a');
  fs.symlinkSync('../secret', path.join(root, 'link'));
  fs.symlinkSync(path.join(base, 'outside'), path.join(root, 'outdir'));
  fs.symlinkSync('a.txt', path.join(root, 'ok-link'));
});
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const users = (extra: Partial<FtpConfig> = {}): FtpConfig => ({ root, users: { bob: { password: 'pw', write: true } }, ...extra });
function login(d: MemDriver, user = 'anonymous', pass = 'x'): void {
  expect(d.code(`USER ${user}`)).toBe(331);
  expect(d.code(`PASS ${pass}`)).toBe(230);
}
const allText = (d: MemDriver) => d.transfers.map((t) => t.toString('latin1')).join('');

describe('ftp: before login', () => {
  it('530 for everything but USER PASS QUIT FEAT OPTS SYST AUTH NOOP HELP', () => {
    const d = new MemDriver({ root });
    for (const c of ['LIST', 'RETR a.txt', 'STOR x', 'CWD pub', 'PWD', 'PASV', 'EPSV', 'PORT 127,0,0,1,4,1', 'SIZE a.txt', 'TYPE I', 'DELE a.txt', 'XYZZY', 'ACCT x', 'MKD x', 'RNFR a.txt']) {
      expect(d.code(c), c).toBe(530);
    }
    for (const [c, code] of [['SYST', 215], ['NOOP', 200], ['FEAT', 211], ['OPTS UTF8 ON', 200], ['HELP', 214], ['AUTH TLS', 502]] as const) {
      expect(d.code(c), c).toBe(code);
    }
    expect(d.actions).toEqual([]);
    expect(d.code('PASS x')).toBe(503);
  });
  it('an HTTP request to the FTP port gets "530 Bad HTTP verb." and a close, never 2xx', () => {
    const d = new MemDriver({ root });
    const rs = d.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(rs.map((r) => r.raw)).toEqual(['530 Bad HTTP verb.\r\n']);
    expect(d.session.wantsClose).toBe(true);
  });
  it('anonymous can be disabled; unknown users get 331 then 530 after the delay; 3 failures close', () => {
    const d = new MemDriver(users({ anonymous: false }));
    expect(d.code('USER anonymous')).toBe(530);
    expect(d.code('USER nobody')).toBe(331);
    expect(d.code('PASS x')).toBe(530);
    expect(d.delayedMs).toBe(1000);
    expect(d.code('USER bob')).toBe(331);
    expect(d.code('PASS wrong')).toBe(530);
    expect(d.session.wantsClose).toBe(false);
    expect(d.code('USER bob')).toBe(331);
    expect(d.code('PASS wrong2')).toBe(530);
    expect(d.delayedMs).toBe(3000);
    expect(d.session.wantsClose).toBe(true);
  });
  it('the 530 waits for the delay action; commands behind it keep their order', () => {
    const core = new FtpCore(users());
    const s = createSession(core, { peerAddress: '127.0.0.1', localAddress: '127.0.0.1' });
    s.takeOutput();
    s.feed(Buffer.from('USER bob\r\nPASS bad\r\nNOOP\r\n'));
    expect(Buffer.concat(s.takeOutput()!).toString()).toBe('331 Please specify the password.\r\n');
    const [a] = s.takeActions();
    expect(a).toMatchObject({ kind: 'delay', ms: 1000 });
    expect(s.takeOutput()).toBeNull();
    expect(s.complete(a.id + 100, { ok: true })).toBe(false);
    expect(s.complete(a.id, { ok: true })).toBe(true);
    expect(Buffer.concat(s.takeOutput()!).toString()).toBe('530 Login incorrect.\r\n200 NOOP ok.\r\n');
  });
  it('USER after login resets it', () => {
    const d = new MemDriver({ root });
    login(d);
    expect(d.code('USER someone')).toBe(331);
    expect(d.code('LIST')).toBe(530);
  });
});

describe('ftp: write permission and uploads', () => {
  it('anonymous is read-only by default: STOR and DELE -> 550 Permission denied.', () => {
    const d = new MemDriver({ root });
    login(d);
    expect(d.code('EPSV')).toBe(229);
    expect(d.cmd('STOR x.txt').map((r) => r.raw)).toEqual(['550 Permission denied.\r\n']);
    expect(d.cmd('DELE a.txt').map((r) => r.raw)).toEqual(['550 Permission denied.\r\n']);
    expect(fs.existsSync(path.join(root, 'x.txt'))).toBe(false);
  });
  it('anonymousWrite enables uploads; dot-files stay off limits to anonymous', () => {
    const d = new MemDriver({ root, anonymousWrite: true });
    login(d);
    d.uploads.push(Buffer.from('anon'));
    expect(d.code('EPSV')).toBe(229);
    expect(d.code('STOR anon.txt')).toBe(226);
    expect(d.code('STOR .htaccess')).toBe(550);
    expect(d.code('RETR .ssh/id_rsa')).toBe(550);
  });
  it('an aborted upload leaves nothing under the final name and no temp file', () => {
    const d = new MemDriver(users(), { receiveError: 'reset' });
    login(d, 'bob', 'pw');
    d.uploads.push(Buffer.from('partial'));
    expect(d.code('EPSV')).toBe(229);
    const rs = d.cmd('STOR half.bin');
    expect(rs.map((r) => r.code)).toEqual([150, 426]);
    expect(fs.readdirSync(root).sort()).toEqual(['a.txt', 'link', 'ok-link', 'outdir', 'pub']);
  });
  it('during the upload only a temp file exists; it is renamed at the end', () => {
    const d = new MemDriver(users(), { hold: true });
    login(d, 'bob', 'pw');
    d.uploads.push(Buffer.from('done'));
    d.code('EPSV');
    expect(d.cmd('STOR pub/late.txt').map((r) => r.code)).toEqual([150]);
    const names = fs.readdirSync(path.join(root, 'pub'));
    expect(names.length).toBe(1);
    expect(names[0]).toMatch(/^\.pk-upload-[0-9a-f]{12}\.part$/);
    expect(fs.statSync(path.join(root, 'pub', names[0])).mode & 0o777).toBe(0o600);
    expect(d.release().map((r) => r.code)).toEqual([226]);
    expect(fs.readdirSync(path.join(root, 'pub'))).toEqual(['late.txt']);
  });
  it('no overwrite by default (553); allowOverwrite replaces; a directory is never replaced', () => {
    const d = new MemDriver(users());
    login(d, 'bob', 'pw');
    d.code('EPSV');
    expect(d.code('STOR a.txt')).toBe(553);
    const d2 = new MemDriver(users({ allowOverwrite: true }));
    login(d2, 'bob', 'pw');
    d2.uploads.push(Buffer.from('new a'));
    d2.code('EPSV');
    expect(d2.code('STOR a.txt')).toBe(226);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('new a');
    d2.code('EPSV');
    expect(d2.code('STOR pub')).toBe(553);
  });
  it('maxUploadBytes -> 552; REST before STOR -> 554; DELE removes a symlink, not its target', () => {
    const d = new MemDriver(users({ maxUploadBytes: 4 }));
    login(d, 'bob', 'pw');
    d.uploads.push(Buffer.from('too big'));
    d.code('EPSV');
    expect(d.cmd('STOR big').map((r) => r.code)).toEqual([150, 552]);
    expect(fs.existsSync(path.join(root, 'big'))).toBe(false);
    expect(d.code('REST 5')).toBe(350);
    expect(d.code('STOR x')).toBe(554);
    expect(d.code('DELE ok-link')).toBe(250);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('inside a');
    expect(d.code('DELE pub')).toBe(550);
    expect(d.code('DELE nope')).toBe(550);
  });
});

describe('ftp: MKD, RMD, RNFR/RNTO', () => {
  it('a writer creates, renames and removes; anonymous gets 550 Permission denied.', () => {
    const d = new MemDriver(users());
    login(d, 'bob', 'pw');
    expect(d.cmd('MKD new dir')[0].raw).toBe('257 "/new dir" created\r\n');
    expect(fs.statSync(path.join(root, 'new dir')).mode & 0o777).toBe(0o700);
    expect(d.code('MKD new dir')).toBe(550);
    expect(d.code('RNFR a.txt')).toBe(350);
    expect(d.code('RNTO new dir/b.txt')).toBe(250);
    expect(fs.readFileSync(path.join(root, 'new dir', 'b.txt'), 'utf8')).toBe('inside a');
    expect(d.code('RMD new dir')).toBe(550); // not empty
    expect(d.code('RNTO x')).toBe(503);
    expect(d.code('RNFR nope')).toBe(550);
    expect(d.code('RNFR new dir/b.txt')).toBe(350);
    expect(d.code('NOOP')).toBe(200);
    expect(d.code('RNTO a.txt')).toBe(503); // any command in between cancels RNFR
    expect(d.code('RNFR new dir/b.txt')).toBe(350);
    expect(d.code('RNTO a.txt')).toBe(250);
    expect(d.code('RMD new dir')).toBe(250);
    expect(d.code('RMD ok-link')).toBe(550);
    const anon = new MemDriver({ root });
    login(anon);
    for (const c of ['MKD x', 'RMD pub', 'RNFR a.txt', 'RNTO b']) expect(anon.code(c), c).toBe(550);
  });
  it('no escape: through an outside symlink, onto an existing name, over a directory', () => {
    const d = new MemDriver(users());
    login(d, 'bob', 'pw');
    expect(d.code('MKD outdir/x')).toBe(550);
    expect(fs.existsSync(path.join(base, 'outside', 'x'))).toBe(false);
    expect(d.code('RNFR a.txt')).toBe(350);
    expect(d.code('RNTO outdir/stolen')).toBe(550);
    expect(d.code('RNFR a.txt')).toBe(350);
    expect(d.code('RNTO pub')).toBe(550);
    fs.writeFileSync(path.join(root, 'b.txt'), 'b');
    expect(d.code('RNFR a.txt')).toBe(350);
    expect(d.code('RNTO b.txt')).toBe(550);
    expect(d.code('RNFR link')).toBe(350); // the symlink itself, renamed inside the root
    expect(d.code('RNTO /../../moved-link')).toBe(250);
    expect(fs.lstatSync(path.join(root, 'moved-link')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(base, 'secret'), 'utf8')).toBe(CANARY);
  });
});

describe('ftp: the jail', () => {
  const vectors = ['../secret', '../../etc/passwd', '/../secret', '/../../secret', '....//secret', 'pub/../../secret',
    '..\\secret', 'a\rb', 'x\x1b[2J', 'link', 'outdir/f', 'outdir', '/outdir/f', '%2e%2e/secret', 'pub/../link', `${'a/'.repeat(600)}x`];
  it('RETR/SIZE/MDTM/LIST/NLST/CWD/STOR/DELE/MKD/RMD refuse every vector, never outside bytes', () => {
    const d = new MemDriver(users());
    login(d, 'bob', 'pw');
    for (const v of vectors) {
      for (const verb of ['RETR', 'SIZE', 'MDTM', 'LIST', 'NLST', 'CWD', 'STOR', 'DELE', 'MKD', 'RMD']) {
        if (verb === 'LIST' || verb === 'NLST' || verb === 'RETR' || verb === 'STOR') d.code('EPSV');
        const rs = d.cmd(`${verb} ${v}`);
        const finals = rs.filter((r) => r.code >= 200);
        expect(finals.length, `${verb} ${v}`).toBe(1);
        // STOR of '/../secret' creates /secret inside the root (chroot semantics) and DELE removes
        // names inside the root (the symlink 'link' itself): allowed, they never reach outside.
        if ((verb === 'STOR' && finals[0].code === 226) || ((verb === 'DELE' || verb === 'RMD') && finals[0].code === 250) ||
          (verb === 'MKD' && finals[0].code === 257)) continue;
        expect([501, 550, 553], `${verb} ${v}`).toContain(finals[0].code);
      }
      expect(d.cmd('PWD')[0].raw).toBe('257 "/" is the current directory\r\n');
    }
    expect(allText(d)).not.toContain(CANARY);
    expect(fs.readFileSync(path.join(base, 'secret'), 'utf8')).toBe(CANARY);
    expect(fs.readFileSync(path.join(base, 'outside', 'f'), 'utf8')).toBe(CANARY);
    expect(fs.readdirSync(base).sort()).toEqual(['outside', 'root', 'secret']);
    expect(fs.readdirSync(root).filter((n) => /[\x00-\x1f]/.test(n))).toEqual([]);
    d.code('EPSV');
    expect(d.code('STOR a\rb')).toBe(553);
  });
  it('CWD .. at / stays at /; a symlink inside the root works', () => {
    const d = new MemDriver({ root });
    login(d);
    expect(d.code('CWD ..')).toBe(250);
    expect(d.code('CDUP')).toBe(250);
    expect(d.cmd('PWD')[0].raw).toContain('"/"');
    d.code('EPSV');
    expect(d.code('RETR ok-link')).toBe(226);
    expect(allText(d)).toBe('inside a');
  });
  it('listings leave out symlinks that lead outside', () => {
    const d = new MemDriver({ root });
    login(d);
    d.code('EPSV');
    d.code('NLST');
    expect(allText(d)).toBe('a.txt\r\nok-link\r\npub\r\n');
  });
  it('PWD doubles quotes in names', () => {
    fs.mkdirSync(path.join(root, 'say "hi"'));
    const d = new MemDriver({ root });
    login(d);
    expect(d.code('CWD say "hi"')).toBe(250);
    expect(d.cmd('PWD')[0].raw).toBe('257 "/say ""hi""" is the current directory\r\n');
  });
});

describe('ftp: data connections', () => {
  it('PORT/EPRT only to the control peer and ports >= 1024, else 500 Illegal PORT command.', () => {
    const d = new MemDriver({ root });
    login(d);
    expect(d.cmd('PORT 127,0,0,2,4,1')[0].raw).toBe('500 Illegal PORT command.\r\n');
    expect(d.cmd('PORT 127,0,0,1,0,22')[0].raw).toBe('500 Illegal PORT command.\r\n');
    expect(d.code('PORT 127,0,0,1,300,1')).toBe(501);
    expect(d.code('PORT garbage')).toBe(501);
    expect(d.code('EPRT |1|127.0.0.2|5000|')).toBe(500);
    expect(d.code('EPRT |1|127.0.0.1|80|')).toBe(500);
    expect(d.code('EPRT |3|x|5000|')).toBe(522);
    expect(d.code('EPRT |1|::1|5000|')).toBe(501);
    expect(d.code('PORT 127,0,0,1,4,0')).toBe(200);
    expect(new MemDriver({ root, allowActive: false }).code('USER ftp')).toBe(331);
  });
  it('active mode can be disabled; EPSV ALL refuses PASV/PORT/EPRT afterwards', () => {
    const d = new MemDriver({ root, allowActive: false });
    login(d);
    expect(d.code('PORT 127,0,0,1,4,0')).toBe(502);
    expect(d.code('EPSV ALL')).toBe(200);
    expect(d.code('PASV')).toBe(503);
    expect(d.code('EPRT |1|127.0.0.1|5000|')).toBe(503);
    expect(d.code('EPSV')).toBe(229);
  });
  it('a transfer without PASV/PORT -> 425; a data connection that never comes -> 425', () => {
    const d = new MemDriver({ root });
    login(d);
    expect(d.code('RETR a.txt')).toBe(425);
    const d2 = new MemDriver({ root }, { dataFails: true });
    login(d2);
    expect(d2.code('EPSV')).toBe(229);
    expect(d2.cmd('RETR a.txt').map((r) => r.raw)).toEqual(['425 Failed to establish connection.\r\n']);
    // The file fd was released: the next try works once a connection comes.
    expect(d2.code('LIST')).toBe(425);
  });
  it('passive accept is told the control peer, so a thief from another IP is refused by the driver', () => {
    const d = new MemDriver({ root }, { peer: '::ffff:127.0.0.1', local: '::ffff:127.0.0.1' });
    login(d);
    expect(d.cmd('PASV')[0].raw).toMatch(/\(127,0,0,1,156,64\)/);
    d.code('LIST');
    expect(d.actions.find((a) => a.kind === 'open-data')).toMatchObject({ mode: 'passive', peerHost: '127.0.0.1', timeoutMs: 60_000 });
  });
  it('a second PASV closes the unused listener', () => {
    const d = new MemDriver({ root });
    login(d);
    d.code('PASV');
    d.code('EPSV');
    expect(d.closedData).toBe(1);
  });
  it('ABOR during RETR: abort action, then 426 and 226; NOOP behind the transfer answered after, in order', () => {
    const d = new MemDriver({ root }, { hold: true });
    login(d);
    d.code('EPSV');
    expect(d.cmd('RETR a.txt').map((r) => r.code)).toEqual([150]);
    expect(d.cmd('NOOP')).toEqual([]);
    const rs = d.send(Buffer.concat([Buffer.from([0xff, 0xf4, 0xff, 0xf2]), Buffer.from('ABOR\r\n')]));
    expect(rs.map((r) => r.code)).toEqual([426, 226, 200]);
    expect(d.actions.some((a) => a.kind === 'abort')).toBe(true);
    expect(d.code('NOOP')).toBe(200);
  });
  it('ABOR while only a login delay is pending is answered after it (one reply per command)', () => {
    const s = createSession(new FtpCore(users()), { peerAddress: '127.0.0.1', localAddress: '127.0.0.1' });
    s.takeOutput();
    s.feed(Buffer.from('USER bob\r\nPASS bad\r\nABOR\r\n'));
    const [a] = s.takeActions();
    s.complete(a.id, { ok: true });
    expect(Buffer.concat(s.takeOutput()!).toString()).toBe('331 Please specify the password.\r\n530 Login incorrect.\r\n530 Please login with USER and PASS.\r\n');
  });
  it('QUIT during a transfer: the transfer completes (226), then 221', () => {
    const d = new MemDriver({ root }, { hold: true });
    login(d);
    d.code('EPSV');
    d.cmd('RETR a.txt');
    expect(d.cmd('QUIT')).toEqual([]);
    expect(d.session.wantsClose).toBe(false);
    expect(d.release().map((r) => r.code)).toEqual([226, 221]);
    expect(d.session.wantsClose).toBe(true);
  });
});

describe('ftp: limits, timeouts, framing', () => {
  it('a 10 KiB line -> 500 Input line too long. and close', () => {
    const d = new MemDriver({ root });
    const rs = d.send(`USER ${'a'.repeat(10_240)}\r\nNOOP\r\n`);
    expect(rs.map((r) => r.raw)).toEqual(['500 Input line too long.\r\n']);
    expect(d.session.wantsClose).toBe(true);
    const d2 = new MemDriver({ root });
    expect(d2.send('x'.repeat(1 << 20)).map((r) => r.code)).toEqual([500]);
  });
  it('idle timeout -> 421 and close; the deadline moves with activity', () => {
    let now = 1000;
    const d = new MemDriver({ root, idleTimeoutMs: 2000, clock: () => now });
    expect(d.session.nextDeadline()).toBe(3000);
    now = 2500;
    d.code('NOOP');
    expect(d.session.nextDeadline()).toBe(4500);
    d.session.tick(4499);
    expect(d.session.wantsClose).toBe(false);
    d.session.tick(4500);
    d.pump();
    expect(d.takeReplies().map((r) => r.raw)).toEqual(['421 Timeout.\r\n']);
    expect(d.session.wantsClose).toBe(true);
  });
  it('200 pipelined commands in one write are all answered in order', () => {
    const d = new MemDriver({ root });
    login(d);
    const rs = d.send('NOOP\r\n'.repeat(200));
    expect(rs.length).toBe(200);
    expect(rs.every((r) => r.code === 200)).toBe(true);
  });
  it('listings are capped (maxListEntries) and LIST -R does not recurse', () => {
    fs.mkdirSync(path.join(root, 'many', 'deep'), { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(root, 'many', `f${String(i).padStart(2, '0')}`), '');
    fs.writeFileSync(path.join(root, 'many', 'deep', 'inner'), '');
    const d = new MemDriver({ root, maxListEntries: 10 });
    login(d);
    d.code('EPSV');
    expect(d.code('NLST many')).toBe(226);
    expect(allText(d).split('\r\n').filter(Boolean).length).toBe(10);
    const d2 = new MemDriver({ root });
    login(d2);
    d2.code('EPSV');
    expect(d2.code('LIST -R many')).toBe(226);
    expect(allText(d2)).not.toContain('inner');
    expect(allText(d2).split('\r\n').filter(Boolean).length).toBe(31);
  });
  it('UTF-8 names round-trip through STOR, NLST, SIZE and RETR', () => {
    const d = new MemDriver(users());
    login(d, 'bob', 'pw');
    d.uploads.push(Buffer.from('ünï'));
    d.code('EPSV');
    expect(d.code('STOR héllo wörld ✓.txt')).toBe(226);
    expect(fs.readFileSync(path.join(root, 'héllo wörld ✓.txt'), 'utf8')).toBe('ünï');
    d.code('EPSV');
    d.code('NLST');
    expect(d.transfers.at(-1)!.toString('utf8')).toContain('héllo wörld ✓.txt\r\n');
    expect(d.cmd('SIZE héllo wörld ✓.txt')[0].raw).toBe('213 5\r\n');
    d.code('EPSV');
    expect(d.code('RETR héllo wörld ✓.txt')).toBe(226);
    expect(d.transfers.at(-1)!.toString('utf8')).toBe('ünï');
  });
  it('bare LF lines, lower-case verbs, spaces inside names, CRLF injection stays two commands', () => {
    fs.writeFileSync(path.join(root, 'with space.txt'), 'sp');
    const d = new MemDriver({ root });
    expect(d.send('user anonymous\npass x\n').map((r) => r.code)).toEqual([331, 230]);
    expect(d.code('size with space.txt')).toBe(213);
    expect(d.send('SIZE a.txt\r\nDELE a.txt\r\n').map((r) => r.code)).toEqual([213, 550]);
  });
  it('the reply helpers: multi-line format, IAC doubling, reader limits, PORT/EPRT parsing, 421 for caps', () => {
    expect(formatReply(211, ['a', ' b', '211 c', 'End']).toString()).toBe('211-a\r\n b\r\n 211 c\r\n211 End\r\n');
    expect([...formatReply(200, 'x\r\nINJ')].includes(0x0a)).toBe(true);
    expect(formatReply(200, 'x\r\nINJ').toString()).toBe('200 x  INJ\r\n');
    const r = new LineReader(10);
    r.feed(Buffer.from([0x41, 0xff, 0xff, 0x42, 0xff, 0xfb, 0x01, 0x43, 0x0d, 0x0a]));
    expect(r.next()).toEqual({ kind: 'line', line: Buffer.from([0x41, 0xff, 0x42, 0x43]).toString('utf8') });
    // ABOR whose LF was sent as urgent data and lost (no SO_OOBINLINE): taken at the CR, late LF dropped.
    const ab = new LineReader();
    ab.feed(Buffer.from('abor\r'));
    expect(ab.next()).toEqual({ kind: 'line', line: 'ABOR' });
    ab.feed(Buffer.from('\nNOOP\r\n'));
    expect(ab.next()).toEqual({ kind: 'line', line: 'NOOP' });
    expect(ab.next()).toBeNull();
    // Not bytes / not a string: a TypeError at once (a sparse array of length 2**32-1 was scanned for minutes).
    expect(() => ab.feed(new Array(2 ** 32 - 1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => parseCommand(new Array(2 ** 32 - 1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(parsePort('10,0,0,1,4,1')).toEqual({ host: '10.0.0.1', port: 1025, family: 4 });
    expect(parsePort('10,0,0,1,4')).toBeNull();
    expect(parseEprt('|2|::1|6275|')).toEqual({ host: '::1', port: 6275, family: 6 });
    expect(parseEprt('!1!127.0.0.1!21!')).toEqual({ host: '127.0.0.1', port: 21, family: 4 });
    expect(parseEprt('|1|300.0.0.1|21|')).toBeNull();
    expect(tooManyClients().toString()).toBe('421 Too many users, try again later.\r\n');
  });
  it('EOF closes the session and aborts a transfer in flight; close() removes an unfinished upload', () => {
    const d = new MemDriver(users(), { hold: true });
    login(d, 'bob', 'pw');
    d.code('EPSV');
    d.cmd('STOR never.txt');
    d.session.onEof();
    d.pump();
    expect(d.actions.at(-1)!.kind).toBe('abort');
    d.session.close();
    expect(fs.readdirSync(root).filter((n) => n.startsWith('.pk-upload') || n === 'never.txt')).toEqual([]);
  });
});
