// Random and truncated command streams: the session never throws, every
// reply is well formed, no fd or temp file leaks, and EOF ends it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FtpCore } from '../../lib/ftp/index';
import { MemDriver } from '../helpers/ftp-driver';
import { prng } from '../helpers/http-driver';

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-ftpf-'));
  fs.mkdirSync(path.join(root, 'd'));
  fs.writeFileSync(path.join(root, 'f.txt'), 'data');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const VERBS = ['USER anonymous', 'USER bob', 'PASS pw', 'PASS x', 'PWD', 'CWD d', 'CWD ..', 'CDUP', 'TYPE I', 'TYPE A', 'TYPE Z',
  'PASV', 'EPSV', 'EPSV ALL', 'PORT 127,0,0,1,4,1', 'EPRT |1|127.0.0.1|5000|', 'LIST', 'NLST d', 'RETR f.txt', 'STOR up',
  'SIZE f.txt', 'MDTM f.txt', 'REST 2', 'ABOR', 'NOOP', 'FEAT', 'OPTS UTF8 ON', 'SYST', 'DELE up', 'HELP', 'MODE S', 'STRU F',
  'GET / HTTP/1.1', 'XYZ', '', 'RETR ../../etc/passwd', 'MKD d2', 'RMD d2', 'RNFR up', 'RNTO up2', 'QUIT'];

describe('ftp fuzz', () => {
  it('3,000 reproducible random sessions: no throw, valid replies, closes on EOF', () => {
    const core = new FtpCore({ root, users: { bob: { password: 'pw', write: true } }, failedLoginDelayMs: 0, maxLoginFails: 1000 });
    const rnd = prng(0xF7F);
    const deadline = Date.now() + 20_000;
    const codes = new Set<number>();
    const fds = fs.readdirSync('/proc/self/fd').length;
    let cases = 0;
    for (; cases < 3000 && Date.now() < deadline; cases++) {
      // Half the sessions log in first, so the fuzz reaches transfers too.
      const lines: string[] = rnd() < 0.5 ? ['USER bob', 'PASS pw', 'EPSV'] : [];
      for (let i = Math.floor(rnd() * 12); i > 0; i--) {
        let l = VERBS[Math.floor(rnd() * VERBS.length)];
        const k = rnd();
        if (k < 0.15) l = l.slice(0, Math.floor(rnd() * l.length));
        else if (k < 0.3) l = Array.from({ length: Math.floor(rnd() * 40) }, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
        else if (k < 0.35) l += '\xff\xf4\xff\xf2';
        lines.push(l);
      }
      let input = Buffer.from(lines.join('\r\n'), 'latin1');
      if (rnd() < 0.5) input = Buffer.concat([input, Buffer.from('\r\n')]);
      const d = new MemDriver(core, { dataFails: rnd() < 0.2, receiveError: rnd() < 0.2 ? 'reset' : undefined });
      try {
        let pos = 0;
        while (pos < input.length) {
          const n = 1 + Math.floor(rnd() * 32);
          for (const r of d.send(input.subarray(pos, pos + n))) {
            expect(r.raw).toMatch(/^\d{3}[ -][^\r\n]*\r\n/);
            codes.add(r.code);
          }
          pos += n;
        }
        d.session.onEof();
        d.pump();
        d.takeReplies();
      } catch (e) {
        throw new Error(`case ${cases} on ${JSON.stringify(input.toString('latin1'))}: ${(e as Error).stack}`);
      }
      expect(d.session.wantsClose).toBe(true);
      d.session.close();
    }
    expect(cases).toBeGreaterThan(500);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(fds);
    for (const c of [150, 200, 226, 230, 500, 530, 550]) expect(codes.has(c), String(c)).toBe(true);
    expect(fs.readdirSync(root).filter((n) => n.includes('.part'))).toEqual([]);
  });
});
