// serveFtp on the blocking posixkit models, in a child process, against real
// clients: curl (--list-only, download, upload), Python ftplib (nlst, dir,
// retrbinary, storbinary, abort), lftp when installed, the posixkit FtpClient;
// traversal tricks; client caps; the passive port range. fds and zombies of
// the server are checked after the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpClient } from '../../lib/ftp/index';
import { serveFtp } from '../../lib/ftp/index';
import { expectSettled, ServerChild, startServer } from '../helpers/servers';
import { fdsOf } from '../helpers/proc';
import { have, python, run } from '../helpers/programs';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let base = '';
let big: Buffer;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftp-e2e-'));
  fs.writeFileSync(path.join(base, 'secret.txt'), 'CANARY-OUTSIDE-ROOT');
  big = randomBytes(2 * 1024 * 1024 + 5);
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function makeRoot(name: string): string {
  const root = path.join(base, name);
  fs.mkdirSync(path.join(root, 'pub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello ftp\n');
  fs.writeFileSync(path.join(root, 'pub', 'note.txt'), 'in a subdirectory\n');
  fs.symlinkSync('../secret.txt', path.join(root, 'escape.txt'));
  fs.symlinkSync(base, path.join(root, 'escdir'));
  return root;
}

const FTPLIB = `
import ftplib, hashlib, io, json, sys
port = int(sys.argv[1])
out = {}
f = ftplib.FTP(); f.connect('127.0.0.1', port, timeout=10); f.login('bob', 'pw')
out['nlst'] = sorted(f.nlst())
lines = []; f.dir(lines.append); out['dir'] = len(lines)
buf = io.BytesIO(); f.retrbinary('RETR big.bin', buf.write); out['big'] = hashlib.sha256(buf.getvalue()).hexdigest()
data = bytes(range(256)) * 1000
f.storbinary('STOR up-ftplib.bin', io.BytesIO(data)); out['stor'] = hashlib.sha256(data).hexdigest()
out['size'] = f.size('up-ftplib.bin')
# abort() in the middle of a download: ABOR goes with MSG_OOB
f.voidcmd('TYPE I'); conn = f.transfercmd('RETR big.bin'); conn.recv(8192)
out['abort'] = f.abort()[:3]
conn.close()
try: f.voidresp()
except ftplib.all_errors: pass
out['noop'] = f.voidcmd('NOOP')[:3]
# The client drops the data connection after 1 KiB of a 2 MiB RETR: 426, and the session goes on.
conn = f.transfercmd('RETR big.bin'); conn.recv(1024); conn.close()
try: out['dropped'] = f.voidresp()[:3]
except ftplib.all_errors as e: out['dropped'] = str(e)[:3]
out['noop2'] = f.voidcmd('NOOP')[:3]
# Active mode (PORT): the server connects back to us.
f.set_pasv(False)
buf = io.BytesIO(); f.retrbinary('RETR hello.txt', buf.write); out['active'] = buf.getvalue().decode()
f.set_pasv(True)
errs = []
for cmd in ['RETR ../secret.txt', 'RETR ../../../../etc/passwd', 'RETR /../secret.txt', 'RETR escape.txt', 'RETR escdir/secret.txt',
            'RETR ....//secret.txt', 'RETR a/../../secret.txt', 'RETR ..\\\\secret.txt', 'SIZE ../secret.txt', 'CWD escdir', 'MDTM escape.txt']:
    try:
        if cmd.startswith('RETR'):
            b = io.BytesIO(); f.retrbinary(cmd, b.write); errs.append([cmd, 'OK', b.getvalue().decode('latin1')])
        else:
            errs.append([cmd, 'OK', f.sendcmd(cmd)])
    except ftplib.error_perm as e:
        errs.append([cmd, str(e)[:3], ''])
for cmd in ['STOR ../evil.txt', 'STOR /../evil.txt', 'STOR escdir/evil.txt', 'STOR ..\\\\evil.txt', 'STOR a/../../evil.txt']:
    try:
        f.storbinary(cmd, io.BytesIO(b'EVIL')); errs.append([cmd, 'OK', ''])
    except ftplib.error_perm as e:
        errs.append([cmd, str(e)[:3], ''])
for cmd in ['DELE ../secret.txt', 'DELE escdir/secret.txt', 'MKD ../evildir', 'MKD escdir/evildir', 'RNFR ../secret.txt',
            'RNFR escdir/secret.txt', 'CWD ../../..', 'NLST escdir', 'LIST escdir', 'NLST ../']:
    try:
        if cmd.startswith(('NLST', 'LIST')):
            lines = []; f.retrlines(cmd, lines.append); errs.append([cmd, 'LISTED', '\\n'.join(lines)])
        else:
            errs.append([cmd, 'OK', f.sendcmd(cmd)])
    except ftplib.error_perm as e:
        errs.append([cmd, str(e)[:3], ''])
out['trav'] = errs
f.cwd('..'); out['pwd'] = f.pwd()
f.quit()
print(json.dumps(out))
`;

const MODELS: Array<[string, Record<string, unknown>]> = [
  ['forking', {}], ['prefork', { workers: 3 }], ['threading', {}], ['iterative', {}],
];

describe.each(MODELS)('serveFtp on %s', (model, extra) => {
  let srv: ServerChild;
  let root = '';
  let url = '';
  beforeAll(async () => {
    root = makeRoot(model);
    srv = await startServer('ftp-server.js', { model, ...extra, root, users: { bob: { password: 'pw' } }, failedLoginDelayMs: 100, idleTimeoutMs: 1500 });
    url = `ftp://127.0.0.1:${srv.port}`;
  });
  afterAll(async () => {
    const r = await srv.stop();
    expect(r.code, srv.output()).toBe(0);
    expect(srv.output()).not.toMatch(/ERROR/);
  });

  it('curl --list-only, download (sha256), upload as a writer, anonymous upload refused; no fd or zombie left', async () => {
    const first = await run('curl', ['-s', '--list-only', `${url}/`]);
    expect(first.stdout.toString().split(/\r?\n/).filter(Boolean).sort()).toEqual(['big.bin', 'escdir', 'escape.txt', 'hello.txt', 'pub'].filter((n) => n !== 'escape.txt' && n !== 'escdir'));
    await new Promise((r) => setTimeout(r, 100));
    const fds0 = fdsOf(srv.pid);

    const d = await run('curl', ['-s', `${url}/big.bin`]);
    expect(d.code).toBe(0);
    expect(sha(d.stdout)).toBe(sha(big));
    const sub = await run('curl', ['-s', `${url}/pub/note.txt`]);
    expect(sub.stdout.toString()).toBe('in a subdirectory\n');

    const up = path.join(base, `${model}-up.bin`);
    const upData = randomBytes(700_001);
    fs.writeFileSync(up, upData);
    const u = await run('curl', ['-s', '-T', up, `ftp://bob:pw@127.0.0.1:${srv.port}/`]);
    expect(u.code, u.stderr).toBe(0);
    expect(sha(fs.readFileSync(path.join(root, path.basename(up))))).toBe(sha(upData));
    expect(fs.readdirSync(root).filter((n) => n.includes('.part'))).toEqual([]);

    const anon = await run('curl', ['-s', '-T', up, `${url}/anon.bin`]);
    expect(anon.code).not.toBe(0);
    expect(fs.existsSync(path.join(root, 'anon.bin'))).toBe(false);

    await expectSettled(srv, fds0);
  });

  it('Python ftplib: nlst, dir, retrbinary, storbinary, abort, traversal refused', async () => {
    const r = await python(FTPLIB, [String(srv.port)], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.toString());
    expect(out.nlst).toEqual(expect.arrayContaining(['big.bin', 'hello.txt', 'pub']));
    expect(out.dir).toBeGreaterThanOrEqual(3);
    expect(out.big).toBe(sha(big));
    expect(out.size).toBe(256_000);
    expect(['426', '225', '226']).toContain(out.abort);
    expect(out.noop).toBe('200');
    expect(['426', '226']).toContain(out.dropped); // 226 if everything was already in the kernel's buffers
    expect(out.noop2).toBe('200');
    expect(out.active).toBe('hello ftp\n');
    expect(out.trav.length).toBe(26);
    for (const [cmd, code, body] of out.trav) {
      expect(body, cmd).not.toContain('CANARY');
      expect(body, cmd).not.toContain('secret.txt');
      if (cmd === 'CWD ../../..') expect(code, cmd).toBe('OK'); // '..' stops at the virtual root, as under chroot
      else if (code === 'LISTED') expect(cmd, `${cmd} listed ${body}`).toBe('NLST ../'); // the root itself
      // '..' stops at '/': 'STOR ../evil.txt' may write <root>/evil.txt (as under chroot); through a symlink out, never.
      else if (/^(STOR|MKD) /.test(cmd) && !cmd.includes('escdir')) expect(code, cmd).toMatch(/^(OK|5\d\d)$/);
      else expect(code, cmd).toMatch(/^5\d\d$/);
    }
    expect(out.pwd).toBe('/');
    // Nothing was written, removed or created outside the root.
    expect(fs.readdirSync(base).filter((n) => /evil/.test(n))).toEqual([]);
    expect(fs.readFileSync(path.join(base, 'secret.txt'), 'utf8')).toBe('CANARY-OUTSIDE-ROOT');
  });

  it('the posixkit FtpClient lists, downloads and uploads', () => {
    const c = new FtpClient('127.0.0.1', srv.port, 10);
    try {
      c.login('bob', 'pw');
      expect(c.nlst()).toEqual(expect.arrayContaining(['big.bin', 'hello.txt']));
      const dl = path.join(base, `${model}-client-dl.bin`);
      expect(c.retr('big.bin', dl)).toBe(big.length);
      expect(sha(fs.readFileSync(dl))).toBe(sha(big));
      const ul = path.join(base, `${model}-client-ul.txt`);
      fs.writeFileSync(ul, 'from FtpClient\n');
      c.stor(ul);
      expect(fs.readFileSync(path.join(root, path.basename(ul)), 'utf8')).toBe('from FtpClient\n');
      c.quit();
    } finally {
      c.close();
    }
  });

  it('a silent control connection gets 421 and a close once idleTimeoutMs (1.5 s) passes', async () => {
    const t0 = Date.now();
    const got = await new Promise<string>((resolve) => {
      const c = net.connect(srv.port, '127.0.0.1');
      let data = '';
      const t = setTimeout(() => { c.destroy(); resolve(`HUNG: ${data}`); }, 10_000);
      c.on('data', (b) => { data += b; });
      c.on('error', () => {});
      c.on('close', () => { clearTimeout(t); resolve(data); });
    });
    expect(got).toMatch(/^220 .*\r\n421 Timeout\.\r\n$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
  });

  it.skipIf(!have('lftp'))('lftp ls, get, put', async () => {
    const dl = path.join(base, `${model}-lftp.bin`);
    const up = path.join(base, `${model}-lftp-up.txt`);
    fs.writeFileSync(up, 'via lftp\n');
    const script = `set net:max-retries 1; set net:timeout 5; set ftp:ssl-allow no; open -u bob,pw -p ${srv.port} 127.0.0.1; ls; get big.bin -o ${dl}; put ${up}; bye`;
    const r = await run('lftp', ['-c', script], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/hello\.txt/);
    expect(sha(fs.readFileSync(dl))).toBe(sha(big));
    expect(fs.readFileSync(path.join(root, path.basename(up)), 'utf8')).toBe('via lftp\n');
  });
});

function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (b) => { got += b; if (got.includes('\r\n')) resolve(got); });
    s.on('error', () => resolve(got || 'ERROR'));
    s.on('close', () => resolve(got || 'CLOSED'));
    socks.push(s);
  });
}
const socks: net.Socket[] = [];

