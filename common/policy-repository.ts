// Typed access to the control-plane records (routes, hosts, profiles, revocations, leases, keys) in a ParameterStore.
//
// Every write bumps the one small `version` parameter, so gateways poll only that and re-read the
// tree when it moves (SSM allows ~40 reads/s per account and region). Values over 4 KB are split
// by ChunkedStore, transparently to callers.
import { isIP } from 'node:net';
import { z } from 'zod';
import { GatewayError } from './errors.js';
import type { Issue } from './issues.js';
import { layout, type StoreLayout } from './layout.js';
import { LeaseSchema, RevocationSchema, type Lease, type Revocation } from './schema/lease.js';
import { ProfileSchema, type Profile } from './schema/profile.js';
import { RouteSchema, type Route } from './schema/route.js';
import { TunnelHostSchema, type TunnelHost } from './schema/tunnel-host.js';
import { ChunkedStore } from './store/chunked-store.js';
import { RecordCollection } from './store/record-collection.js';
import type { ParameterStore } from './store.js';

/** A credential public key replaced by a rotation, kept so credentials it signed verify until they expire. */
export const RetiredKeySchema = z.object({
  /** PEM (SPKI). */
  publicKey: z.string().min(1),
  /** Unix seconds: the rotation time plus the longest credential lifetime. */
  validUntil: z.number().int(),
});
export type RetiredKey = z.infer<typeof RetiredKeySchema>;

export interface PolicySnapshot {
  /** The version read *before* the records: a write racing the read shows up as a newer version next poll. */
  version: number;
  routes: Route[];
  hosts: TunnelHost[];
  profiles: Profile[];
  revocations: Revocation[];
  leases: Lease[];
  /** PEM (SPKI) Ed25519 public keys that verify credentials. */
  publicKeys: string[];
  /** The key the last rotation replaced, still verifying credentials it signed until `validUntil`. */
  retiredKey: RetiredKey | undefined;
  /** Items that failed validation and were left out; the caller decides whether to keep its last good policy. */
  issues: Issue[];
}

export interface PolicyRepositoryOptions {
  store: ParameterStore;
  /** The stage prefix, e.g. stagePrefix('dev') = "/edge-gateway/dev". */
  prefix: string;
  /** Unix seconds; injected by tests. */
  nowSec?: () => number;
  /** Default true: wrap `store` in ChunkedStore so values over 4 KB are split. */
  chunking?: boolean;
}

/** Lease keys are addresses made path-safe: IPv6 ":" becomes "-", a zone "%" becomes "_". */
function leaseKey(address: string): string {
  if (isIP(address) === 0) throw new GatewayError('EG_VALIDATION', `lease address "${address.slice(0, 64)}" is not an IP address`);
  return address.replaceAll(':', '-').replaceAll('%', '_');
}

export class PolicyRepository {
  readonly store: ParameterStore;
  readonly names: StoreLayout;
  readonly #nowSec: () => number;
  readonly #routes: RecordCollection<typeof RouteSchema>;
  readonly #hosts: RecordCollection<typeof TunnelHostSchema>;
  readonly #profiles: RecordCollection<typeof ProfileSchema>;
  readonly #revocations: RecordCollection<typeof RevocationSchema>;
  readonly #leases: RecordCollection<typeof LeaseSchema>;

  constructor(options: PolicyRepositoryOptions) {
    this.store = options.chunking === false ? options.store : new ChunkedStore({ store: options.store });
    this.names = layout(options.prefix);
    this.#nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
    const store = this.store;
    const named = (record: { name: string }) => record.name;
    this.#routes = new RecordCollection({ store, schema: RouteSchema, base: this.names.routes, nameOf: named });
    this.#hosts = new RecordCollection({ store, schema: TunnelHostSchema, base: this.names.hosts, nameOf: named });
    this.#profiles = new RecordCollection({ store, schema: ProfileSchema, base: this.names.profiles, nameOf: named });
    this.#revocations = new RecordCollection({ store, schema: RevocationSchema, base: this.names.revocations, nameOf: (r) => r.id });
    this.#leases = new RecordCollection({ store, schema: LeaseSchema, base: this.names.leases, nameOf: (l) => leaseKey(l.address) });
  }

  /** The store version of the version parameter; 0 before the first write. */
  async getVersion(): Promise<number> {
    return (await this.store.get(this.names.version))?.version ?? 0;
  }

