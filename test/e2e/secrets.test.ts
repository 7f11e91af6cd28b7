// No secret in any log: a representative workload through the real API and gateway (issued, tampered, wrong-key, expired,
// revoked and source-bound credentials, admin calls with right and wrong tokens), then every captured log line
// of both planes, and every admin/metrics/API response, is scanned for every secret the run handled: none may appear.
// The secrets are also registered for the suite-wide scan (test/harness/secret-scan-setup.ts).
import { createPrivateKey, randomBytes } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import { encodeCredential, type EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { privateKeysPathFor, startApiServer, type ApiServer } from '../../lambdas/server.js';
import { findLeaks, keyFragments, registerSecret } from '../harness/log-capture.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startHttpTarget, type HttpTarget } from '../harness/targets.js';
import { captureLog, curlViaSocks, waitFor, type CapturedLog } from './gateway-fixture.js';

const ALICE_TOKEN = `alice-${randomBytes(16).toString('hex')}`;
const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
const GATEWAY_ADMIN_TOKEN = `gw-admin-${randomBytes(16).toString('hex')}`;
const PREFIX = '/edge-gateway/secrets';

let dir: string;
let sshd: Sshd;
let web: HttpTarget;
let api: ApiServer;
let gateway: RunningGateway;
let apiLog: CapturedLog;
let gatewayLog: CapturedLog;
const secrets = new Map<string, string>();
/** Bodies the API and the gateway's admin endpoints answered: errors must not echo a secret either. */
const responses: string[] = [];

function remember(label: string, value: string): void {
  secrets.set(label, value);
  registerSecret(label, value);
}
const cleanup: Array<() => Promise<unknown>> = [];

async function callApi(path: string, token: string, method: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  responses.push(text);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}

async function issue(body: Record<string, unknown> = {}): Promise<EncodedCredential & { id: string }> {
  const { status, json } = await callApi('/v1/credentials', ALICE_TOKEN, 'POST', body);
  expect(status, JSON.stringify(json)).toBe(201);
  const credential = json as unknown as EncodedCredential & { id: string };
  remember(`password of ${credential.id}`, credential.password);
  return credential;
}

async function curlCode(credential: EncodedCredential): Promise<number | null> {
  return (await curlViaSocks(gateway.socks.port, credential, `http://127.0.0.1:${web.port}/`).done).code;
}

/** The private scalar (base64url) of a key Node reads as PKCS#8; undefined for OpenSSH-format keys, which it cannot read. */
function pkcs8Scalar(keyText: string): string | undefined {
  try {
    return createPrivateKey(keyText).export({ format: 'jwk' }).d;
  } catch {
    return undefined;
  }
}

/** Every base64 body line of a key, the body as one blob, and for PKCS#8 keys the raw private scalar in base64url, base64 and hex. */
function rememberKey(label: string, keyText: string): void {
  for (const [name, value] of keyFragments(label, keyText)) remember(name, value);
  const d = pkcs8Scalar(keyText);
  if (d === undefined) return;
  const raw = Buffer.from(d, 'base64url');
  remember(`${label} raw (base64url)`, d);
  remember(`${label} raw (base64)`, raw.toString('base64'));
  remember(`${label} raw (hex)`, raw.toString('hex'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-secrets-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  [sshd, web] = await Promise.all([startSshd(), startHttpTarget()]);
  cleanup.push(() => sshd.close(), () => web.close());
  const storePath = join(dir, 'store.json');
  apiLog = captureLog('debug');
  api = await startApiServer({
    port: 0,
    storePath,
    prefix: PREFIX,
    config: {
      tokens: { alice: ALICE_TOKEN, admin: ADMIN_TOKEN },
      principals: { alice: ['staff'], admin: ['admins'] },
    },
    log: apiLog.log,
  });
  cleanup.push(() => api.close());
  const host = tunnelHostInput(sshd);
  expect((await callApi('/v1/hosts/bastion', ADMIN_TOKEN, 'PUT', host)).status).toBe(200);
  const route = { name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['staff'] };
  expect((await callApi('/v1/routes/web', ADMIN_TOKEN, 'PUT', route)).status).toBe(200);

  gatewayLog = captureLog('debug');
  const config = parseConfig(
    {
      prefix: PREFIX,
      store: { type: 'file', path: storePath },
      listeners: { socks: { port: 0 }, admin: { port: 0, token: GATEWAY_ADMIN_TOKEN } },
      refreshIntervalMs: 250,
    },
    { env: {} },
  );
  gateway = await startGateway(config, { log: gatewayLog.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));

  remember('alice bearer token', ALICE_TOKEN);
  remember('admin bearer token', ADMIN_TOKEN);
  remember('gateway admin token', GATEWAY_ADMIN_TOKEN);
  remember('alice Authorization header', `Bearer ${ALICE_TOKEN}`);
  remember('admin Authorization header', `Bearer ${ADMIN_TOKEN}`);
  remember('gateway admin Authorization header', `Bearer ${GATEWAY_ADMIN_TOKEN}`);
  rememberKey('tunnel client key', sshd.clientPrivateKey);
  const repository = new PolicyRepository({ store: new FileStore({ path: storePath }), prefix: PREFIX });
  rememberKey('credential signing key', (await repository.getCredentialPrivateKey()) ?? '');
  await repository.close();
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('secrets never reach the logs', () => {
  it('runs the workload: good, tampered, wrong-key, expired, revoked and source-bound credentials', async () => {
    const good = await issue();
    expect(await curlCode(good)).toBe(0);

    const flipped = good.password.startsWith('A') ? `B${good.password.slice(1)}` : `A${good.password.slice(1)}`;
    remember('tampered password', flipped);
    expect(await curlCode({ username: good.username, password: flipped })).not.toBe(0);

    const stranger = generateEd25519KeyObjects();
    rememberKey('stranger key', stranger.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const now = Math.floor(Date.now() / 1000);
    const wrongKey = encodeCredential({ s: 'alice', g: ['staff'], e: now + 600, t: now, i: randomBytes(9).toString('base64url') }, stranger.privateKey);
    remember('wrong-key password', wrongKey.password);
    expect(await curlCode(wrongKey)).not.toBe(0);

    // The API's own file: the store file the gateway reads holds no private key.
    const repository = new PolicyRepository({ store: new FileStore({ path: privateKeysPathFor(join(dir, 'store.json')) }), prefix: PREFIX });
    const signing = createPrivateKey((await repository.getCredentialPrivateKey()) ?? '');
    await repository.close();
    const expired = encodeCredential({ s: 'alice', g: ['staff'], e: now - 10, t: now - 3600, i: randomBytes(9).toString('base64url') }, signing);
    remember('expired password', expired.password);
    expect(await curlCode(expired)).not.toBe(0);

    const bound = await issue({ bindSource: '10.99.99.99/32' });
    expect(await curlCode(bound)).not.toBe(0);

    const revoked = await issue();
    expect(await curlCode(revoked)).toBe(0);
    expect((await callApi('/v1/credentials/revoke', ADMIN_TOKEN, 'POST', { id: revoked.id })).status).toBe(200);
    await waitFor('the revocation to reach the gateway', async () => (await curlCode(revoked)) !== 0, 30_000);

    for (const path of ['/v1/connections', '/v1/pools']) {
      const adminOk = await fetch(`${gateway.admin.url}${path}`, { headers: { authorization: `Bearer ${GATEWAY_ADMIN_TOKEN}` } });
      expect(adminOk.status).toBe(200);
      responses.push(await adminOk.text());
    }
    const adminBad = await fetch(`${gateway.admin.url}/v1/connections`, { headers: { authorization: `Bearer ${GATEWAY_ADMIN_TOKEN}x` } });
    expect(adminBad.status).toBe(401);
    responses.push(await adminBad.text());
    responses.push(await (await fetch(`${gateway.admin.url}/metrics`)).text());
    const grab = { name: 'web', destinations: [{ host: '*', ports: ['*'] }], via: ['bastion'], groups: ['staff'] };
    expect((await callApi('/v1/routes/web', ALICE_TOKEN, 'PUT', grab)).status).toBe(403);

    const reasons = gatewayLog.lines().filter((line) => line.msg === 'audit' && line.outcome === 'auth_failed').map((line) => line.code);
    expect(reasons).toEqual(
      expect.arrayContaining(['EG_CREDENTIAL_BAD_SIGNATURE', 'EG_CREDENTIAL_EXPIRED', 'EG_CREDENTIAL_SOURCE_MISMATCH', 'EG_CREDENTIAL_REVOKED']),
    );
  }, 120_000);

  it('finds none of the secrets in any log line of the API or the gateway', async () => {
    const logs = `${apiLog.text()}\n${gatewayLog.text()}`;
    expect(logs.length).toBeGreaterThan(1000);
    expect(secrets.size).toBeGreaterThan(8);
    expect(findLeaks(logs, secrets)).toEqual([]);
    // A JSON log line escapes a key's newlines: the whole key as one escaped string must not appear either.
    expect(logs).not.toContain(JSON.stringify(sshd.clientPrivateKey).slice(1, 60));
    expect(logs.toLowerCase()).not.toContain('bearer ');
    expect(await readFile(join(dir, 'store.json'), 'utf8')).not.toContain(ALICE_TOKEN);
  });

  it('finds none of them in what the API, /metrics and the admin endpoints answered', () => {
    expect(responses.length).toBeGreaterThan(8);
    // A credential response carries its own password by design; everything else must not.
    const issued = new Set([...secrets].filter(([label]) => label.startsWith('password of ')).map(([, value]) => value));
    const others = [...secrets].filter(([, value]) => !issued.has(value));
    expect(findLeaks(responses.join('\n'), others)).toEqual([]);
    expect(responses.filter((body) => [...issued].some((password) => body.includes(password)))).toHaveLength(issued.size);
    expect(responses.join('\n').toLowerCase()).not.toContain('bearer ');
  });
});

describe('the scanner', () => {
  it('does find a planted password, a key line, a key as one JSON-escaped string, and a foreign private key', () => {
    const key = generateEd25519KeyObjects().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const planted: Array<readonly [string, string]> = [['planted password', 'pw-0123456789abcdef'], ...keyFragments('planted key', key)];
    expect(findLeaks(JSON.stringify({ msg: 'x', password: 'pw-0123456789abcdef' }), planted)).toEqual(['planted password']);
    expect(findLeaks(JSON.stringify({ key }), planted)).toEqual(expect.arrayContaining(['planted key line 0', 'private key marker "PRIVATE KEY-…"']));
    expect(findLeaks(`{"blob":"${key.split('\n')[1]}"}`, [])).toEqual(['private key marker "MC4CAQAwBQYD…"']);
    expect(findLeaks('{"msg":"nothing here"}', planted)).toEqual([]);
  });
});