// A control connection in Python: reply() is the last line of a (multi-line) reply,
// cmd() sends a command and returns its reply; code() and ccmd() give the 3-digit code.
const PY_CTL = (timeout: number) => `
import socket, sys, re, time
port = int(sys.argv[1])
ctl = socket.create_connection(('127.0.0.1', port), timeout=${timeout})
f = ctl.makefile('rb')
def reply():
    line = f.readline().decode()
    while line[3:4] == '-':
        line = f.readline().decode()
    return line
def cmd(c):
    ctl.sendall((c + '\\r\\n').encode()); return reply()
def code():
    return reply()[:3]
def ccmd(c):
    return cmd(c)[:3]
`;

const THEFT = PY_CTL(10) + `
reply(); cmd('USER anonymous'); cmd('PASS x'); cmd('TYPE I')
nums = [int(x) for x in re.search(r'(\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)', cmd('PASV')).groups()]
dport = nums[4] * 256 + nums[5]
thief = socket.socket(); thief.settimeout(10); thief.bind(('127.0.0.2', 0)); thief.connect(('127.0.0.1', dport))
legit = socket.create_connection(('127.0.0.1', dport), timeout=10)
first = cmd('RETR hello.txt')
data = b''
while True:
    b = legit.recv(65536)
    if not b: break
    data += b
stolen = thief.recv(65536)
print(first[:3], reply()[:3], data.decode().strip(), len(stolen))
`;

