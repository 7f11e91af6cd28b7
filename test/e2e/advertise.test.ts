// Behind a load balancer the gateway binds 0.0.0.0 but clients must be told the balancer's name:
// PAC files and lease answers name the advertised address, not the bound one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { captureLog, credentialKeys } from './gateway-fixture.js';

let sshd: Sshd;
let gateway: RunningGateway;
const keys = credentialKeys();

beforeAll(async () => {
  sshd = await startSshd();
  const config = parseConfig(
    {
      listeners: { socks: { host: '0.0.0.0', port: 0 }, httpProxy: { host: '0.0.0.0', port: 0 }, public: { host: '127.0.0.1', port: 0 }, admin: { port: 0 } },
      tunnelHosts: [tunnelHostInput(sshd)],
      routes: [{ name: 'intranet', destinations: [{ host: '*.intranet.example', ports: [80] }], via: ['bastion'], groups: ['staff'] }],
      credentialPublicKeys: [keys.publicKeyPem],
    },
    { env: { EG_SOCKS_ADVERTISE: 'gw.example.com:1080', EG_HTTP_PROXY_ADVERTISE: 'gw.example.com:8080' } },
  );
  gateway = await startGateway(config, { log: captureLog().log });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await sshd?.close();
});

describe('advertised proxy addresses', () => {
  it('puts the advertised name, not 0.0.0.0, in the PAC file a credential gets', async () => {
    const credential = keys.issue('alice', ['staff']);
    const basic = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    const response = await fetch(`${gateway.public!.url}/proxy.pac`, { headers: { authorization: basic } });
    expect(response.status).toBe(200);
    const pac = await response.text();
    expect(pac).toContain('gw.example.com:');
    expect(pac).toContain('intranet.example');
    expect(pac).not.toContain('0.0.0.0');
  });

  it('refuses an advertise value that is not host:port, naming the variable', () => {
    expect(() => parseConfig({}, { env: { EG_SOCKS_ADVERTISE: 'gw.example.com' } })).toThrow(/listeners\.socks\.advertise.*EG_SOCKS_ADVERTISE/);
  });
});
