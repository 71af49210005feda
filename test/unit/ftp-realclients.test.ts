// The FTP session under real clients (curl, Python ftplib) through the
// node:net reference driver: listing, download, upload, refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpCore } from '../../lib/ftp/index';
import { Running, serveFtp } from '../helpers/net-drivers';
import { python, run } from '../helpers/programs';

let base = '';
let root = '';
let srv: Running;
let url = '';
const big = Buffer.alloc((1 << 20) + 1);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftpr-'));
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'pub', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'pub', 'big.bin'), big);
  fs.writeFileSync(path.join(root, 'pub', 'empty'), '');
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello\n');
  fs.writeFileSync(path.join(base, 'local.bin'), big.subarray(0, 100_001));
  const core = new FtpCore({ root, users: { alice: { password: 'pw', write: true } }, failedLoginDelayMs: 50, acceptTimeoutMs: 3000 });
  srv = await serveFtp(core);
  url = `ftp://127.0.0.1:${srv.port}`;
});
afterAll(async () => { await srv.close(); fs.rmSync(base, { recursive: true, force: true }); });

describe('ftp session with curl', () => {
  it('list, --list-only, download (sha256), 0-byte download', async () => {
    const l = await run('curl', ['-s', `${url}/pub/`]);
    expect(l.code).toBe(0);
    expect(l.stdout.toString()).toMatch(/^-rw\S+ +1 ftp +ftp +1048577 .* big\.bin\r?$/m);
    const n = await run('curl', ['-s', '--list-only', `${url}/`]);
    // curl converts CRLF to LF in ASCII mode.
    expect(n.stdout.toString().replace(/\r/g, '')).toBe('hello.txt\npub\n');
    const g = await run('curl', ['-s', `${url}/pub/big.bin`]);
    expect([g.code, sha(g.stdout)]).toEqual([0, sha(big)]);
    const e = await run('curl', ['-s', '-w', '%{size_download}', `${url}/pub/empty`]);
    expect([e.code, e.stdout.toString()]).toEqual([0, '0']);
    const m = await run('curl', ['-s', `${url}/nope.txt`]);
    expect(m.code).toBe(78); // CURLE_REMOTE_FILE_NOT_FOUND
  });
  it('upload with a user (sha256), refused for anonymous, wrong password refused', async () => {
    const up = await run('curl', ['-s', '-T', path.join(base, 'local.bin'), `ftp://alice:pw@127.0.0.1:${srv.port}/pub/`]);
    expect(up.code).toBe(0);
    expect(sha(fs.readFileSync(path.join(root, 'pub', 'local.bin')))).toBe(sha(big.subarray(0, 100_001)));
    expect(fs.readdirSync(path.join(root, 'pub')).filter((x) => x.endsWith('.part'))).toEqual([]);
    const anon = await run('curl', ['-s', '-T', path.join(base, 'local.bin'), `${url}/x.bin`]);
    expect(anon.code).toBe(25); // CURLE_UPLOAD_FAILED
    expect(fs.existsSync(path.join(root, 'x.bin'))).toBe(false);
    const bad = await run('curl', ['-s', `ftp://alice:nope@127.0.0.1:${srv.port}/`]);
    expect(bad.code).toBe(67); // CURLE_LOGIN_DENIED
  });
  it('curl --ftp-create-dirs uploads into a new directory (CWD 550, MKD, CWD)', async () => {
    const up = await run('curl', ['-s', '--ftp-create-dirs', '-T', path.join(base, 'local.bin'), `ftp://alice:pw@127.0.0.1:${srv.port}/pub/sub/new/x.bin`]);
    expect(up.code).toBe(0);
    expect(fs.statSync(path.join(root, 'pub', 'sub', 'new', 'x.bin')).size).toBe(100_001);
  });
  it('active mode (curl -P -) connects back to the client', async () => {
    const g = await run('curl', ['-s', '-P', '127.0.0.1', `${url}/hello.txt`]);
    expect([g.code, g.stdout.toString()]).toEqual([0, 'hello\n']);
  });
});

