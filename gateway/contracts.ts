// The types each stage of the data path hands to the next:
// client → listener → authentication → route decision → SSH pool → channel.
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../common/errors.js';
import type { HostMeaning } from '../common/policy-syntax/host-name.js';

/** Where a client asked to go. `host` is normalised: IPs canonical, names lower-case without a trailing dot. */
export interface Destination {
  host: string;
  port: number;
  kind: 'ipv4' | 'ipv6' | 'domain';
  /** What `host` means (a name or an IP), read once at the edge (gateway/destination.ts); the policy decides on it. */
  meaning?: ValidHostMeaning;
}

export type ValidHostMeaning = Exclude<HostMeaning, { kind: 'invalid' }>;

/** A host (name or IP literal) and a port: a listen address, a forward's target. */
export interface Endpoint {
  host: string;
  port: number;
}

export interface ClientAddress {
  address: string;
  port: number;
}

/** Who is connecting, after authentication. Never holds the secret. */
export interface Principal {
  subject: string;
  groups: readonly string[];
  /** When set, only these route names (credential narrowing). */
  routes?: readonly string[];
  credentialId?: string;
  /** Unix ms. */
  expiresAt?: number;
  source: 'credential' | 'lease' | 'trusted-cidr';
}

export interface AuthRefusal {
  ok: false;
  code: ErrorCode;
  reason: string;
}

export type AuthResult = { ok: true; principal: Principal } | AuthRefusal;

export interface Authenticator {
  /** RFC 1929 username/password. Pure except for the injected clock and state snapshots. */
  withPassword(username: string, password: string, client: ClientAddress): AuthResult;
  /** No-auth method: allowed only for an active lease or an operator-trusted CIDR. */
  withoutCredentials(client: ClientAddress): AuthResult;
}

export type Decision =
  | { allow: true; route: string; via: readonly string[] }
  | { allow: false; code: 'EG_POLICY_DENIED' | 'EG_DESTINATION_FORBIDDEN' | 'EG_DESTINATION_INVALID'; reason: string };

export interface PolicyDecider {
  decide(destination: Destination, principal: Principal): Decision;
}

export interface OpenedChannel {
  stream: Duplex;
  /** Tunnel host that carries it. */
  host: string;
}

/** The part of AbortSignal the connect path uses (gateway/cancel.ts); AbortSignal itself satisfies it. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Something whose signal can be aborted: a Cancellation, or an AbortController. */
export interface Abortable {
  readonly signal: CancelSignal;
  abort(reason?: unknown): void;
}

export interface ChannelOpenOptions {
  origin: ClientAddress;
  /** The connection's cancellation, with the dial's deadline attached: the opener sets no timer of its own. */
  signal: CancelSignal;
}

/** The SSH side: opens a direct-tcpip channel on a live connection (fill-first) of the first usable `via` host. */
export interface ChannelOpener {
  openChannel(destination: Destination, via: readonly string[], options: ChannelOpenOptions): Promise<OpenedChannel>;
}

export type Protocol = 'socks5' | 'http-proxy' | 'https-proxy' | 'forward';

/** Which limit ended or refused a connection: the audit line's `limit` and edge_gateway_limit_hits_total's label. */
export type LimitKind = 'per_source' | 'per_subject' | 'auth_failures' | 'lifetime' | 'idle';

export type ConnectionOutcome = 'ok' | 'auth_failed' | 'denied' | 'tunnel_error' | 'client_error' | 'limit' | 'shutdown';

/** One line per client connection (no secrets). */
export interface AuditRecord {
  conn: string;
  protocol: Protocol;
  subject?: string;
  /** The credential behind the connection (directly, or through a lease). */
  credentialId?: string;
  source: string;
  destination?: string;
  route?: string;
  tunnelHost?: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  outcome: ConnectionOutcome;
  code?: ErrorCode;
  reason?: string;
  /** Set when the outcome is 'limit'. */
  limit?: LimitKind;
}

export interface TunnelConnectionStatus {
  id: string;
  state: 'connecting' | 'ready' | 'closed';
  channels: number;
}

export interface TunnelHostStatus {
  host: string;
  healthy: boolean;
  connections: TunnelConnectionStatus[];
  lastError?: { code: ErrorCode; at: number };
}

/** A port bound on a tunnel host by tcpip-forward (the `-R` direction). */
export interface RemoteBinding {
  host: string;
  bindAddress: string;
  port: number;
  close(): Promise<void>;
}

/** Everything the data path needs from the SSH side. */
export interface TunnelPools extends ChannelOpener {
  forwardIn(
    host: string,
    bindAddress: string,
    bindPort: number,
    onConnection: (stream: Duplex, peer: ClientAddress) => void,
  ): Promise<RemoteBinding>;
  status(): TunnelHostStatus[];
  close(): Promise<void>;
  destroy(err?: Error): void;
}
