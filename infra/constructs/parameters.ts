// The stage's SSM tree: its two KMS keys, the version parameter, seeded tunnel hosts, the deploy-time key pairs,
// and the grants each role's code needs on them (nothing wider: test/infra/iam-simulation.test.ts evaluates them).
import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { layout, stagePrefix, type StoreLayout } from '../../common/layout.js';
import type { TunnelHost } from '../../common/schema/tunnel-host.js';
import { NodeFunction } from './node-function.js';

export interface ParametersProps {
  stage: string;
  tunnelHosts: readonly TunnelHost[];
  /** Any new value makes the next deploy generate new key pairs. */
  keyRotation: string;
  /** How long the replaced credential public key keeps verifying after a rotation; 0 drops it at once. */
  previousKeyValidSeconds: number;
  logRetention: logs.RetentionDays;
}

/** The record subtrees below the stage prefix (common/policy-repository.ts). */
export type RecordSubtree = 'routes' | 'hosts' | 'profiles' | 'revocations' | 'leases';

/** Key-policy actions for the account's administrators: manage the key, never use it (no Encrypt, Decrypt, ReEncrypt, CreateGrant). */
const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:UpdateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:Disable*',
  'kms:List*',
  'kms:Get*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:RetireGrant',
  'kms:RotateKeyOnDemand',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export class Parameters extends Construct {
  readonly prefix: string;
  readonly names: StoreLayout;
  /** Encrypts the stage's other SecureStrings: tunnel-host private keys (`keys/tunnel/*`), which gateways decrypt. */
  readonly key: kms.Key;
  /**
   * Encrypts the two signing keys (`keys/credential-private`, `keys/ssh-ca-private`). Its key policy lets only the
   * key generator encrypt and only the API decrypt, through SSM, for those two parameters: no IAM policy in the
   * account can widen that.
   */
  readonly privateKeysKey: kms.Key;
  readonly keygen: NodeFunction;

  constructor(scope: Construct, id: string, props: ParametersProps) {
    super(scope, id);
    this.prefix = stagePrefix(props.stage);
    this.names = layout(this.prefix);

    this.key = new kms.Key(this, 'Key', {
      description: `edge-gateway ${props.stage}: SSM SecureString parameters (tunnel-host keys)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addAlias(`alias/edge-gateway/${props.stage}`);

    this.privateKeysKey = new kms.Key(this, 'PrivateKeysKey', {
      description: `edge-gateway ${props.stage}: the credential signing key and the SSH CA key (key generator and API only)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Without the default "account root may kms:*" statement, IAM policies alone grant no use of this key.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersTheKeyButCannotUseIt',
            principals: [new iam.AccountRootPrincipal()],
            actions: KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
    });
    this.privateKeysKey.addAlias(`alias/edge-gateway/${props.stage}/private-keys`);

    // Gateways poll only this; every write through the API bumps it.
    const version = new ssm.StringParameter(this, 'Version', {
      parameterName: this.names.version,
      stringValue: '0',
      description: 'edge-gateway policy version: bumped by every write, polled by gateways',
    });
    props.tunnelHosts.forEach((host) => {
      new ssm.StringParameter(this, `Host-${host.name}`, {
        parameterName: this.names.host(host.name),
        stringValue: JSON.stringify(host),
        description: `edge-gateway tunnel host ${host.name} (seeded from CDK context)`,
      });
    });

    this.keygen = new NodeFunction(this, 'Keygen', {
      entry: 'lambdas/custom-resources/keygen.ts',
      description: `edge-gateway ${props.stage}: generates the credential and SSH CA key pairs at deploy time`,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
    });
    const keygenRole = this.keygen.role;
    const { names } = this;
    // lambdas/custom-resources/keygen.ts: reads the public key a rotation replaces (a String: no decryption) ...
    this.#allow(keygenRole, ['ssm:GetParameter'], [names.credentialPublicKey]);
    // ... writes both pairs, the replaced key and the version bump (running gateways load the new public key) ...
    this.#allow(
      keygenRole,
      ['ssm:PutParameter'],
      [names.credentialPrivateKey, names.sshCaPrivateKey, names.credentialPublicKey, names.sshCaPublicKey, names.credentialPublicKeyPrevious, names.version],
    );
    // ... and deletes the key parameters (stack deletion; the replaced key when none is kept).
    this.#allow(
      keygenRole,
      ['ssm:DeleteParameter'],
      [names.credentialPrivateKey, names.sshCaPrivateKey, names.credentialPublicKey, names.sshCaPublicKey, names.credentialPublicKeyPrevious],
    );
    // SSM encrypts a standard SecureString with kms:Encrypt as the caller.
    this.#allowPrivateKeysKey(keygenRole, 'kms:Encrypt', 'KeyGeneratorEncryptsThePrivateKeys');

    // CloudFormation invokes the function directly; it answers on the pre-signed URL itself.
    const keys = new CustomResource(this, 'KeyPairs', {
      serviceToken: this.keygen.function.functionArn,
      resourceType: 'Custom::EdgeGatewayKeyPairs',
      properties: {
        Prefix: this.prefix,
        KmsKeyId: this.privateKeysKey.keyArn,
        Rotation: props.keyRotation,
        PreviousKeyValidSeconds: String(props.previousKeyValidSeconds),
        CaComment: `edge-gateway-ca-${props.stage}`,
      },
    });
    // Deleting the stack must still find the function and its permissions to remove the keys.
    keys.node.addDependency(this.keygen.role);
    // The generator overwrites the version parameter: CloudFormation must have created it first.
    keys.node.addDependency(version);
  }

  /** `arn:…:ssm:REGION:ACCOUNT:parameter/edge-gateway/STAGE/...` for a parameter name or pattern. */
  parameterArn(nameOrPattern: string): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: nameOrPattern.replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** How cdk-nag prints a parameter ARN pattern in its IAM5 finding ids. */
  nagParameterPattern(nameOrPattern: string): string {
    return `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/${nameOrPattern.replace(/^\//, '')}`;
  }

  /**
   * The gateway task (gateway/main.ts, gateway/sync/): `PolicyRepository.loadSnapshot()` lists the five record
   * subtrees and reads the version and the credential public keys; `storeIdentityResolver` reads tunnel-host
   * private keys below `keys/tunnel/`. With `leaseWrites` it also writes browser leases and bumps the version
   * (gateway/browser/). Both signing keys are denied explicitly, whatever else is ever granted.
   */
  grantGateway(role: iam.IRole, options: { leaseWrites: boolean }): void {
    const { names } = this;
    const subtrees: RecordSubtree[] = ['routes', 'hosts', 'profiles', 'revocations', 'leases'];
    this.#allowRecordReads(role, subtrees);
    this.#allow(role, ['ssm:GetParameter'], [names.version, names.credentialPublicKey, names.credentialPublicKeyPrevious, `${this.prefix}/keys/tunnel/*`]);
    // Tunnel-host keys only: SSM names the parameter in the encryption context.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': this.#ssmService() },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': this.parameterArn(`${this.prefix}/keys/tunnel/*`) },
        },
      }),
    );
    if (options.leaseWrites) {
      this.#allow(role, ['ssm:PutParameter', 'ssm:DeleteParameter'], [`${this.prefix}/leases/*`]);
      this.#allow(role, ['ssm:PutParameter'], [names.version]);
    }
    this.#acknowledge(role, [...subtrees.map((subtree) => `${this.prefix}/${subtree}/*`), `${this.prefix}/keys/tunnel/*`], [
      'The gateway lists and reads the record subtrees (routes, hosts, profiles, revocations, leases: names made at run time)',
      'and the tunnel-host keys below keys/tunnel/ of this stage only; both signing keys are explicitly denied.',
    ].join(' '));
    this.#denyPrivateKeys(role);
  }

  /**
   * The HTTPS listeners' certificate (gateway/tls/): read the two parameters, and decrypt the key when it is
   * encrypted with this stage's key (with the account's aws/ssm key SSM decrypts for any reader allowed the parameter).
   */
  grantGatewayTls(role: iam.IRole, tls: { certificateParameter: string; keyParameter: string }): void {
    this.#allow(role, ['ssm:GetParameter'], [tls.certificateParameter, tls.keyParameter]);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': this.#ssmService(), 'kms:EncryptionContext:PARAMETER_ARN': this.parameterArn(tls.keyParameter) } },
      }),
    );
  }

  /**
   * The API Lambda (lambdas/): lists and edits routes and hosts, revokes credentials (and purges expired
   * revocations), bumps the version, and reads (decrypts) both signing keys. In AWS it writes no key: the key
   * generator does.
   */
  grantApi(role: iam.IRole): void {
    const subtrees: RecordSubtree[] = ['routes', 'hosts', 'revocations'];
    this.#allowRecordReads(role, subtrees);
    this.#allow(role, ['ssm:PutParameter', 'ssm:DeleteParameter'], subtrees.map((subtree) => `${this.prefix}/${subtree}/*`));
    // GET /v1/leases and DELETE /v1/leases/{address}: people end their own leases, admins any. Gateways write them.
    this.#allowRecordReads(role, ['leases']);
    this.#allow(role, ['ssm:DeleteParameter'], [`${this.prefix}/leases/*`]);
    // ChunkedStore reads the version before it overwrites it.
    this.#allow(role, ['ssm:GetParameter', 'ssm:PutParameter'], [this.names.version]);
    this.#allow(role, ['ssm:GetParameter'], [this.names.credentialPrivateKey, this.names.sshCaPrivateKey]);
    this.#allowPrivateKeysKey(role, 'kms:Decrypt', 'ApiDecryptsThePrivateKeys');
    this.#acknowledge(
      role,
      [...subtrees, 'leases'].map((subtree) => `${this.prefix}/${subtree}/*`),
      'Routes, hosts, revocations and leases are named at run time; the API reads and writes only these subtrees of this stage (leases: read and delete).',
    );
  }

  /** GetParametersByPath on each subtree (and below a record, where ChunkedStore keeps a large value's parts); GetParameter on each record. */
  #allowRecordReads(role: iam.IRole, subtrees: readonly RecordSubtree[]): void {
    this.#allow(
      role,
      ['ssm:GetParameter', 'ssm:GetParametersByPath'],
      subtrees.flatMap((subtree) => [`${this.prefix}/${subtree}`, `${this.prefix}/${subtree}/*`]),
    );
  }

  /**
   * An explicit Deny on the signing keys (any SSM action, chunk parts included) and on listing any path above
   * them: GetParametersByPath on a path returns everything below it, whatever IAM says about the parameters.
   */
  #denyPrivateKeys(role: iam.IRole): void {
    const { names } = this;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverTheSigningKeys',
        effect: iam.Effect.DENY,
        actions: ['ssm:*'],
        resources: [names.credentialPrivateKey, `${names.credentialPrivateKey}/*`, names.sshCaPrivateKey, `${names.sshCaPrivateKey}/*`].map((name) =>
          this.parameterArn(name),
        ),
      }),
    );
    const root = this.prefix.split('/').slice(0, 2).join('/');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NeverListAboveTheSigningKeys',
        effect: iam.Effect.DENY,
        actions: ['ssm:GetParametersByPath'],
        resources: [root, this.prefix, `${this.prefix}/keys`].map((name) => this.parameterArn(name)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'NeverTheSigningKeysKmsKey', effect: iam.Effect.DENY, actions: ['kms:*'], resources: [this.privateKeysKey.keyArn] }),
    );
  }

  /** The same grant in the role's policy and in the key policy (which alone decides: it does not defer to IAM). */
  #allowPrivateKeysKey(role: iam.IRole, action: 'kms:Encrypt' | 'kms:Decrypt', sid: string): void {
    const conditions = {
      StringEquals: {
        'kms:ViaService': this.#ssmService(),
        'kms:EncryptionContext:PARAMETER_ARN': [this.names.credentialPrivateKey, this.names.sshCaPrivateKey].map((name) => this.parameterArn(name)),
      },
    };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: [this.privateKeysKey.keyArn], conditions }));
    this.privateKeysKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.AccountRootPrincipal()],
        actions: [action],
        resources: ['*'],
        // The account principal plus the role's ARN as a condition: KMS need not resolve the role when the key is created.
        conditions: { ...conditions, ArnEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
  }

  #ssmService(): string {
    return `ssm.${Stack.of(this).region}.amazonaws.com`;
  }

  #allow(role: iam.IRole, actions: string[], names: readonly string[]): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: names.map((name) => this.parameterArn(name)) }));
  }

  #acknowledge(role: iam.IRole, patterns: readonly string[], reason: string): void {
    for (const pattern of patterns) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${this.nagParameterPattern(pattern)}]`, reason });
    }
  }
}
