// The one connect path: every channel a client or an operator's forward opens comes through here. It
// refuses the always-deny list, asks the policy (routes for a client; an operator's grant names its own
// tunnel hosts), attaches the connect deadline to the connection's one cancellation, opens the channel
// and puts the connection in the live table.
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError, PolicyDeniedError, isGatewayError } from '../common/errors.js';
import { deadlineOn, type Deadline } from './deadline.js';
import type { ConnectionRecord } from './observability/connection-record.js';
import { alwaysDenied } from './policy/always-deny.js';
import { formatEndpoint } from '../common/endpoint.js';
import type {
  Abortable,
  CancelSignal,
  ChannelOpener,
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

/** An operator's forward: no route applies, the operator named the tunnel hosts (the always-deny list still does). */
export interface OperatorGrant {
  /** The forward's name: the audit line's route. */
  name: string;
  via: readonly string[];
}

export interface DialRequest {
  record: ConnectionRecord;
  destination: Destination;
  /** Who asks, for a client: the route policy decides. Exactly one of `principal` and `grant`. */
  principal?: Principal;
  grant?: OperatorGrant;
  /** The connection's one cancellation: its edge aborts it (client gone, shutdown); the dial's deadline too. */
  cancel: Abortable;
}

export interface DialResult {
  stream: Duplex;
  route: string;
  tunnelHost: string;
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

function decide(policy: PolicyDecider, { destination, principal, grant }: DialRequest): Decision {
  if (principal) return policy.decide(destination, principal);
  if (!grant) throw new GatewayError('EG_INTERNAL', 'a dial needs a principal or an operator grant');
  const denied = alwaysDenied(destination.host, destination.port);
  if (denied) return { allow: false, code: 'EG_DESTINATION_FORBIDDEN', reason: `destination is always denied: ${denied}` };
  return { allow: true, route: grant.name, via: grant.via };
}

export function createDialer(options: DialerOptions): Dialer {
  return {
    /**
     * One promise per dial, settled by the opener or by the signal (the time limit or the edge), so an
     * opener that ignores the signal still cannot hold the dial past it; a stream it delivers late is
     * destroyed. Not an async function around a race: each layer of promises is work on every short
     * connection.
     */
    dial(request) {
      const { record, destination, cancel } = request;
      const started = performance.now();
      let decision: Decision;
      try {
        decision = decide(options.policy, request);
      } catch (err) {
        record.dialSettled(started, err);
        return Promise.reject(err);
      }
      if (!decision.allow) {
        const err = new PolicyDeniedError(decision.code, decision.reason);
        record.dialSettled(started, err);
        return Promise.reject(err);
      }
      const { route, via } = decision;
      record.route = route;
      const deadline = deadlineOn(cancel, options.connectTimeoutMs, channelTimeout);
      const signal = cancel.signal;
      return new Promise<DialResult>((resolve, reject) => {
        let settled = false;
        const finish = (): void => {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          deadline.dispose();
        };
        const fail = (err: unknown): void => {
          if (settled) return;
          finish();
          const reason = dialError(err, deadline, signal);
          record.dialSettled(started, reason);
          reject(reason);
        };
        const onAbort = (): void => fail(signal.reason);
        const opened = (channel: OpenedChannel): void => {
          if (settled || signal.aborted) {
            channel.stream.destroy();
            return fail(signal.reason);
          }
          finish();
          record.dialSettled(started);
          record.opened(route, channel.host, channel.stream);
          resolve({ stream: channel.stream, route, tunnelHost: channel.host });
        };
        try {
          options.channels.openChannel(destination, via, { origin: record.origin, signal }).then(opened, fail);
        } catch (err) {
          return fail(err);
        }
        if (signal.aborted) fail(signal.reason);
        else if (!settled) signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** Why a dial failed, in the edge's terms: the time limit first (it aborts the edge's cancellation too). */
function dialError(err: unknown, deadline: Deadline, signal: CancelSignal): unknown {
  if (deadline.timedOut) return new GatewayError('EG_CHANNEL_TIMEOUT', undefined, { cause: err });
  if (signal.aborted) {
    // The edge says why it gave up (client left, shutdown); anything else counts as shutdown.
    if (isGatewayError(signal.reason)) return signal.reason;
    return new GatewayError('EG_SHUTTING_DOWN', undefined, { cause: err });
  }
  if (isGatewayError(err)) return err;
  return new GatewayError('EG_INTERNAL', 'opening the channel failed', { cause: err });
}
