// Deploy-time custom resource: generates the credential and SSH CA Ed25519 key pairs inside AWS.
//
// Private keys go straight to SSM as SecureString (the stack's KMS key); public keys as String.
// Neither the template, the CloudFormation response nor the logs ever hold private material:
// the response Data carries parameter names and public-key fingerprints only.
// CloudFormation calls this function directly (no provider framework), so it answers on the
// pre-signed ResponseURL itself, always, also on failure.
import { createHash, type KeyObject } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import { z } from 'zod';
import { generateEd25519KeyObjects } from '../../common/ed25519.js';
import { isGatewayError } from '../../common/errors.js';
import { PolicyRepository } from '../../common/policy-repository.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import { sshPublicKeyLine } from '../../common/ssh-certificate.js';
import { describeIssues } from '../../common/issues.js';
import { createApiLogger } from '../logger.js';

const KeygenProperties = z.object({
  Prefix: z.string().regex(/^\/[A-Za-z0-9_./-]+[^/]$/, 'an SSM path such as /edge-gateway/dev'),
  KmsKeyId: z.string().min(1),
  Rotation: z.string().min(1),
  /** Comment on the SSH CA public key line, e.g. "edge-gateway-ca-dev". */
  CaComment: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/).default('edge-gateway-ca'),
  /**
   * After a rotation the replaced credential public key keeps verifying the credentials it signed for this
   * long (the longest credential lifetime); 0 drops it at once (a rotation because the key leaked).
   * CloudFormation passes properties as strings.
   */
  PreviousKeyValidSeconds: z.coerce.number().int().min(0).max(30 * 24 * 3600).default(0),
});
export type KeygenProperties = z.infer<typeof KeygenProperties>;

const RequestBase = {
  ResponseURL: z.string().url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceProperties: z.record(z.string(), z.unknown()),
};
const KeygenEvent = z.discriminatedUnion('RequestType', [
  z.object({ RequestType: z.literal('Create'), ...RequestBase }),
  z.object({
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string(),
    OldResourceProperties: z.record(z.string(), z.unknown()),
    ...RequestBase,
  }),
  z.object({ RequestType: z.literal('Delete'), PhysicalResourceId: z.string(), ...RequestBase }),
]);
export type KeygenEvent = z.infer<typeof KeygenEvent>;

export interface KeygenResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

export interface KeygenDeps {
  /** Only `send` is used, so tests can hand in a client pointed at moto_server. */
  ssm: Pick<SSMClient, 'send'>;
  /** PUTs the response to CloudFormation's pre-signed URL. */
  respond?: (url: string, response: KeygenResponse) => Promise<void>;
  log?: Pick<Logger, 'error'>;
}

/** The physical id names the prefix only: a rotation keeps it, so CloudFormation never deletes fresh keys. */
export function physicalIdFor(prefix: string): string {
  return `edge-gateway-keys:${prefix}`;
}

function fingerprint(text: string): string {
  return `SHA256:${createHash('sha256').update(text).digest('base64')}`;
}

async function putResponse(url: string, response: KeygenResponse): Promise<void> {
  // A Buffer body keeps fetch from adding a Content-Type, which the pre-signed URL did not sign.
  const body = Buffer.from(JSON.stringify(response));
  const reply = await fetch(url, { method: 'PUT', body, headers: { 'content-length': String(body.length) } });
  if (!reply.ok) throw new Error(`CloudFormation response URL answered ${reply.status}`);
}

/** The stage's records through the same repository the API uses; no chunking: a key fits one parameter, and the role may not list. */
function repositoryFor(ssm: KeygenDeps['ssm'], props: Pick<KeygenProperties, 'Prefix' | 'KmsKeyId'>): PolicyRepository {
  return new PolicyRepository({ store: new SsmStore({ client: ssm, kmsKeyId: props.KmsKeyId }), prefix: props.Prefix, chunking: false });
}

const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

