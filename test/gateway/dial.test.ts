import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../common/errors.js';
import type { CancelSignal, ChannelOpener, Destination, OpenedChannel } from '../../gateway/contracts.js';
import { Cancellation } from '../../gateway/cancel.js';
import { createDialer, normaliseDestination, outcomeFor } from '../../gateway/dial.js';
import { TestPolicy, principalFor } from './socks/fixtures.js';

const origin = { address: '127.0.0.1', port: 40000 };
const principal = principalFor('alice');

class RecordingOpener implements ChannelOpener {
  calls: Destination[] = [];
  constructor(private readonly open: (signal?: CancelSignal) => Promise<OpenedChannel>) {}
  openChannel(destination: Destination, _via: readonly string[], options: { signal?: CancelSignal }) {
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
    const dial = dialer.dial({ destination: normaliseDestination('denied.example', 443), principal, origin });
    await expect(dial).rejects.toMatchObject({ code: 'EG_POLICY_DENIED', message: 'no route grants denied.example' });
    expect(opener.calls).toHaveLength(0);
  });

  it('returns the stream, the route and the tunnel host of a granted destination', async () => {
    const stream = new PassThrough();
    const opener = new RecordingOpener(async () => ({ stream, host: 'bastion-1' }));
    const dialer = createDialer({ policy: new TestPolicy(), channels: opener, connectTimeoutMs: 1_000 });
    const result = await dialer.dial({ destination: normaliseDestination('db.corp', 5432), principal, origin });
    expect(result).toEqual({ stream, route: 'test-route', tunnelHost: 'bastion-1' });
  });

  it('times out an opener that never answers, and destroys a stream that arrives late', async () => {
    const late = new PassThrough();
    let resolveLate!: (channel: OpenedChannel) => void;
    const opener = new RecordingOpener(() => new Promise((resolve) => (resolveLate = resolve)));
    const dialer = createDialer({ policy: new TestPolicy(), channels: opener, connectTimeoutMs: 50 });
    await expect(dialer.dial({ destination: normaliseDestination('db.corp', 1), principal, origin }))
      .rejects.toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
    resolveLate({ stream: late, host: 'h' });
    await once(late, 'close');
  });

  it('passes the opener\'s GatewayError through and reports a caller abort as shutting down', async () => {
    const refused = new RecordingOpener(async () => {
      throw new GatewayError('EG_CHANNEL_REFUSED');
    });
    const dialer = createDialer({ policy: new TestPolicy(), channels: refused, connectTimeoutMs: 1_000 });
    await expect(dialer.dial({ destination: normaliseDestination('db.corp', 1), principal, origin }))
      .rejects.toMatchObject({ code: 'EG_CHANNEL_REFUSED' });

    const hanging = new RecordingOpener((signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))));
    const controller = new AbortController();
    const dialing = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 60_000 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, origin, signal: controller.signal });
    controller.abort();
    await expect(dialing).rejects.toMatchObject({ code: 'EG_SHUTTING_DOWN' });

    const clientLeft = new AbortController();
    const abandoned = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 60_000 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, origin, signal: clientLeft.signal });
    clientLeft.abort(new GatewayError('EG_STREAM_RESET', 'client left before the reply'));
    await expect(abandoned).rejects.toMatchObject({ code: 'EG_STREAM_RESET' });
  });

  it("runs its time limit on the caller's own controller when given one, and still tells a caller abort from a timeout", async () => {
    const seen: Array<CancelSignal | undefined> = [];
    const hanging = new RecordingOpener((signal) => {
      seen.push(signal);
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    });
    const timedOut = new AbortController();
    await expect(
      createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 50 })
        .dial({ destination: normaliseDestination('db.corp', 1), principal, origin, signal: timedOut.signal, abort: timedOut }),
    ).rejects.toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
    // No second controller: the opener waited on the caller's signal, which the limit aborted.
    expect(seen[0]).toBe(timedOut.signal);
    expect(timedOut.signal.reason).toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });

    const clientLeft = new AbortController();
    const abandoned = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 60_000 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, origin, signal: clientLeft.signal, abort: clientLeft });
    clientLeft.abort(new GatewayError('EG_STREAM_RESET', 'client left before the reply'));
    await expect(abandoned).rejects.toMatchObject({ code: 'EG_STREAM_RESET' });

    // The SOCKS listener's own Cancellation serves the same way.
    const cancellation = new Cancellation();
    const viaCancellation = createDialer({ policy: new TestPolicy(), channels: hanging, connectTimeoutMs: 50 })
      .dial({ destination: normaliseDestination('db.corp', 1), principal, origin, signal: cancellation.signal, abort: cancellation });
    await expect(viaCancellation).rejects.toMatchObject({ code: 'EG_CHANNEL_TIMEOUT' });
    expect(seen.at(-1)).toBe(cancellation);
  });

  it('maps codes to audit outcomes', () => {
    expect(outcomeFor('EG_POLICY_DENIED')).toBe('denied');
    expect(outcomeFor('EG_AUTH_FAILED')).toBe('auth_failed');
    expect(outcomeFor('EG_LIMIT_EXCEEDED')).toBe('limit');
    expect(outcomeFor('EG_CHANNEL_REFUSED')).toBe('tunnel_error');
  });
});
