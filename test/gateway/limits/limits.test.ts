import { afterEach, describe, expect, it } from 'vitest';
import { AuthFailureLimiter, ConnectionLimits } from '../../../gateway/limits/index.js';
import { AUTH_METHOD, REPLY } from '../../../gateway/socks/replies.js';
import { PASSWORD, USER, startGateway } from '../socks/fixtures.js';
import type { Gateway } from '../socks/fixtures.js';
import { RawClient, greeting, socksConnect } from '../socks/socks-client.js';

const running: Gateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
});

describe('ConnectionLimits', () => {
  it('caps concurrent connections per source and per subject, and frees slots on release', () => {
    const limits = new ConnectionLimits({ maxPerSource: 2, maxPerSubject: 3 });
    const a = limits.tryAcquire('10.0.0.1', 'alice');
    const b = limits.tryAcquire('::ffff:10.0.0.1', 'alice');
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(limits.tryAcquire('10.0.0.1', 'bob')).toMatchObject({ ok: false, refusal: { code: 'EG_LIMIT_EXCEEDED', limit: 'per_source' } });
    expect(limits.tryAcquire('10.0.0.2', 'alice').ok).toBe(true);
    expect(limits.tryAcquire('10.0.0.3', 'alice')).toMatchObject({ ok: false, refusal: { limit: 'per_subject', message: expect.stringContaining('subject') } });
    if (a.ok) {
      a.release();
      a.release(); // idempotent
    }
    expect(limits.tryAcquire('10.0.0.1', 'carol').ok).toBe(true);
  });

  it('forgets keys whose count drops to zero', () => {
    const limits = new ConnectionLimits({ maxPerSource: 1 });
    const grants = Array.from({ length: 100 }, (_, i) => limits.tryAcquire(`10.0.${i}.1`, `user-${i}`));
    for (const grant of grants) if (grant.ok) grant.release();
    expect(limits.tracked).toEqual({ sources: 0, subjects: 0 });
  });
});

describe('AuthFailureLimiter', () => {
  it('blocks a source after its burst of failures and lets it back as the bucket refills', () => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter({ burst: 3, refillPerSecond: 0.5, now: () => now });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.isBlocked('192.0.2.7')).toBe(false);
      limiter.recordFailure('192.0.2.7');
    }
    expect(limiter.isBlocked('192.0.2.7')).toBe(true);
    expect(limiter.isBlocked('192.0.2.8')).toBe(false);
    now += 1_999;
    expect(limiter.isBlocked('192.0.2.7')).toBe(true);
    now += 1;
    expect(limiter.isBlocked('192.0.2.7')).toBe(false);
  });

  it('remembers a bounded number of sources', () => {
    const limiter = new AuthFailureLimiter({ burst: 1, refillPerSecond: 1, now: () => 0, maxTrackedKeys: 50 });
    for (let i = 0; i < 1_000; i += 1) limiter.recordFailure(`10.1.${i >> 8}.${i & 255}`);
    expect(limiter.trackedSources).toBe(50);
  });
});

describe('limits on the SOCKS listener', () => {
  it('refuses the connection over the per-source cap with 0x02 and audits it as a limit', async () => {
    const gw = await startGateway({ limits: { connections: new ConnectionLimits({ maxPerSource: 2 }) } });
    running.push(gw);
    const first = await socksConnect(gw.port, '10.0.0.1', 7, USER, PASSWORD);
    const second = await socksConnect(gw.port, '10.0.0.1', 7, 'user-2', PASSWORD);
    const third = await socksConnect(gw.port, '10.0.0.1', 7, 'user-3', PASSWORD);
    expect([first.reply[1], second.reply[1]]).toEqual([REPLY.SUCCEEDED, REPLY.SUCCEEDED]);
    expect([...third.reply]).toEqual([5, REPLY.NOT_ALLOWED_BY_RULESET, 0, 1, 0, 0, 0, 0, 0, 0]);
    await expect.poll(() => gw.audits.find((r) => r.outcome === 'limit')).toMatchObject({ code: 'EG_LIMIT_EXCEEDED' });
    expect(gw.opener.calls).toHaveLength(2);

    first.client.destroy();
    await first.client.closed;
    await expect.poll(async () => {
      const again = await socksConnect(gw.port, '10.0.0.1', 7, 'user-4', PASSWORD);
      again.client.destroy();
      return again.reply[1];
    }).toBe(REPLY.SUCCEEDED);
    second.client.destroy();
  });

  it('refuses the connection over the per-subject cap with 0x02', async () => {
    const gw = await startGateway({ limits: { connections: new ConnectionLimits({ maxPerSubject: 1 }) } });
    running.push(gw);
    const first = await socksConnect(gw.port, '10.0.0.1', 7, USER, PASSWORD);
    const second = await socksConnect(gw.port, '10.0.0.1', 7, USER, PASSWORD);
    expect(first.reply[1]).toBe(REPLY.SUCCEEDED);
    expect(second.reply[1]).toBe(REPLY.NOT_ALLOWED_BY_RULESET);
    first.client.destroy();
  });

  it('stops checking passwords from a source after repeated failures: no acceptable method, audited as a limit', async () => {
    const limiter = new AuthFailureLimiter({ burst: 3, refillPerSecond: 0.001 });
    const gw = await startGateway({ limits: { authFailures: limiter } });
    running.push(gw);
    for (let i = 0; i < 3; i += 1) {
      const attempt = await socksConnect(gw.port, '10.0.0.1', 7, USER, `bad-${i}`);
      expect([...(attempt.status ?? [])]).toEqual([1, 1]);
      await attempt.client.closed;
    }
    const blocked = await RawClient.open(gw.port);
    blocked.send(greeting());
    expect([...(await blocked.read(2))]).toEqual([5, AUTH_METHOD.NO_ACCEPTABLE_METHODS]);
    await blocked.closed;
    expect(gw.authenticator.passwordChecks).toBe(3);
    await expect.poll(() => gw.audits.find((r) => r.outcome === 'limit')).toMatchObject({ code: 'EG_LIMIT_EXCEEDED' });
  });
});
