// Every SSM request attempt is counted by result, a throttled one included, with the real SDK client on the wire.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openParameterStore, type StoreCallResult } from '../../../gateway/sync/open-store.js';

/** Answers SSM's JSON 1.1 protocol: the first `throttle` requests with ThrottlingException, then a parameter or ParameterNotFound. */
async function ssmEndpoint(throttle: number): Promise<{ url: string; server: Server }> {
  let seen = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      seen++;
      const target = String(req.headers['x-amz-target']);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (seen <= throttle) {
        res.writeHead(400).end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      } else if (target.endsWith('GetParameter')) {
        res.writeHead(200).end(JSON.stringify({ Parameter: { Name: '/eg/version', Type: 'String', Value: '7', Version: 1 } }));
      } else {
        res.writeHead(400).end(JSON.stringify({ __type: 'ParameterNotFound', message: 'not found' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  vi.unstubAllEnvs();
});

describe('SSM call counting', () => {
  it('counts a throttled attempt and the retry that succeeded, by operation', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-real-secret-key');
    const endpoint = await ssmEndpoint(1);
    cleanups.push(() => new Promise((resolve) => endpoint.server.close(() => resolve())));
    const calls: Array<[string, StoreCallResult]> = [];
    const store = openParameterStore({ type: 'ssm', region: 'us-east-1', endpoint: endpoint.url }, { observeCall: (operation, result) => calls.push([operation, result]) });
    cleanups.push(() => store.close());

    expect((await store.get('/eg/version'))?.value).toBe('7');
    expect(calls).toEqual([
      ['GetParameter', 'throttled'],
      ['GetParameter', 'ok'],
    ]);

    expect(await store.delete('/eg/missing')).toBe(false);
    expect(calls.at(-1)).toEqual(['DeleteParameter', 'client_error']);
  });

  it('destroys the SDK client it opened when the store closes, once', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-real-secret-key');
    const endpoint = await ssmEndpoint(0);
    cleanups.push(() => new Promise((resolve) => endpoint.server.close(() => resolve())));
    const destroy = vi.spyOn(SSMClient.prototype, 'destroy');
    cleanups.push(async () => void destroy.mockRestore());
    const store = openParameterStore({ type: 'ssm', region: 'us-east-1', endpoint: endpoint.url });
    expect((await store.get('/eg/version'))?.value).toBe('7');
    expect(destroy).not.toHaveBeenCalled();
    await store.close();
    await store.close();
    expect(destroy).toHaveBeenCalledTimes(1);
    await expect(store.get('/eg/version')).rejects.toMatchObject({ code: 'EG_STORE' });
  });
});
