// Refuses a channel open with reason 1 (ADMINISTRATIVELY_PROHIBITED, RFC 4254 section 5.1).
//
// ssh2 1.17's server-side reject() always answers CONNECT_FAILED (2) once a channel is reserved,
// but the gateway maps only "prohibited" to SOCKS 0x02 (not allowed by ruleset). So for the one
// synchronous reject() call we let the protocol object send reason 1 instead.
import type { Connection, RejectConnection } from 'ssh2';
import { OPEN_FAILURE } from '../ssh/index.js';

interface OpenFailSender {
  channelOpenFail(recipient: number, reason: number, description?: string): void;
}

export function rejectProhibited(client: Connection, reject: RejectConnection): void {
  const protocol = (client as unknown as { _protocol?: OpenFailSender })._protocol;
  if (!protocol || typeof protocol.channelOpenFail !== 'function') return void reject();
  const hadOwn = Object.hasOwn(protocol, 'channelOpenFail');
  // Called as original.call(protocol, …) below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = protocol.channelOpenFail;
  protocol.channelOpenFail = (recipient, _reason, description) =>
    original.call(protocol, recipient, OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, description ?? '');
  try {
    reject();
  } finally {
    if (hadOwn) protocol.channelOpenFail = original;
    else delete (protocol as Partial<OpenFailSender>).channelOpenFail;
  }
}
