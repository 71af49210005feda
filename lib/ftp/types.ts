// Configuration, the shared per-server core, and the driver protocol types.
import { Jail } from '../server/jail';
import type { FileOutput } from '../server/output';

export interface FtpUser {
  password: string;
  /** Uploads and deletes allowed (default true). */
  write?: boolean;
}

export interface FtpConfig {
  /** Directory exposed as '/'. */
  root: string;
  /** Anonymous login (USER anonymous / ftp) allowed; default true. */
  anonymous?: boolean;
  /** Anonymous sessions may STOR and DELE; default false (vsftpd anon_upload_enable=NO). */
  anonymousWrite?: boolean;
  /** Named accounts; a user with `write` enables uploads. */
  users?: Record<string, FtpUser>;
  /** STOR may replace an existing file; default false (the no-clobber publish uses link(2)). */
  allowOverwrite?: boolean;
  /** Mode of uploaded files; default 0o600 (vsftpd's umask 077). */
  fileMode?: number;
  /** Anonymous sessions neither see nor touch dot-files; default true (pure-ftpd). */
  hideDotfiles?: boolean;
  /** PORT/EPRT allowed (only to the control peer, port >= 1024); default true. */
  allowActive?: boolean;
  /** Control connection idle limit; default 300 s (vsftpd idle_session_timeout). */
  idleTimeoutMs?: number;
  /** Passive accept limit, passed in open-data actions; default 60 s. */
  acceptTimeoutMs?: number;
  /** Active connect limit; default 60 s. */
  connectTimeoutMs?: number;
  /** Data connection stall limit, passed in send/receive actions; default 300 s. */
  dataTimeoutMs?: number;
  /** Delay before a failed login's 530; default 1 s. */
  failedLoginDelayMs?: number;
  /** Failed logins before the session is closed; default 3. */
  maxLoginFails?: number;
  /** Longest command line; default 4096 (vsftpd VSFTP_MAX_COMMAND_LINE). */
  maxLineBytes?: number;
  /** Entries per listing; default 10,000. */
  maxListEntries?: number;
  /** Largest upload, passed in receive actions; default unlimited. */
  maxUploadBytes?: number;
  greeting?: string;
  clock?: () => number;
}

export type ResolvedFtpConfig = Required<Omit<FtpConfig, 'root' | 'maxUploadBytes'>> & { maxUploadBytes: number | null };

/** Shared, per-server state: the jail and the resolved configuration. Build once, create many sessions. */
export class FtpCore {
  readonly jail: Jail;
  readonly cfg: ResolvedFtpConfig;
  constructor(config: FtpConfig) {
    this.jail = new Jail(config.root);
    this.cfg = {
      anonymous: config.anonymous ?? true,
      anonymousWrite: config.anonymousWrite ?? false,
      users: config.users ?? {},
      allowOverwrite: config.allowOverwrite ?? false,
      fileMode: config.fileMode ?? 0o600,
      hideDotfiles: config.hideDotfiles ?? true,
      allowActive: config.allowActive ?? true,
      idleTimeoutMs: config.idleTimeoutMs ?? 300_000,
      acceptTimeoutMs: config.acceptTimeoutMs ?? 60_000,
      connectTimeoutMs: config.connectTimeoutMs ?? 60_000,
      dataTimeoutMs: config.dataTimeoutMs ?? 300_000,
      failedLoginDelayMs: config.failedLoginDelayMs ?? 1000,
      maxLoginFails: config.maxLoginFails ?? 3,
      maxLineBytes: config.maxLineBytes ?? 4096,
      maxListEntries: config.maxListEntries ?? 10_000,
      maxUploadBytes: config.maxUploadBytes ?? null,
      greeting: config.greeting ?? 'posixkit FTP server ready.',
      clock: config.clock ?? Date.now,
    };
  }
}

/**
 * Work the driver does for the session. Every action except `close-data` and
 * `abort` is answered with session.complete(id, result).
 * - listen: open a passive listener on `host` (any free port or a configured
 *   range); ok with `port`. One listener per session; a new listen replaces it.
 * - open-data: passive: accept one connection on the listener within
 *   `timeoutMs`, refusing peers whose IP is not `peerHost` (vsftpd
 *   pasv_promiscuous=NO), then close the listener; active: connect to
 *   host:port within `timeoutMs`.
 * - send: write `data` (bytes, or a file range, possibly of length 0: the
 *   session owns that fd, do not close it, and complete only after the last
 *   read of it returned) to the data connection, then close the data connection.
 * - receive: read the data connection to EOF, writing everything to `fd` (the
 *   session owns it) in order; error 'too-large' past `maxBytes`, 'no-space'
 *   on ENOSPC/EDQUOT; then close the data connection.
 * - abort: stop the action `target` now (close its sockets); it then
 *   completes with { ok: false, error: 'aborted' }.
 * - close-data: close any listener and data connection of this session.
 * - delay: complete after `ms` (failed-login delay).
 */
export type FtpAction =
  | { kind: 'listen'; id: number; host: string; family: 4 | 6 }
  | { kind: 'open-data'; id: number; mode: 'passive'; peerHost: string; timeoutMs: number }
  | { kind: 'open-data'; id: number; mode: 'active'; host: string; port: number; timeoutMs: number }
  | { kind: 'send'; id: number; data: Uint8Array | FileOutput; stallTimeoutMs: number }
  | { kind: 'receive'; id: number; fd: number; maxBytes: number | null; stallTimeoutMs: number }
  | { kind: 'abort'; id: number; target: number }
  | { kind: 'close-data'; id: number }
  | { kind: 'delay'; id: number; ms: number };

/** An action's outcome. `error` is free text except the ones the session maps to codes: 'too-large', 'no-space', 'local'. */
export type Result = { ok: true; port?: number; bytes?: number } | { ok: false; error: string };

/** Internal: the transfer in flight. */
export interface Transfer {
  id: number;
  kind: 'list' | 'retr' | 'stor';
  aborted: boolean;
  fd?: number;
  upload?: import('./files').Upload;
}
