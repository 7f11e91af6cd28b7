// The API validates a route with the schema the gateway compiles: a route the gateway would refuse (so one bad
// record can never hold back a fleet's updates) is answered 400 EG_VALIDATION naming its path, and never stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { jsonOf, type ErrorJson, type EventInput, type LambdaResult } from './events.js';
import { startLambdaApi, type LambdaApi } from './lambda-api.js';
import { ADMIN, TUNNEL_HOST } from './fixtures.js';

let repository: PolicyRepository;
let invoke: (input: EventInput) => Promise<LambdaResult>;

let api: LambdaApi;
beforeAll(async () => {
  api = await startLambdaApi('eg-api-routes-');
  repository = api.repository;
  invoke = (input) => api.invoke(input);
});
afterAll(async () => {
  await api?.close();
});

const good = { destinations: [{ host: '*.partner.corp', ports: [443, '8000-8100'] }, { host: '10.20.0.0/16', ports: ['*'] }], via: ['bastion'], groups: ['partners'] };

/** Each body and the line its 400 must carry. */
const BAD: Array<[string, object, string]> = [
  ['a port string out of range', { ...good, destinations: [{ host: 'db.corp', ports: ['99999'] }] }, 'destinations[0].ports[0]: "99999" is outside 1-65535'],
  ['a port number out of range', { ...good, destinations: [{ host: 'db.corp', ports: [99999] }] }, 'destinations[0].ports[0]: port 99999 is outside 1-65535'],
  ['a reversed range', { ...good, destinations: [{ host: 'db.corp', ports: [80, '90-80'] }] }, 'destinations[0].ports[1]: range "90-80" ends before it starts'],
  ['a free-text host', { ...good, destinations: [{ host: 'db.corp' }, { host: 'not a host!' }] }, 'destinations[1].host: name contains control characters or spaces'],
  ['a CIDR with host bits', { ...good, destinations: [{ host: '10.0.0.1/8' }] }, 'destinations[0].host: "10.0.0.1/8" has host bits set; the network is "10.0.0.0/8"'],
  ['an address in inet_aton form', { ...good, destinations: [{ host: '0x0a000001' }] }, 'destinations[0].host: "0x0a000001" is an IPv4 address in a non-standard form; write it as "10.0.0.1"'],
  ['a misplaced wildcard', { ...good, destinations: [{ host: 'db.*.corp' }] }, 'destinations[0].host: a wildcard must be the whole first label, as in "*.corp.example" (got "db.*.corp")'],
  ['a tunnel host listed twice', { ...good, via: ['bastion', 'bastion'] }, 'via[1]: tunnel host "bastion" is listed twice'],
];

describe('PUT /v1/routes/{name} refuses what the gateway refuses', () => {
  it.each(BAD)('%s: 400 EG_VALIDATION naming the path, nothing written', async (_what, body, line) => {
    const before = await repository.getVersion();
    const result = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ADMIN, body });
    expect(result.statusCode).toBe(400);
    const { error } = jsonOf<ErrorJson>(result);
    expect(error.code).toBe('EG_VALIDATION');
    expect(error.message).toContain(line);
    expect(await repository.getRoute('partner')).toBeUndefined();
    expect(await repository.getVersion()).toBe(before);
  });

  it('the repository refuses the same record when a caller bypasses the HTTP schema', async () => {
    await expect(repository.putRoute({ name: 'partner', ...good, destinations: [{ host: 'db.corp', ports: ['99999'] }] })).rejects.toMatchObject({
      code: 'EG_VALIDATION',
      message: 'destinations[0].ports[0]: "99999" is outside 1-65535',
    });
  });

  it('still accepts a good route, and reads it back as written', async () => {
    const put = await invoke({ method: 'PUT', path: '/v1/routes/partner', userArn: ADMIN, body: good });
    expect(put.statusCode).toBe(200);
    expect(jsonOf<{ name: string }>(put).name).toBe('partner');
    const got = await invoke({ method: 'GET', path: '/v1/routes/partner', userArn: ADMIN });
    expect(jsonOf<{ destinations: unknown[] }>(got).destinations).toEqual(good.destinations);
  });
});

describe('PUT /v1/hosts/{name} refuses a tunnel host the gateway cannot reach', () => {
  it('a free-text address or a key login with no key: 400 EG_VALIDATION naming the field', async () => {
    const address = await invoke({ method: 'PUT', path: '/v1/hosts/other', userArn: ADMIN, body: { ...TUNNEL_HOST, name: 'other', address: 'not a host!' } });
    expect(address.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(address).error).toMatchObject({ code: 'EG_VALIDATION', message: expect.stringContaining('address: name contains control characters or spaces') });
    const auth = await invoke({ method: 'PUT', path: '/v1/hosts/other', userArn: ADMIN, body: { ...TUNNEL_HOST, name: 'other', auth: { type: 'key' } } });
    expect(auth.statusCode).toBe(400);
    expect(jsonOf<ErrorJson>(auth).error.message).toContain('auth: a "key" login needs privateKeyParameter');
    expect((await invoke({ method: 'PUT', path: '/v1/hosts/other', userArn: ADMIN, body: { ...TUNNEL_HOST, name: 'other' } })).statusCode).toBe(200);
  });
});
