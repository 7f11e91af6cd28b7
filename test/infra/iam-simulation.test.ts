// Least privilege, proven on the synthesized template: every role's policies (and the KMS key policies) evaluated by
// an offline IAM policy simulator, request by request. The gateway can read neither signing key nor decrypt it; each
// role may do what its code does (infra/constructs/parameters.ts names the code) and is denied the rest that matters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';
import { buildApp, type BuiltApp } from './build-app.js';
import { ACCOUNT, REGION, ResolvedTemplate, evaluate, parameterArn, viaSsm, type PolicyDocument, type Principal, type Request } from './iam-policies.js';

/** One synth bundles two Lambdas; generous on a busy shared machine. */
const BUILD_TIMEOUT_MS = 240_000;

const P = '/edge-gateway/dev';
const OTHER_STAGE = '/edge-gateway/prod';
const CREDENTIAL_PRIVATE = `${P}/keys/credential-private`;
const SSH_CA_PRIVATE = `${P}/keys/ssh-ca-private`;

type RoleName = 'gateway' | 'api' | 'keygen' | 'execution' | 'flowLogs' | 'restrictDefaultSg';
/** "Denied" accepts an explicit or an implicit deny; "ExplicitlyDenied" demands a Deny statement (or key policy) that no Allow can beat. */
type Expected = 'Allowed' | 'ExplicitlyDenied' | 'Denied';
type KeyName = 'stageKey' | 'privateKeysKey';

/** A request described without the template: resolved against it in the test. */
type Op =
  | { kind: 'ssm'; action: string; name: string }
  | { kind: 'kms'; action: string; key: KeyName; parameter: string; direct?: boolean }
  | { kind: 'arn'; action: string; resource: (ids: Ids) => string };

interface Ids {
  api: string;
  gatewayLogs: string;
  flowLogs: string;
  vpc: string;
}

