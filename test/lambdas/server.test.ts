// The same app on Node: real HTTP on 127.0.0.1, bearer tokens from the config, a file store it creates.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import { decodeCredential, parsePublicKey } from '../../common/token.js';
import { startApiServer, type ApiServer } from '../../lambdas/server.js';
import { apiConfig, seedPolicy } from './fixtures.js';

let dir: string;
let server: ApiServer;
const storePath = () => join(dir, 'store.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-api-server-'));
  const seed = new PolicyRepository({ store: new FileStore({ path: storePath() }), prefix: '/edge-gateway/test' });
  await seedPolicy(seed);
  await seed.close();
  server = await startApiServer({ port: 0, storePath: storePath(), config: apiConfig(), log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const call = (path: string, init: { token?: string; method?: string; body?: unknown } = {}) =>
  fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe('startApiServer (local Node server)', () => {
  it('generates a signing key on first start into the 0600 store file and issues credentials over HTTP', async () => {
    expect((await stat(storePath())).mode & 0o777).toBe(0o600);
    const response = await call('/v1/credentials', { token: 'alice-local-token-0123456789', method: 'POST', body: { routes: ['web'] } });
    expect(response.status).toBe(201);
    const credential = (await response.json()) as { username: string; password: string };
    const repository = new PolicyRepository({ store: new FileStore({ path: storePath() }), prefix: '/edge-gateway/test' });
    const keys = (await repository.getCredentialPublicKeys()).map(parsePublicKey);
    expect(decodeCredential(credential.username, credential.password, keys)).toMatchObject({ s: 'alice', r: ['web'] });
    await repository.close();
  });

  it('refuses a wrong bearer token with 401 and a JSON code', async () => {
    const response = await call('/v1/routes', { token: 'not-a-configured-token-000' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'EG_AUTH_REQUIRED' } });
  });

  it('serves health and the OpenAPI document', async () => {
    expect(await (await call('/healthz')).json()).toEqual({ status: 'ok', stage: 'test' });
    const doc = (await (await call('/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/credentials');
  });
});
