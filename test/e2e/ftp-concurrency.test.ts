// 50 concurrent ftplib sessions against serveFtp (forking and prefork, in a
// child process), each uploading its own file and downloading it and a shared
// file back: every byte checked with sha256, nothing lost, nothing left over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectCleanStop, expectSettled, startServer } from '../helpers/servers';
import { fdsOf } from '../helpers/proc';
import { python, run } from '../helpers/programs';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let base = '';
beforeAll(() => { base = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftp-conc-')); });
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const CLIENTS = `
import ftplib, hashlib, io, json, os, sys, threading
port, n, group = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
results = [None] * n
start = threading.Barrier(group)
def client(i):
    try:
        data = os.urandom(10_000 + (i * 7919) % 300_000)
        f = ftplib.FTP(); f.connect('127.0.0.1', port, timeout=30); f.login('bob', 'pw')
        start.wait(30)
        f.storbinary(f'STOR up-{i}.bin', io.BytesIO(data))
        back = io.BytesIO(); f.retrbinary(f'RETR up-{i}.bin', back.write)
        shared = io.BytesIO(); f.retrbinary('RETR shared.bin', shared.write)
        f.quit()
        results[i] = [hashlib.sha256(data).hexdigest(), hashlib.sha256(back.getvalue()).hexdigest(), hashlib.sha256(shared.getvalue()).hexdigest()]
    except Exception as e:
        results[i] = ['ERROR', repr(e)]
ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join(60)
print(json.dumps(results))
`;

describe.each([['forking', {}], ['prefork', { workers: 8 }]])('50 concurrent ftplib sessions on %s', (model, extra) => {
  it('upload + download back + shared download, all sha256-exact; no .part, fd or zombie left', async () => {
    const root = path.join(base, model);
    fs.mkdirSync(root);
    const shared = randomBytes(512 * 1024 + 3);
    fs.writeFileSync(path.join(root, 'shared.bin'), shared);
    const srv = await startServer('ftp-server.js', { model, ...extra, root, users: { bob: { password: 'pw' } }, maxClients: 64, maxClientsPerIp: 64 });
    try {
      await run('curl', ['-s', '--list-only', `ftp://127.0.0.1:${srv.port}/`]);
      const fds0 = fdsOf(srv.pid);
      // All 50 sessions transfer at once on forking; prefork's 8 workers take them in turn (the rest wait in the backlog).
      const n = 50;
      const group = model === 'prefork' ? 5 : 50; // divides 50, at most the worker count
      const r = await python(CLIENTS, [String(srv.port), String(n), String(group)], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      const results: string[][] = JSON.parse(r.stdout.toString());
      expect(results.filter((x) => x === null || x[0] === 'ERROR')).toEqual([]);
      for (let i = 0; i < n; i++) {
        const [up, back, sh] = results[i];
        expect(back, `client ${i}`).toBe(up);
        expect(sh, `client ${i}`).toBe(sha(shared));
        expect(sha(fs.readFileSync(path.join(root, `up-${i}.bin`))), `file ${i}`).toBe(up);
      }
      expect(fs.readdirSync(root).filter((f) => f.endsWith('.part'))).toEqual([]);
      await expectSettled(srv, fds0, 5000);
    } finally {
      await expectCleanStop(srv);
    }
  }, 120_000);
});