async function writeKeys(ssm: KeygenDeps['ssm'], props: KeygenProperties): Promise<Record<string, string>> {
  const repository = repositoryFor(ssm, props);
  const credential = generateEd25519KeyObjects();
  const sshCa = generateEd25519KeyObjects();
  const credentialPublic = credential.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const sshCaPublic = sshPublicKeyLine(sshCa.publicKey, props.CaComment);
  await repository.putSshCaKeyPair(pkcs8(sshCa.privateKey), sshCaPublic);
  await repository.rotateCredentialKey(pkcs8(credential.privateKey), credentialPublic, props.PreviousKeyValidSeconds);
  return {
    CredentialPublicKeyParameter: repository.names.credentialPublicKey,
    SshCaPublicKeyParameter: repository.names.sshCaPublicKey,
    CredentialPublicKeyFingerprint: fingerprint(credentialPublic),
    SshCaPublicKeyFingerprint: fingerprint(sshCaPublic),
    Rotation: props.Rotation,
  };
}

async function deleteKeys(ssm: KeygenDeps['ssm'], props: KeygenProperties): Promise<void> {
  const { store, names } = repositoryFor(ssm, props);
  for (const name of [names.credentialPublicKey, names.credentialPublicKeyPrevious, names.sshCaPublicKey, names.credentialPrivateKey, names.sshCaPrivateKey]) {
    await store.delete(name);
  }
}

async function handle(ssm: KeygenDeps['ssm'], event: KeygenEvent): Promise<Pick<KeygenResponse, 'PhysicalResourceId' | 'Data'>> {
  if (event.RequestType === 'Delete') {
    const parsed = KeygenProperties.safeParse(event.ResourceProperties);
    // Only delete what this resource created: a failed Create reports a different physical id.
    if (parsed.success && event.PhysicalResourceId === physicalIdFor(parsed.data.Prefix)) await deleteKeys(ssm, parsed.data);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const props = KeygenProperties.parse(event.ResourceProperties);
  if (event.RequestType === 'Update') {
    const old = KeygenProperties.safeParse(event.OldResourceProperties);
    const unchanged = old.success && old.data.Prefix === props.Prefix && old.data.Rotation === props.Rotation && old.data.KmsKeyId === props.KmsKeyId;
    if (unchanged && event.PhysicalResourceId === physicalIdFor(props.Prefix)) {
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { Rotation: props.Rotation } };
    }
  }
  return { PhysicalResourceId: physicalIdFor(props.Prefix), Data: await writeKeys(ssm, props) };
}

/** Names the failure without echoing inputs or values: SDK error names and zod paths only. */
function describeFailure(err: unknown): string {
  if (err instanceof z.ZodError) return `invalid properties: ${describeIssues(err, '(properties)')}`;
  if (isGatewayError(err)) return `${err.code}: ${err.message.slice(0, 300)}`;
  const name = (err as { name?: string }).name ?? 'Error';
  const message = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
  return `${name}: ${message}`;
}

export function createKeygenHandler(deps: KeygenDeps): (event: unknown) => Promise<KeygenResponse> {
  const respond = deps.respond ?? putResponse;
  const log = deps.log ?? createApiLogger({ name: 'edge-gateway-keygen' });
  return async (input) => {
    const event = KeygenEvent.parse(input);
    const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    let response: KeygenResponse;
    try {
      response = { Status: 'SUCCESS', ...base, ...(await handle(deps.ssm, event)) };
    } catch (err) {
      const reason = describeFailure(err);
      log.error({ requestType: event.RequestType, reason }, 'keygen failed');
      const PhysicalResourceId = event.RequestType === 'Create' ? `failed:${event.RequestId}` : event.PhysicalResourceId;
      response = { Status: 'FAILED', Reason: reason, PhysicalResourceId, ...base };
    }
    await respond(event.ResponseURL, response);
    return response;
  };
}

let defaultHandler: ((event: unknown) => Promise<KeygenResponse>) | undefined;

/** The Lambda entry point (runtime credentials and region from the environment). */
export async function handler(event: unknown): Promise<KeygenResponse> {
  defaultHandler ??= createKeygenHandler({ ssm: new SSMClient({}) });
  return defaultHandler(event);
}
