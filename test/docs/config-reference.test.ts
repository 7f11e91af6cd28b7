// The README's config reference is generated from the zod schema; this fails when the schema moved on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigReference, spliceReadme } from '../../scripts/config-reference.js';

describe('README config reference', () => {
  it('matches the gateway config schema (run `npx tsx scripts/config-reference.ts` after a schema change)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = renderConfigReference();
    expect(table).toContain('| listeners.socks.port | integer | `1080` |');
    expect(table).toContain('certificates.apiUrl');
    expect(spliceReadme(readme, table)).toBe(readme);
  });

  it('gives every field a meaning (zod .describe() in the schema)', () => {
    const rows = renderConfigReference().split('\n').slice(2).filter(Boolean);
    const unexplained = rows.filter((row) => row.split(' | ').at(-1)?.replace(/\|$/, '').trim() === '');
    expect(unexplained).toEqual([]);
    expect(rows.length).toBeGreaterThan(90);
  });
});
