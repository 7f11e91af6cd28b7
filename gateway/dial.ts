// The one connect path: every channel a client or an operator's forward opens comes through here. It
// refuses the always-deny list, asks the policy (routes for a client; an operator's grant names its own
// tunnel hosts), attaches the connect deadline to the connection's one cancellation, opens the channel
// and puts the connection in the live table.
import type { Duplex } from 'node:stream';
import { GatewayError, PolicyDeniedError, isGatewayError } from '../common/errors.js';
export { formatDestination, normaliseDestination } from './destination.js';
import { Deadline } from './deadline.js';
import type { ConnectionRecord } from './observability/connection-record.js';
import { alwaysDenied } from './policy/always-deny.js';
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
  const denied = alwaysDenied(destination.host, destination.port, destination.meaning);
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
      const deadline = new Deadline(cancel, options.connectTimeoutMs, channelTimeout);
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
