// Locally the private keys live where a gateway never opens them: the API keeps them in a file of its own, and the
// store file it shares with gateways holds the public key only (also after an older version wrote keys there).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { PolicyRepository } from '../../common/policy-repository.js';
import { generateEd25519 } from '../../common/ssh-certificate.js';
import { FileStore } from '../../common/store/file-store.js';
import { PrivateKeysApart, isPrivateKeyParameter } from '../../common/store/private-keys-apart.js';
import { decodeCredential, parsePublicKey } from '../../common/token.js';
import { privateKeysPathFor, startApiServer, type ApiServer } from '../../lambdas/server.js';
import { apiConfig, seedPolicy } from './fixtures.js';

const PREFIX = '/edge-gateway/test';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(): Promise<{ dir: string; storePath: string; privatePath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-private-keys-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const storePath = join(dir, 'store.json');
  const seed = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: PREFIX });
  await seedPolicy(seed);
  await seed.close();
  return { dir, storePath, privatePath: privateKeysPathFor(storePath) };
}

async function start(storePath: string): Promise<ApiServer> {
  const server = await startApiServer({ port: 0, storePath, config: apiConfig(), log: pino({ level: 'silent' }) });
  cleanups.push(() => server.close());
  return server;
}

async function issue(server: ApiServer): Promise<{ username: string; password: string }> {
  const response = await fetch(`${server.url}/v1/credentials`, {
    method: 'POST',
    headers: { authorization: 'Bearer alice-local-token-0123456789', 'content-type': 'application/json' },
    body: JSON.stringify({ routes: ['web'] }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { username: string; password: string };
}

/** What a gateway given the store file reads: PolicyRepository on a plain FileStore. */
function gatewayView(storePath: string): PolicyRepository {
  const repository = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: PREFIX });
  cleanups.push(() => repository.close());
  return repository;
}

describe('the local API keeps the private keys apart from the store file gateways read', () => {
  it('makes the signing key in private/keys.json; the store file holds only the public key, which verifies what the API issues', async () => {
    const { dir, storePath, privatePath } = await setUp();
    const server = await start(storePath);
    const credential = await issue(server);

    expect(privatePath).toBe(join(dir, 'private', 'keys.json'));
    const shared = await readFile(storePath, 'utf8');
    expect(shared).not.toContain('PRIVATE KEY');
    expect(shared).not.toContain('/keys/credential-private');
    const apart = await readFile(privatePath, 'utf8');
    expect(apart).toContain(`${PREFIX}/keys/credential-private`);
    expect(apart).toContain('PRIVATE KEY');
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'private'))).mode & 0o777).toBe(0o700);

    const gateway = gatewayView(storePath);
    const snapshot = await gateway.loadSnapshot();
    expect(decodeCredential(credential.username, credential.password, snapshot.publicKeys.map(parsePublicKey))).toMatchObject({ s: 'alice' });
    expect(await gateway.getCredentialPrivateKey()).toBeUndefined();
    expect(await gateway.store.get(`${PREFIX}/keys/ssh-ca-private`)).toBeUndefined();
  });

  it('moves the private keys an older version left in the store file, and keeps signing with the same key', async () => {
    const { storePath, privatePath } = await setUp();
    const credentialKey = generateEd25519KeyObjects();
    const privatePem = credentialKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = credentialKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ca = generateEd25519();
    const older = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: PREFIX });
    await older.putCredentialKeyPair(privatePem, publicPem);
    await older.store.put(older.names.sshCaPrivateKey, ca.privateKeyPem, { secure: true });
    await older.close();
    expect(await readFile(storePath, 'utf8')).toContain('PRIVATE KEY');

    const server = await start(storePath);
    const credential = await issue(server);

    expect(await readFile(storePath, 'utf8')).not.toContain('PRIVATE KEY');
    const kept = new FileStore({ path: privatePath });
    cleanups.push(() => kept.close());
    expect((await kept.get(`${PREFIX}/keys/credential-private`))?.value).toBe(privatePem);
    expect((await kept.get(`${PREFIX}/keys/ssh-ca-private`))?.value).toBe(ca.privateKeyPem);
    expect(decodeCredential(credential.username, credential.password, [parsePublicKey(publicPem)])).toMatchObject({ s: 'alice' });
  });

  it('routes only the two private keys (and their chunk parts) to the private store', async () => {
    const { dir } = await setUp();
    const main = new FileStore({ path: join(dir, 'main.json') });
    const privateKeys = new FileStore({ path: join(dir, 'private-only.json') });
    const store = new PrivateKeysApart({ main, privateKeys });
    cleanups.push(() => store.close());
    await store.put(`${PREFIX}/keys/ssh-ca-private`, 'ca', { secure: true });
    await store.put(`${PREFIX}/keys/ssh-ca-public`, 'ca-public');
    await store.put(`${PREFIX}/routes/web`, '{}');
    expect((await main.getByPath(PREFIX)).map((p) => p.name)).toEqual([`${PREFIX}/keys/ssh-ca-public`, `${PREFIX}/routes/web`]);
    expect((await privateKeys.getByPath(PREFIX)).map((p) => p.name)).toEqual([`${PREFIX}/keys/ssh-ca-private`]);
    expect((await store.getByPath(`${PREFIX}/keys`)).map((p) => p.name)).toEqual([`${PREFIX}/keys/ssh-ca-private`, `${PREFIX}/keys/ssh-ca-public`]);
    expect(await store.delete(`${PREFIX}/keys/ssh-ca-private`)).toBe(true);
    expect(await privateKeys.get(`${PREFIX}/keys/ssh-ca-private`)).toBeUndefined();
    expect(isPrivateKeyParameter(`${PREFIX}/keys/credential-private/_part-ab12-0`)).toBe(true);
    expect(isPrivateKeyParameter(`${PREFIX}/keys/credential-public`)).toBe(false);
    expect(isPrivateKeyParameter(`${PREFIX}/keys/tunnel/partner-a`)).toBe(false);
  });
});
