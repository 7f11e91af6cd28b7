import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalForward, RemoteForward, TunnelRegistry } from '../../../gateway/forward/index.js';
import { connectOutcome, exchange, startBastion, startTcpServer, type Bastion } from './fixtures.js';

describe('static forwards through a real sshd', () => {
  let bastion: Bastion;
  let pop3: Awaited<ReturnType<typeof startTcpServer>>;
  let imap: Awaited<ReturnType<typeof startTcpServer>>;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    bastion = await startBastion();
    cleanup.push(() => bastion.close());
    pop3 = await startTcpServer('+OK pop3\r\n');
    cleanup.push(() => pop3.close());
    imap = await startTcpServer('* OK imap\r\n');
    cleanup.push(() => imap.close());
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  const deps = () => bastion.deps();

  it('carries each client connection of a local forward as its own channel and audits it', async () => {
    const forward = new LocalForward({ ...deps(), name: 'pop3', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: pop3.port }, via: ['bastion'] });
    cleanup.push(() => forward.destroy());
    const { port } = await forward.start();
    const replies = await Promise.all([exchange(port, 'USER a\r\n'), exchange(port, 'USER b\r\n')]);
    expect(replies.sort()).toEqual(['+OK pop3\r\necho:USER a\r\n', '+OK pop3\r\necho:USER b\r\n']);
    await expect.poll(() => bastion.audits.filter((a) => a.route === 'pop3').length).toBe(2);
    expect(bastion.audits.find((a) => a.route === 'pop3')).toMatchObject({ protocol: 'forward', tunnelHost: 'bastion', outcome: 'ok', bytesUp: 8, bytesDown: 23 });
  });

  it('writes an IPv6 client of a forward as [address]:port in its audit line', async () => {
    const forward = new LocalForward({ ...deps(), name: 'pop3-v6', listen: { host: '::1', port: 0 }, target: { host: '127.0.0.1', port: pop3.port }, via: ['bastion'] });
    cleanup.push(() => forward.destroy());
    const { port } = await forward.start();
    expect(await exchange(port, 'USER c\r\n', '::1')).toBe('+OK pop3\r\necho:USER c\r\n');
    await expect.poll(() => bastion.audits.find((a) => a.route === 'pop3-v6')?.source).toMatch(/^\[::1\]:\d+$/);
  });

  it('binds a remote forward on the tunnel host that reaches a server on the gateway side', async () => {
    const forward = new RemoteForward({ ...deps(), name: 'back', host: 'bastion', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: imap.port } });
    cleanup.push(() => forward.destroy());
    const { port } = await forward.start();
    expect(port).toBeGreaterThan(0);
    // sshd (on loopback here) listens on that port: connecting to it lands on our server.
    expect(await exchange(port, 'a1 NOOP\r\n')).toBe('* OK imap\r\necho:a1 NOOP\r\n');
    await forward.close();
    await expect.poll(() => connectOutcome(port)).toBe('ECONNREFUSED');
  });

  it('shows each live forwarded connection in the connection table, bytes as they pass, until it ends', async () => {
    const table = bastion.table;
    const local = new LocalForward({ ...deps(), name: 'pop3-live', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: pop3.port }, via: ['bastion'] });
    const remote = new RemoteForward({ ...deps(), name: 'back-live', host: 'bastion', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: imap.port } });
    cleanup.push(() => local.destroy(), () => remote.destroy());
    const ports = [(await local.start()).port, (await remote.start()).port];
    // Two open connections, each having sent one line and read the greeting and its echo.
    const clients = await Promise.all(
      ports.map(
        (port) =>
          new Promise<import('node:net').Socket>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port }, () => socket.write('LIVE\r\n'));
            let seen = '';
            socket.on('data', (chunk: Buffer) => {
              seen += chunk.toString();
              if (seen.includes('echo:LIVE')) resolve(socket);
            });
          }),
      ),
    );
    await expect.poll(() => table.list().filter((c) => c.bytesDown > 0).length).toBe(2);
    const rows = table.list();
    expect(rows.find((c) => c.route === 'pop3-live')).toMatchObject({ protocol: 'forward', tunnelHost: 'bastion', destination: `127.0.0.1:${pop3.port}`, bytesUp: 6, bytesDown: 21 });
    expect(rows.find((c) => c.route === 'back-live')).toMatchObject({ protocol: 'forward', tunnelHost: 'bastion', destination: `127.0.0.1:${imap.port}`, bytesUp: 6, bytesDown: 22 });
    for (const client of clients) client.end();
    await expect.poll(() => table.size()).toBe(0);
  });

  it('opens a profile with several forwards at once, lists them and closes them again', async () => {
    const registry = new TunnelRegistry(deps(), [
      {
        name: 'mail',
        autostart: true,
        tunnels: [
          { name: 'pop3', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: pop3.port }, via: ['bastion'] },
          { name: 'imap', kind: 'local', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: imap.port }, via: ['bastion'] },
        ],
      },
    ]);
    cleanup.push(() => registry.destroy());
    await registry.startAutostart();
    const tunnels = registry.list();
    expect(tunnels.map((t) => t.id).sort()).toEqual(['mail.imap', 'mail.pop3']);
    expect(registry.listProfiles()).toEqual([{ name: 'mail', autostart: true, open: true, tunnels: ['mail.pop3', 'mail.imap'] }]);
    const imapPort = tunnels.find((t) => t.id === 'mail.imap')?.listen.port as number;
    expect(await exchange(imapPort, 'x\r\n')).toBe('* OK imap\r\necho:x\r\n');
    await registry.closeProfile('mail');
    expect(registry.list()).toEqual([]);
    expect(await connectOutcome(imapPort)).toBe('ECONNREFUSED');
  });

  it('closes a forward whose destination refuses, and audits the refusal', async () => {
    const gone = await startTcpServer('');
    await gone.close(); // nothing listens on that port any more
    const forward = new LocalForward({ ...deps(), name: 'nowhere', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: gone.port }, via: ['bastion'] });
    cleanup.push(() => forward.destroy());
    const { port } = await forward.start();
    expect(await exchange(port, 'hello').catch((err: NodeJS.ErrnoException) => err.code)).toMatch(/^(|ECONNRESET)$/);
    await expect.poll(() => bastion.audits.find((a) => a.route === 'nowhere')?.outcome).toBe('tunnel_error');
    expect(bastion.audits.find((a) => a.route === 'nowhere')?.code).toBe('EG_CHANNEL_REFUSED');
  });
});
