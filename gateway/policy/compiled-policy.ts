// The route decision: default deny, always-deny addresses first, then the most specific route the principal may use.
import { GatewayError } from '../../common/errors.js';
import type { Route } from '../../common/schema/route.js';
import type { Decision, Destination, PolicyDecider, Principal, ValidHostMeaning } from '../contracts.js';
import { forbiddenAddress, forbiddenName } from './forbidden.js';
import { readHost } from '../../common/policy-syntax/host-name.js';
import { formatIp } from '../../common/policy-syntax/ip-address.js';
import { isValidPort, MAX_PORT } from '../../common/policy-syntax/ports.js';
import { describePrincipal } from './principal-filter.js';
import { RouteIndex, isLoopbackDestination } from './route-index.js';
import { validateRoutes } from '../../common/policy-syntax/validate-routes.js';
import { formatIssue, type Issue } from '../../common/issues.js';

/** A route list that does not compile; `issues` lists every reason by path. */
export class RoutesInvalidError extends GatewayError {
  override readonly name = 'RoutesInvalidError';
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[]) {
    super('EG_CONFIG_INVALID', `invalid routes:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`);
    this.issues = issues;
  }
}

type Denial = Extract<Decision, { allow: false }>;

function deny(code: Denial['code'], reason: string): Denial {
  return { allow: false, code, reason };
}

/** Client-supplied text in a reason: quoted, bounded, control bytes escaped by JSON. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** The destination as the far side reads it, with the client's spelling when that differs (deny reasons only). */
function shown(host: string, meaning: ValidHostMeaning, port: number): string {
  if (meaning.kind === 'name') return `${meaning.name}:${port}`;
  const ip = formatIp(meaning.ip);
  const text = meaning.ip.family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
  return host.replace(/^\[|\]$/g, '').toLowerCase() === ip ? text : `${text} (written as ${quote(host)})`;
}

export class CompiledPolicy implements PolicyDecider {
  readonly routes: readonly Route[];
  readonly #index: RouteIndex;

  /** Prefer compilePolicy(), which validates first. */
  constructor(routes: readonly Route[]) {
    this.routes = routes;
    this.#index = new RouteIndex(routes);
  }

  /** Never throws: input it cannot read is denied as invalid. */
  decide(destination: Destination, principal: Principal): Decision {
    try {
      return this.#decide(destination, principal);
    } catch {
      return deny('EG_DESTINATION_INVALID', 'destination could not be read');
    }
  }

  #decide(destination: Destination, principal: Principal): Decision {
    const { host, port } = destination ?? {};
    // Read once at the edge (gateway/destination.ts); a destination built elsewhere is read here, as strictly.
    const meaning = destination?.meaning ?? this.#read(destination);
    if ('denied' in meaning) return meaning.denied;

    const why = meaning.kind === 'ip' ? forbiddenAddress(meaning.ip) : forbiddenName(meaning.name);
    if (why) return deny('EG_DESTINATION_FORBIDDEN', `${shown(host, meaning, port)} is always denied: ${why}`);

    const groups: unknown = principal?.groups;
    const narrowed: unknown = principal?.routes;
    if (narrowed !== undefined && !Array.isArray(narrowed)) {
      return deny('EG_POLICY_DENIED', `no route grants ${shown(host, meaning, port)}: the principal's route list is unreadable`);
    }
    if (!Array.isArray(groups) || groups.length === 0) {
      return deny('EG_POLICY_DENIED', `no route grants ${shown(host, meaning, port)} to a principal with no groups`);
    }
    const entry =
      meaning.kind === 'ip' ? this.#index.matchIp(meaning.ip, port, principal) : this.#index.matchName(meaning.name, port, principal);
    if (!entry) {
      const loopback = isLoopbackDestination(meaning) ? ' (the tunnel host\'s own loopback is granted only by a route that names it: 127.0.0.1, ::1 or localhost)' : '';
      return deny('EG_POLICY_DENIED', `no route grants ${shown(host, meaning, port)} to ${describePrincipal(principal)}${loopback}`);
    }
    return { allow: true, route: entry.route.name, via: entry.route.via };
  }

  /** A destination that did not come through an edge (a test, a caller of its own): read and checked here. */
  #read(destination: Destination | undefined): ValidHostMeaning | { denied: Decision } {
    const { host, port, kind } = destination ?? {};
    if (!isValidPort(port)) return { denied: deny('EG_DESTINATION_INVALID', `port ${quote(String(port))} is outside 1-${MAX_PORT}`) };
    if (typeof host !== 'string') return { denied: deny('EG_DESTINATION_INVALID', 'destination host is missing') };
    if (kind !== 'domain' && kind !== 'ipv4' && kind !== 'ipv6') return { denied: deny('EG_DESTINATION_INVALID', `unknown destination kind ${quote(String(kind))}`) };
    const meaning = readHost(host);
    if (meaning.kind === 'invalid') return { denied: deny('EG_DESTINATION_INVALID', `destination ${quote(host)}: ${meaning.reason}`) };
    if (kind !== 'domain' && meaning.kind !== 'ip') return { denied: deny('EG_DESTINATION_INVALID', `destination ${quote(host)} is not an ${kind} address`) };
    return meaning;
  }
}

/** Validates (patterns, ports, unique names) and indexes; throws RoutesInvalidError listing every problem. */
export function compilePolicy(routes: readonly Route[]): CompiledPolicy {
  const issues = validateRoutes(routes);
  if (issues.length > 0) throw new RoutesInvalidError(issues);
  return new CompiledPolicy(routes);
}
