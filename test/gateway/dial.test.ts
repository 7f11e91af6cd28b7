import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../common/errors.js';
import type { CancelSignal, ChannelOpener, Destination, OpenedChannel } from '../../gateway/contracts.js';
import { Cancellation } from '../../gateway/cancel.js';
import { createDialer, normaliseDestination } from '../../gateway/dial.js';
import { outcomeFor } from '../../gateway/observability/outcome.js';
import { testBook } from '../harness/connection-book.js';
import { TestPolicy, principalFor } from './socks/fixtures.js';

const origin = { address: '127.0.0.1', port: 40000 };
const principal = principalFor('alice');
const { book, table } = testBook();
/** A connection's record and its one cancellation, as an edge makes them. */
const edge = (cancel = new Cancellation()) => ({ record: book.open('socks5', origin), cancel });

class RecordingOpener implements ChannelOpener {
  calls: Destination[] = [];
  constructor(private readonly open: (signal: CancelSignal) => Promise<OpenedChannel>) {}
  openChannel(destination: Destination, _via: readonly string[], options: { signal: CancelSignal }) {
    this.calls.push(destination);
    return this.open(options.signal);
  }
}

describe('normaliseDestination', () => {
  it.each([
    ['10.0.0.1', 80, { host: '10.0.0.1', port: 80, kind: 'ipv4' }],
    ['2001:0DB8:0:0:0:0:0:1', 443, { host: '2001:db8::1', port: 443, kind: 'ipv6' }],
    ['::ffff:10.0.0.1', 443, { host: '::ffff:a00:1', port: 443, kind: 'ipv6' }],
    ['Intranet.Example.', 8080, { host: 'intranet.example', port: 8080, kind: 'domain' }],
    ['2852039166', 80, { host: '2852039166', port: 80, kind: 'domain' }],
    ['db_1.corp', 5432, { host: 'db_1.corp', port: 5432, kind: 'domain' }],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`, 1, { kind: 'domain' }],
  ])('normalises %s:%i', (host, port, expected) => {
    expect(normaliseDestination(host, port)).toMatchObject(expected);
  });

  it.each([
    ['', 80], ['.', 80], ['a..b', 80], ['evil\0.example', 80], ['evil\r\n.example', 80], ['two words', 80],
    ['a'.repeat(64), 80], [`${'a'.repeat(63)}.`.repeat(4) + 'abcd', 80], ['fe80::1%eth0', 80],
    ['10.0.0.1', 65_536], ['example.com', -1],
  ])('refuses %j port %i as EG_DESTINATION_INVALID', (host, port) => {
    expect(() => normaliseDestination(host, port)).toThrow(expect.objectContaining({ code: 'EG_DESTINATION_INVALID' }));
  });

  it('refuses port 0 as a policy refusal (always denied), not as an unreachable host', () => {
    expect(() => normaliseDestination('10.0.0.1', 0)).toThrow(expect.objectContaining({ code: 'EG_DESTINATION_FORBIDDEN' }));
  });
});

describe('createDialer', () => {
  it('decides before anything reaches SSH: a denial never opens a channel', async () => {
    const opener = new RecordingOpener(async () => ({ stream: new PassThrough(), host: 'h' }));
    const dialer = createDialer({ policy: new TestPolicy(), channels: opener, connectTimeoutMs: 1_000 });
    const dial = dialer.dial({ destination: normaliseDestination('denied.example', 443), principal, ...edge() });
    await expect(dial).rejects.toMatchObject({ code: 'EG_POLICY_DENIED', message: 'no route grants denied.example' });
    expect(opener.calls).toHaveLength(0);
  });

  it('returns the stream, the route and the tunnel host of a granted destination', async () => {
    const stream = new PassThrough();
    const opener = new RecordingOpener(async () => ({ stream, host: 'bastion-1' }));
    const dialer = createDialer({ policy: new TestPolicy(), channels: opener, connectTimeoutMs: 1_000 });
    const result = await dialer.dial({ destination: normaliseDestination('db.corp', 5432), principal, ...edge() });
    expect(result).toEqual({ stream, route: 'test-route', tunnelHost: 'bastion-1' });
  });

  it('times out an opener that never answers, and destroys a stream that arrives late', async () => {
    const late = new PassThrough();
    let resolveLate!: (channel: OpenedChannel) => void;
    const opener = new RecordingOpener(() => new Promise((resolve) => (resolveLate = resolve)));
    const dialer = createDialer({ policy: new TestPolicy(), channels: opener, connectTimeoutMs: 50 });
    await expect(dialer.dial({ destination: normaliseDestination('db.corp', 1), principal, ...edge() }))
      .rejects.toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
    resolveLate({ stream: late, host: 'h' });
    await once(late, 'close');
  });

  it('passes the opener\'s GatewayError through and reports a caller abort as shutting down', async () => {
    const refused = new RecordingOpener(async () => {
      throw new GatewayError('EG_CHANNEL_REFUSED');
    });
    const dialer = createDialer({ policy: new TestPolicy(), channels: refused, connectTimeoutMs: 1_000 });
    await expect(dialer.dial({ destination: normaliseDestination('db.corp', 1), principal, ...edge() }))
      .rejects.toMatchObject({ code: 'EG_CHANNEL_REFUSED' });

    const hanging = new RecordingOpener((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const shutdown = new Cancellation();
    const dialing = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 60_000 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, ...edge(shutdown) });
    shutdown.abort();
    await expect(dialing).rejects.toMatchObject({ code: 'EG_SHUTTING_DOWN' });

    const clientLeft = new Cancellation();
    const abandoned = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 60_000 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, ...edge(clientLeft) });
    clientLeft.abort(new GatewayError('EG_STREAM_RESET', 'client left before the reply'));
    await expect(abandoned).rejects.toMatchObject({ code: 'EG_STREAM_RESET' });
  });

  it("runs its time limit on the connection's own cancellation: one per connection, and a timeout told from the edge's abort", async () => {
    const seen: CancelSignal[] = [];
    const hanging = new RecordingOpener((signal) => {
      seen.push(signal);
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    const cancellation = new Cancellation();
    await expect(
      createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 50 })
        .dial({ destination: normaliseDestination('db.corp', 1), principal, ...edge(cancellation) }),
    ).rejects.toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
    // No second controller: the opener waited on the edge's cancellation, which the limit aborted.
    expect(seen[0]).toBe(cancellation);
    expect(cancellation.reason).toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
  });

  it('opens an operator grant on its own tunnel hosts without a route, and refuses the always-deny list for it', async () => {
    const stream = new PassThrough();
    const opener = new RecordingOpener(async () => ({ stream, host: 'bastion-2' }));
    const dialer = createDialer({ policy: new TestPolicy(['db.corp']), channels: opener, connectTimeoutMs: 1_000 });
    const grant = { name: 'db-forward', via: ['bastion-2'] };
    // The route policy would deny db.corp: an operator's grant does not ask it.
    await expect(dialer.dial({ destination: normaliseDestination('db.corp', 5432), grant, ...edge() })).resolves.toMatchObject({ route: 'db-forward', tunnelHost: 'bastion-2' });
    for (const host of ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2']) {
      await expect(dialer.dial({ destination: normaliseDestination(host, 80), grant, ...edge() })).rejects.toMatchObject({ code: 'EG_DESTINATION_FORBIDDEN' });
    }
    expect(opener.calls).toHaveLength(1);
  });

  it("puts an opened connection in the live table under its record's id", async () => {
    const stream = new PassThrough();
    const dialer = createDialer({ policy: new TestPolicy(), channels: new RecordingOpener(async () => ({ stream, host: 'h' })), connectTimeoutMs: 1_000 });
    const request = edge();
    await dialer.dial({ destination: normaliseDestination('db.corp', 5432), principal, ...request });
    expect(table.list().find((c) => c.id === request.record.id)).toMatchObject({ destination: undefined, route: 'test-route', tunnelHost: 'h' });
    request.record.end();
    expect(table.list().find((c) => c.id === request.record.id)).toBeUndefined();
  });

  it('maps codes to audit outcomes', () => {
    expect(outcomeFor('EG_POLICY_DENIED')).toBe('denied');
    expect(outcomeFor('EG_AUTH_FAILED')).toBe('auth_failed');
    expect(outcomeFor('EG_LIMIT_EXCEEDED')).toBe('limit');
    expect(outcomeFor('EG_CHANNEL_REFUSED')).toBe('tunnel_error');
  });
});
