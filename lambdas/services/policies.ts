// Route policies and tunnel hosts: admins edit both; other callers see only the routes their groups reach.
import { GatewayError } from '../../common/errors.js';
import type { PolicyRepository } from '../../common/policy-repository.js';
import type { Route } from '../../common/schema/route.js';
import type { TunnelHost } from '../../common/schema/tunnel-host.js';
import type { Caller } from '../identity.js';
import { grantableRoutes } from './credentials.js';

function requireAdmin(caller: Caller, what: string): void {
  if (!caller.admin) throw new GatewayError('EG_FORBIDDEN', `only admins may ${what}`);
}

/** The path names the record; a body that names another one is a mistake, not a rename. */
function withPathName(name: string, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const named = body as { name?: unknown };
  if (named.name !== undefined && named.name !== name) {
    const given = typeof named.name === 'string' ? named.name : JSON.stringify(named.name);
    throw new GatewayError('EG_VALIDATION', `name: "${given}" does not match the path name "${name}"`);
  }
  return { ...body, name };
}

export class RouteService {
  readonly #repository: PolicyRepository;

  constructor(options: { repository: PolicyRepository }) {
    this.#repository = options.repository;
  }

  async list(caller: Caller): Promise<Route[]> {
    const routes = await this.#repository.listRoutes();
    return caller.admin ? routes : grantableRoutes(routes, caller.groups);
  }

  async get(caller: Caller, name: string): Promise<Route> {
    const route = await this.#repository.getRoute(name);
    if (!route || (!caller.admin && grantableRoutes([route], caller.groups).length === 0)) {
      throw new GatewayError('EG_NOT_FOUND', `no route "${name}"`);
    }
    return route;
  }

  /** Validates against RouteSchema, and every `via` must name a known tunnel host. */
  async put(caller: Caller, name: string, body: unknown): Promise<Route> {
    requireAdmin(caller, 'change routes');
    const via = (body as { via?: unknown } | null)?.via;
    if (Array.isArray(via)) {
      const hosts = new Set((await this.#repository.listHosts()).map((h) => h.name));
      via.forEach((host, index) => {
        if (typeof host === 'string' && !hosts.has(host)) throw new GatewayError('EG_VALIDATION', `via[${index}]: unknown tunnel host "${host}"`);
      });
    }
    return this.#repository.putRoute(withPathName(name, body));
  }

  async delete(caller: Caller, name: string): Promise<void> {
    requireAdmin(caller, 'delete routes');
    if (!(await this.#repository.deleteRoute(name))) throw new GatewayError('EG_NOT_FOUND', `no route "${name}"`);
  }
}

export class HostService {
  readonly #repository: PolicyRepository;

  constructor(options: { repository: PolicyRepository }) {
    this.#repository = options.repository;
  }

  async list(caller: Caller): Promise<TunnelHost[]> {
    requireAdmin(caller, 'list tunnel hosts');
    return this.#repository.listHosts();
  }

  async get(caller: Caller, name: string): Promise<TunnelHost> {
    requireAdmin(caller, 'read tunnel hosts');
    const host = await this.#repository.getHost(name);
    if (!host) throw new GatewayError('EG_NOT_FOUND', `no tunnel host "${name}"`);
    return host;
  }

  async put(caller: Caller, name: string, body: unknown): Promise<TunnelHost> {
    requireAdmin(caller, 'change tunnel hosts');
    return this.#repository.putHost(withPathName(name, body));
  }

  /** Refused while a route still goes via the host: deleting it would silently break that route. */
  async delete(caller: Caller, name: string): Promise<void> {
    requireAdmin(caller, 'delete tunnel hosts');
    const users = (await this.#repository.listRoutes()).filter((r) => r.via.includes(name)).map((r) => r.name);
    if (users.length > 0) throw new GatewayError('EG_VALIDATION', `tunnel host "${name}" is used by routes: ${users.join(', ')}`);
    if (!(await this.#repository.deleteHost(name))) throw new GatewayError('EG_NOT_FOUND', `no tunnel host "${name}"`);
  }
}