const RETR_ABOR = PY_CTL(10) + `
reply(); cmd('USER anonymous'); cmd('PASS x'); cmd('PASV')
t0 = time.time()
ctl.sendall(b'RETR hello.txt\\r\\nABOR\\r\\n')   # nobody connects to the passive port
codes = [code(), code()]
codes.append(ccmd('NOOP'))
print(' '.join(codes), round(time.time() - t0, 1))
`;

const STALLS = PY_CTL(15) + `
reply(); cmd('USER anonymous'); cmd('PASS x'); cmd('TYPE I')
out = []
# 1. PASV, then RETR, and the client never connects: 425 once acceptTimeoutMs passes.
cmd('PASV'); t0 = time.time(); out.append(ccmd('RETR big.bin')); out.append(round(time.time() - t0, 1))
# 2. A data connection that never reads a 32 MiB file: 426 once dataTimeoutMs passes without progress.
ctl.sendall(b'PASV\\r\\n'); line = f.readline().decode()
nums = [int(x) for x in re.search(r'(\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)', line).groups()]
data = socket.socket(); data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
data.connect(('127.0.0.1', nums[4] * 256 + nums[5]))
t0 = time.time(); out.append(ccmd('RETR huge.bin')); out.append(code()); out.append(round(time.time() - t0, 1))
data.close()
out.append(ccmd('NOOP'))
print(' '.join(str(x) for x in out))
`;

