// The FTP server session as a pure state machine. The driver feeds control
// bytes, sends takeOutput() replies, performs the data-connection actions of
// takeActions() and reports each outcome with complete(). It never sees a
// socket. See docs/api/ftp.md for the driver contract.
import { closeSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';
import {
  clean, formatReply, LineReader, mdtm, normalizeIp, parseCommand, parseEprt, parsePort, pasvText, quotePath,
} from './commands';
import {
  abandonUpload, commitUpload, deleteFile, entryExists, listing, makeDir, removeDir, renameEntry, startUpload, virtualPath,
} from './files';
import { FtpAction, FtpConfig, FtpCore, Result, Transfer } from './types';

export { FtpCore } from './types';
export type { FtpAction, FtpConfig, Result } from './types';

export interface Endpoints {
  /** The client's IP (control connection peer): PORT/EPRT may only point there. */
  peerAddress: string;
  /** This end's IP of the control connection: passive listeners bind there. */
  localAddress: string;
}

const PRELOGIN = new Set(['USER', 'PASS', 'QUIT', 'FEAT', 'OPTS', 'SYST', 'AUTH', 'NOOP', 'HELP']);
const HTTP_VERBS = new Set(['GET', 'POST', 'HEAD', 'CONNECT']);
const NOT_IMPLEMENTED = new Set(['APPE', 'STOU', 'MLSD', 'MLST',
  'SITE', 'STAT', 'SMNT', 'REIN', 'LPRT', 'LPSV', 'PBSZ', 'PROT', 'CCC', 'MFMT']);
const FEATURES = [' EPRT', ' EPSV', ' MDTM', ' PASV', ' REST STREAM', ' SIZE', ' TVFS', ' UTF8'];
const MAX_QUEUED = 32;

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

export function createSession(config: FtpConfig | FtpCore, ends: Endpoints): FtpSession {
  return new FtpSession(config instanceof FtpCore ? config : new FtpCore(config), ends);
}

type DataSetup = { mode: 'passive' } | { mode: 'active'; host: string; port: number } | null;

export class FtpSession {
  readonly #core: FtpCore;
  readonly #peer: string;
  readonly #local: string;
  readonly #family: 4 | 6;
  #reader: LineReader;
  #queue: string[] = [];
  #out: Buffer[] = [];
  #actions: FtpAction[] = [];
  #nextId = 1;
  /** The action the session waits for; commands queue behind it (ABOR excepted). */
  #waiting: { id: number; then: (r: Result) => void } | null = null;
  #transfer: Transfer | null = null;
  #closing = false;
  #user: string | null = null;
  #loggedIn = false;
  #anonymous = false;
  #canWrite = false;
  #fails = 0;
  #cwd = '/';
  #binary = false;
  #rest = 0;
  #data: DataSetup = null;
  #epsvAll = false;
  /** Set by RNFR, consumed by the very next command (RNTO, or anything else cancels it). */
  #renameFrom: string[] | null = null;
  #lastActivity: number;

  constructor(core: FtpCore, ends: Endpoints) {
    this.#core = core;
    this.#peer = normalizeIp(ends.peerAddress);
    this.#local = normalizeIp(ends.localAddress);
    this.#family = this.#local.includes(':') ? 6 : 4;
    this.#reader = new LineReader(core.cfg.maxLineBytes);
    this.#lastActivity = core.cfg.clock();
    this.#reply(220, core.cfg.greeting);
  }

  get loggedIn(): boolean { return this.#loggedIn; }
  get cwd(): string { return this.#cwd; }
  /** True once the session is over: send the remaining output, then close the control connection. */
  get wantsClose(): boolean { return this.#closing && this.#out.length === 0 && this.#actions.length === 0; }
  /** False while commands are backed up behind an action: an event driver may stop reading. */
  get wantsRead(): boolean { return !this.#closing && this.#queue.length < MAX_QUEUED; }

  feed(bytes: Uint8Array): void {
    if (this.#closing) return;
    this.#lastActivity = this.#core.cfg.clock();
    this.#reader.feed(bytes);
    for (let ev = this.#reader.next(); ev; ev = this.#reader.next()) {
      if (ev.kind === 'too-long') {
        this.#queue = [];
        this.#reply(500, 'Input line too long.');
        return this.#shutdown();
      }
      // ABOR jumps the queue: it is how a client interrupts the transfer the queue waits on.
      if (this.#transfer && !this.#transfer.aborted && parseCommand(ev.line).verb === 'ABOR') { this.#abor(); continue; }
      if (this.#queue.length >= MAX_QUEUED * 4) {
        this.#reply(421, 'Too many pending commands.');
        return this.#shutdown();
      }
      this.#queue.push(ev.line);
      this.#run();
    }
  }

  onEof(): void {
    if (this.#transfer) this.#action({ kind: 'abort', id: this.#nextId++, target: this.#transfer.id });
    this.#closing = true;
  }

  takeOutput(): Buffer[] | null {
    if (this.#out.length === 0) return null;
    const o = this.#out;
    this.#out = [];
    return o;
  }

  /** Data-connection work, in order. Send takeOutput() first: a 150 must precede its data. */
  takeActions(): FtpAction[] {
    const a = this.#actions;
    this.#actions = [];
    return a;
  }

  /** The outcome of an action; returns false for an id nobody waits for. */
  complete(id: number, result: Result): boolean {
    const w = this.#waiting;
    if (!w || w.id !== id) return false;
    this.#waiting = null;
    this.#lastActivity = this.#core.cfg.clock();
    try {
      w.then(result);
    } catch {
      this.#cleanupTransfer(false);
      this.#reply(451, 'Local error in processing.');
    }
    this.#run();
    return true;
  }

  nextDeadline(): number | null {
    if (this.#closing || this.#waiting) return null;
    return this.#lastActivity + this.#core.cfg.idleTimeoutMs;
  }

  tick(nowMs: number = this.#core.cfg.clock()): void {
    const d = this.nextDeadline();
    if (d === null || nowMs < d) return;
    this.#reply(421, 'Timeout.');
    this.#shutdown();
  }

  /** Frees what the session holds (open files, an unfinished upload). Call when the control connection is gone. */
  close(): void {
    this.#cleanupTransfer(false);
    this.#closing = true;
    this.#waiting = null;
    this.#queue = [];
  }

  #reply(code: number, text: string | string[]): void {
    this.#out.push(formatReply(code, text));
  }

  #action(a: FtpAction): void {
    this.#actions.push(a);
  }

  #wait(a: FtpAction, then: (r: Result) => void): void {
    this.#action(a);
    this.#waiting = { id: a.id, then };
  }

  #shutdown(): void {
    if (this.#transfer) this.#action({ kind: 'abort', id: this.#nextId++, target: this.#transfer.id });
    if (this.#data) this.#action({ kind: 'close-data', id: this.#nextId++ });
    this.#data = null;
    this.#closing = true;
    this.#queue = [];
  }

  #run(): void {
    while (!this.#waiting && !this.#closing && this.#queue.length > 0) {
      const line = this.#queue.shift()!;
      try {
        this.#command(line);
      } catch {
        this.#reply(451, 'Local error in processing.');
      }
    }
  }

  #command(line: string): void {
    const { verb, arg } = parseCommand(line);
    if (verb !== 'RNTO') this.#renameFrom = null;
    if (!this.#loggedIn && !PRELOGIN.has(verb)) {
      if (HTTP_VERBS.has(verb)) { this.#reply(530, 'Bad HTTP verb.'); return this.#shutdown(); }
      return this.#reply(530, 'Please login with USER and PASS.');
    }
    switch (verb) {
      case 'USER': return this.#userCmd(arg);
      case 'PASS': return this.#passCmd(arg);
      case 'QUIT': this.#reply(221, 'Goodbye.'); return this.#shutdown();
      case 'FEAT': return this.#reply(211, ['Features:', ...FEATURES, 'End']);
      case 'OPTS':
        if (/^utf8 on$/i.test(arg.trim())) return this.#reply(200, 'Always in UTF8 mode.');
        return this.#reply(501, 'Option not understood.');
      case 'SYST': return this.#reply(215, 'UNIX Type: L8');
      case 'AUTH': return this.#reply(502, 'TLS is not supported.');
      case 'NOOP': return this.#reply(200, 'NOOP ok.');
      case 'HELP': return this.#reply(214, ['The following commands are recognized.',
        ' ABOR CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD  MODE NLST NOOP OPTS',
        ' PASS PASV PORT PWD  QUIT REST RETR RMD  RNFR RNTO SIZE STOR STRU SYST TYPE',
        ' USER XCUP XCWD XMKD XPWD XRMD', 'Help OK.']);
      case 'ACCT': return this.#reply(202, 'ACCT not needed.');
      case 'ALLO': return this.#reply(202, 'ALLO command ignored.');
      case 'PWD': case 'XPWD': return this.#reply(257, `${quotePath(this.#cwd)} is the current directory`);
      case 'CWD': case 'XCWD': return this.#cwdCmd(arg);
      case 'CDUP': case 'XCUP': return this.#cwdCmd('..');
      case 'TYPE': {
        const t = arg.trim().toUpperCase();
        if (t === 'I' || t === 'L 8') { this.#binary = true; return this.#reply(200, 'Switching to Binary mode.'); }
        if (t === 'A' || t === 'A N') { this.#binary = false; return this.#reply(200, 'Switching to ASCII mode.'); }
        return this.#reply(t === '' ? 501 : 504, 'Bad TYPE command.');
      }
      case 'MODE': return arg.trim().toUpperCase() === 'S' ? this.#reply(200, 'Mode set to S.') : this.#reply(504, 'Bad MODE command.');
      case 'STRU': return arg.trim().toUpperCase() === 'F' ? this.#reply(200, 'Structure set to F.') : this.#reply(504, 'Bad STRU command.');
      case 'PASV': return this.#pasv(false, '');
      case 'EPSV': return this.#pasv(true, arg.trim());
      case 'PORT': case 'EPRT': return this.#port(verb, arg);
      case 'REST':
        if (!/^\d{1,15}$/.test(arg.trim())) return this.#reply(501, 'Bad REST parameter.');
        this.#rest = Number(arg.trim());
        return this.#reply(350, `Restart position accepted (${this.#rest}).`);
      case 'ABOR': return this.#reply(225, 'No transfer to ABOR.');
      case 'SIZE': case 'MDTM': {
        const f = this.#file(arg);
        if (!f) return;
        const r = this.#core.jail.resolve(f.segments);
        if (!r.ok || !r.stat.isFile()) return this.#reply(550, verb === 'SIZE' ? 'Could not get file size.' : 'Could not get file modification time.');
        return this.#reply(213, verb === 'SIZE' ? String(r.stat.size) : mdtm(r.stat.mtimeMs));
      }
      case 'DELE': {
        if (!this.#canWrite) return this.#reply(550, 'Permission denied.');
        const f = this.#file(arg);
        if (!f) return;
        return deleteFile(this.#core.jail, f.segments) ? this.#reply(250, 'Delete operation successful.') : this.#reply(550, 'Delete operation failed.');
      }
      case 'MKD': case 'XMKD': case 'RMD': case 'XRMD': case 'RNFR': case 'RNTO': return this.#modify(verb, arg);
      case 'LIST': case 'NLST': return this.#list(verb === 'NLST', arg);
      case 'RETR': return this.#retr(arg);
      case 'STOR': return this.#stor(arg);
      case '': return this.#reply(500, 'Unknown command.');
      default:
        if (NOT_IMPLEMENTED.has(verb)) return this.#reply(502, 'Command not implemented.');
        return this.#reply(500, 'Unknown command.');
    }
  }

  #userCmd(arg: string): void {
    // USER may be re-sent at any time and resets the login (RFC 959 §4.1.1).
    this.#loggedIn = false;
    this.#canWrite = false;
    const name = arg.trim();
    if (name === '') { this.#user = null; return this.#reply(501, 'Missing user name.'); }
    this.#user = name;
    if (/^(anonymous|ftp)$/i.test(name) && !this.#core.cfg.anonymous) {
      this.#user = null;
      return this.#reply(530, 'This FTP server does not allow anonymous logins.');
    }
    // Unknown users get the same 331 as known ones: no user enumeration.
    this.#reply(331, 'Please specify the password.');
  }

  #passCmd(arg: string): void {
    const cfg = this.#core.cfg;
    if (this.#loggedIn) return this.#reply(230, 'Already logged in.');
    if (this.#user === null) return this.#reply(503, 'Login with USER first.');
    const user = this.#user;
    if (/^(anonymous|ftp)$/i.test(user)) {
      [this.#loggedIn, this.#anonymous, this.#canWrite] = [true, true, cfg.anonymousWrite];
      return this.#reply(230, 'Login successful.');
    }
    const acct = Object.prototype.hasOwnProperty.call(cfg.users, user) ? cfg.users[user] : undefined;
    if (acct && sameSecret(arg, acct.password)) {
      [this.#loggedIn, this.#anonymous, this.#canWrite] = [true, false, acct.write !== false];
      return this.#reply(230, 'Login successful.');
    }
    this.#fails++;
    this.#user = null;
    // The delay is the driver's to apply (sleep or timer); the 530 follows it.
    this.#wait({ kind: 'delay', id: this.#nextId++, ms: cfg.failedLoginDelayMs }, () => {
      this.#reply(530, 'Login incorrect.');
      if (this.#fails >= cfg.maxLoginFails) this.#shutdown();
    });
  }

  /** A path argument resolved against cwd; replies and returns null when refused. */
  #file(arg: string): { segments: string[]; path: string } | null {
    if (arg.trim() === '') { this.#reply(501, 'Syntax error in parameters or arguments.'); return null; }
    const v = virtualPath(this.#cwd, arg, this.#anonymous && this.#core.cfg.hideDotfiles);
    if (!v.ok) {
      this.#reply(v.code, v.code === 501 ? 'Syntax error in parameters or arguments.' : v.code === 553 ? 'File name not allowed.' : 'Permission denied.');
      return null;
    }
    return v;
  }

  /** MKD, RMD, RNFR, RNTO: write permission, then one jailed file system change. */
  #modify(verb: string, arg: string): void {
    const from = this.#renameFrom;
    this.#renameFrom = null;
    if (!this.#canWrite) return this.#reply(550, 'Permission denied.');
    if (verb === 'RNTO' && !from) return this.#reply(503, 'RNFR required first.');
    const f = this.#file(arg);
    if (!f) return;
    const { jail, cfg } = this.#core;
    switch (verb) {
      case 'MKD': case 'XMKD':
        return makeDir(jail, f.segments, cfg.fileMode) ? this.#reply(257, `${quotePath(f.path)} created`) : this.#reply(550, 'Create directory operation failed.');
      case 'RMD': case 'XRMD':
        return removeDir(jail, f.segments) ? this.#reply(250, 'Remove directory operation successful.') : this.#reply(550, 'Remove directory operation failed.');
      case 'RNFR':
        if (!entryExists(jail, f.segments)) return this.#reply(550, 'RNFR command failed.');
        this.#renameFrom = f.segments;
        return this.#reply(350, 'Ready for RNTO.');
      default:
        return renameEntry(jail, from!, f.segments, cfg.allowOverwrite) ? this.#reply(250, 'Rename successful.') : this.#reply(550, 'Rename failed.');
    }
  }

  #cwdCmd(arg: string): void {
    const f = this.#file(arg);
    if (!f) return;
    const r = this.#core.jail.resolve(f.segments);
    if (!r.ok || !r.stat.isDirectory()) return this.#reply(550, 'Failed to change directory.');
    this.#cwd = f.path;
    this.#reply(250, 'Directory successfully changed.');
  }

  #pasv(extended: boolean, arg: string): void {
    if (extended && arg.toUpperCase() === 'ALL') { this.#epsvAll = true; return this.#reply(200, 'EPSV ALL ok.'); }
    if (!extended && this.#epsvAll) return this.#reply(503, 'PASV not allowed after EPSV ALL.');
    if (extended && arg !== '' && arg !== '1' && arg !== '2') return this.#reply(501, 'Bad EPSV parameter.');
    const fam = this.#family === 4 ? '1' : '2';
    if (extended && arg !== '' && arg !== fam) return this.#reply(522, `Bad network protocol, use (${fam})`);
    if (!extended && this.#family === 6) return this.#reply(522, 'PASV is IPv4 only, use EPSV (2)');
    if (this.#data) this.#action({ kind: 'close-data', id: this.#nextId++ });
    this.#data = null;
    this.#wait({ kind: 'listen', id: this.#nextId++, host: this.#local, family: this.#family }, (r) => {
      if (!r.ok || !r.port) return this.#reply(425, 'Cannot open passive connection.');
      this.#data = { mode: 'passive' };
      if (extended) this.#reply(229, `Entering Extended Passive Mode (|||${r.port}|)`);
      else this.#reply(227, pasvText(this.#local, r.port));
    });
  }

  #port(verb: string, arg: string): void {
    if (this.#epsvAll) return this.#reply(503, `${verb} not allowed after EPSV ALL.`);
    if (!this.#core.cfg.allowActive) return this.#reply(502, 'Active mode is disabled; use PASV or EPSV.');
    const hp = verb === 'PORT' ? parsePort(arg) : parseEprt(arg.trim());
    if (hp === 'family') return this.#reply(522, `Bad network protocol, use (${this.#family === 4 ? 1 : 2})`);
    if (!hp) return this.#reply(501, `Illegal ${verb} command.`);
    // No FTP bounce: only the control peer, only unprivileged ports (vsftpd port_promiscuous=NO).
    if (hp.host !== this.#peer || hp.port < 1024) return this.#reply(500, `Illegal ${verb} command.`);
    if (this.#data) this.#action({ kind: 'close-data', id: this.#nextId++ });
    this.#data = { mode: 'active', host: hp.host, port: hp.port };
    this.#reply(200, `${verb} command successful. Consider using ${verb === 'PORT' ? 'PASV' : 'EPSV'}.`);
  }

  /** Opens the data connection, then sends 150 and runs `start`; replies 425 if it cannot. */
  #withData(opening: string, t: Transfer, start: () => FtpAction): void {
    const cfg = this.#core.cfg;
    const d = this.#data;
    this.#data = null;
    if (!d) { this.#cleanup(t, false); return this.#reply(425, 'Use PORT or PASV first.'); }
    this.#transfer = t;
    const open: FtpAction = d.mode === 'passive'
      ? { kind: 'open-data', id: this.#nextId++, mode: 'passive', peerHost: this.#peer, timeoutMs: cfg.acceptTimeoutMs }
      : { kind: 'open-data', id: this.#nextId++, mode: 'active', host: d.host, port: d.port, timeoutMs: cfg.connectTimeoutMs };
    t.id = open.id;
    this.#wait(open, (r) => {
      if (!r.ok || t.aborted) {
        this.#cleanupTransfer(false);
        if (r.ok) this.#action({ kind: 'close-data', id: this.#nextId++ });
        if (t.aborted) return this.#abortReplies();
        return this.#reply(425, 'Failed to establish connection.');
      }
      this.#reply(150, opening);
      const act = start();
      t.id = act.id;
      this.#wait(act, (res) => this.#finishTransfer(t, res));
    });
  }

  #finishTransfer(t: Transfer, r: Result): void {
    const ok = r.ok && !t.aborted;
    const committed = this.#cleanupTransfer(ok);
    if (t.aborted) {
      if (r.ok) { this.#reply(226, 'Transfer complete.'); return this.#reply(225, 'No transfer to ABOR.'); }
      return this.#abortReplies();
    }
    if (!r.ok) {
      if (r.error === 'too-large') return this.#reply(552, 'Exceeded storage allocation.');
      if (r.error === 'no-space') return this.#reply(452, 'Insufficient storage space.');
      if (r.error === 'local') return this.#reply(451, 'Local error in processing.');
      return this.#reply(426, 'Connection closed; transfer aborted.');
    }
    if (t.upload && !committed) return this.#reply(553, 'Could not create file.');
    this.#reply(226, t.kind === 'list' ? 'Directory send OK.' : 'Transfer complete.');
  }

  #abortReplies(): void {
    this.#reply(426, 'Connection closed; transfer aborted.');
    this.#reply(226, 'ABOR successful.');
  }

  /** Releases a finished or failed transfer's file; commits an upload when `ok`. */
  #cleanupTransfer(ok: boolean): boolean {
    const t = this.#transfer;
    this.#transfer = null;
    return t ? this.#cleanup(t, ok) : false;
  }

  #cleanup(t: Transfer, ok: boolean): boolean {
    if (t.fd !== undefined && t.fd >= 0) { try { closeSync(t.fd); } catch { /* closed */ } t.fd = -1; }
    if (!t.upload) return false;
    const u = t.upload;
    t.upload = undefined;
    if (ok) return commitUpload(this.#core.jail, u, this.#core.cfg.allowOverwrite);
    abandonUpload(u);
    return false;
  }

  #abor(): void {
    const t = this.#transfer!;
    t.aborted = true;
    this.#action({ kind: 'abort', id: this.#nextId++, target: t.id });
  }

  #list(names: boolean, arg: string): void {
    // Options such as `-a`, `-la` are accepted and ignored (no recursion: LIST -R lists one level).
    const path = arg.replace(/^(\s*-[A-Za-z]+)+\s*/, '').trim();
    const cfg = this.#core.cfg;
    const v = virtualPath(this.#cwd, path === '' ? '.' : path, this.#anonymous && cfg.hideDotfiles);
    if (!v.ok) return this.#reply(v.code === 501 ? 501 : 550, 'Failed to open directory.');
    const l = listing(this.#core.jail, v.segments, names, { hideDot: this.#anonymous && cfg.hideDotfiles, max: cfg.maxListEntries, nowMs: cfg.clock() });
    if (!l.ok) return this.#reply(550, 'Failed to open directory.');
    this.#rest = 0;
    const t: Transfer = { id: 0, kind: 'list', aborted: false };
    this.#withData('Here comes the directory listing.', t, () =>
      ({ kind: 'send', id: this.#nextId++, data: l.bytes, stallTimeoutMs: cfg.dataTimeoutMs }));
  }

  #retr(arg: string): void {
    const f = this.#file(arg);
    if (!f) return;
    const cfg = this.#core.cfg;
    const o = this.#core.jail.openRead(f.segments);
    if (!o.ok) return this.#reply(550, 'Failed to open file.');
    const { fd, stat } = o.file;
    const offset = Math.min(this.#rest, stat.size);
    this.#rest = 0;
    const t: Transfer = { id: 0, kind: 'retr', aborted: false, fd };
    const name = clean(f.path.slice(f.path.lastIndexOf('/') + 1), 128);
    this.#withData(`Opening ${this.#binary ? 'BINARY' : 'ASCII'} mode data connection for ${name} (${stat.size} bytes).`, t, () =>
      ({ kind: 'send', id: this.#nextId++, data: { kind: 'file', fd, offset, length: stat.size - offset, path: o.file.real }, stallTimeoutMs: cfg.dataTimeoutMs }));
  }

  #stor(arg: string): void {
    if (!this.#canWrite) return this.#reply(550, 'Permission denied.');
    const f = this.#file(arg);
    if (!f) return;
    const cfg = this.#core.cfg;
    if (this.#rest !== 0) { this.#rest = 0; return this.#reply(554, 'Restart is not supported for uploads.'); }
    const s = startUpload(this.#core.jail, f.segments, cfg.allowOverwrite, cfg.fileMode);
    if (!s.ok) return this.#reply(s.code, s.code === 553 ? 'Could not create file.' : 'Failed to open file.');
    const t: Transfer = { id: 0, kind: 'stor', aborted: false, upload: s.upload };
    this.#withData('Ok to send data.', t, () =>
      ({ kind: 'receive', id: this.#nextId++, fd: s.upload.fd, maxBytes: cfg.maxUploadBytes, stallTimeoutMs: cfg.dataTimeoutMs }));
  }
}
