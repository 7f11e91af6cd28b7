// The key-generation custom resource, driven the way CloudFormation drives it: events in, a PUT to the ResponseURL out.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type PutParameterCommandInput } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../../common/token.js';
import { createKeygenHandler, physicalIdFor, type KeygenResponse } from '../../../lambdas/custom-resources/keygen.js';

const PREFIX = '/edge-gateway/test';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** SSM at the `send` seam (the brief allows it for this one handler): records every command, keeps values. */
class FakeSsm {
  readonly params = new Map<string, PutParameterCommandInput>();
  readonly calls: string[] = [];
  failWith: Error | undefined;

  async send(command: unknown): Promise<unknown> {
    if (this.failWith) throw this.failWith;
    if (command instanceof PutParameterCommand) {
      this.calls.push(`put ${command.input.Name}`);
      this.params.set(command.input.Name ?? '', command.input);
      return { Version: 1 };
    }
    if (command instanceof GetParameterCommand) {
      this.calls.push(`get ${command.input.Name}`);
      const stored = this.params.get(command.input.Name ?? '');
      if (!stored) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Name: stored.Name, Value: stored.Value } };
    }
    if (command instanceof DeleteParameterCommand) {
      this.calls.push(`delete ${command.input.Name}`);
      if (!this.params.delete(command.input.Name ?? '')) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
}

/** A stand-in for CloudFormation's pre-signed S3 URL on 127.0.0.1: keeps each body and its headers. */
let server: Server;
let responseUrl: string;
const received: Array<{ body: string; headers: IncomingHttpHeaders; method: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, method: req.method });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let ssm: FakeSsm;
beforeEach(() => {
  ssm = new FakeSsm();
  received.length = 0;
});

function event(requestType: 'Create' | 'Update' | 'Delete', extra: Record<string, unknown> = {}) {
  return {
    RequestType: requestType,
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/EdgeGateway-test/1',
    RequestId: 'req-1',
    LogicalResourceId: 'KeyPairs',
    ResourceProperties: { ServiceToken: 'arn:fn', Prefix: PREFIX, KmsKeyId: KEY_ARN, Rotation: '1', CaComment: 'edge-gateway-ca-test' },
    ...extra,
  };
}

function lastResponse(): KeygenResponse {
  expect(received).toHaveLength(1);
  return JSON.parse(received[0]?.body ?? '') as KeygenResponse;
}

function privateMaterial(): string[] {
  return [...ssm.params.values()].filter((p) => p.Type === 'SecureString').map((p) => p.Value ?? '');
}

