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
  code?: string | number;
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
    case OPEN_FAILURE.RESOURCE_SHORTAGE:
      return 'EG_TUNNEL_UNAVAILABLE';
    default:
      // No reason: the connection went away (ssh2 says "No response from server" / "Not connected").
      return 'EG_TUNNEL_UNAVAILABLE';
  }
}

export function channelOpenError(err: unknown, where: string): GatewayError {
  if (isGatewayError(err)) return err;
  const code = channelOpenCode(err);
  return new GatewayError(code, `${where}: ${shapeOf(err).message ?? code}`, { cause: err });
}

/** Code for a failed or lost SSH connection. */
export function connectionCode(err: unknown): ErrorCode {
  const { level, message = '' } = shapeOf(err);
  switch (level) {
    case 'client-authentication':
      return 'EG_TUNNEL_AUTH_FAILED';
    case 'client-timeout':
    case 'client-socket':
    case 'client-dns':
    case 'protocol':
      return 'EG_TUNNEL_UNAVAILABLE';
    case 'handshake':
      // "no matching host key format": the host offers no key of a type we ask for (see pool.ts).
      return /verification failed|no matching host key/i.test(message) ? 'EG_TUNNEL_HOSTKEY_MISMATCH' : 'EG_TUNNEL_UNAVAILABLE';
    default:
      return 'EG_TUNNEL_UNAVAILABLE';
  }
}

export function connectionError(err: unknown, where: string): GatewayError {
  if (isGatewayError(err)) return err;
  const code = connectionCode(err);
  return new GatewayError(code, `${where}: ${shapeOf(err).message ?? code}`, { cause: err });
}
