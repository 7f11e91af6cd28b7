import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_LINE_BYTES,
  formatEprtCommand,
  formatEpsvReply,
  formatPasvReply,
  formatPortCommand,
  parseCommand,
  parseHostPortNumbers,
  parseEprtCommand,
  parseEpsvReply,
  parsePasvReply,
  parseReplyLine,
  passiveTarget,
} from '../../../../gateway/forward/ftp/codec.js';
import { LineSplitter } from '../../../../gateway/forward/ftp/line-splitter.js';

describe('FTP control-channel codecs', () => {
  it.each([
    ['227 Entering Passive Mode (10,1,2,3,195,80).', { host: '10.1.2.3', port: 50000 }],
    ['227 =10,1,2,3,0,21', { host: '10.1.2.3', port: 21 }],
    ['227 Entering Passive Mode 10, 1, 2, 3, 4, 1', { host: '10.1.2.3', port: 1025 }],
  ])('parses the PASV reply %j', (line, expected) => {
    expect(parsePasvReply(parseReplyLine(line)?.text ?? '')).toEqual(expected);
  });

  it.each(['227 Entering Passive Mode (10,1,2,3,195)', '227 (256,1,2,3,1,1)', '227 (10,1,2,3,0,0)', '227 no address', '227 (1,2,3,4,5,6666)'])(
    'refuses the malformed PASV reply %j',
    (line) => expect(parsePasvReply(parseReplyLine(line)?.text ?? '')).toBeUndefined(),
  );

  it('round-trips PASV, EPSV, PORT and EPRT', () => {
    expect(parsePasvReply(formatPasvReply('127.0.0.1', 40001).slice(4))).toEqual({ host: '127.0.0.1', port: 40001 });
    expect(parseEpsvReply(formatEpsvReply(40002))).toBe(40002);
    expect(parseHostPortNumbers(parseCommand(formatPortCommand('10.0.0.5', 1234)).arg)).toEqual({ host: '10.0.0.5', port: 1234 });
    expect(parseEprtCommand(parseCommand(formatEprtCommand('10.0.0.5', 1234)).arg)).toEqual({ host: '10.0.0.5', port: 1234 });
    expect(parseEprtCommand(parseCommand(formatEprtCommand('fd00::5', 80)).arg)).toEqual({ host: 'fd00::5', port: 80 });
  });

  it.each(['|1|10.0.0.1|0|', '|3|10.0.0.1|21|', '|1|fd00::1|21|', '|2|10.0.0.1|21|', '1|10.0.0.1|21|', '|1|10.0.0.1|70000|', ''])(
    'refuses the malformed EPRT argument %j',
    (arg) => expect(parseEprtCommand(arg)).toBeUndefined(),
  );

  it('tells a multi-line reply from its last line', () => {
    expect(parseReplyLine('211-Features:')).toEqual({ code: 211, continues: true, text: 'Features:' });
    expect(parseReplyLine(' EPSV')).toBeUndefined();
    expect(parseReplyLine('211 End')).toEqual({ code: 211, continues: false, text: 'End' });
  });

  it('refuses a PASV reply pointing at a host other than the IP-literal server', () => {
    expect(passiveTarget({ host: '10.9.9.9', port: 2000 }, '10.0.0.2')).toBeUndefined();
    expect(passiveTarget({ host: '10.0.0.2', port: 2000 }, '10.0.0.2')).toEqual({ host: '10.0.0.2', port: 2000 });
    // A named server: the name is dialled again, the announced address is never used.
    expect(passiveTarget({ host: '169.254.169.254', port: 80 }, 'ftp.intranet')).toEqual({ host: 'ftp.intranet', port: 80 });
  });

  it('never throws on arbitrary reply and command text, and never leaves the server', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), fc.ipV4(), (text, server) => {
        const reply = parseReplyLine(text);
        const pasv = parsePasvReply(text);
        parseEpsvReply(text);
        parseEprtCommand(text);
        parseHostPortNumbers(text);
        parseCommand(text);
        if (reply) expect(reply.code).toBeGreaterThanOrEqual(100);
        if (pasv) {
          const target = passiveTarget(pasv, server);
          if (target) expect(target.host).toBe(server);
          expect(pasv.port).toBeGreaterThan(0);
          expect(pasv.port).toBeLessThanOrEqual(65535);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('survives hostile PASV replies built from near-valid pieces', () => {
    const piece = fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), fc.constantFrom('', ' ', '999999999999', '0x1f', '+1'));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 0, maxLength: 9 }), fc.constantFrom('(', '', '=', '|'), (parts, open) => {
        const parsed = parsePasvReply(`Entering Passive Mode ${open}${parts.join(',')})`);
        if (parsed) {
          expect(parsed.host.split('.').every((b) => Number(b) <= 255)).toBe(true);
          expect(parsed.port).toBeGreaterThan(0);
          expect(parsed.port).toBeLessThanOrEqual(65535);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('LineSplitter', () => {
  it('splits CRLF and bare LF lines across chunk boundaries', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('220 hel')).toEqual({ lines: [], overflow: false });
    expect(splitter.push('lo\r\n331 pass\nPA')).toEqual({ lines: ['220 hello', '331 pass'], overflow: false });
    expect(splitter.push('SS\r\n')).toEqual({ lines: ['PASS'], overflow: false });
  });

  it('keeps memory bounded: a line over the cap overflows, with or without a terminator', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 2000 }), { maxLength: 20 }), (chunks) => {
        const splitter = new LineSplitter(256);
        for (const chunk of chunks) {
          const { lines, overflow } = splitter.push(chunk);
          if (!overflow) for (const line of lines) expect(line.length).toBeLessThanOrEqual(256);
        }
      }),
    );
    const splitter = new LineSplitter();
    expect(splitter.push('x'.repeat(MAX_LINE_BYTES + 10)).overflow).toBe(true);
    expect(splitter.push('220 ok\r\n').overflow).toBe(true);
  });

  it('passes any byte through unchanged', () => {
    const bytes = Buffer.from([0xc3, 0xa9, 0x20, 0xff, 0x0d, 0x0a]);
    const [line] = new LineSplitter().push(bytes).lines;
    expect(Buffer.from(line as string, 'latin1')).toEqual(bytes.subarray(0, 4));
  });
});
