// posixkit/ftp: a pure FTP server session (RFC 959 subset + RFC 2389/2428/3659
// bits real clients use) that any blocking or event model drives.
// See docs/api/ftp.md.
import { formatReply } from './commands';

export { FtpSession, createSession } from './core';
export type { Endpoints } from './core';
export { FtpCore } from './types';
export type { FtpAction, FtpConfig, FtpUser, Result } from './types';
export { LineReader, parseCommand, formatReply, parsePort, parseEprt, pasvText, listLine, mdtm, normalizeIp, quotePath } from './commands';
export { Jail, badSegment } from '../server/jail';
export type { JailError } from '../server/jail';
export { virtualPath } from './files';

/** The reply for a client refused by a connection cap, before any session exists. */
export function tooManyClients(): Buffer {
  return formatReply(421, 'Too many users, try again later.');
}
export { FtpClient, FtpError } from './client';
export type { FtpReply } from './client';
export { serveFtp, ftpProtocol, BlockingFtpSession, FTP_MODELS } from './server';
export type { ServeFtpOptions, FtpProtocolOptions, FtpServerLimits } from './server';
export { ClientSlots } from './limits';
