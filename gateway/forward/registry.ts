// Every static forward the gateway runs, by id: opened from profiles (at boot or on request) or ad hoc.
import { GatewayError, PolicyDeniedError } from '../../common/errors.js';
import { formatEndpoint } from '../../common/endpoint.js';
import { alwaysDenied } from '../policy/always-deny.js';
import { FtpForward, LocalForward } from './channel-forward.js';
import { ForwardProfileSchema, type ForwardProfile as Profile, type TunnelSpec } from './profile.js';
import { RemoteForward } from './remote-forward.js';
import type { Endpoint, ForwardDeps } from './types.js';
import { describeIssues } from '../../common/issues.js';

type Forward = LocalForward | RemoteForward | FtpForward;

export interface TunnelStatus {
  id: string;
  profile?: string;
  name: string;
  kind: TunnelSpec['kind'];
  /** The actual bound address (port 0 resolved). */
  listen: Endpoint;
  target: Endpoint;
  via: readonly string[];
  connections: number;
}

export interface ProfileStatus {
  name: string;
  description?: string;
  autostart: boolean;
  open: boolean;
  tunnels: string[];
}

interface Entry {
  spec: TunnelSpec;
  profile?: string;
  forward: Forward;
}

export class TunnelRegistry {
  readonly #entries = new Map<string, Entry>();
  #profiles = new Map<string, Profile>();
  readonly #deps: ForwardDeps;

  constructor(deps: ForwardDeps, profiles: readonly unknown[] = []) {
    this.#deps = deps;
    this.setProfiles(profiles);
  }

  /** Replaces the known profiles (config file + store); an invalid one is logged and left out; open tunnels stay open. */
  setProfiles(profiles: readonly unknown[]): void {
    const valid = new Map<string, Profile>();
    for (const [index, candidate] of profiles.entries()) {
      const parsed = ForwardProfileSchema.safeParse(candidate);
      if (parsed.success) valid.set(parsed.data.name, parsed.data);
      else {
        this.#deps.log.error({ profile: index, reason: describeIssues(parsed.error, 'profile') }, 'profile is invalid and was ignored');
      }
    }
    this.#profiles = valid;
  }

  list(): TunnelStatus[] {
    return [...this.#entries].map(([id, entry]) => ({
      id,
      ...(entry.profile ? { profile: entry.profile } : {}),
      name: entry.spec.name,
      kind: entry.spec.kind,
      listen: entry.forward.address(),
      target: entry.spec.target,
      via: entry.spec.via,
      connections: entry.forward.connections(),
    }));
  }

  async openTunnel(spec: TunnelSpec, profile?: string): Promise<TunnelStatus> {
    const id = profile ? `${profile}.${spec.name}` : spec.name;
    if (this.#entries.has(id)) throw new GatewayError('EG_VALIDATION', `tunnel "${id}" is already open`);
    const denied = alwaysDenied(spec.target.host, spec.target.port);
    if (denied) throw new PolicyDeniedError('EG_DESTINATION_FORBIDDEN', `tunnel "${id}": target ${formatEndpoint(spec.target.host, spec.target.port)} is always denied: ${denied}`);
    const forward = this.#build(spec);
    this.#entries.set(id, { spec, profile, forward });
    try {
      await forward.start();
    } catch (err) {
      this.#entries.delete(id);
      forward.destroy();
      throw err;
    }
    this.#deps.log.info({ tunnel: id, kind: spec.kind, listen: forward.address(), via: spec.via }, 'tunnel opened');
    return this.list().find((tunnel) => tunnel.id === id) as TunnelStatus;
  }

  /** Stops the listener (the port refuses from now on); live connections drain. Resolves false for an unknown id. */
  async closeTunnel(id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#entries.delete(id);
    // A local listener stops accepting at once (the promise tracks the drain); a remote bind is gone once the host acknowledges.
    const closing = entry.forward.close();
    if (entry.spec.kind === 'remote') await closing;
    this.#deps.log.info({ tunnel: id }, 'tunnel closed');
    return true;
  }

  listProfiles(): ProfileStatus[] {
    return [...this.#profiles.values()].map((profile) => ({
      name: profile.name,
      ...(profile.description ? { description: profile.description } : {}),
      autostart: profile.autostart,
      open: profile.tunnels.some((tunnel) => this.#entries.has(`${profile.name}.${tunnel.name}`)),
      tunnels: profile.tunnels.map((tunnel) => `${profile.name}.${tunnel.name}`),
    }));
  }

  /** Opens every tunnel of the profile not open yet; on a failure, the ones this call opened are closed again. */
  async openProfile(name: string): Promise<TunnelStatus[]> {
    const profile = this.#profiles.get(name);
    if (!profile) throw new GatewayError('EG_NOT_FOUND', `no profile "${name}"`);
    const opened: string[] = [];
    try {
      for (const spec of profile.tunnels) {
        if (this.#entries.has(`${name}.${spec.name}`)) continue;
        opened.push((await this.openTunnel(spec, name)).id);
      }
    } catch (err) {
      await Promise.all(opened.map((id) => this.closeTunnel(id)));
      throw err;
    }
    return this.list().filter((tunnel) => tunnel.profile === name);
  }

  async closeProfile(name: string): Promise<boolean> {
    if (!this.#profiles.has(name)) return false;
    await Promise.all(this.list().filter((tunnel) => tunnel.profile === name).map((tunnel) => this.closeTunnel(tunnel.id)));
    return true;
  }

  /** Opens the `autostart` profiles; one failing profile is logged and does not stop the others. */
  async startAutostart(): Promise<void> {
    for (const profile of this.#profiles.values()) {
      if (!profile.autostart) continue;
      await this.openProfile(profile.name).catch((err: unknown) => this.#deps.log.error({ err, profile: profile.name }, 'autostart profile failed to open'));
    }
  }

  /** Stops every listener and waits for live connections to end. */
  async close(): Promise<void> {
    const forwards = [...this.#entries.values()].map((entry) => entry.forward);
    this.#entries.clear();
    await Promise.all(forwards.map((forward) => forward.close()));
  }

  destroy(err?: Error): void {
    for (const entry of this.#entries.values()) entry.forward.destroy(err);
    this.#entries.clear();
  }

  #build(spec: TunnelSpec): Forward {
    const common = { ...this.#deps, name: spec.name, listen: spec.listen, target: spec.target };
    switch (spec.kind) {
      case 'local':
        return new LocalForward({ ...common, via: spec.via });
      case 'ftp':
        return new FtpForward({ ...common, via: spec.via, ...(spec.ftpActive ? { active: spec.ftpActive } : {}) });
      case 'remote':
        return new RemoteForward({ ...common, host: spec.via[0] as string });
    }
  }
}
