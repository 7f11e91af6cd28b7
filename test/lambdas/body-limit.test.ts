// The credential API bounds every body before it identifies the caller, and reads it only after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, type ApiProcess } from '../../gateway/cli/demo/api-process.js';
import { peakRssGrowth, postLargeBody } from '../harness/large-body.js';
import { freePort } from '../harness/sshd.js';

let dir: string;
let api: ApiProcess;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-api-body-'));
  port = await freePort();
  api = await startApiProcess({ host: '127.0.0.1', port, args: ['--port', String(port), '--store', join(dir, 'store.json')], stdio: 'ignore', env: { LOG_LEVEL: 'warn' } });
}, 120_000);

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('credential API request bodies', () => {
  it('costs under 10 MB of RSS for a 100 MB unauthenticated body, announced or chunked', async () => {
    for (const chunked of [false, true]) {
      const { result, growth } = await peakRssGrowth(api.child.pid as number, () => postLargeBody({ port, path: '/v1/credentials', bytes: 100 * 1024 * 1024, chunked }));
      // 413 and the connection closed; a reset can beat the answer to our reader, but never before the body was cut short.
      if (result.status !== undefined) expect(result.status).toBe(413);
      expect(result.sent).toBeLessThan(100 * 1024 * 1024);
      expect(growth).toBeLessThan(10 * 1024 * 1024);
    }
  }, 120_000);

  it('refuses a small unauthenticated body with 401 before parsing it', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/credentials`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not json at all' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'EG_AUTH_REQUIRED' } });
  });
});
