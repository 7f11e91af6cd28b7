// What an operator gets from `cdk deploy`: the dashboard, the alarms (metric and threshold each), the topic, the saved audit queries.
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_QUERIES } from '../../infra/constructs/audit-queries.js';
import { GATEWAY_METRIC } from '../../infra/constructs/gateway-metrics.js';
import { buildApp, type BuiltApp } from './build-app.js';

/** Each build bundles two Lambdas with esbuild; generous on a busy shared machine. */
const BUILD_TIMEOUT_MS = 240_000;
const FINGERPRINT = 'SHA256:' + 'B'.repeat(43);

type Resource = { Properties: Record<string, unknown> };

function alarm(built: BuiltApp, name: string): Record<string, unknown> {
  const found = Object.values(built.template.findResources('AWS::CloudWatch::Alarm')).find((r) => (r as Resource).Properties.AlarmName === name);
  if (!found) throw new Error(`no alarm named ${name}`);
  return (found as Resource).Properties;
}

describe('monitoring with an e-mail address and two tunnel hosts', () => {
  let built: BuiltApp;
  beforeAll(() => {
    built = buildApp({
      alarmEmail: 'ops@example.com',
      tunnelHosts: [{ name: 'partner-a', address: 'bastion.example', username: 'tunnel', hostKeyFingerprints: [FINGERPRINT], auth: { type: 'key', privateKeyParameter: 'keys/tunnel/partner-a' } }],
      alarmTunnelHosts: 'partner-b',
    });
  }, BUILD_TIMEOUT_MS);
  afterAll(() => built?.close());

  it('tells the gateway to write its metrics as EMF lines in a namespace of the stage', () => {
    expect(JSON.stringify(built.template.findResources('AWS::ECS::TaskDefinition'))).toContain('{"Name":"EG_METRICS_EMF_NAMESPACE","Value":"EdgeGateway/dev"}');
  });

  it('creates an encrypted, TLS-only topic with the e-mail subscribed, and every paging alarm notifies it', () => {
    const topics = built.template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const topicId = Object.keys(topics)[0]!;
    expect((topics[topicId] as Resource).Properties.KmsMasterKeyId).toBeDefined();
    built.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
    // CloudWatch may use the topic's key, or it could not publish to an encrypted topic.
    expect(JSON.stringify(built.template.findResources('AWS::KMS::Key'))).toContain('cloudwatch.amazonaws.com');
    const paging = [...Object.values(built.template.findResources('AWS::CloudWatch::Alarm')), ...Object.values(built.template.findResources('AWS::CloudWatch::CompositeAlarm'))]
      .map((r) => (r as Resource).Properties)
      .filter((p) => p.AlarmActions !== undefined);
    expect(paging.length).toBe(8); // no healthy task, 2 hosts down, 2 surges, reload, SSM, API 5xx; nothing else
    for (const p of paging) expect(p.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('pages when no task passes the load balancer health check', () => {
    expect(alarm(built, 'edge-gateway-dev-no-healthy-task')).toMatchObject({
      Namespace: 'AWS/NetworkELB',
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('pages per tunnel host without a live SSH connection for 5 minutes, hosts from context and alarmTunnelHosts', () => {
    for (const host of ['partner-a', 'partner-b']) {
      expect(alarm(built, `edge-gateway-dev-tunnel-host-down-${host}`)).toMatchObject({
        Namespace: 'EdgeGateway/dev',
        MetricName: GATEWAY_METRIC.tunnelHostHealthy,
        Dimensions: [{ Name: 'host', Value: host }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
      });
    }
  });

  it('pages on auth failures and denials only when above the anomaly band and above the floor', () => {
    for (const [what, outcome] of [['auth-failures', 'auth_failed'], ['denials', 'denied']] as const) {
      const band = alarm(built, `edge-gateway-dev-${what}-surge-above-band`);
      expect(band.ComparisonOperator).toBe('GreaterThanUpperThreshold');
      expect(JSON.stringify(band.Metrics)).toMatch(/ANOMALY_DETECTION_BAND\(\w+, 4\)/);
      expect(JSON.stringify(band.Metrics)).toContain(`{"Name":"outcome","Value":"${outcome}"}`);
      expect(alarm(built, `edge-gateway-dev-${what}-surge-above-floor`)).toMatchObject({
        MetricName: GATEWAY_METRIC.connections,
        Dimensions: [{ Name: 'outcome', Value: outcome }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 50,
      });
      const composite = Object.values(built.template.findResources('AWS::CloudWatch::CompositeAlarm'))
        .map((r) => (r as Resource).Properties)
        .find((p) => p.AlarmName === `edge-gateway-dev-${what}-surge`);
      const rule = JSON.stringify(composite?.AlarmRule);
      expect(rule).toMatch(/ALARM\(.*SurgeAboveBand.*\) AND ALARM\(.*SurgeAboveFloor|ALARM\(.*AboveBand.*AND ALARM\(.*AboveFloor/);
    }
  });

  it('pages when policy reloads fail, SSM throttles, or the API answers 5xx', () => {
    const reload = alarm(built, 'edge-gateway-dev-policy-reload-failing');
    expect(reload).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 3 });
    expect(JSON.stringify(reload.Metrics)).toContain('FILL(failed, 0) + 3 * FILL(rejected, 0)');
    expect(JSON.stringify(reload.Metrics)).toContain(GATEWAY_METRIC.policyReloads);
    expect(alarm(built, 'edge-gateway-dev-ssm-throttling')).toMatchObject({
      MetricName: GATEWAY_METRIC.storeCalls,
      Dimensions: [{ Name: 'result', Value: 'throttled' }],
      Statistic: 'Sum',
      Threshold: 5,
    });
    expect(alarm(built, 'edge-gateway-dev-api-5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Period: 300, Threshold: 5 });
  });

  it('draws one dashboard with every signal the operator reads', () => {
    const dashboards = built.template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]);
    // The per-host health gauge drives the alarms; the dashboard shows the live connections behind it.
    for (const name of Object.values(GATEWAY_METRIC).filter((n) => n !== GATEWAY_METRIC.tunnelHostHealthy)) expect(body).toContain(name);
    for (const title of ['Connections by outcome', 'Connect latency', 'Active connections', 'Bytes carried', 'Auth failures by code, limit hits', 'Live SSH connections per tunnel host', 'Policy version', 'SSM calls by result', 'Task CPU and memory', 'API 4xx / 5xx', 'API latency']) {
      expect(body).toContain(title);
    }
    for (const metric of ['CPUUtilization', 'MemoryUtilization', '4xx', '5xx', 'Latency', 'HealthyHostCount', 'p99']) expect(body).toContain(metric);
  });

  it('saves the four audit queries on the gateway log group', () => {
    const logGroupId = built.stack.getLogicalId(built.stack.gateway.logGroup.node.defaultChild as CfnLogGroup);
    const queries = Object.values(built.template.findResources('AWS::Logs::QueryDefinition')).map((r) => (r as Resource).Properties);
    expect(queries.map((q) => q.Name).sort()).toEqual(Object.keys(AUDIT_QUERIES).map((name) => `edge-gateway/dev/${name}`).sort());
    for (const query of queries) {
      expect(query.LogGroupNames).toEqual([{ Ref: logGroupId }]);
      expect(query.QueryString).toContain('filter kind = "audit"');
    }
    const text = (name: string) => String(queries.find((q) => q.Name === `edge-gateway/dev/${name}`)?.QueryString);
    expect(text('who-reached-what')).toContain('by subject, destination, route, tunnelHost');
    expect(text('denials-by-subject')).toContain('by subject, outcome, code, limit');
    expect(text('one-credential')).toContain('credentialId = "PASTE-CREDENTIAL-ID"');
    expect(text('top-destinations')).toContain('by destination');
  });
});

describe('monitoring with an existing topic and other thresholds', () => {
  let built: BuiltApp;
  const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-pager';
  beforeAll(() => {
    built = buildApp({ alarmTopicArn: topicArn, alarmSsmThrottlesPer5Minutes: '20', alarmTunnelHostDownMinutes: 10, alarmAuthFailuresPer5Minutes: 200, alarmAnomalyBandWidth: 6 });
  }, BUILD_TIMEOUT_MS);
  afterAll(() => built?.close());

  it('creates no topic and sends every alarm to the one named', () => {
    expect(Object.keys(built.template.findResources('AWS::SNS::Topic'))).toHaveLength(0);
    expect(Object.keys(built.template.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
    expect(alarm(built, 'edge-gateway-dev-api-5xx').AlarmActions).toEqual([topicArn]);
  });

  it('takes the thresholds from context', () => {
    expect(alarm(built, 'edge-gateway-dev-ssm-throttling').Threshold).toBe(20);
    expect(alarm(built, 'edge-gateway-dev-auth-failures-surge-above-floor').Threshold).toBe(200);
    expect(JSON.stringify(alarm(built, 'edge-gateway-dev-auth-failures-surge-above-band').Metrics)).toMatch(/ANOMALY_DETECTION_BAND\(\w+, 6\)/);
  });

  it('refuses a malformed topic ARN or e-mail address at synth', () => {
    expect(() => buildApp({ alarmTopicArn: 'ops-pager' })).toThrow(/context alarmTopicArn: an SNS topic ARN/);
    expect(() => buildApp({ alarmEmail: 'not-an-address' })).toThrow(/context alarmEmail/);
  });
});
