// A gateway with SOCKS off (EG_SOCKS=off over a file that names a SOCKS port) binds no SOCKS port: a client that
// tries it is refused by the kernel. Its other listeners, /readyz, /metrics, the start line and the PAC carry on.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/index.js';
import { ListenerOffError, startGateway, type RunningGateway } from '../../../gateway/main.js';
import { captureLog } from '../../e2e/gateway-fixture.js';
import { freePort } from '../../harness/sshd.js';
import { tryConnect } from '../../harness/port-probe.js';

let gateway: RunningGateway;
let socksPort: number;
let before: Set<number>;
const captured = captureLog();

/** TCP ports this process listens on, as the kernel lists them. */
function listeningPorts(): Set<number> {
  const lines = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(`pid=${process.pid},`));
  return new Set(lines.map((line) => Number(/:(\d+)\s/.exec(line)?.[1])));
}

const portOf = (url: string | undefined) => Number(new URL(url ?? 'http://x:1').port);

beforeAll(async () => {
  socksPort = await freePort();
  before = listeningPorts();
  const config = parseConfig(
    {
      listeners: { socks: { port: socksPort }, httpProxy: { port: 0 }, public: { port: 0 }, admin: { port: 0 } },
      trustedCidrs: [{ cidr: '127.0.0.0/8', groups: ['office'] }],
    },
    { env: { EG_SOCKS: 'off' } },
  );
  gateway = await startGateway(config, { log: captured.log });
});
afterAll(async () => {
  await gateway?.close();
});

describe('a gateway with SOCKS off', () => {
  it('binds the HTTP proxy, public and admin listeners and nothing else; the SOCKS port refuses connections', async () => {
    const opened = [...listeningPorts()].filter((port) => !before.has(port)).sort();
    expect(opened).toEqual([gateway.http?.port, portOf(gateway.public?.url), portOf(gateway.admin.url)].sort());
    expect(await tryConnect(socksPort)).toBe('ECONNREFUSED');
  });

  it('says so with a typed error when asked for its SOCKS address', () => {
    expect(() => gateway.socks).toThrow(ListenerOffError);
    expect(() => gateway.socks).toThrow(expect.objectContaining({ code: 'EG_LISTENER_OFF' }));
  });

  it('is ready, serves metrics, and logs its start without a SOCKS listener', async () => {
    expect(await (await fetch(`${gateway.admin.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    expect((await fetch(`${gateway.public?.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${gateway.admin.url}/metrics`)).status).toBe(200);
    const started = captured.lines().find((line) => line.msg === 'gateway started');
    expect(started).toMatchObject({ http: { port: gateway.http?.port } });
    expect(started).not.toHaveProperty('socks');
  });

  it('serves a PAC that names the HTTP proxy, and refuses one naming SOCKS', async () => {
    const pac = await (await fetch(`${gateway.public?.url}/proxy.pac`)).text();
    expect(pac).toContain(`var PROXY_RESULT = "PROXY 127.0.0.1:${gateway.http?.port}";`);
    expect((await fetch(`${gateway.public?.url}/proxy.pac?proxy=socks`)).status).toBe(400);
  });
});
