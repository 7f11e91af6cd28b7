// Pure codecs for the FTP control channel (RFC 959 PASV/PORT, RFC 2428 EPSV/EPRT): parse and format, never throw.
import { isIPv4, isIPv6 } from 'node:net';
import type { Endpoint } from '../types.js';

/** RFC 959 sets no limit; real servers stay far below this, and a longer line is hostile. */
export const MAX_LINE_BYTES = 4096;

export const REPLY = {
  ENTERING_PASSIVE: 227,
  ENTERING_EXTENDED_PASSIVE: 229,
  CANT_OPEN_DATA: 425,
  SYNTAX_ERROR_ARGS: 501,
} as const;

export interface ReplyLine {
  code: number;
  /** true for "123-text" (more lines follow), false for "123 text" (last line). */
  continues: boolean;
  text: string;
}

/** A reply line "DDD text" or "DDD-text"; undefined for the inner lines of a multi-line reply. */
export function parseReplyLine(line: string): ReplyLine | undefined {
  const match = /^([1-5]\d\d)([ -])(.*)$/s.exec(line);
  if (!match) return undefined;
  return { code: Number(match[1]), continues: match[2] === '-', text: match[3] ?? '' };
}

export interface Command {
  verb: string;
  arg: string;
}

/** A client command "VERB arg"; verbs are case-insensitive (RFC 959 §5.3). */
export function parseCommand(line: string): Command {
  const space = line.indexOf(' ');
  const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  return { verb, arg: space < 0 ? '' : line.slice(space + 1) };
}

function byte(text: string): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 255 ? value : undefined;
}

/** "h1,h2,h3,h4,p1,p2" (PORT's argument, PASV's address) → host and port; undefined when malformed or port 0. */
export function parseHostPortNumbers(text: string): Endpoint | undefined {
  const parts = text.trim().split(',');
  if (parts.length !== 6) return undefined;
  const bytes = parts.map((part) => byte(part.trim()));
  if (bytes.some((b) => b === undefined)) return undefined;
  const [h1, h2, h3, h4, p1, p2] = bytes as number[];
  const port = (p1 as number) * 256 + (p2 as number);
  if (port === 0) return undefined;
  return { host: `${h1}.${h2}.${h3}.${h4}`, port };
}

function formatHostPortNumbers(host: string, port: number): string {
  if (!isIPv4(host)) throw new RangeError('PASV/PORT carry IPv4 addresses only');
  return `${host.split('.').join(',')},${Math.floor(port / 256)},${port % 256}`;
}

/** The address in a 227 reply text: RFC 959 leaves the wrapping free, so find the first six numbers. */
export function parsePasvReply(text: string): Endpoint | undefined {
  const match = /(\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3})/.exec(text.slice(0, MAX_LINE_BYTES));
  return match ? parseHostPortNumbers(match[1] as string) : undefined;
}

export function formatPasvReply(host: string, port: number): string {
  return `${REPLY.ENTERING_PASSIVE} Entering Passive Mode (${formatHostPortNumbers(host, port)}).`;
}

/** RFC 2428 §3: "(<d><d><d><port><d>)" with any printable delimiter in 33-126. */
export function parseEpsvReply(text: string): number | undefined {
  const match = /\(([\x21-\x7e])\1\1(\d{1,5})\1\)/.exec(text.slice(0, MAX_LINE_BYTES));
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function formatEpsvReply(port: number): string {
  return `${REPLY.ENTERING_EXTENDED_PASSIVE} Entering Extended Passive Mode (|||${port}|)`;
}

export function formatPortCommand(host: string, port: number): string {
  return `PORT ${formatHostPortNumbers(host, port)}`;
}

/** RFC 2428 §2: "EPRT <d><af><d><addr><d><port><d>", af 1 = IPv4, 2 = IPv6. */
export function parseEprtCommand(arg: string): Endpoint | undefined {
  const delimiter = arg[0];
  if (delimiter === undefined || arg.length > 256 || delimiter < '!' || delimiter > '~') return undefined;
  const parts = arg.split(delimiter);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return undefined;
  const [, af, host = '', portText = ''] = parts;
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (af === '1' && isIPv4(host)) return { host, port };
  if (af === '2' && isIPv6(host)) return { host, port };
  return undefined;
}

export function formatEprtCommand(host: string, port: number): string {
  const af = isIPv6(host) ? 2 : 1;
  return `EPRT |${af}|${host}|${port}|`;
}

/**
 * A data address a server announced is used only when it names the server itself: an
 * IP-literal control target must match exactly; for a name, the name (resolved on the
 * tunnel host) is used and the announced IP ignored, so a reply can never redirect elsewhere.
 */
export function passiveTarget(announced: Endpoint, controlHost: string): Endpoint | undefined {
  const literal = isIPv4(controlHost) || isIPv6(controlHost);
  if (literal && announced.host !== controlHost) return undefined;
  return { host: controlHost, port: announced.port };
}
