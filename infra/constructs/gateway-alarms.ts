// The few alarms that page: no healthy task, a tunnel host down, auth failures or denials far above usual,
// policy reloads failing, SSM throttling, API 5xx. Thresholds come from CDK context (infra/context.ts).
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GATEWAY_METRIC, type GatewayMetricSource } from './gateway-metrics.js';

export interface AlarmThresholds {
  tunnelHostDownMinutes: number;
  authFailuresPer5Minutes: number;
  denialsPer5Minutes: number;
  anomalyBandWidth: number;
  policyReloadFailures: number;
  ssmThrottlesPer5Minutes: number;
  api5xxPer5Minutes: number;
}

export interface GatewayAlarmsProps {
  stage: string;
  metrics: GatewayMetricSource;
  topic: sns.ITopic;
  /** The load balancer's healthy gateway tasks (one target group: every port shares the /readyz check). */
  healthyTasks: cw.IMetric;
  apiServerErrors: cw.IMetric;
  /** Each gets its own "down" alarm. */
  tunnelHosts: readonly string[];
  thresholds: AlarmThresholds;
}

const FIVE_MINUTES = Duration.minutes(5);

export class GatewayAlarms extends Construct {
  /** The alarms that notify the topic, by purpose (the dashboard shows their state). */
  readonly paging: cw.AlarmBase[] = [];
  readonly #notify: actions.SnsAction;

  constructor(scope: Construct, id: string, props: GatewayAlarmsProps) {
    super(scope, id);
    this.#notify = new actions.SnsAction(props.topic);
    const { metrics, thresholds: t, stage } = props;
    const name = (what: string) => `edge-gateway-${stage}-${what}`;

    this.#page(
      new cw.Alarm(this, 'NoHealthyTask', {
        alarmName: name('no-healthy-task'),
        alarmDescription: 'No gateway task passes the load balancer health check (/readyz): every client is refused.',
        metric: props.healthyTasks,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        threshold: 1,
        evaluationPeriods: 2,
        treatMissingData: cw.TreatMissingData.BREACHING,
      }),
    );

    for (const host of props.tunnelHosts) {
      this.#page(
        new cw.Alarm(this, `TunnelHostDown-${host}`, {
          alarmName: name(`tunnel-host-down-${host}`),
          alarmDescription: `Tunnel host "${host}": no task has had a live SSH connection to it for ${t.tunnelHostDownMinutes} minutes; its routes fail.`,
          metric: metrics.metric(GATEWAY_METRIC.tunnelHostHealthy, { host }, { statistic: 'Maximum' }),
          comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
          threshold: 1,
          evaluationPeriods: t.tunnelHostDownMinutes,
          // No data: the host left the policy, or no task runs (the no-healthy-task alarm covers that).
          treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const surges = [
      { id: 'AuthFailures', title: name('auth-failures-surge'), what: 'refused authentications', outcome: 'auth_failed', floor: t.authFailuresPer5Minutes },
      { id: 'Denials', title: name('denials-surge'), what: 'connections denied by policy', outcome: 'denied', floor: t.denialsPer5Minutes },
    ];
    for (const { id, outcome, ...surge } of surges) {
      const metric = metrics.metric(GATEWAY_METRIC.connections, { outcome }, { statistic: 'Sum', period: FIVE_MINUTES });
      this.#surge(id, { ...surge, metric, band: t.anomalyBandWidth });
    }

    const fifteen = Duration.minutes(15);
    this.#page(
      this.#atLeast('PolicyReloadFailing', {
        alarmName: name('policy-reload-failing'),
        alarmDescription: `Policy reloads failing: the store unreadable, or a policy rejected. Tasks keep the last good policy; changes do not apply.`,
        metric: new cw.MathExpression({
          expression: `FILL(failed, 0) + ${t.policyReloadFailures} * FILL(rejected, 0)`,
          usingMetrics: {
            failed: metrics.metric(GATEWAY_METRIC.policyReloads, { result: 'error' }, { statistic: 'Sum', period: fifteen }),
            rejected: metrics.metric(GATEWAY_METRIC.policyReloads, { result: 'rejected' }, { statistic: 'Sum', period: fifteen }),
          },
          period: fifteen,
          label: 'failed reloads (a rejected policy weighs the whole threshold)',
        }),
        threshold: t.policyReloadFailures,
      }),
    );
    this.#page(
      this.#atLeast('SsmThrottling', {
        alarmName: name('ssm-throttling'),
        alarmDescription: 'SSM Parameter Store throttles the gateways (the account-wide read budget): reloads slow down, then fail.',
        metric: metrics.metric(GATEWAY_METRIC.storeCalls, { result: 'throttled' }, { statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: t.ssmThrottlesPer5Minutes,
      }),
    );
    this.#page(
      this.#atLeast('Api5xx', {
        alarmName: name('api-5xx'),
        alarmDescription: 'The credential API answers 5xx: people cannot get credentials.',
        metric: props.apiServerErrors,
        threshold: t.api5xxPer5Minutes,
      }),
    );
  }

  /** At least `threshold` in one period; no data is no trouble (nothing happened, or no task runs: the no-healthy-task alarm covers that). */
  #atLeast(id: string, props: Pick<cw.AlarmProps, 'alarmName' | 'alarmDescription' | 'metric' | 'threshold'>): cw.Alarm {
    return new cw.Alarm(this, id, {
      ...props,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
  }

  #page(alarm: cw.AlarmBase): void {
    alarm.addAlarmAction(this.#notify);
    alarm.addOkAction(this.#notify);
    this.paging.push(alarm);
  }

  /**
   * "Far above the usual rate": above CloudWatch's anomaly band AND above a floor, so a quiet stage does
   * not page for three typos. Only the composite notifies.
   */
  #surge(id: string, spec: { title: string; what: string; metric: cw.Metric; floor: number; band: number }): void {
    const unusual = new cw.AnomalyDetectionAlarm(this, `${id}AboveBand`, {
      alarmName: `${spec.title}-above-band`,
      alarmDescription: `${spec.what} above the anomaly band (${spec.band} standard deviations)`,
      metric: spec.metric,
      stdDevs: spec.band,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    const many = this.#atLeast(`${id}AboveFloor`, {
      alarmName: `${spec.title}-above-floor`,
      alarmDescription: `${spec.what}: at least ${spec.floor} in 5 minutes`,
      metric: spec.metric,
      threshold: spec.floor,
    });
    this.#page(
      new cw.CompositeAlarm(this, `${id}Surge`, {
        compositeAlarmName: spec.title,
        alarmDescription: `${spec.what} far above their usual rate (anomaly band and at least ${spec.floor} in 5 minutes): credential guessing, or a partner misconfigured.`,
        alarmRule: cw.AlarmRule.allOf(cw.AlarmRule.fromAlarm(unusual, cw.AlarmState.ALARM), cw.AlarmRule.fromAlarm(many, cw.AlarmState.ALARM)),
      }),
    );
  }
}