describe('ftp session with Python ftplib', () => {
  it('nlst, dir, retrbinary, storbinary, size, pwd, cwd, quit', async () => {
    const script = `
import ftplib, hashlib, io, json
f = ftplib.FTP()
f.connect('127.0.0.1', ${srv.port}, timeout=5)
f.login('alice', 'pw')
out = {}
out['nlst'] = f.nlst()
lines = []; f.dir('pub', lines.append); out['dir'] = len(lines)
buf = io.BytesIO(); f.retrbinary('RETR pub/big.bin', buf.write); out['sha'] = hashlib.sha256(buf.getvalue()).hexdigest()
f.storbinary('STOR up.bin', io.BytesIO(b'x' * 5000)); out['size'] = f.size('up.bin')
f.cwd('pub/sub'); out['pwd'] = f.pwd(); f.cwd('..'); out['pwd2'] = f.pwd()
try:
    f.retrbinary('RETR ../../../etc/passwd', lambda b: None)
except ftplib.error_perm as e:
    out['trav'] = str(e)[:3]
out['quit'] = f.quit()[:3]
print(json.dumps(out))
`;
    const r = await python(script);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.toString())).toEqual({
      nlst: ['hello.txt', 'pub'], dir: 4, sha: sha(big), size: 5000, pwd: '/pub/sub', pwd2: '/pub', trav: '550', quit: '221',
    });
  });
  it('abort() during a download: the control connection stays usable', async () => {
    const script = `
import ftplib, json
f = ftplib.FTP()
f.connect('127.0.0.1', ${srv.port}, timeout=5)
f.login()
conn = f.transfercmd('RETR pub/big.bin')
conn.recv(1000)
resp = f.abort()
conn.close()
try:
    f.voidresp()
except ftplib.all_errors:
    pass
print(json.dumps([resp[:3], f.sendcmd('NOOP')[:3], f.size('hello.txt')]))
f.quit()
`;
    const r = await python(script);
    expect(r.stderr).toBe('');
    const [abortCode, noop, size] = JSON.parse(r.stdout.toString());
    expect(['225', '226', '426']).toContain(abortCode);
    expect([noop, size]).toEqual(['200', 6]);
  });
});

const hasLftp = fs.existsSync('/usr/bin/lftp');
describe.skipIf(!hasLftp)('ftp session with lftp (installed by .ci/run)', () => {
  it('FEAT before login, ls, get, put, nlist, quit (anonymous and user)', async () => {
    const dl = path.join(base, 'lftp-dl');
    fs.mkdirSync(dl, { recursive: true });
    const anon = await run('lftp', ['-c', [
      'set net:max-retries 1; set net:timeout 5; set cmd:fail-exit yes',
      `open -p ${srv.port} 127.0.0.1`, 'ls pub', `get pub/big.bin -o ${dl}/big.bin`, 'nlist', 'quit'].join('; ')]);
    expect(anon.stderr).toBe('');
    expect(anon.code).toBe(0);
    const out = anon.stdout.toString();
    expect(out).toMatch(/big\.bin/);
    expect(out).toMatch(/^hello\.txt$/m);
    expect(sha(fs.readFileSync(path.join(dl, 'big.bin')))).toBe(sha(big));
    fs.writeFileSync(path.join(dl, 'put.txt'), 'from lftp\n');
    const user = await run('lftp', ['-c', [
      'set net:max-retries 1; set net:timeout 5; set cmd:fail-exit yes; set ftp:ssl-allow no',
      `open -u alice,pw -p ${srv.port} 127.0.0.1`, `put ${dl}/put.txt -o pub/put.txt`, 'quit'].join('; ')]);
    expect([user.code, user.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(root, 'pub', 'put.txt'), 'utf8')).toBe('from lftp\n');
  });
  it('lftp with TLS allowed: AUTH TLS is refused and lftp goes on in clear', async () => {
    const r = await run('lftp', ['-c', [
      'set net:max-retries 1; set net:timeout 5; set cmd:fail-exit yes; set ftp:ssl-allow yes; set ftp:ssl-force no',
      `open -u alice,pw -p ${srv.port} 127.0.0.1`, 'cls -1 /', 'quit'].join('; ')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.toString()).toContain('hello.txt');
  });
});

describe('ftp sessions in parallel', () => {
  it('50 concurrent ftplib uploads and downloads: sha256 intact, nothing lost, no temp file left', async () => {
    const script = `
import ftplib, hashlib, io, json, os, threading
res = {}
def one(i):
    try:
        data = os.urandom(20000 + i * 997)
        f = ftplib.FTP(); f.connect('127.0.0.1', ${srv.port}, timeout=20); f.login('alice', 'pw')
        f.storbinary('STOR par-%d.bin' % i, io.BytesIO(data))
        buf = io.BytesIO(); f.retrbinary('RETR par-%d.bin' % i, buf.write); f.quit()
        res[i] = hashlib.sha256(data).hexdigest() == hashlib.sha256(buf.getvalue()).hexdigest()
    except Exception as e:
        res[i] = repr(e)
ts = [threading.Thread(target=one, args=(i,)) for i in range(50)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(res))
`;
    const r = await python(script, [], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    const res = JSON.parse(r.stdout.toString());
    expect(Object.values(res).filter((v) => v !== true)).toEqual([]);
    expect(Object.keys(res).length).toBe(50);
    const names = fs.readdirSync(root);
    expect(names.filter((n) => n.startsWith('par-')).length).toBe(50);
    expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
  }, 90_000);
});
