import { describe, expect, it } from 'vitest';
import { httpStatusFor } from '../../../gateway/http-proxy/status.js';

describe('HTTP proxy status for each error code', () => {
  it.each([
    ['EG_AUTH_REQUIRED', 407],
    ['EG_AUTH_FAILED', 407],
    ['EG_CREDENTIAL_EXPIRED', 407],
    ['EG_CREDENTIAL_REVOKED', 407],
    ['EG_CREDENTIAL_MALFORMED', 407],
    ['EG_CREDENTIAL_BAD_SIGNATURE', 407],
    ['EG_CREDENTIAL_SOURCE_MISMATCH', 407],
    ['EG_POLICY_DENIED', 403],
    ['EG_DESTINATION_FORBIDDEN', 403],
    ['EG_DESTINATION_INVALID', 400],
    ['EG_PROTOCOL', 400],
    ['EG_LIMIT_EXCEEDED', 429],
    ['EG_CHANNEL_TIMEOUT', 504],
    ['EG_SHUTTING_DOWN', 503],
    ['EG_TUNNEL_UNAVAILABLE', 503],
    // The tunnel side's failures: a bad gateway, never a 500 of our own.
    ['EG_CHANNEL_REFUSED', 502],
    ['EG_CHANNEL_PROHIBITED', 502],
    ['EG_UPSTREAM_PROTOCOL', 502],
    ['EG_INTERNAL', 502],
  ] as const)('%s → %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});
