// People sign in with OpenID Connect: the API verifies ID and access tokens against a real provider's published
// keys (oidc-provider, on loopback) and refuses every bad token with its own code; behind API Gateway's JWT
// authorizer it reads the verified groups claim from the event.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import { decodeCredential, parsePublicKey } from '../../common/token.js';
import { demoSigningKey, startDemoIdentityProvider, type DemoIdentityProvider } from '../../gateway/cli/demo/identity-provider.js';
import { startApiServer, type ApiServer } from '../../lambdas/server.js';
import { registerSecret } from '../harness/log-capture.js';
import { jsonOf, type ErrorJson } from './events.js';
import { seedPolicy } from './fixtures.js';
import { startLambdaApi, type LambdaApi } from './lambda-api.js';

const CLIENT_ID = 'edge-gateway-page';
const PARTNERS_GROUP_ID = '5b1c7a0e-partners';

let dir: string;
let idp: DemoIdentityProvider;
let api: ApiServer;
let signingKey: JWK;
let logText = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eg-oidc-'));
  signingKey = await demoSigningKey();
  idp = await startDemoIdentityProvider({
    host: '127.0.0.1',
    port: 0,
    clientId: CLIENT_ID,
    redirectUris: ['http://127.0.0.1:1/'],
    user: { username: 'demo', password: 'demo-password-0123', email: 'demo@example.com', name: 'Demo', groups: ['demo'] },
    signingKey,
  });
  const seed = new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' });
  await seedPolicy(seed);
  await seed.close();
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => ((logText += chunk.toString()), done()) }));
  api = await startApiServer({
    port: 0,
    storePath: join(dir, 'store.json'),
    log,
    config: {
      stage: 'test',
      oidc: { issuer: idp.issuer, clientId: CLIENT_ID, audiences: [CLIENT_ID, 'api://edge-gateway'], groupMap: { [PARTNERS_GROUP_ID]: ['partners'] } },
    },
  });
});
afterAll(async () => {
  await api?.close();
  await idp?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A token as the provider would sign it (its own key, its kid), with `claims` laid over a valid set. */
async function tokenFor(claims: JWTPayload & { groups?: unknown } = {}, key: JWK = signingKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'person-0001', email: 'pat@partner.example', groups: [PARTNERS_GROUP_ID], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : idp.issuer)
    .setAudience(claims.aud ?? CLIENT_ID)
    .setIssuedAt(now - 60)
    .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now + 600)
    .sign(await importJWK(key, 'RS256'));
  registerSecret('OIDC test token', token);
  return token;
}

const call = (path: string, token: string, method = 'GET') =>
  fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });

async function refusal(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as ErrorJson;
  return { status: response.status, ...body.error };
}