const ssm = (action: string, name: string): Op => ({ kind: 'ssm', action: `ssm:${action}`, name });
/** KMS as SSM calls it for a SecureString (`parameter` in the encryption context); `direct`: a kms call outside SSM. */
const kms = (action: string, key: KeyName, parameter: string, direct = false): Op => ({ kind: 'kms', action: `kms:${action}`, key, parameter, direct });
const route = (method: string, path: string): Op => ({
  kind: 'arn',
  action: 'execute-api:Invoke',
  resource: (ids) => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${ids.api}/$default/${method}${path}`,
});

const ALLOW_EVERYTHING: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

const checks: Record<RoleName, Array<[string, Op, Expected]>> = {
  gateway: [
    // What gateway/sync/ and gateway/main.ts read.
    ['polls the version parameter', ssm('GetParameter', `${P}/version`), 'Allowed'],
    ...(['routes', 'hosts', 'profiles', 'revocations', 'leases'] as const).flatMap((subtree): Array<[string, Op, Expected]> => [
      [`lists ${subtree}/`, ssm('GetParametersByPath', `${P}/${subtree}`), 'Allowed'],
      [`reads one record below ${subtree}/ (and a chunked value's parts)`, ssm('GetParametersByPath', `${P}/${subtree}/x1`), 'Allowed'],
    ]),
    ['reads a lease record (ChunkedStore reads before it writes)', ssm('GetParameter', `${P}/leases/203.0.113.9`), 'Allowed'],
    ['reads the credential public key', ssm('GetParameter', `${P}/keys/credential-public`), 'Allowed'],
    ['reads the replaced credential public key', ssm('GetParameter', `${P}/keys/credential-public-previous`), 'Allowed'],
    ['reads a tunnel-host private key', ssm('GetParameter', `${P}/keys/tunnel/partner-a`), 'Allowed'],
    ['decrypts a tunnel-host private key with the stage key', kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Allowed'],
    ['writes a browser lease', ssm('PutParameter', `${P}/leases/203.0.113.9`), 'Allowed'],
    ['deletes a browser lease', ssm('DeleteParameter', `${P}/leases/203.0.113.9`), 'Allowed'],
    ['bumps the version after a lease', ssm('PutParameter', `${P}/version`), 'Allowed'],
    ['asks the API for an SSH certificate', route('POST', '/v1/ssh/certificates'), 'Allowed'],
    // Never the signing keys, by any path.
    ['GetParameter on the credential signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'ExplicitlyDenied'],
    ['GetParameter on the SSH CA key', ssm('GetParameter', SSH_CA_PRIVATE), 'ExplicitlyDenied'],
    ['GetParameters on the credential signing key', ssm('GetParameters', CREDENTIAL_PRIVATE), 'ExplicitlyDenied'],
    ['GetParameterHistory on the SSH CA key', ssm('GetParameterHistory', SSH_CA_PRIVATE), 'ExplicitlyDenied'],
    ['a chunk part of the credential signing key', ssm('GetParameter', `${CREDENTIAL_PRIVATE}/_part-abc-0`), 'ExplicitlyDenied'],
    ['listing the stage prefix (it would return the keys below it)', ssm('GetParametersByPath', P), 'ExplicitlyDenied'],
    ['listing keys/', ssm('GetParametersByPath', `${P}/keys`), 'ExplicitlyDenied'],
    ['listing /edge-gateway', ssm('GetParametersByPath', '/edge-gateway'), 'ExplicitlyDenied'],
    ['decrypting the credential signing key with its KMS key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'ExplicitlyDenied'],
    ['decrypting the SSH CA key with its KMS key', kms('Decrypt', 'privateKeysKey', SSH_CA_PRIVATE), 'ExplicitlyDenied'],
    ['decrypting a signing key with the stage key (had it been encrypted there)', kms('Decrypt', 'stageKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['overwriting the credential signing key', ssm('PutParameter', CREDENTIAL_PRIVATE), 'ExplicitlyDenied'],
    // Nothing another replica would trust, beyond leases.
    ['replacing the credential public key (it would then mint)', ssm('PutParameter', `${P}/keys/credential-public`), 'Denied'],
    ['replacing the SSH CA public key', ssm('PutParameter', `${P}/keys/ssh-ca-public`), 'Denied'],
    ['writing a route', ssm('PutParameter', `${P}/routes/web`), 'Denied'],
    ['writing a tunnel host', ssm('PutParameter', `${P}/hosts/bastion`), 'Denied'],
    ['deleting a revocation (it would un-revoke)', ssm('DeleteParameter', `${P}/revocations/abc`), 'Denied'],
    ['writing a tunnel-host key', ssm('PutParameter', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['encrypting with the stage key', kms('Encrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['decrypting a tunnel-host key outside SSM', kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`, true), 'Denied'],
    ['asking the API for a credential', route('POST', '/v1/credentials'), 'Denied'],
    // Other stages.
    ['reading another stage\'s version', ssm('GetParameter', `${OTHER_STAGE}/version`), 'Denied'],
    ['listing another stage\'s routes', ssm('GetParametersByPath', `${OTHER_STAGE}/routes`), 'Denied'],
    ['writing another stage\'s leases', ssm('PutParameter', `${OTHER_STAGE}/leases/203.0.113.9`), 'Denied'],
  ],
  api: [
    // What lambdas/ does in AWS.
    ['reads the credential signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'Allowed'],
    ['reads the SSH CA key', ssm('GetParameter', SSH_CA_PRIVATE), 'Allowed'],
    ['decrypts the credential signing key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Allowed'],
    ['decrypts the SSH CA key', kms('Decrypt', 'privateKeysKey', SSH_CA_PRIVATE), 'Allowed'],
    ...(['routes', 'hosts', 'revocations'] as const).flatMap((subtree): Array<[string, Op, Expected]> => [
      [`lists ${subtree}/`, ssm('GetParametersByPath', `${P}/${subtree}`), 'Allowed'],
      [`reads a record below ${subtree}/`, ssm('GetParameter', `${P}/${subtree}/x1`), 'Allowed'],
      [`writes a record below ${subtree}/`, ssm('PutParameter', `${P}/${subtree}/x1`), 'Allowed'],
      [`deletes a record below ${subtree}/`, ssm('DeleteParameter', `${P}/${subtree}/x1`), 'Allowed'],
    ]),
    ['reads and bumps the version', ssm('PutParameter', `${P}/version`), 'Allowed'],
    // No key writes in AWS (the key generator makes them), no KMS encryption.
    ['writing the credential signing key', ssm('PutParameter', CREDENTIAL_PRIVATE), 'Denied'],
    ['writing the SSH CA key', ssm('PutParameter', SSH_CA_PRIVATE), 'Denied'],
    ['writing the credential public key', ssm('PutParameter', `${P}/keys/credential-public`), 'Denied'],
    ['deleting the credential public key', ssm('DeleteParameter', `${P}/keys/credential-public`), 'Denied'],
    ['encrypting with the private-keys KMS key', kms('Encrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['encrypting with the stage key', kms('Encrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['decrypting tunnel-host keys', kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['reading tunnel-host keys', ssm('GetParameter', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['decrypting another parameter with the private-keys key', kms('Decrypt', 'privateKeysKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['decrypting a signing key outside SSM', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE, true), 'Denied'],
    // Only its own subtrees; leases are listed and ended (DELETE /v1/leases/{address}), never written.
    ['listing browser leases', ssm('GetParametersByPath', `${P}/leases`), 'Allowed'],
    ['ending a browser lease', ssm('DeleteParameter', `${P}/leases/203.0.113.9`), 'Allowed'],
    ['writing a lease', ssm('PutParameter', `${P}/leases/203.0.113.9`), 'Denied'],
    ['writing a profile', ssm('PutParameter', `${P}/profiles/p1`), 'Denied'],
    ['batch-deleting records', ssm('DeleteParameters', `${P}/routes/web`), 'Denied'],
    ['listing the whole stage prefix', ssm('GetParametersByPath', P), 'Denied'],
    ['listing keys/', ssm('GetParametersByPath', `${P}/keys`), 'Denied'],
    ['reading another stage\'s signing key', ssm('GetParameter', `${OTHER_STAGE}/keys/credential-private`), 'Denied'],
    ['writing another stage\'s routes', ssm('PutParameter', `${OTHER_STAGE}/routes/web`), 'Denied'],
  ],
  keygen: [
    // What lambdas/custom-resources/keygen.ts does.
    ['reads the credential public key a rotation replaces', ssm('GetParameter', `${P}/keys/credential-public`), 'Allowed'],
    ...[CREDENTIAL_PRIVATE, SSH_CA_PRIVATE, `${P}/keys/credential-public`, `${P}/keys/ssh-ca-public`, `${P}/keys/credential-public-previous`].flatMap(
      (name): Array<[string, Op, Expected]> => [
        [`writes ${name}`, ssm('PutParameter', name), 'Allowed'],
        [`deletes ${name}`, ssm('DeleteParameter', name), 'Allowed'],
      ],
    ),
    ['bumps the version', ssm('PutParameter', `${P}/version`), 'Allowed'],
    ['encrypts the credential signing key', kms('Encrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Allowed'],
    ['encrypts the SSH CA key', kms('Encrypt', 'privateKeysKey', SSH_CA_PRIVATE), 'Allowed'],
    // It never reads a key back.
    ['reading the credential signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting the credential signing key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['encrypting another parameter with the private-keys key', kms('Encrypt', 'privateKeysKey', `${P}/routes/web`), 'Denied'],
    ['encrypting outside SSM', kms('Encrypt', 'privateKeysKey', CREDENTIAL_PRIVATE, true), 'Denied'],
    ['encrypting with the stage key', kms('Encrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['writing a route', ssm('PutParameter', `${P}/routes/web`), 'Denied'],
    ['writing a lease', ssm('PutParameter', `${P}/leases/203.0.113.9`), 'Denied'],
    ['writing a tunnel-host key', ssm('PutParameter', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['deleting the version', ssm('DeleteParameter', `${P}/version`), 'Denied'],
    ['writing another stage\'s keys', ssm('PutParameter', `${OTHER_STAGE}/keys/credential-private`), 'Denied'],
  ],
  execution: [
    ['pulls the gateway image', { kind: 'arn', action: 'ecr:BatchGetImage', resource: () => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/cdk-hnb659fds-container-assets-${ACCOUNT}-${REGION}` }, 'Allowed'],
    ['writes the gateway\'s logs', { kind: 'arn', action: 'logs:PutLogEvents', resource: (ids) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${ids.gatewayLogs}:log-stream:s1` }, 'Allowed'],
    ['reading the stage version', ssm('GetParameter', `${P}/version`), 'Denied'],
    ['reading a signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting a signing key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting a tunnel-host key', kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
  ],
  flowLogs: [
    ['writes the flow logs', { kind: 'arn', action: 'logs:PutLogEvents', resource: (ids) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${ids.flowLogs}:log-stream:s1` }, 'Allowed'],
    ['reading a signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting a signing key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['writing a route', ssm('PutParameter', `${P}/routes/web`), 'Denied'],
  ],
  restrictDefaultSg: [
    ['empties the default security group', { kind: 'arn', action: 'ec2:RevokeSecurityGroupIngress', resource: (ids) => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${ids.vpc}.DefaultSecurityGroup` }, 'Allowed'],
    ['reading a signing key', ssm('GetParameter', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting a signing key', kms('Decrypt', 'privateKeysKey', CREDENTIAL_PRIVATE), 'Denied'],
    ['decrypting a tunnel-host key', kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`), 'Denied'],
    ['writing a route', ssm('PutParameter', `${P}/routes/web`), 'Denied'],
  ],
};

let built: BuiltApp;
let template: ResolvedTemplate;
let principals: Record<RoleName, Principal>;
let keys: Record<KeyName, { arn: string; policy: PolicyDocument }>;
let ids: Ids;

beforeAll(() => {
  built = buildApp();
  template = new ResolvedTemplate(built.template.toJSON() as ConstructorParameters<typeof ResolvedTemplate>[0]);
  const { stack } = built;
  const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnRole);
  const roleIds = template.roleIds();
  const byPrefix = (prefix: string) => {
    const found = roleIds.filter((id) => id.startsWith(prefix));
    if (found.length !== 1) throw new Error(`expected one role ${prefix}*, found ${found.join(', ')}`);
    return found[0] as string;
  };
  const roles: Record<RoleName, string> = {
    gateway: idOf(stack.gateway.taskRole),
    api: idOf(stack.api.handler.role),
    keygen: idOf(stack.parameters.keygen.role),
    execution: idOf(stack.gateway.service.taskDefinition.obtainExecutionRole()),
    flowLogs: byPrefix('GatewayVpcRejectedFlowsIAMRole'),
    restrictDefaultSg: byPrefix('CustomVpcRestrictDefaultSG'),
  };
  principals = Object.fromEntries(
    Object.entries(roles).map(([name, id]) => [name, { arn: template.roleArn(id), policies: template.identityPolicies(id) }]),
  ) as Record<RoleName, Principal>;
  const keyId = (key: { node: { defaultChild?: unknown } }) => idOf(key);
  keys = {
    stageKey: { arn: template.keyArn(keyId(stack.parameters.key)), policy: template.keyPolicy(keyId(stack.parameters.key)) },
    privateKeysKey: { arn: template.keyArn(keyId(stack.parameters.privateKeysKey)), policy: template.keyPolicy(keyId(stack.parameters.privateKeysKey)) },
  };
  const resources = Object.entries(template.resources);
  const only = (type: string, prefix: string) => resources.find(([id, r]) => r.Type === type && id.startsWith(prefix))?.[0] ?? `missing ${prefix}`;
  ids = {
    api: idOf(stack.api.httpApi),
    gatewayLogs: only('AWS::Logs::LogGroup', 'GatewayLogs'),
    flowLogs: only('AWS::Logs::LogGroup', 'GatewayFlowLogs'),
    vpc: idOf(stack.gateway.vpc),
  };
}, BUILD_TIMEOUT_MS);
afterAll(() => built?.close());

function requestFor(op: Op): Request {
  switch (op.kind) {
    case 'ssm':
      return { action: op.action, resource: parameterArn(op.name) };
    case 'kms': {
      const key = keys[op.key];
      const context = viaSsm(op.parameter);
      if (op.direct) delete context['kms:ViaService'];
      return { action: op.action, resource: key.arn, resourcePolicy: key.policy, context };
    }
    case 'arn':
      return { action: op.action, resource: op.resource(ids) };
  }
}

function expectDecision(result: EvaluationResult, expected: Expected, what: string): void {
  if (expected === 'Denied') expect(result, what).not.toBe('Allowed');
  else expect(result, what).toBe(expected);
}

describe('every role in the stack is evaluated here', () => {
  it('names each IAM role of the template (a new role needs its own checks)', () => {
    expect(Object.values(principals).map((p) => p.arn).sort()).toEqual(template.roleIds().map((id) => template.roleArn(id)).sort());
  });
});

for (const [role, table] of Object.entries(checks) as Array<[RoleName, Array<[string, Op, Expected]>]>) {
  describe(`${role} role`, () => {
    const named = table.map(([title, op, expected]) => [`${expected === 'Allowed' ? 'allowed' : expected === 'Denied' ? 'denied' : 'explicitly denied'}: ${title}`, op, expected] as const);
    it.each(named)('%s', async (title, op, expected) => {
      expectDecision(await evaluate(principals[role], requestFor(op)), expected, `${role}: ${title}`);
    });
  });
}

describe('the private-keys KMS key obeys its key policy alone', () => {
  it('denies Decrypt and Encrypt to a principal of the account whose IAM policy allows everything', async () => {
    const admin: Principal = { arn: `arn:aws:iam::${ACCOUNT}:role/AccountAdmin`, policies: [{ name: 'allow-everything', policy: ALLOW_EVERYTHING }] };
    for (const name of [CREDENTIAL_PRIVATE, SSH_CA_PRIVATE]) {
      expect(await evaluate(admin, requestFor(kms('Decrypt', 'privateKeysKey', name)))).not.toBe('Allowed');
      expect(await evaluate(admin, requestFor(kms('Encrypt', 'privateKeysKey', name)))).not.toBe('Allowed');
      expect(await evaluate(admin, requestFor(kms('ReEncryptFrom', 'privateKeysKey', name)))).not.toBe('Allowed');
    }
    // It can still administer the key (rotation, policy, deletion), and it can use the stage key through IAM.
    expect(await evaluate(admin, { action: 'kms:PutKeyPolicy', resource: keys.privateKeysKey.arn, resourcePolicy: keys.privateKeysKey.policy })).toBe('Allowed');
    expect(await evaluate(admin, { action: 'kms:CreateGrant', resource: keys.privateKeysKey.arn, resourcePolicy: keys.privateKeysKey.policy })).not.toBe('Allowed');
    expect(await evaluate(admin, requestFor(kms('Decrypt', 'stageKey', `${P}/keys/tunnel/partner-a`)))).toBe('Allowed');
  });

  it('keeps the gateway role denied even if an allow-everything policy were attached to it', async () => {
    const gateway: Principal = { ...principals.gateway, policies: [...principals.gateway.policies, { name: 'allow-everything', policy: ALLOW_EVERYTHING }] };
    for (const name of [CREDENTIAL_PRIVATE, SSH_CA_PRIVATE]) {
      expect(await evaluate(gateway, requestFor(ssm('GetParameter', name)))).toBe('ExplicitlyDenied');
      expect(await evaluate(gateway, requestFor(kms('Decrypt', 'privateKeysKey', name)))).toBe('ExplicitlyDenied');
    }
    expect(await evaluate(gateway, requestFor(ssm('GetParametersByPath', P)))).toBe('ExplicitlyDenied');
  });
});
