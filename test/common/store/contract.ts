// The ParameterStore contract: every backend (file, SSM via moto_server) must pass these same specs.
import { randomBytes } from 'node:crypto';
import { generateEd25519KeyObjects } from '../../../common/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../common/errors.js';
import { PolicyRepository } from '../../../common/policy-repository.js';
import type { RouteSchema } from '../../../common/schema/route.js';
import { STANDARD_PARAMETER_MAX_BYTES, type ParameterStore } from '../../../common/store.js';
import type { z } from 'zod';

export interface StoreUnderTest {
  store: ParameterStore;
  close(): Promise<void>;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<GatewayError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe(code);
  return err as GatewayError;
}

/** A route whose JSON is about `bytes` long: many destinations, each a distinct host. */
export function largeRoute(name: string, bytes: number): z.input<typeof RouteSchema> {
  const destinations: { host: string; ports: (number | string)[] }[] = [];
  for (let i = 0; JSON.stringify(destinations).length < bytes; i++) {
    // Hosts are names the gateway compiles (the schema refuses any other); the description carries multi-byte text.
    destinations.push({ host: `host-${i}.intranet.example`, ports: [443, '8000-8100'] });
  }
  return { name, description: `grows past one parameter ${'ü'.repeat(400)}`, destinations, via: ['bastion'], groups: ['partners'] };
}

export function defineStoreContract(backend: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ParameterStore contract: ${backend}`, () => {
    let subject: StoreUnderTest;
    let store: ParameterStore;
    // A fresh prefix per test keeps the specs independent without resetting the backend.
    const prefix = () => `/edge-gateway-test/${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => subject?.close());

    it('returns what was put, and each overwrite increments the version', async () => {
      const name = `${prefix()}/routes/web`;
      const first = await store.put(name, '{"a":1}');
      expect(first).toMatchObject({ name, value: '{"a":1}', secure: false, version: 1 });
      const second = await store.put(name, '{"a":2}');
      expect(second.version).toBe(2);
      expect(await store.get(name)).toEqual({ name, value: '{"a":2}', secure: false, version: 2 });
    });

    it('answers undefined for a parameter that does not exist', async () => {
      expect(await store.get(`${prefix()}/nothing`)).toBeUndefined();
    });

    it('lists every parameter below a path across pages of 10, recursively, and nothing beside it', async () => {
      const base = prefix();
      const names = Array.from({ length: 27 }, (_, i) => `${base}/routes/r${String(i).padStart(2, '0')}`);
      names.push(`${base}/routes/nested/deeper`);
      for (const name of names) await store.put(name, `value of ${name}`);
      await store.put(`${base}/routes-sibling`, 'not below the path');
      await store.put(`${base}/hosts/h1`, 'another subtree');
      const listed = await store.getByPath(`${base}/routes`);
      expect(listed.map((p) => p.name).sort()).toEqual([...names].sort());
      expect(listed.every((p) => p.value === `value of ${p.name}`)).toBe(true);
      expect((await store.getByPath(`${base}/routes/`)).length).toBe(names.length);
    });

    it('round-trips a SecureString, decrypted, and marks it secure', async () => {
      const name = `${prefix()}/keys/credential-private`;
      const pem = generateEd25519KeyObjects().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await store.put(name, pem, { secure: true });
      expect(await store.get(name)).toMatchObject({ value: pem, secure: true });
      const [listed] = await store.getByPath(name.slice(0, name.lastIndexOf('/')));
      expect(listed).toMatchObject({ name, value: pem, secure: true });
    });

    it('refuses to overwrite when overwrite is false, and keeps the old value', async () => {
      const name = `${prefix()}/version`;
      await store.put(name, 'first', { overwrite: false });
      const err = await expectCode(store.put(name, 'second', { overwrite: false }), 'EG_STORE');
      expect(err.message).toContain('ParameterAlreadyExists');
      expect(err.message).not.toContain('second');
      expect((await store.get(name))?.value).toBe('first');
    });

    it('deletes: true when the parameter existed, false when it did not', async () => {
      const name = `${prefix()}/hosts/bastion`;
      await store.put(name, '{}');
      expect(await store.delete(name)).toBe(true);
      expect(await store.get(name)).toBeUndefined();
      expect(await store.delete(name)).toBe(false);
    });

    it('holds exactly 4096 bytes and refuses one byte more with EG_STORE_VALUE_TOO_LARGE', async () => {
      const name = `${prefix()}/routes/big`;
      const limit = 'x'.repeat(STANDARD_PARAMETER_MAX_BYTES);
      await store.put(name, limit);
      expect((await store.get(name))?.value).toBe(limit);
      const err = await expectCode(store.put(name, `${limit}y`), 'EG_STORE_VALUE_TOO_LARGE');
      expect(err.message).not.toContain('xxxx');
      // Multi-byte characters count as bytes, as in SSM.
      await expectCode(store.put(name, 'é'.repeat(2049)), 'EG_STORE_VALUE_TOO_LARGE');
    });

    it('keeps every concurrent write from one process (versions 1..n, none lost)', async () => {
      const name = `${prefix()}/version`;
      const versions = await Promise.all(Array.from({ length: 12 }, (_, i) => store.put(name, `write ${i}`).then((p) => p.version)));
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await store.get(name))?.version).toBe(12);
    });

    it('splits a 20 KB route policy across parameters in the repository layer and joins it back intact', async () => {
      const repository = new PolicyRepository({ store, prefix: prefix() });
      const route = largeRoute('partner-web', 20_000);
      expect(JSON.stringify(route).length).toBeGreaterThan(20_000);
      const saved = await repository.putRoute(route);
      expect(await repository.getRoute('partner-web')).toEqual(saved);
      await repository.putRoute({ name: 'small', destinations: [{ host: 'db.corp', ports: [5432] }], via: ['bastion'] });
      const listed = await repository.listRoutes();
      expect(listed.map((r) => r.name).sort()).toEqual(['partner-web', 'small']);
      expect(listed.find((r) => r.name === 'partner-web')).toEqual(saved);
      const snapshot = await repository.loadSnapshot();
      expect(snapshot.issues).toEqual([]);
      expect(snapshot.routes.find((r) => r.name === 'partner-web')?.destinations).toHaveLength(route.destinations.length);

      // Shrinking and deleting leave no parts behind.
      await repository.putRoute(largeRoute('partner-web', 9_000));
      const parts = await store.getByPath(repository.names.route('partner-web'));
      expect(parts.length).toBeGreaterThan(1);
      // Only the current generation's parts remain.
      expect(new Set(parts.map((p) => /_part-([a-z0-9]+)-\d+$/.exec(p.name)?.[1])).size).toBe(1);
      await repository.putRoute({ name: 'partner-web', destinations: [{ host: 'web.corp' }], via: ['bastion'] });
      expect(await store.getByPath(repository.names.route('partner-web'))).toEqual([]);
      await repository.putRoute(route);
      expect(await repository.deleteRoute('partner-web')).toBe(true);
      expect(await store.getByPath(repository.names.route('partner-web'))).toEqual([]);
      expect(await repository.getRoute('partner-web')).toBeUndefined();
    });
  });
}
