// ssh2's error shapes → our codes, one table.
import { describe, expect, it } from 'vitest';
import { channelOpenCode, connectionCode } from '../../../gateway/ssh/index.js';

const openFailure = (reason: number | string, description: string) =>
  Object.assign(new Error(`(SSH) Channel open failure: ${description}`), { reason });

describe('channel open failures', () => {
  it.each([
    [openFailure(1, 'administratively prohibited: open failed'), 'EG_CHANNEL_PROHIBITED'],
    [openFailure(2, 'Connection refused'), 'EG_CHANNEL_REFUSED'],
    [openFailure(2, 'No route to host'), 'EG_CHANNEL_UNREACHABLE'],
    [openFailure(2, 'Network is unreachable'), 'EG_CHANNEL_UNREACHABLE'],
    [openFailure(2, 'Name or service not known'), 'EG_CHANNEL_UNREACHABLE'],
    [openFailure(2, 'Temporary failure in name resolution'), 'EG_CHANNEL_UNREACHABLE'],
    [openFailure(2, 'Connection timed out'), 'EG_CHANNEL_TIMEOUT'],
    [openFailure(3, 'unknown channel type'), 'EG_CHANNEL_PROHIBITED'],
    [openFailure(4, 'resource shortage'), 'EG_TUNNEL_UNAVAILABLE'],
    [openFailure('', 'server closed channel unexpectedly'), 'EG_TUNNEL_UNAVAILABLE'],
    [new Error('No response from server'), 'EG_TUNNEL_UNAVAILABLE'],
  ])('%s → %s', (err, code) => expect(channelOpenCode(err)).toBe(code));
});

describe('connection failures', () => {
  const tagged = (level: string, message = 'x') => Object.assign(new Error(message), { level });
  it.each([
    [tagged('client-authentication', 'All configured authentication methods failed'), 'EG_TUNNEL_AUTH_FAILED'],
    [tagged('client-timeout', 'Keepalive timeout'), 'EG_TUNNEL_UNAVAILABLE'],
    [tagged('client-timeout', 'Timed out while waiting for handshake'), 'EG_TUNNEL_UNAVAILABLE'],
    [tagged('client-socket', 'connect ECONNREFUSED'), 'EG_TUNNEL_UNAVAILABLE'],
    [tagged('protocol', 'Connection lost before handshake'), 'EG_TUNNEL_UNAVAILABLE'],
    [tagged('handshake', 'Host denied (verification failed)'), 'EG_TUNNEL_HOSTKEY_MISMATCH'],
    [tagged('handshake', 'Handshake failed: no matching host key format'), 'EG_TUNNEL_HOSTKEY_MISMATCH'],
    [tagged('handshake', 'Handshake failed: no matching C->S cipher'), 'EG_TUNNEL_UNAVAILABLE'],
    [new Error('plain'), 'EG_TUNNEL_UNAVAILABLE'],
  ])('%s → %s', (err, code) => expect(connectionCode(err)).toBe(code));
});
