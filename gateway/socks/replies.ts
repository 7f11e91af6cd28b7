// The SOCKS5 methods and replies the gateway answers with (RFC 1928), and the one table from our error codes to replies.
import type { ErrorCode } from '../../common/errors.js';

/** RFC 1928 section 3: METHOD values in the method-selection message. */
export const AUTH_METHOD = {
  NO_AUTHENTICATION: 0x00,
  USERNAME_PASSWORD: 0x02,
  NO_ACCEPTABLE_METHODS: 0xff,
} as const;

/** RFC 1928 section 6: REP values. */
export const REPLY = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED_BY_RULESET: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

export type SocksReply = (typeof REPLY)[keyof typeof REPLY];

/**
 * Error code → SOCKS reply. Anything not listed is a general failure (0x01).
 * No tunnel available is 0x01, not 0x04: the gateway failed, the destination may well be up.
 * An invalid destination (bad name, port 0) is 0x04; an unknown ATYP is 0x08 (answered by the parser).
 */
const REPLY_FOR_CODE: Partial<Record<ErrorCode, SocksReply>> = {
  EG_POLICY_DENIED: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_DESTINATION_FORBIDDEN: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_CHANNEL_PROHIBITED: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_LIMIT_EXCEEDED: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_AUTH_REQUIRED: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_AUTH_FAILED: REPLY.NOT_ALLOWED_BY_RULESET,
  EG_CHANNEL_REFUSED: REPLY.CONNECTION_REFUSED,
  EG_CHANNEL_UNREACHABLE: REPLY.HOST_UNREACHABLE,
  EG_DESTINATION_INVALID: REPLY.HOST_UNREACHABLE,
  EG_CHANNEL_TIMEOUT: REPLY.TTL_EXPIRED,
  EG_TUNNEL_UNAVAILABLE: REPLY.GENERAL_FAILURE,
  EG_TUNNEL_HOSTKEY_MISMATCH: REPLY.GENERAL_FAILURE,
  EG_TUNNEL_AUTH_FAILED: REPLY.GENERAL_FAILURE,
  EG_COMMAND_UNSUPPORTED: REPLY.COMMAND_NOT_SUPPORTED,
  EG_SHUTTING_DOWN: REPLY.GENERAL_FAILURE,
};

export function replyFor(code: ErrorCode): SocksReply {
  return REPLY_FOR_CODE[code] ?? REPLY.GENERAL_FAILURE;
}
