import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/fault-child.ts', import.meta.url));

function run(fault: 'rejection' | 'exception'): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, fault], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) }));
  });
}

const json = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('faults no code path caught', () => {
  it('an unhandled rejection is logged with its code, counted, and the process goes on serving', async () => {
    const { code, lines } = await run('rejection');
    expect(code).toBe(0);
    expect(lines).toContain('still serving');
    expect(lines).toContain('edge_gateway_process_faults_total{kind="unhandled_rejection"} 1');
    const logged = json(lines).find((l) => l.code === 'EG_UNHANDLED_REJECTION');
    expect(logged).toMatchObject({ level: 'error', fault: { type: 'Error', code: 'HPE_INVALID_CONSTANT' } });
    // The error's message carried the origin's bytes: they never reach the log.
    expect(lines.join('\n')).not.toContain('secret-origin-bytes');
  }, 30_000);

  it('an uncaught exception is logged with its code, drains, then exits 1 for the orchestrator to replace the task', async () => {
    const { code, lines } = await run('exception');
    expect(code).toBe(1);
    expect(json(lines).find((l) => l.code === 'EG_UNCAUGHT_EXCEPTION')).toMatchObject({ level: 'fatal' });
    expect(lines).toContain('drained');
  }, 30_000);
});
