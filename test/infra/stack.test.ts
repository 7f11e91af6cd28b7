// What `cdk deploy` would create, read from the synthesized template: scoping, encryption, ingress, logs, NLB.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/index.js';
import { buildApp, gatewayContainer, type BuiltApp } from './build-app.js';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

function statements(built: BuiltApp): Statement[] {
  const policies = built.template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
const resourcesOf = (statement: Statement): unknown[] => (Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource]);

/** The last literal piece of an ARN built with Fn::Join, e.g. ":parameter/edge-gateway/dev/*". */
function arnTail(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(resource);
  return join[1].map((part) => (typeof part === 'string' ? part : '{}')).join('');
}

/** Our two functions (the key generator and the API), not CDK's own custom-resource providers. */
function ourFunctions(built: BuiltApp): Array<{ Properties: { Architectures: string[]; Handler: string; Runtime: string; Code: { S3Key: string } } }> {
  const ids = [built.stack.parameters.keygen.function, built.stack.api.handler.function].map((fn) =>
    built.stack.getLogicalId(fn.node.defaultChild as CfnFunction),
  );
  const all = built.template.findResources('AWS::Lambda::Function');
  return ids.map((id) => all[id] as never);
}

function ingressRules(built: BuiltApp): Array<Record<string, unknown>> {
  const standalone = Object.values(built.template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
  const inline = Object.values(built.template.findResources('AWS::EC2::SecurityGroup')).flatMap(
    (r) => ((r as { Properties: { SecurityGroupIngress?: Array<Record<string, unknown>> } }).Properties.SecurityGroupIngress ?? []),
  );
  return [...standalone, ...inline];
}

/** Each build bundles two Lambdas with esbuild; generous on a busy shared machine. */
const BUILD_TIMEOUT_MS = 240_000;

describe('the edge-gateway stack with default context', () => {
  let built: BuiltApp;
  beforeAll(() => {
    built = buildApp();
  }, BUILD_TIMEOUT_MS);
  afterAll(() => built?.close());

  it('limits every SSM permission to the stage prefix, never "*"', () => {
    // Allow statements: the explicit denies also name /edge-gateway itself (listing it would reach every stage's keys).
    const ssm = statements(built).filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).some((action) => action.startsWith('ssm:')));
    expect(ssm.length).toBeGreaterThanOrEqual(3); // keygen, API, gateway task
    for (const statement of ssm) {
      for (const resource of resourcesOf(statement)) {
        expect(resource).not.toBe('*');
        expect(arnTail(resource)).toMatch(/:ssm:\{\}:\{\}:parameter\/edge-gateway\/dev(\/.*)?$/);
      }
    }
    for (const statement of statements(built)) {
      if (resourcesOf(statement).includes('*')) {
        expect(actionsOf(statement).filter((action) => action.startsWith('ssm:') || action.startsWith('kms:'))).toEqual([]);
      }
    }
  });

  it('gives the gateway task no grant on the whole stage tree and an explicit deny on both signing keys (iam-simulation.test.ts evaluates them)', () => {
    const taskRoleId = built.stack.getLogicalId(built.stack.gateway.taskRole.node.defaultChild as CfnRole);
    const taskStatements = Object.values(built.template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy).includes(`{"Ref":"${taskRoleId}"}`))
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
    const allowed = taskStatements.filter((statement) => statement.Effect === 'Allow').flatMap(resourcesOf).map(arnTail);
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed.filter((tail) => /parameter\/edge-gateway\/dev(\/\*)?$/.test(tail))).toEqual([]);
    expect(allowed.filter((tail) => /private/.test(tail))).toEqual([]);
    const denied = JSON.stringify(taskStatements.filter((statement) => statement.Effect === 'Deny'));
    for (const name of ['keys/credential-private', 'keys/ssh-ca-private']) expect(denied).toContain(`/edge-gateway/dev/${name}`);
    const privateKeysKeyId = built.stack.getLogicalId(built.stack.parameters.privateKeysKey.node.defaultChild as CfnKey);
    expect(denied).toContain(JSON.stringify({ 'Fn::GetAtt': [privateKeysKeyId, 'Arn'] }));
  });

  it('lets the gateway task invoke only the SSH certificate route of the API, SigV4-signed', () => {
    const invoke = statements(built).filter((statement) => actionsOf(statement).includes('execute-api:Invoke'));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(resourcesOf(invoke[0]!))).toContain('/POST/v1/ssh/certificates');
    const container = JSON.stringify(built.template.findResources('AWS::ECS::TaskDefinition'));
    expect(container).toContain('EG_CERT_API_URL');
    expect(container).toContain('EG_CERT_API_SIGV4_REGION');
    // PAC files and lease answers name the load balancer, not the task's private address.
    expect(container).toContain('EG_SOCKS_ADVERTISE');
    expect(container).toContain('EG_HTTP_PROXY_ADVERTISE');
    expect(JSON.stringify(built.template.findResources('AWS::Lambda::Function'))).toContain('GATEWAY_PRINCIPALS');
  });

  it('encrypts the private keys with a rotating KMS key of their own, written by the key generator as SecureString', () => {
    const stageKeyId = built.stack.getLogicalId(built.stack.parameters.key.node.defaultChild as CfnKey);
    const keyId = built.stack.getLogicalId(built.stack.parameters.privateKeysKey.node.defaultChild as CfnKey);
    expect(keyId).not.toBe(stageKeyId);
    for (const key of Object.values(built.template.findResources('AWS::KMS::Key'))) {
      expect((key as { Properties: { EnableKeyRotation: boolean } }).Properties.EnableKeyRotation).toBe(true);
    }
    built.template.hasResourceProperties('Custom::EdgeGatewayKeyPairs', {
      Prefix: '/edge-gateway/dev',
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Rotation: '1',
      // Credentials signed by a replaced key keep working until they expire (credentialTtlCapSeconds + 5 min).
      PreviousKeyValidSeconds: String(12 * 3600 + 300),
    });
    // Its key policy does not defer to IAM: no "account root may kms:*" statement, no use by the account root.
    const keyPolicy = JSON.stringify(built.template.findResources('AWS::KMS::Key')[keyId]);
    expect(keyPolicy).not.toContain('"kms:*"');
    expect(keyPolicy).not.toContain('"kms:Create*"');
    // The generator bumps the version after writing keys (running gateways reload), after CloudFormation made it.
    const keygenRoleId = built.stack.getLogicalId(built.stack.parameters.keygen.role.node.defaultChild as CfnRole);
    const keygenPolicy = Object.values(built.template.findResources('AWS::IAM::Policy')).find((policy) => JSON.stringify(policy).includes(`{"Ref":"${keygenRoleId}"}`));
    expect(JSON.stringify(keygenPolicy)).toMatch(/\/edge-gateway\/dev\/version"/);
    const [keyPairs] = Object.values(built.template.findResources('Custom::EdgeGatewayKeyPairs')) as Array<{ DependsOn?: string[] }>;
    const [versionId] = Object.entries(built.template.findResources('AWS::SSM::Parameter')).find(([, r]) => JSON.stringify(r).includes('/edge-gateway/dev/version')) ?? [];
    expect(keyPairs?.DependsOn).toContain(versionId);
    // Only the key generator encrypts, and only with the private-keys key.
    const encrypt = statements(built).filter((statement) => actionsOf(statement).includes('kms:Encrypt'));
    expect(encrypt).toHaveLength(1);
    expect(resourcesOf(encrypt[0]!)).toEqual([{ 'Fn::GetAtt': [keyId, 'Arn'] }]);
    expect(JSON.stringify(keygenPolicy)).toContain('"kms:Encrypt"');
    // The API writes no SecureString in AWS; should it try, the key named here refuses it (no aws/ssm fallback).
    const api = ourFunctions(built)[1] as unknown as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(api.Properties.Environment.Variables.SSM_KMS_KEY_ID).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(api.Properties.Environment.Variables).toMatchObject({ STAGE: 'dev', PARAMETER_PREFIX: '/edge-gateway/dev', PROXY_HTTP_PORT: '8080' });
  });

  it('holds no key material in the template', () => {
    const text = JSON.stringify(built.template.toJSON());
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN|ssh-ed25519 AAAA/);
  });

  it('opens no ingress when no client CIDRs are configured', () => {
    const rules = ingressRules(built);
    expect(rules.filter((rule) => 'CidrIp' in rule || 'CidrIpv6' in rule)).toEqual([]);
  });

  it('sets a retention on every log group and sends every Lambda to its own group', () => {
    const groups = Object.values(built.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const group of groups) expect((group as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays).toBe(30);
    const functions = ourFunctions(built);
    expect(functions).toHaveLength(2);
    for (const fn of functions) expect(JSON.stringify(fn)).toContain('"LoggingConfig":{"LogGroup"');
  });

  it('runs both Lambdas on arm64 and the newest Node runtime, bundled by esbuild into the assembly', () => {
    const manifest = JSON.parse(readFileSync(join(built.outdir, `${built.stack.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    for (const fn of ourFunctions(built)) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Handler).toBe('index.handler');
      const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
      const source = manifest.files[hash]?.source.path;
      expect(source).toBeDefined();
      const bundle = join(built.outdir, source ?? '', 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      // Native bindings stay out of the bundle.
      expect(readFileSync(bundle, 'utf8')).not.toMatch(/cpu-features\/build|sshcrypto\.node/);
    }
  });

  it('protects every API route with IAM authorization and throttles the default stage', () => {
    const routes = Object.values(built.template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect((route as { Properties: { AuthorizationType: string } }).Properties.AuthorizationType).toBe('AWS_IAM');
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('puts SOCKS and both HTTP ports on the NLB, health-checked on /readyz', () => {
    for (const port of [1080, 8080, 8081]) built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: port, Protocol: 'TCP' });
    const groups = Object.values(built.template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
    expect(groups).toHaveLength(3);
    for (const group of groups) {
      expect((group as { Properties: Record<string, unknown> }).Properties).toMatchObject({
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '8081',
        HealthCheckPath: '/readyz',
      });
    }
    built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'network' });
  });

  it('runs the gateway from gateway/Dockerfile with a /readyz container health check and stage settings', () => {
    built.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: Match.objectLike({ Command: Match.arrayWith([Match.stringLikeRegexp('/readyz')]) }),
          Environment: Match.arrayWith([
            { Name: 'STAGE', Value: 'dev' },
            { Name: 'PARAMETER_PREFIX', Value: '/edge-gateway/dev' },
            { Name: 'EG_STORE', Value: 'ssm' },
          ]),
          PortMappings: [
            { ContainerPort: 1080, Protocol: 'tcp' },
            { ContainerPort: 8080, Protocol: 'tcp' },
            { ContainerPort: 8081, Protocol: 'tcp' },
          ],
        }),
      ],
    });
    built.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    const manifest = readFileSync(join(built.outdir, `${built.stack.artifactId}.assets.json`), 'utf8');
    expect(manifest).toContain('"dockerFile": "gateway/Dockerfile"');
    built.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
  });

  it('publishes the API URL, proxy address and PAC URL', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'ProxyAddress', 'HttpProxyAddress', 'PacUrl', 'ParameterPrefix']));
    expect(JSON.stringify(outputs.PacUrl)).toContain(':8081/proxy.pac');
    expect(JSON.stringify(outputs.ProxyAddress)).toContain(':1080');
  });
});

describe('client ingress follows allowedClientCidrs', () => {
  it('allows exactly the configured networks on the three ports', () => {
    const built = buildApp({ allowedClientCidrs: ['203.0.113.0/24', '198.51.100.7/32'] });
    try {
      const rules = ingressRules(built).filter((rule) => 'CidrIp' in rule);
      expect(rules.map((rule) => `${String(rule.CidrIp)}:${String(rule.FromPort)}`).sort()).toEqual(
        ['198.51.100.7/32:1080', '198.51.100.7/32:8080', '198.51.100.7/32:8081', '203.0.113.0/24:1080', '203.0.113.0/24:8080', '203.0.113.0/24:8081'],
      );
      expect(rules.some((rule) => rule.CidrIp === '0.0.0.0/0')).toBe(false);
    } finally {
      built.close();
    }
  }, BUILD_TIMEOUT_MS);

  it('opens to 0.0.0.0/0 only when an operator lists it (comma list from -c works too)', () => {
    const built = buildApp({ allowedClientCidrs: '0.0.0.0/0' });
    try {
      expect(ingressRules(built).filter((rule) => rule.CidrIp === '0.0.0.0/0')).toHaveLength(3);
    } finally {
      built.close();
    }
  }, BUILD_TIMEOUT_MS);
});

describe('a fleet of browsers only: -c socks=false', () => {
  it('leaves out the SOCKS port everywhere and runs the gateway with EG_SOCKS=off, which its container config accepts', () => {
    const built = buildApp({ socks: 'false', allowedClientCidrs: ['203.0.113.0/24'] });
    try {
      const listenerPorts = Object.values(built.template.findResources('AWS::ElasticLoadBalancingV2::Listener')).map(
        (r) => (r as { Properties: { Port: number } }).Properties.Port,
      );
      expect(listenerPorts.sort()).toEqual([8080, 8081]);
      expect(ingressRules(built).map((rule) => rule.FromPort).filter((port) => port === 1080)).toEqual([]);
      const container = gatewayContainer(built);
      expect(container.PortMappings.map((m) => m.ContainerPort)).not.toContain(1080);
      const env = Object.fromEntries(container.Environment.filter((e) => typeof e.Value === 'string').map((e) => [e.Name, e.Value as string]));
      expect(env.EG_SOCKS).toBe('off');
      expect(Object.keys(env).filter((name) => name.startsWith('EG_SOCKS_'))).toEqual([]);
      // The image's own config file with the task's plain variables: SOCKS off, the HTTP proxy still on.
      const config = loadConfig(join(import.meta.dirname, '../../gateway/container-config.yaml'), { ...env, EG_PARAMETER_PREFIX: '/edge-gateway/dev' });
      expect(config.listeners.socks).toBe(false);
      expect(config.listeners.httpProxy).toMatchObject({ port: 8080 });
      const outputs = built.template.toJSON().Outputs as Record<string, unknown>;
      expect(Object.keys(outputs)).not.toContain('ProxyAddress');
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['HttpProxyAddress', 'PacUrl']));
      // The API names the host alone: credentials then carry the HTTP proxy and no socks5h:// URL.
      const api = ourFunctions(built)[1] as unknown as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      expect(JSON.stringify(api.Properties.Environment.Variables.PROXY_ADDRESS)).not.toContain('1080');
      // The healthy-task alarm still watches a target group (the HTTP proxy's).
      const alarms = Object.values(built.template.findResources('AWS::CloudWatch::Alarm')).map((r) => JSON.stringify(r));
      expect(alarms.some((alarm) => alarm.includes('HealthyHostCount'))).toBe(true);
    } finally {
      built.close();
    }
  }, BUILD_TIMEOUT_MS);
});

describe('context validation', () => {
  it.each([
    [{ allowedClientCidrs: ['10.0.0.0/33'] }, /allowedClientCidrs\[0\]: a CIDR/],
    [{ gatewayCpu: 512, gatewayMemoryMiB: 512 }, /gatewayMemoryMiB: with gatewayCpu 512, Fargate allows 1024-4096 MiB/],
    [{ stage: 'Prod' }, /stage: lower-case/],
    [{ logRetentionDays: 31 }, /logRetentionDays: one of/],
    [{ gatewayMinCount: 5, gatewayMaxCount: 2 }, /gatewayMinCount: must not exceed gatewayMaxCount/],
  ])('refuses %j with a message naming the key', (context, message) => {
    expect(() => buildApp(context)).toThrow(message);
  }, BUILD_TIMEOUT_MS);

  it('keeps no replaced credential key with -c keepPreviousCredentialKey=false (a rotation because the key leaked)', () => {
    const built = buildApp({ keepPreviousCredentialKey: 'false', credentialTtlCapSeconds: '3600' });
    try {
      built.template.hasResourceProperties('Custom::EdgeGatewayKeyPairs', { PreviousKeyValidSeconds: '0' });
    } finally {
      built.close();
    }
    const kept = buildApp({ credentialTtlCapSeconds: '3600' });
    try {
      kept.template.hasResourceProperties('Custom::EdgeGatewayKeyPairs', { PreviousKeyValidSeconds: '3900' });
    } finally {
      kept.close();
    }
  }, BUILD_TIMEOUT_MS);

  it('seeds tunnel hosts given in context as String parameters', () => {
    const host = {
      name: 'partner-a',
      address: 'bastion.partner-a.example',
      username: 'tunnel',
      hostKeyFingerprints: ['SHA256:' + 'A'.repeat(43)],
      auth: { type: 'certificate', principals: ['tunnel'] },
    };
    const built = buildApp({ tunnelHosts: JSON.stringify([host]) });
    try {
      built.template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/edge-gateway/dev/hosts/partner-a',
        Type: 'String',
        Value: Match.stringLikeRegexp('"address":"bastion.partner-a.example"'),
      });
    } finally {
      built.close();
    }
  }, BUILD_TIMEOUT_MS);
});
