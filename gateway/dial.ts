// The protocol-neutral connect path: normalise → decide → open a channel. SOCKS, the HTTP proxy and
// static forwards all come through here, so no destination reaches SSH without a policy decision.
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError, PolicyDeniedError, isGatewayError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { createDeadline, deadlineOn, type Deadline } from './deadline.js';
import type { PipeResult } from './pipe.js';
import { formatEndpoint } from './endpoint.js';
import type {
  Abortable,
  CancelSignal,
  ChannelOpener,
  ClientAddress,
  ConnectionOutcome,
  Decision,
  Destination,
  OpenedChannel,
  PolicyDecider,
  Principal,
} from './contracts.js';

const MAX_PORT = 65_535;
/** RFC 1928 carries a name in at most 255 bytes; RFC 1035 labels are at most 63. */
const MAX_NAME_BYTES = 255;
const MAX_LABEL_BYTES = 63;
const NAME_CHARACTERS = /^[a-z0-9_-]+$/;
// C0 controls (NUL, CR, LF, ...) and DEL: reported by name, they are the classic injection bytes.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function invalid(reason: string): GatewayError {
  return new GatewayError('EG_DESTINATION_INVALID', `destination is invalid: ${reason}`);
}

function canonicalIpv6(address: string): string {
  if (address.includes('%')) throw invalid('IPv6 zone identifiers are not accepted');
  // WHATWG URL serialises IPv6 hosts in RFC 5952 canonical form (lower case, longest zero run compressed).
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** IPs in canonical form, names lower-case without one trailing dot; an IP literal sent as a name is an IP. */
export function normaliseDestination(host: string, port: number): Destination {
  // Port 0 is a wildcard no route can mean: a policy refusal (SOCKS 0x02), not an unreachable host.
  if (port === 0) throw new PolicyDeniedError('EG_DESTINATION_FORBIDDEN', 'destination is always denied: port 0');
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) throw invalid(`port ${port} is out of range`);
  const family = isIP(host);
  if (family === 4) return { host, port, kind: 'ipv4' };
  if (family === 6) return { host: canonicalIpv6(host), port, kind: 'ipv6' };
  if (CONTROL_CHARACTERS.test(host)) throw invalid('name contains control characters');
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  if (name.length === 0) throw invalid('name is empty');
  if (Buffer.byteLength(host) > MAX_NAME_BYTES) throw invalid(`name is longer than ${MAX_NAME_BYTES} bytes`);
  for (const label of name.split('.')) {
    if (label.length === 0) throw invalid('name has an empty label');
    if (label.length > MAX_LABEL_BYTES) throw invalid(`name has a label longer than ${MAX_LABEL_BYTES} bytes`);
    if (!NAME_CHARACTERS.test(label)) throw invalid('name has characters outside letters, digits, "-" and "_"');
  }
  return { host: name, port, kind: 'domain' };
}

export function formatDestination(destination: Destination): string {
  return formatEndpoint(destination.host, destination.port);
}

export interface DialRequest {
  /** The connection's id at its edge: the same in its audit line, in /v1/connections and in its log lines. */
  conn?: string;
  destination: Destination;
  principal: Principal;
  origin: ClientAddress;
  signal?: CancelSignal;
  /**
   * The controller behind `signal`, when the caller lets the dial's time limit abort it as well: then
   * one controller serves the connection instead of two (the caller's and the deadline's).
   */
  abort?: Abortable;
}

export interface DialResult {
  stream: Duplex;
  route: string;
  tunnelHost: string;
  /** Live byte counts for whoever carries the stream to add to (the connection table's entry). */
  counters?: PipeResult;
}

export interface Dialer {
  dial(request: DialRequest): Promise<DialResult>;
}

export interface DialerOptions {
  policy: PolicyDecider;
  channels: ChannelOpener;
  connectTimeoutMs: number;
}

const channelTimeout = (): GatewayError => new GatewayError('EG_CHANNEL_TIMEOUT');

