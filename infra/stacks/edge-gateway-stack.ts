// One stack per stage: parameters and keys, the control-plane API, the gateway service, and the outputs clients need.
import { CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { InfraContext } from '../context.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { Api } from '../constructs/api.js';
import { AuditQueries } from '../constructs/audit-queries.js';
import { GatewayAlarms } from '../constructs/gateway-alarms.js';
import { GatewayDashboard } from '../constructs/gateway-dashboard.js';
import { GatewayMetricSource, metricsNamespace } from '../constructs/gateway-metrics.js';
import { GatewayService, GATEWAY_PORTS, GATEWAY_TLS_PORTS } from '../constructs/gateway-service.js';
import { Parameters } from '../constructs/parameters.js';

export interface EdgeGatewayStackProps extends StackProps {
  settings: InfraContext;
}

export class EdgeGatewayStack extends Stack {
  readonly parameters: Parameters;
  readonly api: Api;
  readonly gateway: GatewayService;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: GatewayAlarms;
  readonly dashboard: GatewayDashboard;

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
      socks: settings.socks,
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
      metricsNamespace: metricsNamespace(settings.stage),
      ...(settings.tlsCertificateParameter && settings.tlsKeyParameter && settings.tlsDomainName
        ? { tls: { certificateParameter: settings.tlsCertificateParameter, keyParameter: settings.tlsKeyParameter, domainName: settings.tlsDomainName } }
        : {}),
    });
    const tlsName = settings.tlsDomainName;
    // Without SOCKS the API names the host alone and the HTTP proxy's port (lambdas/config.ts reads both).
    const proxyAddress = settings.socks ? `${this.gateway.dnsName}:${GATEWAY_PORTS.socks}` : this.gateway.dnsName;
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
      ...(settings.oidcIssuer && settings.oidcClientId
        ? {
            oidc: {
              issuer: settings.oidcIssuer,
              clientId: settings.oidcClientId,
              ...(settings.oidcAudiences ? { audiences: settings.oidcAudiences } : {}),
              groupsClaim: settings.oidcGroupsClaim,
              groupMap: settings.oidcGroupMap,
              scopes: settings.oidcScopes,
            },
          }
        : {}),
    });

    this.gateway.useCertificateApi({ url: this.api.url, certificateRouteArn: this.api.routeArn('POST', '/v1/ssh/certificates') });
    // The self-service page (served by the API) activates a lease on the gateway's public listener from the
    // browser: the gateway grants that one origin CORS for POST /v1/lease, and no other.
    if (settings.oidcIssuer && settings.oidcClientId) this.gateway.container.addEnvironment('EG_PUBLIC_PAGE_ORIGINS', this.api.httpApi.apiEndpoint);

    // What an operator sees and gets paged for (docs/deploy.md, "Monitoring").
    const metrics = new GatewayMetricSource(metricsNamespace(settings.stage));
    const minute = Duration.minutes(1);
    const healthyTasks = this.gateway.readinessTargets.metrics.healthyHostCount({ statistic: 'Minimum', period: minute });
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { stage: settings.stage, email: settings.alarmEmail, topicArn: settings.alarmTopicArn });
    this.alarms = new GatewayAlarms(this, 'Alarms', {
      stage: settings.stage,
      metrics,
      topic: this.alarmTopic.topic,
      healthyTasks,
      apiServerErrors: this.api.stage.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
      tunnelHosts: [...new Set([...settings.tunnelHosts.map((host) => host.name), ...settings.alarmTunnelHosts])],
      thresholds: {
        tunnelHostDownMinutes: settings.alarmTunnelHostDownMinutes,
        authFailuresPer5Minutes: settings.alarmAuthFailuresPer5Minutes,
        denialsPer5Minutes: settings.alarmDenialsPer5Minutes,
        anomalyBandWidth: settings.alarmAnomalyBandWidth,
        policyReloadFailures: settings.alarmPolicyReloadFailures,
        ssmThrottlesPer5Minutes: settings.alarmSsmThrottlesPer5Minutes,
        api5xxPer5Minutes: settings.alarmApi5xxPer5Minutes,
      },
    });
    this.dashboard = new GatewayDashboard(this, 'Dashboard', {
      stage: settings.stage,
      metrics,
      healthyTasks: healthyTasks.with({ label: 'healthy tasks' }),
      taskCpu: this.gateway.service.metricCpuUtilization({ period: minute, label: 'CPU' }),
      taskMemory: this.gateway.service.metricMemoryUtilization({ period: minute, label: 'memory' }),
      api: {
        clientErrors: this.api.stage.metricClientError({ statistic: 'Sum', period: minute, label: '4xx' }),
        serverErrors: this.api.stage.metricServerError({ statistic: 'Sum', period: minute, label: '5xx' }),
        latencyP50: this.api.stage.metricLatency({ statistic: 'p50', period: minute, label: 'p50' }),
        latencyP99: this.api.stage.metricLatency({ statistic: 'p99', period: minute, label: 'p99' }),
      },
      alarms: this.alarms.paging,
    });
    new AuditQueries(this, 'AuditQueries', { stage: settings.stage, logGroup: this.gateway.logGroup });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Control-plane API (SigV4-signed requests), e.g. POST {ApiUrl}v1/credentials' });
    if (settings.socks) new CfnOutput(this, 'ProxyAddress', { value: proxyAddress, description: 'SOCKS5 proxy for clients: socks5h://USER:PASS@ProxyAddress' });
    new CfnOutput(this, 'HttpProxyAddress', { value: `${this.gateway.dnsName}:${GATEWAY_PORTS.httpProxy}`, description: 'HTTP proxy (browsers with a lease)' });
    if (tlsName) {
      new CfnOutput(this, 'HttpsProxyAddress', {
        value: `${tlsName}:${GATEWAY_TLS_PORTS.httpsProxy.listener}`,
        description: 'HTTPS proxy (TLS to the proxy): curl --proxy https://USER:PASS@HttpsProxyAddress; browsers through the PAC',
      });
    }
    new CfnOutput(this, 'PacUrl', { value: pacUrl, description: 'Proxy auto-config URL for browsers' });
    new CfnOutput(this, 'ParameterPrefix', { value: this.parameters.prefix, description: 'SSM prefix of this stage' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'CloudWatch dashboard of this stage' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topic.topicArn, description: 'SNS topic every alarm notifies' });

  }
}