describe('serveFtp limits and refusals', () => {
  it('a data connection that never comes (425) or never reads (426) times out; the session goes on', async () => {
    const root = makeRoot('stalls');
    // More than loopback's socket buffers can swallow (the send buffer alone autotunes to 4 MiB).
    fs.writeFileSync(path.join(root, 'huge.bin'), '');
    fs.truncateSync(path.join(root, 'huge.bin'), 32 * 1024 * 1024);
    const srv = await startServer('ftp-server.js', { model: 'forking', root, acceptTimeoutMs: 500, dataTimeoutMs: 800 });
    try {
      const r = await python(STALLS, [String(srv.port)], { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
      const [c1, t1, c150, c2, t2, noop] = r.stdout.toString().trim().split(' ');
      expect(c1).toBe('425');
      expect(Number(t1)).toBeGreaterThanOrEqual(0.4);
      expect(Number(t1)).toBeLessThan(8);
      expect(c150).toBe('150');
      expect(c2).toBe('426');
      expect(Number(t2)).toBeLessThan(10);
      expect(noop).toBe('200');
    } finally {
      const s = await srv.stop();
      expect(s.code, srv.output()).toBe(0);
    }
  });


  it('ABOR in the same read as the RETR it aborts: no wait for the data connection', async () => {
    const root = makeRoot('retrabor');
    const srv = await startServer('ftp-server.js', { model: 'forking', root, acceptTimeoutMs: 20_000 });
    try {
      const r = await python(RETR_ABOR, [String(srv.port)], { timeoutMs: 15_000 });
      expect(r.code, r.stderr).toBe(0);
      const [a, b, noop, secs] = r.stdout.toString().trim().split(' ');
      expect([a, b]).toEqual([expect.stringMatching(/^4\d\d$/), expect.stringMatching(/^2\d\d$/)]);
      expect(noop).toBe('200');
      expect(Number(secs)).toBeLessThan(5);
    } finally {
      const s = await srv.stop();
      expect(s.code, srv.output()).toBe(0);
    }
  });

  it('PASV theft: a data connection from another IP than the control peer is closed; the client gets its data', async () => {
    const root = makeRoot('theft');
    const srv = await startServer('ftp-server.js', { model: 'forking', root });
    try {
      const r = await python(THEFT, [String(srv.port)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.toString().trim()).toBe('150 226 hello ftp 0');
    } finally {
      const s = await srv.stop();
      expect(s.code, srv.output()).toBe(0);
    }
  });

  it('refuses event models with a clear error', () => {
    const root = makeRoot('refuse');
    for (const m of ['epoll-et', 'epoll', 'poll', 'select', 'coroutine']) {
      expect(() => serveFtp({ model: m, root, address: { host: '127.0.0.1', port: 0 } })).toThrow(expect.objectContaining({ code: 'ERR_MODEL_CORE_MISMATCH' }));
    }
    expect(() => serveFtp({ root, maxClients: 0 } as never)).toThrow(/maxClients/);
    expect(() => serveFtp({ root, pasvPorts: [80, 90] } as never)).toThrow(/pasvPorts/);
  });

  it('per-IP and global caps answer 421; passive ports stay in range', async () => {
    const root = makeRoot('caps');
    const lo = 40000 + Math.floor(Math.random() * 20000);
    const srv = await startServer('ftp-server.js', { model: 'forking', root, maxClients: 3, maxClientsPerIp: 2, pasvPorts: [lo, lo + 3] });
    try {
      const a = await greeting(srv.port);
      const b = await greeting(srv.port);
      const c = await greeting(srv.port);
      expect(a).toMatch(/^220 /);
      expect(b).toMatch(/^220 /);
      expect(c).toMatch(/^421 /);
      for (const s of socks.splice(0)) s.destroy();
      // Slots come back once those sessions end.
      let again = '';
      for (let i = 0; i < 50 && !/^220 /.test(again); i++) {
        again = await greeting(srv.port);
        for (const s of socks.splice(0)) s.destroy();
        if (!/^220 /.test(again)) await new Promise((r) => setTimeout(r, 50));
      }
      expect(again).toMatch(/^220 /);
      const py = `
import ftplib, sys
ports = []
for i in range(3):
    f = ftplib.FTP(); f.connect('127.0.0.1', int(sys.argv[1]), timeout=10); f.login()
    for j in range(3):
        h, p = ftplib.parse227(f.sendcmd('PASV')); ports.append(p)
    f.retrlines('NLST', lambda l: None)
    f.quit()
print(min(ports), max(ports))`;
      const r = await python(py, [String(srv.port)]);
      expect(r.code, r.stderr).toBe(0);
      const [min, max] = r.stdout.toString().trim().split(' ').map(Number);
      expect(min).toBeGreaterThanOrEqual(lo);
      expect(max).toBeLessThanOrEqual(lo + 3);
    } finally {
      for (const s of socks.splice(0)) s.destroy();
      const r = await srv.stop();
      expect(r.code, srv.output()).toBe(0);
    }
  });
});