export function createDialer(options: DialerOptions): Dialer {
  return {
    /**
     * One promise per dial, settled by the opener or by the signal (the time limit or the caller), so
     * an opener that ignores the signal still cannot hold the dial past it; a stream it delivers late
     * is destroyed. Not an async function around a race: each layer of promises is work on every
     * short connection.
     */
    dial({ destination, principal, origin, signal: callerSignal, abort }) {
      let decision: Decision;
      try {
        decision = options.policy.decide(destination, principal);
      } catch (err) {
        return Promise.reject(err);
      }
      if (!decision.allow) return Promise.reject(new PolicyDeniedError(decision.code, decision.reason));
      const { route, via } = decision;
      const signal = abort?.signal ?? callerSignal;
      const deadline = abort ? deadlineOn(abort, options.connectTimeoutMs, channelTimeout) : createDeadline(options.connectTimeoutMs, signal, channelTimeout);
      const guard = deadline.signal;
      return new Promise<DialResult>((resolve, reject) => {
        let settled = false;
        const finish = (): void => {
          settled = true;
          guard.removeEventListener('abort', onAbort);
          deadline.dispose();
        };
        const fail = (err: unknown): void => {
          if (settled) return;
          finish();
          reject(dialError(err, deadline, signal));
        };
        const onAbort = (): void => fail(guard.reason);
        const opened = (channel: OpenedChannel): void => {
          if (settled || guard.aborted) {
            channel.stream.destroy();
            return fail(guard.reason);
          }
          finish();
          resolve({ stream: channel.stream, route, tunnelHost: channel.host });
        };
        try {
          options.channels.openChannel(destination, via, { origin, signal: guard, bounded: true }).then(opened, fail);
        } catch (err) {
          return fail(err);
        }
        if (guard.aborted) fail(guard.reason);
        else if (!settled) guard.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** Why a dial failed, in the caller's terms: its time limit first (a shared controller also aborts the caller's signal). */
function dialError(err: unknown, deadline: Deadline, signal: CancelSignal | undefined): unknown {
  if (deadline.timedOut) return new GatewayError('EG_CHANNEL_TIMEOUT', undefined, { cause: err });
  if (signal?.aborted) {
    // The caller says why it gave up (client left, shutdown); anything else counts as shutdown.
    if (isGatewayError(signal.reason)) return signal.reason;
    return new GatewayError('EG_SHUTTING_DOWN', undefined, { cause: err });
  }
  if (isGatewayError(err)) return err;
  return new GatewayError('EG_INTERNAL', 'opening the channel failed', { cause: err });
}

const OUTCOME_FOR_CODE: Partial<Record<ErrorCode, ConnectionOutcome>> = {
  EG_AUTH_REQUIRED: 'auth_failed',
  EG_AUTH_FAILED: 'auth_failed',
  EG_CREDENTIAL_EXPIRED: 'auth_failed',
  EG_CREDENTIAL_REVOKED: 'auth_failed',
  EG_CREDENTIAL_MALFORMED: 'auth_failed',
  EG_CREDENTIAL_BAD_SIGNATURE: 'auth_failed',
  EG_CREDENTIAL_SOURCE_MISMATCH: 'auth_failed',
  EG_POLICY_DENIED: 'denied',
  EG_DESTINATION_FORBIDDEN: 'denied',
  EG_DESTINATION_INVALID: 'client_error',
  EG_PROTOCOL: 'client_error',
  EG_HANDSHAKE_TIMEOUT: 'client_error',
  EG_COMMAND_UNSUPPORTED: 'client_error',
  EG_LIMIT_EXCEEDED: 'limit',
  EG_SHUTTING_DOWN: 'shutdown',
  EG_CONNECTION_EXPIRED: 'limit',
  EG_IDLE_TIMEOUT: 'limit',
  EG_STREAM_RESET: 'client_error',
};

/** The audit outcome of a connection that failed with `code`; SSH-side failures are tunnel errors. */
export function outcomeFor(code: ErrorCode): ConnectionOutcome {
  return OUTCOME_FOR_CODE[code] ?? 'tunnel_error';
}
