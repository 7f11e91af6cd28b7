// The CLI's HTTP seam reads both error shapes it meets: the APIs' { error: { code, message } } and the bare
// { message } that API Gateway answers with itself (throttling, an unknown route), and never echoes the token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient } from '../../../gateway/cli/http-client.js';

const TOKEN = 'cli-token-0123456789abcdef';

describe('bearerClient error answers', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/ours') {
        res.writeHead(403).end(JSON.stringify({ error: { code: 'EG_FORBIDDEN', message: 'only an admin may list every lease' } }));
      } else {
        res.writeHead(429).end(JSON.stringify({ message: 'Too Many Requests' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("keeps the API's code and message", async () => {
    const call = bearerClient(base, TOKEN, 'EG_TEST_TOKEN');
    await expect(call('ours')).rejects.toMatchObject({ code: 'EG_FORBIDDEN', message: 'GET /ours failed: HTTP 403 only an admin may list every lease' });
  });

  it("reads API Gateway's bare message, and names no token", async () => {
    const call = bearerClient(base, TOKEN, 'EG_TEST_TOKEN');
    const err = (await call('gateway').catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('GET /gateway failed: HTTP 429 Too Many Requests');
    expect(JSON.stringify(err)).not.toContain(TOKEN);
  });
});
