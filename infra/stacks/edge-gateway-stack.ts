// One stack per stage: parameters and keys, the control-plane API, the gateway service, and the outputs clients need.
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { InfraContext } from '../context.js';
import { Api } from '../constructs/api.js';
import { GatewayService, GATEWAY_PORTS, GATEWAY_TLS_PORTS } from '../constructs/gateway-service.js';
import { Parameters } from '../constructs/parameters.js';

export interface EdgeGatewayStackProps extends StackProps {
  settings: InfraContext;
}

export class EdgeGatewayStack extends Stack {
  readonly parameters: Parameters;
  readonly api: Api;
  readonly gateway: GatewayService;

  constructor(scope: Construct, id: string, props: EdgeGatewayStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    Tags.of(this).add('project', 'edge-gateway');
    Tags.of(this).add('stage', settings.stage);

    this.parameters = new Parameters(this, 'Parameters', {
      stage: settings.stage,
      tunnelHosts: settings.tunnelHosts,
      keyRotation: settings.keyRotation,
      // Plus 5 minutes: a warm API container may sign with the replaced key for a minute after the deploy.
      previousKeyValidSeconds: settings.keepPreviousCredentialKey ? settings.credentialTtlCapSeconds + 300 : 0,
      logRetention,
    });
    this.gateway = new GatewayService(this, 'Gateway', {
      stage: settings.stage,
      parameters: this.parameters,
      allowedClientCidrs: settings.allowedClientCidrs,
      cpu: settings.gatewayCpu,
      memoryMiB: settings.gatewayMemoryMiB,
      desiredCount: settings.gatewayDesiredCount,
      minCount: settings.gatewayMinCount,
      maxCount: settings.gatewayMaxCount,
      targetCpuPercent: settings.gatewayTargetCpuPercent,
      natGateways: settings.natGateways,
      maxAzs: settings.maxAzs,
      logRetention,
      ...(settings.tlsCertificateParameter && settings.tlsKeyParameter && settings.tlsDomainName
        ? { tls: { certificateParameter: settings.tlsCertificateParameter, keyParameter: settings.tlsKeyParameter, domainName: settings.tlsDomainName } }
        : {}),
    });
    const tlsName = settings.tlsDomainName;
    const proxyAddress = `${this.gateway.dnsName}:${GATEWAY_PORTS.socks}`;
    // With TLS the PAC comes over HTTPS (nobody on the path can rewrite it) and names the HTTPS proxy.
    const pacUrl = tlsName ? `https://${tlsName}/proxy.pac` : `http://${this.gateway.dnsName}:${GATEWAY_PORTS.publicHttp}/proxy.pac`;
    this.api = new Api(this, 'Api', {
      stage: settings.stage,
      parameters: this.parameters,
      credentialTtlCapSeconds: settings.credentialTtlCapSeconds,
      principalGroups: settings.principalGroups,
      gatewayPrincipals: [this.gateway.taskRole.roleArn],
      adminGroups: settings.adminGroups,
      throttle: { rateLimit: settings.apiThrottleRateLimit, burstLimit: settings.apiThrottleBurstLimit },
      logRetention,
      proxyAddress,
      httpProxyPort: GATEWAY_PORTS.httpProxy,
      pacUrl,
    });

    this.gateway.useCertificateApi({ url: this.api.url, certificateRouteArn: this.api.routeArn('POST', '/v1/ssh/certificates') });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Control-plane API (SigV4-signed requests), e.g. POST {ApiUrl}v1/credentials' });
    new CfnOutput(this, 'ProxyAddress', { value: proxyAddress, description: 'SOCKS5 proxy for clients: socks5h://USER:PASS@ProxyAddress' });
    new CfnOutput(this, 'HttpProxyAddress', { value: `${this.gateway.dnsName}:${GATEWAY_PORTS.httpProxy}`, description: 'HTTP proxy (browsers with a lease)' });
    if (tlsName) {
      new CfnOutput(this, 'HttpsProxyAddress', {
        value: `${tlsName}:${GATEWAY_TLS_PORTS.httpsProxy.listener}`,
        description: 'HTTPS proxy (TLS to the proxy): curl --proxy https://USER:PASS@HttpsProxyAddress; browsers through the PAC',
      });
    }
    new CfnOutput(this, 'PacUrl', { value: pacUrl, description: 'Proxy auto-config URL for browsers' });
    new CfnOutput(this, 'ParameterPrefix', { value: this.parameters.prefix, description: 'SSM prefix of this stage' });

  }
}
