// The issuer's discovery document: read once and kept; when the issuer is down, requests are refused at once for
// a while instead of each one asking it again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerDiscovery } from '../../lambdas/oidc/discovery.js';

let server: Server;
let issuer: string;
let hits = 0;
let healthy = false;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits += 1;
    if (!healthy) return void res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

describe('IssuerDiscovery', () => {
  it('asks a failing issuer once per retry interval, then reads and keeps the document', async () => {
    let now = 1_000_000;
    const discovery = new IssuerDiscovery(issuer, () => now);
    await expect(discovery.metadata()).rejects.toThrow(/answered 500/);
    await expect(discovery.metadata()).rejects.toThrow(/answered 500/);
    expect(hits).toBe(1);
    healthy = true;
    now += 10_000;
    expect((await discovery.metadata()).token_endpoint).toBe(`${issuer}/token`);
    await discovery.metadata();
    expect(hits).toBe(2);
  });

  it('refuses a document that names another issuer', async () => {
    healthy = true;
    await expect(new IssuerDiscovery(`${issuer}/`).metadata()).rejects.toThrow(/another issuer/);
  });
});
