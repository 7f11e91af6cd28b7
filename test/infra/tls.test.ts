// The TLS listeners in the synthesized template: TCP pass-through on the load balancer (TLS ends in the gateway, the
// client address survives), ingress only from the allowed CIDRs, the certificate named by context and readable by
// the gateway task alone, and the PAC URL over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfraContext } from '../../infra/context.js';
import { buildApp, type BuiltApp } from './build-app.js';

const BUILD_TIMEOUT_MS = 240_000;
const TLS_CONTEXT = {
  allowedClientCidrs: ['203.0.113.0/24'],
  tlsCertificateParameter: '/edge-gateway/dev/tls/certificate',
  tlsKeyParameter: '/edge-gateway/dev/tls/key',
  tlsDomainName: 'gw.example.com',
};

type Resource = { Properties: Record<string, unknown> };
const propertiesOf = (built: BuiltApp, type: string) => Object.values(built.template.findResources(type)).map((r) => (r as Resource).Properties);

describe('the stack with TLS listeners', () => {
  let built: BuiltApp;
  beforeAll(() => {
    built = buildApp(TLS_CONTEXT);
  }, BUILD_TIMEOUT_MS);
  afterAll(() => built?.close());

  it('adds TCP listeners on 443 (public) and 8443 (HTTPS proxy) forwarding to the gateway, client address preserved', () => {
    const listeners = propertiesOf(built, 'AWS::ElasticLoadBalancingV2::Listener');
    const tls = listeners.filter((listener) => listener.Port === 443 || listener.Port === 8443);
    expect(tls.map((listener) => [listener.Port, listener.Protocol]).sort()).toEqual([[443, 'TCP'], [8443, 'TCP']]);
    const groups = propertiesOf(built, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const ports = groups.map((group) => group.Port);
    expect(ports).toEqual(expect.arrayContaining([8443, 8444]));
    for (const group of groups) {
      expect(group.TargetGroupAttributes).toEqual(expect.arrayContaining([{ Key: 'preserve_client_ip.enabled', Value: 'true' }]));
    }
  });

  it('lets only the allowed CIDRs reach 443 and 8443', () => {
    const ingress = [
      ...propertiesOf(built, 'AWS::EC2::SecurityGroupIngress'),
      ...propertiesOf(built, 'AWS::EC2::SecurityGroup').flatMap((group) => (group.SecurityGroupIngress as Array<Record<string, unknown>> | undefined) ?? []),
    ];
    for (const port of [443, 8443]) {
      const open = ingress.filter((rule) => rule.FromPort === port && rule.CidrIp !== undefined);
      expect(open.map((rule) => rule.CidrIp)).toEqual(['203.0.113.0/24']);
    }
  });

  it('tells the gateway its TLS listeners and certificate parameters, and advertises the certificate\'s name', () => {
    const task = JSON.stringify(built.template.findResources('AWS::ECS::TaskDefinition'));
    for (const [name, value] of [
      ['EG_TLS_CERTIFICATE_PARAMETER', TLS_CONTEXT.tlsCertificateParameter],
      ['EG_TLS_KEY_PARAMETER', TLS_CONTEXT.tlsKeyParameter],
      ['EG_HTTPS_PROXY_PORT', '8443'],
      ['EG_PUBLIC_HTTPS_PORT', '8444'],
      ['EG_HTTPS_PROXY_ADVERTISE', 'gw.example.com:8443'],
    ]) {
      expect(task).toContain(JSON.stringify({ Name: name, Value: value }));
    }
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.PacUrl?.Value).toBe('https://gw.example.com/proxy.pac');
    expect(outputs.HttpsProxyAddress?.Value).toBe('gw.example.com:8443');
  });

  it('lets the gateway task read exactly the two certificate parameters, and decrypt only the key one', () => {
    const policies = JSON.stringify(built.template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':parameter/edge-gateway/dev/tls/certificate"');
    expect(policies).toContain(':parameter/edge-gateway/dev/tls/key"');
    expect(policies).not.toContain('/edge-gateway/dev/tls/*');
  });
});

describe('TLS context', () => {
  const parse = (context: Record<string, unknown>) => () => parseInfraContext((key) => context[key]);
  it('needs the certificate, the key and the domain name together', () => {
    expect(parse({ tlsCertificateParameter: TLS_CONTEXT.tlsCertificateParameter })).toThrow(/tlsKeyParameter/);
    expect(parse({ tlsCertificateParameter: TLS_CONTEXT.tlsCertificateParameter, tlsKeyParameter: TLS_CONTEXT.tlsKeyParameter })).toThrow(/tlsDomainName/);
  });

  it('keeps the parameters under the stage prefix', () => {
    expect(parse({ ...TLS_CONTEXT, tlsKeyParameter: '/other/key' })).toThrow(/tlsKeyParameter: must lie under this stage's prefix/);
  });
});