describe('keygen custom resource', () => {
  it('on Create writes both private keys as SecureString with the stack key and both public keys as String', async () => {
    await createKeygenHandler({ ssm })(event('Create'));
    const credentialPrivate = ssm.params.get(`${PREFIX}/keys/credential-private`);
    const caPrivate = ssm.params.get(`${PREFIX}/keys/ssh-ca-private`);
    for (const secret of [credentialPrivate, caPrivate]) {
      expect(secret).toMatchObject({ Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true });
      expect(createPrivateKey(secret?.Value ?? '').asymmetricKeyType).toBe('ed25519');
    }
    expect(ssm.params.get(`${PREFIX}/keys/credential-public`)?.Type).toBe('String');
    expect(ssm.params.get(`${PREFIX}/keys/ssh-ca-public`)?.Type).toBe('String');
    // Private halves land before their public halves are published.
    for (const pair of ['credential', 'ssh-ca']) {
      expect(ssm.calls.indexOf(`put ${PREFIX}/keys/${pair}-private`)).toBeLessThan(ssm.calls.indexOf(`put ${PREFIX}/keys/${pair}-public`));
    }
  });

  it('bumps the version parameter last, so running gateways load the new public key at once', async () => {
    await createKeygenHandler({ ssm })(event('Create'));
    expect(ssm.calls.at(-1)).toBe(`put ${PREFIX}/version`);
    expect(JSON.parse(ssm.params.get(`${PREFIX}/version`)?.Value ?? '{}')).toMatchObject({ change: 'keys/credential-public' });
  });

  it('publishes public keys that verify the private halves: PEM for credentials, an OpenSSH line for the CA', async () => {
    await createKeygenHandler({ ssm })(event('Create'));
    const message = Buffer.from('eg1.claims');
    const credentialKey = createPrivateKey(ssm.params.get(`${PREFIX}/keys/credential-private`)?.Value ?? '');
    const credentialPublic = parsePublicKey(ssm.params.get(`${PREFIX}/keys/credential-public`)?.Value ?? '');
    expect(verify(null, message, credentialPublic, sign(null, message, credentialKey))).toBe(true);

    const line = ssm.params.get(`${PREFIX}/keys/ssh-ca-public`)?.Value ?? '';
    const [type, blob, comment] = line.split(' ');
    expect(type).toBe('ssh-ed25519');
    expect(comment).toBe('edge-gateway-ca-test');
    const wire = Buffer.from(blob ?? '', 'base64');
    expect(wire.readUInt32BE(0)).toBe(11);
    expect(wire.subarray(4, 15).toString()).toBe('ssh-ed25519');
    expect(wire.readUInt32BE(15)).toBe(32);
    const caPublicRaw = createPublicKey(createPrivateKey(ssm.params.get(`${PREFIX}/keys/ssh-ca-private`)?.Value ?? '')).export({ format: 'jwk' }).x;
    expect(wire.subarray(19).toString('base64url')).toBe(caPublicRaw);
  });

  it('answers CloudFormation with SUCCESS, parameter names and fingerprints, never private material', async () => {
    await createKeygenHandler({ ssm })(event('Create'));
    const response = lastResponse();
    expect(received[0]?.method).toBe('PUT');
    // The pre-signed URL did not sign a content type.
    expect(received[0]?.headers['content-type']).toBeUndefined();
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdFor(PREFIX), RequestId: 'req-1', LogicalResourceId: 'KeyPairs' });
    expect(response.Data).toMatchObject({
      CredentialPublicKeyParameter: `${PREFIX}/keys/credential-public`,
      SshCaPublicKeyParameter: `${PREFIX}/keys/ssh-ca-public`,
      CredentialPublicKeyFingerprint: expect.stringMatching(/^SHA256:/),
    });
    const body = received[0]?.body ?? '';
    expect(body).not.toContain('PRIVATE KEY');
    for (const secret of privateMaterial()) {
      const base64 = secret.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
      expect(body).not.toContain(base64);
      expect(body).not.toContain(Buffer.from(base64, 'base64').subarray(-32).toString('base64'));
    }
  });

  it('keeps the keys on an Update that changes nothing, and generates new ones when the rotation changes', async () => {
    const handler = createKeygenHandler({ ssm });
    await handler(event('Create'));
    const before = privateMaterial();
    ssm.calls.length = 0;
    received.length = 0;
    const old = event('Create').ResourceProperties;
    await handler(event('Update', { PhysicalResourceId: physicalIdFor(PREFIX), OldResourceProperties: old }));
    expect(ssm.calls).toEqual([]);
    expect(lastResponse()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdFor(PREFIX) });

    received.length = 0;
    await handler(
      event('Update', {
        PhysicalResourceId: physicalIdFor(PREFIX),
        OldResourceProperties: old,
        ResourceProperties: { ...old, Rotation: '2' },
      }),
    );
    // Same physical id: CloudFormation must not follow up with a Delete of the fresh keys.
    expect(lastResponse()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdFor(PREFIX), Data: { Rotation: '2' } });
    const after = privateMaterial();
    expect(after).toHaveLength(2);
    expect(after.some((value) => before.includes(value))).toBe(false);
  });

  it('on a rotation keeps the replaced credential public key for PreviousKeyValidSeconds, and drops it with 0', async () => {
    const handler = createKeygenHandler({ ssm });
    const grace = { ...event('Create').ResourceProperties, PreviousKeyValidSeconds: '43200' };
    await handler(event('Create', { ResourceProperties: grace }));
    // A first deploy replaces nothing.
    expect(ssm.params.has(`${PREFIX}/keys/credential-public-previous`)).toBe(false);
    const replaced = ssm.params.get(`${PREFIX}/keys/credential-public`)?.Value;
    const rotate = async (properties: Record<string, unknown>, rotation: string) => {
      received.length = 0;
      await handler(event('Update', { PhysicalResourceId: physicalIdFor(PREFIX), OldResourceProperties: grace, ResourceProperties: { ...properties, Rotation: rotation } }));
      expect(lastResponse().Status).toBe('SUCCESS');
    };
    const startedSec = Math.floor(Date.now() / 1000);
    await rotate(grace, '2');
    const previous = JSON.parse(ssm.params.get(`${PREFIX}/keys/credential-public-previous`)?.Value ?? '{}') as { publicKey: string; validUntil: number };
    expect(previous.publicKey).toBe(replaced);
    expect(previous.publicKey).not.toBe(ssm.params.get(`${PREFIX}/keys/credential-public`)?.Value);
    expect(previous.validUntil).toBeGreaterThanOrEqual(startedSec + 43200);
    expect(previous.validUntil).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 43200);
    // Written before the version bump that makes gateways reload.
    expect(ssm.calls.indexOf(`put ${PREFIX}/keys/credential-public-previous`)).toBeLessThan(ssm.calls.lastIndexOf(`put ${PREFIX}/version`));
    // A rotation because the key leaked: no grace, the old key is gone at once.
    await rotate({ ...grace, PreviousKeyValidSeconds: '0' }, '3');
    expect(ssm.params.has(`${PREFIX}/keys/credential-public-previous`)).toBe(false);
  });

  it('removes its four parameters on Delete, and tolerates ones already gone', async () => {
    const handler = createKeygenHandler({ ssm });
    await handler(event('Create'));
    ssm.params.delete(`${PREFIX}/keys/ssh-ca-public`);
    received.length = 0;
    await handler(event('Delete', { PhysicalResourceId: physicalIdFor(PREFIX) }));
    // The version parameter belongs to the stack (CloudFormation deletes it), not to this resource.
    expect([...ssm.params.keys()]).toEqual([`${PREFIX}/version`]);
    expect(lastResponse().Status).toBe('SUCCESS');
  });

  it('deletes nothing for a resource whose Create had failed', async () => {
    ssm.params.set(`${PREFIX}/keys/credential-private`, { Name: 'kept', Value: 'x' });
    await createKeygenHandler({ ssm })(event('Delete', { PhysicalResourceId: 'failed:req-0' }));
    expect(ssm.calls).toEqual([]);
    expect(lastResponse()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'failed:req-0' });
  });

  it('reports an SSM failure as FAILED with the error named, so the stack rolls back instead of hanging', async () => {
    ssm.failWith = Object.assign(new Error('User is not authorized to perform ssm:PutParameter'), { name: 'AccessDeniedException' });
    await createKeygenHandler({ ssm })(event('Create'));
    const response = lastResponse();
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed:req-1' });
    expect(response.Reason).toContain('AccessDeniedException');
    expect(JSON.stringify(response)).not.toContain('PRIVATE KEY');
  });

  it('refuses bad properties with the field named', async () => {
    await createKeygenHandler({ ssm })(event('Create', { ResourceProperties: { Prefix: 'relative/path', KmsKeyId: KEY_ARN, Rotation: '1' } }));
    const response = lastResponse();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/Prefix: an SSM path/);
    expect(ssm.calls).toEqual([]);
  });
});
