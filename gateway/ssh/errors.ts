// Turns ssh2's errors (tagged by `level` or a numeric channel-open `reason`) into GatewayError codes.
import { GatewayError, isGatewayError, type ErrorCode } from '../../common/errors.js';

/** RFC 4254 §5.1 SSH_MSG_CHANNEL_OPEN_FAILURE reason codes. */
export const OPEN_FAILURE = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

interface Ssh2ErrorShape {
  message?: string;
  level?: string;
  reason?: number | string;
}

function shapeOf(err: unknown): Ssh2ErrorShape {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

// OpenSSH's sshd puts strerror()/gai_strerror() text in the description of a CONNECT_FAILED reply.
const UNREACHABLE_TEXT = /no route|unreachable|name or service not known|temporary failure in name resolution|no address associated|nodename nor servname|name does not resolve/i;
const TIMED_OUT_TEXT = /timed out/i;

/** Code for a failed direct-tcpip (or forwarded) channel open. */
export function channelOpenCode(err: unknown): ErrorCode {
  const { reason, message = '' } = shapeOf(err);
  switch (reason) {
    case OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED:
    case OPEN_FAILURE.UNKNOWN_CHANNEL_TYPE:
      return 'EG_CHANNEL_PROHIBITED';
    case OPEN_FAILURE.CONNECT_FAILED:
      if (UNREACHABLE_TEXT.test(message)) return 'EG_CHANNEL_UNREACHABLE';
      if (TIMED_OUT_TEXT.test(message)) return 'EG_CHANNEL_TIMEOUT';
      return 'EG_CHANNEL_REFUSED';
    default:
      // RESOURCE_SHORTAGE, or no reason: the connection went away (ssh2 says "No response from server" / "Not connected").
      return 'EG_TUNNEL_UNAVAILABLE';
  }
}

/** Code for a failed or lost SSH connection. */
export function connectionCode(err: unknown): ErrorCode {
  const { level, message = '' } = shapeOf(err);
  if (level === 'client-authentication') return 'EG_TUNNEL_AUTH_FAILED';
  // "no matching host key format": the host offers no key of a type we ask for (see pool.ts).
  if (level === 'handshake' && /verification failed|no matching host key/i.test(message)) return 'EG_TUNNEL_HOSTKEY_MISMATCH';
  return 'EG_TUNNEL_UNAVAILABLE';
}

export const channelOpenError = (err: unknown, where: string): GatewayError => sshError(err, where, channelOpenCode);

export const connectionError = (err: unknown, where: string): GatewayError => sshError(err, where, connectionCode);

function sshError(err: unknown, where: string, codeOf: (err: unknown) => ErrorCode): GatewayError {
  if (isGatewayError(err)) return err;
  const code = codeOf(err);
  return new GatewayError(code, `${where}: ${shapeOf(err).message ?? code}`, { cause: err });
}