describe('OIDC sign-in on the local API (tokens verified against the issuer\'s JWKS)', () => {
  it('accepts an ID token from the configured issuer: who you are, your mapped groups, your routes, a credential', async () => {
    const token = await tokenFor();
    const me = await call('/v1/me', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ principal: 'person-0001', displayName: 'pat@partner.example', groups: ['partners'], admin: false, routes: [{ name: 'web' }] });
    const issued = await call('/v1/credentials', token, 'POST');
    expect(issued.status).toBe(201);
    const credential = (await issued.json()) as { username: string; password: string };
    registerSecret('credential issued to an OIDC caller', credential.password);
    const keys = (await new PolicyRepository({ store: new FileStore({ path: join(dir, 'store.json') }), prefix: '/edge-gateway/test' }).getCredentialPublicKeys()).map(parsePublicKey);
    expect(decodeCredential(credential.username, credential.password, keys)).toMatchObject({ s: 'person-0001', g: ['partners'] });
  });

  it('accepts an access token whose audience is the API\'s identifier', async () => {
    const me = await call('/v1/me', await tokenFor({ aud: 'api://edge-gateway' }));
    expect(me.status).toBe(200);
  });

  it('refuses a token from another issuer: 401 EG_OIDC_WRONG_ISSUER', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const otherKey = { ...(await exportJWK(privateKey)), kid: 'other-issuer-key' };
    const refused = await refusal(await call('/v1/me', await tokenFor({ iss: 'https://login.other.example' }, otherKey)));
    expect(refused).toMatchObject({ status: 401, code: 'EG_OIDC_WRONG_ISSUER' });
  });

  it('refuses a token for another audience: 401 EG_OIDC_WRONG_AUDIENCE', async () => {
    expect(await refusal(await call('/v1/me', await tokenFor({ aud: 'some-other-app' })))).toMatchObject({ status: 401, code: 'EG_OIDC_WRONG_AUDIENCE' });
  });

  it('refuses an expired token: 401 EG_OIDC_EXPIRED, and says to sign in again', async () => {
    const refused = await refusal(await call('/v1/me', await tokenFor({ exp: Math.floor(Date.now() / 1000) - 3600 })));
    expect(refused).toMatchObject({ status: 401, code: 'EG_OIDC_EXPIRED', message: expect.stringContaining('sign in again') });
  });

  it('refuses a token without the groups claim: 403 EG_OIDC_NO_GROUPS, naming the claim', async () => {
    const refused = await refusal(await call('/v1/me', await tokenFor({ groups: undefined })));
    expect(refused).toMatchObject({ status: 403, code: 'EG_OIDC_NO_GROUPS', message: expect.stringContaining('"groups"') });
  });

  it('refuses a tampered token (claims changed after signing): 401 EG_OIDC_BAD_SIGNATURE', async () => {
    const [header, , signature] = (await tokenFor()).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'person-0001', iss: idp.issuer, aud: CLIENT_ID, exp: Math.floor(Date.now() / 1000) + 600, groups: ['admins'] })).toString('base64url');
    const refused = await refusal(await call('/v1/me', `${header}.${payload}.${signature}`));
    expect(refused).toMatchObject({ status: 401, code: 'EG_OIDC_BAD_SIGNATURE' });
  });

  it('refuses a token signed with a key the issuer never published: 401 EG_OIDC_BAD_SIGNATURE', async () => {
    const forged = await demoSigningKey();
    expect(await refusal(await call('/v1/me', await tokenFor({}, { ...forged, kid: signingKey.kid as string })))).toMatchObject({ status: 401, code: 'EG_OIDC_BAD_SIGNATURE' });
  });

  it('refuses a credential to a group no route grants: 403 EG_GRANT_EMPTY, naming the group', async () => {
    const token = await tokenFor({ groups: ['sales'] });
    const me = await call('/v1/me', token);
    expect(await me.json()).toMatchObject({ groups: ['sales'], routes: [] });
    const refused = await refusal(await call('/v1/credentials', token, 'POST'));
    expect(refused).toMatchObject({ status: 403, code: 'EG_GRANT_EMPTY', message: expect.stringContaining('"sales"') });
  });

  it('refuses an oversized or malformed token without reading further, and a bearer that is no JWT as unauthenticated', async () => {
    const huge = `${'a'.repeat(12_000)}.${'b'.repeat(10)}.c`;
    expect(await refusal(await call('/v1/me', huge))).toMatchObject({ status: 401, code: 'EG_OIDC_MALFORMED' });
    expect(await refusal(await call('/v1/me', 'bm90.anNvbg.c2ln'))).toMatchObject({ status: 401, code: 'EG_OIDC_MALFORMED' });
    expect(await refusal(await call('/v1/me', 'not-a-jwt-and-not-a-local-token'))).toMatchObject({ status: 401, code: 'EG_AUTH_REQUIRED' });
  });

  it('keeps sign-in tokens out of its logs', async () => {
    const token = await tokenFor({ aud: 'some-other-app' });
    await call('/v1/me', token);
    expect(logText).toContain('EG_OIDC_WRONG_AUDIENCE');
    expect(logText).not.toContain(token.split('.')[2]);
  });
});

describe('behind API Gateway\'s JWT authorizer (Lambda)', () => {
  let lambda: LambdaApi;
  beforeAll(async () => {
    lambda = await startLambdaApi('eg-oidc-lambda-', { oidc: { issuer: 'https://login.example.com', clientId: CLIENT_ID, groupsClaim: 'cognito:groups', groupMap: { [PARTNERS_GROUP_ID]: ['partners'] } } });
  });
  afterAll(async () => {
    await lambda?.close();
  });

  it('maps the verified groups claim, which API Gateway flattens to "[a b]"', async () => {
    const result = await lambda.invoke({ method: 'GET', path: '/v1/me', jwtSubject: 'person-0002', jwtClaims: { 'cognito:groups': `[${PARTNERS_GROUP_ID} sales]`, email: 'sam@partner.example' } });
    expect(result.statusCode).toBe(200);
    expect(jsonOf<{ groups: string[]; displayName: string }>(result)).toMatchObject({ groups: ['partners', 'sales'], displayName: 'sam@partner.example' });
  });

  it('refuses claims without the groups claim: 403 EG_OIDC_NO_GROUPS', async () => {
    const result = await lambda.invoke({ method: 'POST', path: '/v1/credentials', jwtSubject: 'person-0003', body: {} });
    expect(result.statusCode).toBe(403);
    expect(jsonOf<ErrorJson>(result).error.code).toBe('EG_OIDC_NO_GROUPS');
  });
});
