// Static forwards, FTP data channels and admin-opened tunnels open channels without a route; the
// always-deny list (link-local, cloud metadata, port 0) still holds on each, before any channel is opened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../../../gateway/cancel.js';
import { testBook } from '../../harness/connection-book.js';
import { LocalForward, RemoteForward, TunnelRegistry } from '../../../gateway/forward/index.js';
import { exchange, startBastion, type Bastion } from './fixtures.js';

describe('the always-deny list on paths without a route', () => {
  let bastion: Bastion;

  beforeAll(async () => {
    // DEBUG1: sshd logs every direct-tcpip request it receives, so "never asked" can be checked.
    bastion = await startBastion({ logLevel: 'DEBUG1', gatewayPorts: 'no' });
  });
  afterAll(async () => {
    await bastion?.close();
  });

  const deps = () => bastion.deps();
  const forbidden = [
    { host: '169.254.169.254', port: 80, kind: 'ipv4' as const },
    { host: 'fd00:ec2::254', port: 80, kind: 'ipv6' as const },
    { host: '::ffff:a9fe:a9fe', port: 80, kind: 'ipv6' as const },
    { host: '2852039166', port: 80, kind: 'domain' as const },
    { host: 'metadata.google.internal', port: 80, kind: 'domain' as const },
    { host: '127.0.0.1', port: 0, kind: 'ipv4' as const },
  ];

  it('refuses every form in the dialer every path shares, even for an operator grant, and sshd is never asked', async () => {
    const { book } = testBook();
    for (const destination of forbidden) {
      const request = { record: book.open('forward', { address: '127.0.0.1', port: 1 }), destination, grant: { name: 'operator', via: ['bastion'] }, cancel: new Cancellation() };
      await expect(bastion.dialer.dial(request)).rejects.toMatchObject({ code: 'EG_DESTINATION_FORBIDDEN' });
    }
    expect(bastion.sshd.logs()).not.toMatch(/direct.tcpip/);
  });

  it('refuses an admin-opened or profile tunnel to them when it is opened', async () => {
    const registry = new TunnelRegistry(deps());
    for (const kind of ['local', 'remote', 'ftp'] as const) {
      await expect(
        registry.openTunnel({ name: `meta-${kind}`, kind, listen: { host: '127.0.0.1', port: 0 }, target: { host: '169.254.170.2', port: 80 }, via: ['bastion'] }),
      ).rejects.toMatchObject({ code: 'EG_DESTINATION_FORBIDDEN' });
    }
    expect(registry.list()).toEqual([]);
    await registry.close();
  });

  it('refuses each connection of a local forward built around the registry, with an audit line saying why', async () => {
    const forward = new LocalForward({ ...deps(), name: 'meta-local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '169.254.169.254', port: 80 }, via: ['bastion'] });
    const { port } = await forward.start();
    await exchange(port, 'GET / HTTP/1.0\r\n\r\n').catch(() => '');
    await expect.poll(() => bastion.audits.find((a) => a.route === 'meta-local')).toMatchObject({ code: 'EG_DESTINATION_FORBIDDEN', outcome: 'denied' });
    forward.destroy();
    expect(bastion.sshd.logs()).not.toMatch(/direct.tcpip/);
  });

  it('refuses each connection of a remote forward whose target on the gateway side is the task metadata endpoint', async () => {
    const forward = new RemoteForward({ ...deps(), name: 'meta-remote', host: 'bastion', listen: { host: '127.0.0.1', port: 0 }, target: { host: '169.254.170.2', port: 80 } });
    const { port } = await forward.start();
    await exchange(port, 'GET /v2/credentials HTTP/1.0\r\n\r\n').catch(() => '');
    await expect.poll(() => bastion.audits.find((a) => a.route === 'meta-remote')).toMatchObject({ code: 'EG_DESTINATION_FORBIDDEN', outcome: 'denied' });
    forward.destroy();
  });
});
