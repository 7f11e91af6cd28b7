// The logger's write path: the buffered destination holds lines until flushed (and lets none go),
// the timestamp text is pino's isoTime text, and the audit line keeps a redaction backstop.
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../../gateway/contracts.js';
import { createAuditSink } from '../../../gateway/observability/audit.js';
import { createLogger, FLAT_REDACT, isoTime, logDestination } from '../../../gateway/observability/logger.js';
import { createMetrics } from '../../../gateway/observability/metrics.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-log-destination-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const auditLines = async (path: string): Promise<number> => (await readFile(path, 'utf8')).split('\n').filter((l) => l.includes('"kind":"audit"')).length;

describe('log destination', () => {
  it('buffered: gathers short lines in memory and writes every one on flush', async () => {
    const path = join(dir, 'buffered.log');
    const destination = logDestination({ mode: 'buffered', dest: path });
    const audit = createAuditSink(createLogger({ level: 'info', destination }), createMetrics({ processMetrics: false }));
    const record = { conn: 'c-1', protocol: 'socks5', subject: 'alice', source: '127.0.0.1:1', destination: '127.0.0.1:2', bytesUp: 1, bytesDown: 2, durationMs: 1, outcome: 'ok' } as const satisfies AuditRecord;
    audit(record);
    audit({ ...record, conn: 'c-2' });
    await new Promise((resolve) => destination.once('ready', resolve));
    // Two lines are far below the 4 KiB a write waits for.
    expect(await auditLines(path)).toBe(0);
    destination.flushSync();
    expect(await auditLines(path)).toBe(2);
    destination.end();
  });

  it('buffered: a burst goes out in a few large writes, and end() writes what is still gathered, in order', async () => {
    const path = join(dir, 'burst.log');
    const destination = logDestination({ mode: 'buffered', dest: path });
    const audit = createAuditSink(createLogger({ level: 'info', destination }), createMetrics({ processMetrics: false }));
    await new Promise((resolve) => destination.once('ready', resolve));
    const writes = vi.spyOn(fs, 'writeSync');
    try {
      const record = { conn: '', protocol: 'socks5', subject: 'alice', source: '127.0.0.1:1', destination: '127.0.0.1:2', bytesUp: 1, bytesDown: 2, durationMs: 1, outcome: 'ok' } as const;
      for (let i = 0; i < 2000; i++) audit({ ...record, conn: `c-${i}` });
      await new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
      const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.includes('"kind":"audit"'));
      expect(lines.map((l) => (JSON.parse(l) as { conn: string }).conn)).toEqual(Array.from({ length: 2000 }, (_, i) => `c-${i}`));
      // About 500 KB of lines: 64 KiB per write(2) is 8 of them; one write per 4 KiB would be over 100.
      expect(writes.mock.calls.length).toBeGreaterThan(0);
      expect(writes.mock.calls.length).toBeLessThanOrEqual(12);
    } finally {
      writes.mockRestore();
    }
  });

  it.each(['sync', 'async'] as const)('%s: writes every line too', async (mode) => {
    const path = join(dir, `${mode}.log`);
    const destination = logDestination({ mode, dest: path });
    const log = createLogger({ level: 'info', destination }).child({ kind: 'audit' });
    for (let i = 0; i < 100; i++) log.info({ conn: `c-${i}` }, 'audit');
    await new Promise<void>((resolve) => {
      destination.once('close', () => resolve());
      destination.end();
    });
    expect(await auditLines(path)).toBe(100);
  });
});

describe('log timestamps', () => {
  it('are pino isoTime text at any millisecond, including across second and day boundaries', () => {
    vi.useFakeTimers();
    try {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 0, max: 2_000 }), (start, step) => {
          for (const at of [start, start + step]) {
            vi.setSystemTime(at);
            expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
          }
        }),
      );
      vi.setSystemTime(Date.UTC(2030, 0, 1, 23, 59, 59, 999));
      expect(isoTime()).toBe(',"time":"2030-01-01T23:59:59.999Z"');
      vi.setSystemTime(Date.UTC(2030, 0, 2, 0, 0, 0, 7));
      expect(isoTime()).toBe(',"time":"2030-01-02T00:00:00.007Z"');
    } finally {
      vi.useRealTimers();
    }
  });

  it('are pino isoTime text, made afresh when the millisecond changes', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
      expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
      expect(isoTime()).toBe(',"time":"2030-01-02T03:04:05.678Z"');
      vi.setSystemTime(Date.UTC(2030, 0, 2, 3, 4, 5, 679));
      expect(isoTime()).toBe(',"time":"2030-01-02T03:04:05.679Z"');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the audit line\'s redaction backstop', () => {
  it('still censors a secret key name at the top level of a flat line', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    createLogger({ level: 'info', destination }).child({ kind: 'audit' }, { redact: FLAT_REDACT }).info({ conn: 'c-1', password: 'hunter2', token: 'abc' }, 'audit');
    expect(text).toContain('"password":"[redacted]"');
    expect(text).toContain('"token":"[redacted]"');
    expect(text).not.toContain('hunter2');
  });
});
