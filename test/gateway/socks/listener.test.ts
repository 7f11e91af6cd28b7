import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_METHOD, REPLY } from '../../../gateway/socks/replies.js';
import { COMMAND, REPLY_LENGTH_IPV4 } from './wire.js';
import { PASSWORD, USER, startGateway, startHttpTarget } from './fixtures.js';
import type { Gateway, GatewayOptions } from './fixtures.js';
import { RawClient, greeting, request, socksConnect, userPass } from './socks-client.js';

const run = promisify(execFile);
const running: Gateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
});

async function gateway(options?: GatewayOptions): Promise<Gateway> {
  const started = await startGateway(options);
  running.push(started);
  return started;
}

/** RFC 1928 section 6 with an IPv4 BND.ADDR of 0.0.0.0:0. */
function fullReply(code: number): number[] {
  return [5, code, 0, 1, 0, 0, 0, 0, 0, 0];
}

describe('SOCKS listener', () => {
  it('carries bytes both ways after a username/password handshake and audits them', async () => {
    const gw = await gateway();
    const { client, reply } = await socksConnect(gw.port, '10.1.2.3', 5432, USER, PASSWORD);
    expect([...reply]).toEqual(fullReply(REPLY.SUCCEEDED));
    client.send('ping');
    expect((await client.read(4)).toString()).toBe('ping');
    client.socket.end();
    expect((await client.readToEnd()).toString()).toBe('bye');
    await client.closed;
    await expect.poll(() => gw.audits.length).toBe(1);
    expect(gw.audits[0]).toMatchObject({
      outcome: 'ok', protocol: 'socks5', subject: USER, destination: '10.1.2.3:5432',
      route: 'test-route', tunnelHost: 'test-tunnel', bytesUp: 4, bytesDown: 7,
    });
  });

  it('keeps half-close: the client shuts its write side and still receives the response', async () => {
    const gw = await gateway();
    const { client } = await socksConnect(gw.port, 'db.internal', 5432, USER, PASSWORD);
    client.send('last words');
    client.socket.end();
    expect((await client.readToEnd()).toString()).toBe('last wordsbye');
  });

  it('refuses a wrong password with the RFC 1929 failure status and closes', async () => {
    const gw = await gateway();
    const { client, status } = await socksConnect(gw.port, '10.1.2.3', 80, USER, 'guess-Xq7-not-it');
    expect([...(status ?? [])]).toEqual([1, 1]);
    await client.closed;
    await expect.poll(() => gw.audits[0]?.outcome).toBe('auth_failed');
    expect(gw.lines.join('')).not.toContain('guess-Xq7-not-it');
  });

  it('refuses no-auth without a lease or trusted CIDR, and allows it from a trusted address', async () => {
    const closed = await gateway({ trusted: () => false });
    const client = await RawClient.open(closed.port);
    client.send(greeting([AUTH_METHOD.NO_AUTHENTICATION]));
    expect([...(await client.read(2))]).toEqual([5, AUTH_METHOD.NO_ACCEPTABLE_METHODS]);
    await client.closed;
    await expect.poll(() => closed.audits[0]?.code).toBe('EG_AUTH_REQUIRED');

    const open = await gateway({ trusted: (c) => c.address === '127.0.0.1' });
    const browser = await RawClient.open(open.port);
    browser.send(greeting([AUTH_METHOD.NO_AUTHENTICATION]));
    expect([...(await browser.read(2))]).toEqual([5, AUTH_METHOD.NO_AUTHENTICATION]);
    browser.send(request('intranet.example', 80));
    expect([...(await browser.read(10))]).toEqual(fullReply(REPLY.SUCCEEDED));
    browser.destroy();
    await expect.poll(() => open.audits[0]?.subject).toBe('trusted');
  });

  it('passes IPv6 destinations in canonical form (socksv5 0.0.6 dropped leading zeros)', async () => {
    const gw = await gateway();
    for (const address of ['2001:db8:0:1:0:0:0:a', '::1', '2001:0db8:0a0b:00c0:0001:0203:0405:0607']) {
      const { client, reply } = await socksConnect(gw.port, address, 443, USER, PASSWORD);
      expect(reply[1]).toBe(REPLY.SUCCEEDED);
      client.destroy();
    }
    expect(gw.opener.calls.map(({ host, port, kind }) => ({ host, port, kind }))).toEqual([
      { host: '2001:db8:0:1::a', port: 443, kind: 'ipv6' },
      { host: '::1', port: 443, kind: 'ipv6' },
      { host: '2001:db8:a0b:c0:1:203:405:607', port: 443, kind: 'ipv6' },
    ]);
  });

  it('passes domain names unresolved, lower-cased, without one trailing dot', async () => {
    const gw = await gateway();
    const { client } = await socksConnect(gw.port, 'Intranet.Example.', 8080, USER, PASSWORD);
    client.destroy();
    expect(gw.opener.calls).toMatchObject([{ host: 'intranet.example', port: 8080, kind: 'domain' }]);
  });

  it.each([
    ['NUL', Buffer.from('evil.example\0.internal')],
    ['CR/LF', Buffer.from('evil.example\r\nX-Injected: 1')],
    ['empty', Buffer.alloc(0)],
    ['a lone dot', Buffer.from('.')],
    ['a space', Buffer.from('two words.example')],
  ])('refuses a domain name with %s with a 10-byte 0x04 reply and never opens a channel', async (_label, name) => {
    const gw = await gateway();
    const { client, reply } = await socksConnect(gw.port, name, 80, USER, PASSWORD);
    expect([...reply]).toEqual(fullReply(REPLY.HOST_UNREACHABLE));
    await client.closed;
    expect(gw.opener.calls).toHaveLength(0);
    await expect.poll(() => gw.audits[0]?.code).toBe('EG_DESTINATION_INVALID');
  });

  it('answers a denied destination with a full 10-byte 0x02 reply, logs the reason, never calls the opener', async () => {
    const gw = await gateway();
    const { client, reply } = await socksConnect(gw.port, 'denied.example', 443, USER, PASSWORD);
    expect(reply).toHaveLength(REPLY_LENGTH_IPV4);
    expect([...reply]).toEqual(fullReply(REPLY.NOT_ALLOWED_BY_RULESET));
    await client.closed;
    expect(gw.opener.calls).toHaveLength(0);
    await expect.poll(() => gw.audits[0]).toMatchObject({ outcome: 'denied', code: 'EG_POLICY_DENIED' });
    expect(gw.lines.join('')).toContain('no route grants denied.example');
  });

  it.each([
    ['BIND', COMMAND.BIND, REPLY.COMMAND_NOT_SUPPORTED],
    ['UDP ASSOCIATE', COMMAND.UDP_ASSOCIATE, REPLY.COMMAND_NOT_SUPPORTED],
    ['an unknown command', 0x09, REPLY.COMMAND_NOT_SUPPORTED],
  ])('answers %s with a 10-byte 0x07 reply', async (_label, command, code) => {
    const gw = await gateway();
    const client = await RawClient.open(gw.port);
    client.send(Buffer.concat([greeting(), userPass(USER, PASSWORD), request('10.0.0.1', 53, command)]));
    await client.read(4);
    expect([...(await client.read(10))]).toEqual(fullReply(code));
    await client.closed;
    expect(gw.opener.calls).toHaveLength(0);
  });

  it('answers an unknown address type with a 10-byte 0x08 reply', async () => {
    const gw = await gateway();
    const client = await RawClient.open(gw.port);
    client.send(Buffer.concat([greeting(), userPass(USER, PASSWORD), Buffer.from([5, 1, 0, 0x07, 1, 2, 3, 4, 0, 80])]));
    await client.read(4);
    expect([...(await client.read(10))]).toEqual(fullReply(REPLY.ADDRESS_TYPE_NOT_SUPPORTED));
  });

  it('keeps each connection\'s credentials apart when two logins interleave byte by byte', async () => {
    const gw = await gateway();
    const a = await RawClient.open(gw.port);
    const b = await RawClient.open(gw.port);
    a.send(greeting());
    b.send(greeting());
    await Promise.all([a.read(2), b.read(2)]);
    const loginA = userPass(USER, PASSWORD);
    const loginB = userPass('mallory-with-a-long-name', 'nope');
    for (let i = 0; i < Math.max(loginA.length, loginB.length); i += 1) {
      if (i < loginA.length) a.send(loginA.subarray(i, i + 1));
      if (i < loginB.length) b.send(loginB.subarray(i, i + 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect([...(await a.read(2))]).toEqual([1, 0]);
    expect([...(await b.read(2))]).toEqual([1, 1]);
    a.send(request('10.9.9.9', 22));
    expect((await a.read(10))[1]).toBe(REPLY.SUCCEEDED);
    a.destroy();
  });

  it('reads a login whole from one chunk, and the CONNECT that came in the same write', async () => {
    const gw = await gateway();
    const client = await RawClient.open(gw.port);
    client.send(greeting());
    expect([...(await client.read(2))]).toEqual([5, AUTH_METHOD.USERNAME_PASSWORD]);
    client.send(Buffer.concat([userPass(USER, PASSWORD), request('10.9.9.9', 22)]));
    expect([...(await client.read(2))]).toEqual([1, 0]);
    expect([...(await client.read(10))]).toEqual(fullReply(REPLY.SUCCEEDED));
    client.destroy();
    await expect.poll(() => gw.audits[0]).toMatchObject({ subject: USER, destination: '10.9.9.9:22' });
  });

  it('logs a client that offers no-auth and username/password in with its credential, from a trusted address too', async () => {
    const gw = await gateway({ trusted: () => true });
    const client = await RawClient.open(gw.port);
    client.send(greeting([AUTH_METHOD.NO_AUTHENTICATION, AUTH_METHOD.USERNAME_PASSWORD]));
    expect([...(await client.read(2))]).toEqual([5, AUTH_METHOD.USERNAME_PASSWORD]);
    client.send(userPass(USER, PASSWORD));
    expect([...(await client.read(2))]).toEqual([1, 0]);
    client.send(request('10.9.9.9', 22));
    expect([...(await client.read(10))]).toEqual(fullReply(REPLY.SUCCEEDED));
    client.destroy();
    await expect.poll(() => gw.audits[0]?.subject).toBe(USER);
  });

  it('closes a handshake that does not complete in time (slowloris)', async () => {
    const gw = await gateway({ handshakeTimeoutMs: 300 });
    const client = await RawClient.open(gw.port);
    client.send(Buffer.from([5, 1])); // a greeting that never finishes
    await client.closed;
    await expect.poll(() => gw.audits[0]?.code).toBe('EG_HANDSHAKE_TIMEOUT');
    expect(gw.listener.connections).toBe(0);
  });

  it('closes a malformed greeting while a neighbour transfer continues', async () => {
    const gw = await gateway();
    const { client: neighbour } = await socksConnect(gw.port, '10.1.1.1', 7, USER, PASSWORD);
    neighbour.send('before');
    expect((await neighbour.read(6)).toString()).toBe('before');

    const http = await RawClient.open(gw.port);
    http.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await http.readToEnd()).length).toBe(0);
    await http.closed;

    neighbour.send('after');
    expect((await neighbour.read(5)).toString()).toBe('after');
    neighbour.destroy();
    await expect.poll(() => gw.audits.find((r) => r.code === 'EG_PROTOCOL')?.reason).toContain('version');
  });

  it('serves a real curl --socks5-hostname with the name resolved on the far side', async () => {
    const target = await startHttpTarget('hello through the gateway\n');
    const gw = await gateway({ target });
    const { stdout } = await run('curl', [
      '--silent', '--show-error', '--max-time', '30',
      '--socks5-hostname', `127.0.0.1:${gw.port}`, '--proxy-user', `${USER}:${PASSWORD}`,
      'http://Intranet.Example:8080/',
    ]);
    expect(stdout).toBe('hello through the gateway\n');
    expect(gw.opener.calls).toMatchObject([{ host: 'intranet.example', port: 8080, kind: 'domain' }]);
    await expect.poll(() => gw.audits[0]).toMatchObject({ outcome: 'ok', destination: 'intranet.example:8080' });
  });

  it('drains on close(): refuses new clients, lets a live transfer finish', async () => {
    const gw = await gateway();
    const { client } = await socksConnect(gw.port, '10.1.1.1', 7, USER, PASSWORD);
    const closing = gw.listener.close();
    await expect(RawClient.open(gw.port).then((c) => c.closed)).rejects.toThrow();
    client.send('still here');
    expect((await client.read(10)).toString()).toBe('still here');
    client.socket.end();
    await client.readToEnd();
    await closing;
    expect(gw.audits[0]?.outcome).toBe('ok');
  });

  it('destroy() ends live transfers at once', async () => {
    const gw = await gateway();
    const { client } = await socksConnect(gw.port, '10.1.1.1', 7, USER, PASSWORD);
    gw.listener.destroy();
    await client.closed;
    await gw.listener.close();
    await expect.poll(() => gw.audits[0]?.outcome).toBeDefined();
    // A shutdown, not blamed on the client: the audit says the gateway ended it.
    expect(gw.audits[0]).toMatchObject({ outcome: 'shutdown', code: 'EG_SHUTTING_DOWN' });
    expect(gw.listener.connections).toBe(0);
  });
});