  async listRoutes(): Promise<Route[]> {
    return (await this.#routes.load()).items;
  }
  getRoute(name: string): Promise<Route | undefined> {
    return this.#routes.get(name);
  }
  async putRoute(route: unknown): Promise<Route> {
    const saved = await this.#routes.put(nameOf(route), route);
    await this.#bump(`routes/${saved.name}`);
    return saved;
  }
  deleteRoute(name: string): Promise<boolean> {
    return this.#deleteAndBump(this.#routes, name, `routes/${name}`);
  }

  async listHosts(): Promise<TunnelHost[]> {
    return (await this.#hosts.load()).items;
  }
  getHost(name: string): Promise<TunnelHost | undefined> {
    return this.#hosts.get(name);
  }
  async putHost(host: unknown): Promise<TunnelHost> {
    const saved = await this.#hosts.put(nameOf(host), host);
    await this.#bump(`hosts/${saved.name}`);
    return saved;
  }
  deleteHost(name: string): Promise<boolean> {
    return this.#deleteAndBump(this.#hosts, name, `hosts/${name}`);
  }

  async listProfiles(): Promise<Profile[]> {
    return (await this.#profiles.load()).items;
  }
  getProfile(name: string): Promise<Profile | undefined> {
    return this.#profiles.get(name);
  }
  async putProfile(profile: unknown): Promise<Profile> {
    const saved = await this.#profiles.put(nameOf(profile), profile);
    await this.#bump(`profiles/${saved.name}`);
    return saved;
  }
  deleteProfile(name: string): Promise<boolean> {
    return this.#deleteAndBump(this.#profiles, name, `profiles/${name}`);
  }

  /**
   * Revokes credential `id` until `expiresAtSec` (its own expiry; after that it is refused anyway). Revoking
   * an id again writes nothing (every write bumps the version, and every replica re-reads the tree);
   * each new revocation also deletes the expired ones, so the subtree never outgrows what is in force.
   */
  async revoke(id: string, expiresAtSec: number): Promise<Revocation> {
    const existing = await this.#revocations.get(id).catch(() => undefined);
    if (existing) return existing;
    const saved = await this.#revocations.put(id, { id, expiresAt: expiresAtSec });
    await this.#bump(`revocations/${id}`);
    await this.listRevocations({ purge: true });
    return saved;
  }

  /** Unexpired revocations; with `purge`, expired ones are deleted (needs write access; no version bump). */
  async listRevocations(options: { purge?: boolean } = {}): Promise<Revocation[]> {
    const now = this.#nowSec();
    const { items } = await this.#revocations.load();
    if (options.purge) for (const r of items.filter((r) => r.expiresAt <= now)) await this.#revocations.delete(r.id);
    return items.filter((r) => r.expiresAt > now);
  }

  /** Writes the lease and deletes expired ones (no version bump for those: replicas already ignore them). */
  async putLease(lease: unknown): Promise<Lease> {
    const address = (lease as { address?: unknown } | null)?.address;
    const key = leaseKey(typeof address === 'string' ? address : '');
    const saved = await this.#leases.put(key, lease);
    await this.#bump(`leases/${key}`);
    await this.listLeases({ purge: true });
    return saved;
  }

  /** Unexpired leases; with `purge`, expired ones are deleted. */
  async listLeases(options: { purge?: boolean } = {}): Promise<Lease[]> {
    const now = this.#nowSec();
    const { items } = await this.#leases.load();
    if (options.purge) for (const lease of items.filter((l) => l.expiresAt <= now)) await this.#leases.delete(leaseKey(lease.address));
    return items.filter((lease) => lease.expiresAt > now);
  }

  deleteLease(address: string): Promise<boolean> {
    return this.#deleteAndBump(this.#leases, leaseKey(address), `leases/${leaseKey(address)}`);
  }

  /** The replaced key while its grace lasts; an unreadable record counts as none (it only ever widens access). */
  async getRetiredCredentialKey(): Promise<RetiredKey | undefined> {
    const parameter = await this.store.get(this.names.credentialPublicKeyPrevious);
    if (!parameter) return undefined;
    try {
      const retired = RetiredKeySchema.parse(JSON.parse(parameter.value));
      return retired.validUntil > this.#nowSec() ? retired : undefined;
    } catch {
      return undefined;
    }
  }

  async getCredentialPublicKeys(): Promise<string[]> {
    const parameter = await this.store.get(this.names.credentialPublicKey);
    return parameter ? [parameter.value] : [];
  }

  /**
   * The signing key (SecureString). Only the API reads it: in AWS the gateway's role is denied the parameter
   * and the KMS key that encrypts it (infra/constructs/parameters.ts); locally it lives in the API's own
   * file, which gateways never open (common/store/private-keys-apart.ts).
   */
  async getCredentialPrivateKey(): Promise<string | undefined> {
    return (await this.store.get(this.names.credentialPrivateKey))?.value;
  }

  /** Private half first: a public key is never published without its private half in place. */
  async putCredentialKeyPair(privateKeyPem: string, publicKeyPem: string): Promise<void> {
    await this.store.put(this.names.credentialPrivateKey, privateKeyPem, { secure: true });
    await this.store.put(this.names.credentialPublicKey, publicKeyPem);
    await this.#bump('keys/credential-public');
  }

  /**
   * A new credential key pair in place of the current one, private half first. The replaced public key is
   * kept as the retired key for `keepReplacedSec` (the longest credential lifetime), so the credentials it
   * signed verify until they expire; with 0 it is dropped at once (a rotation because the key leaked). Then
   * one version bump: gateways re-read the store only when it moves, and would otherwise refuse every
   * credential the new key signs until the next policy change. Returns the retired key, if one is kept.
   */
  async rotateCredentialKey(privateKeyPem: string, publicKeyPem: string, keepReplacedSec = 0): Promise<RetiredKey | undefined> {
    const [replaced] = keepReplacedSec > 0 ? await this.getCredentialPublicKeys() : [];
    await this.store.put(this.names.credentialPrivateKey, privateKeyPem, { secure: true });
    await this.store.put(this.names.credentialPublicKey, publicKeyPem);
    const retired = replaced !== undefined && replaced !== publicKeyPem ? { publicKey: replaced, validUntil: this.#nowSec() + keepReplacedSec } : undefined;
    if (retired) await this.store.put(this.names.credentialPublicKeyPrevious, JSON.stringify(retired));
    else await this.store.delete(this.names.credentialPublicKeyPrevious);
    await this.#bump('keys/credential-public');
    return retired;
  }

  /** The SSH CA pair, private half first; no version bump: gateways never read it (the API signs, tunnel hosts trust). */
  async putSshCaKeyPair(privateKeyPem: string, publicKeyLine: string): Promise<void> {
    await this.store.put(this.names.sshCaPrivateKey, privateKeyPem, { secure: true });
    await this.store.put(this.names.sshCaPublicKey, publicKeyLine);
  }

  /** Everything a gateway needs, item by item: invalid items are reported in `issues`, never thrown. */
  async loadSnapshot(): Promise<PolicySnapshot> {
    const version = await this.getVersion();
    const now = this.#nowSec();
    const [routes, hosts, profiles, revocations, leases, publicKeys, retiredKey] = await Promise.all([
      this.#routes.load(),
      this.#hosts.load(),
      this.#profiles.load(),
      this.#revocations.load(),
      this.#leases.load(),
      this.getCredentialPublicKeys(),
      this.getRetiredCredentialKey(),
    ]);
    return {
      version,
      routes: routes.items,
      hosts: hosts.items,
      profiles: profiles.items,
      revocations: revocations.items.filter((r) => r.expiresAt > now),
      leases: leases.items.filter((l) => l.expiresAt > now),
      publicKeys,
      retiredKey,
      issues: [routes, hosts, profiles, revocations, leases].flatMap((loaded) => loaded.issues),
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }

  async #deleteAndBump(collection: { delete(key: string): Promise<boolean> }, key: string, change: string): Promise<boolean> {
    const existed = await collection.delete(key);
    if (existed) await this.#bump(change);
    return existed;
  }

  async #bump(change: string): Promise<number> {
    const value = JSON.stringify({ at: new Date(this.#nowSec() * 1000).toISOString(), change });
    return (await this.store.put(this.names.version, value)).version;
  }
}

/** The record's own name, validated later by its schema; a missing name fails there with a precise path. */
function nameOf(record: unknown): string {
  const name = (record as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(name)) {
    throw new GatewayError('EG_VALIDATION', `name: must be lower-case letters, digits, ".", "_" or "-", 1-63 chars, starting alphanumeric`);
  }
  return name;
}
