// The stage's SSM tree: its KMS key, the version parameter, seeded tunnel hosts and the deploy-time key pairs.
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

export class Parameters extends Construct {
  readonly prefix: string;
  readonly names: StoreLayout;
  /** Encrypts every SecureString of the stage (private keys, tunnel-host keys). */
  readonly key: kms.Key;
  readonly keygen: NodeFunction;

  constructor(scope: Construct, id: string, props: ParametersProps) {
    super(scope, id);
    this.prefix = stagePrefix(props.stage);
    this.names = layout(this.prefix);

    this.key = new kms.Key(this, 'Key', {
      description: `edge-gateway ${props.stage}: SSM SecureString parameters`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addAlias(`alias/edge-gateway/${props.stage}`);

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
    this.keygen.role.addToPolicy(
      new iam.PolicyStatement({
        // GetParameter reads the public key a rotation replaces (a String: no decryption).
        actions: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:GetParameter'],
        resources: [this.parameterArn(`${this.prefix}/keys/*`)],
      }),
    );
    // After writing keys it bumps the version, so running gateways load the new public key at once.
    this.keygen.role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [this.parameterArn(this.names.version)] }));
    // SSM encrypts a standard SecureString with kms:Encrypt as the caller.
    this.keygen.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.key.keyArn] }));
    Validations.of(this.keygen.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.nagParameterPattern(`${this.prefix}/keys/*`)}]`,
      reason: 'The key generator reads, writes and deletes only the key parameters below the stage prefix /keys/ (and bumps the version parameter); the wildcard is that subtree.',
    });

    // CloudFormation invokes the function directly; it answers on the pre-signed URL itself.
    const keys = new CustomResource(this, 'KeyPairs', {
      serviceToken: this.keygen.function.functionArn,
      resourceType: 'Custom::EdgeGatewayKeyPairs',
      properties: {
        Prefix: this.prefix,
        KmsKeyId: this.key.keyArn,
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

  /** Acknowledges IAM5 for the stage-prefix wildcard on `scope` (a role or construct holding one). */
  acknowledgePrefixWildcard(scope: Construct): void {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.nagParameterPattern(`${this.prefix}/*`)}]`,
      reason: `Scoped to this stage's SSM tree ${this.prefix}/*: routes, hosts, revocations and leases are created at run time, so their names cannot be listed in advance.`,
    });
  }

  /** Read access to the whole stage tree (GetParametersByPath needs the path itself too). */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        resources: [this.parameterArn(this.prefix), this.parameterArn(`${this.prefix}/*`)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
  }

  /**
   * The gateway writes browser leases (String parameters, no KMS) and bumps the version parameter so
   * other replicas see them; nothing else below the prefix.
   */
  grantLeaseWrites(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ssm:PutParameter', 'ssm:DeleteParameter'], resources: [this.parameterArn(`${this.prefix}/leases/*`)] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [this.parameterArn(`${this.prefix}/version`)] }));
    if (grantee instanceof Construct) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.nagParameterPattern(`${this.prefix}/leases/*`)}]`,
        reason: 'Lease parameters are named after client addresses at run time; the grant is limited to this stage\'s leases/ subtree.',
      });
    }
  }

  /** Read and write below the stage prefix, SecureString writes included. */
  grantReadWrite(grantee: iam.IGrantable): void {
    this.grantRead(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:DeleteParameters'],
        resources: [this.parameterArn(`${this.prefix}/*`)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.key.keyArn] }));
  }
}
