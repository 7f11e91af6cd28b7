// One CloudWatch dashboard per stage: the fleet's connections, tunnels, policy, store, tasks and API at a glance.
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { GATEWAY_METRIC, type GatewayMetricSource } from './gateway-metrics.js';

export interface GatewayDashboardProps {
  stage: string;
  metrics: GatewayMetricSource;
  healthyTasks: cw.IMetric;
  taskCpu: cw.IMetric;
  taskMemory: cw.IMetric;
  api: { clientErrors: cw.IMetric; serverErrors: cw.IMetric; latencyP50: cw.IMetric; latencyP99: cw.IMetric };
  alarms: readonly cw.IAlarm[];
}

const WIDTH = 8;
const HEIGHT = 6;

export class GatewayDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: GatewayDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    const graph = (title: string, left: cw.IMetric[], options: Partial<cw.GraphWidgetProps> = {}) =>
      new cw.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...options });

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `edge-gateway-${props.stage}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(new cw.AlarmStatusWidget({ title: 'What pages', alarms: [...props.alarms], width: 24, height: 4 }));
    this.dashboard.addWidgets(
      graph('Connections by outcome (per minute)', [m.search(GATEWAY_METRIC.connections, ['outcome'], { statistic: 'Sum' })]),
      graph('Connect latency (CONNECT answered)', [
        m.metric(GATEWAY_METRIC.handshakeSeconds, { outcome: 'ok' }, { statistic: 'p50', label: 'p50' }),
        m.metric(GATEWAY_METRIC.handshakeSeconds, { outcome: 'ok' }, { statistic: 'p99', label: 'p99' }),
      ]),
      graph('Active connections (all tasks)', [m.metric(GATEWAY_METRIC.activeConnections, {}, { statistic: 'Sum', label: 'active' })], {
        right: [props.healthyTasks],
        rightYAxis: { min: 0, label: 'healthy tasks' },
      }),
    );
    this.dashboard.addWidgets(
      graph('Bytes carried (per minute)', [m.search(GATEWAY_METRIC.bytes, ['direction'], { statistic: 'Sum' })]),
      graph('Auth failures by code, limit hits', [
        m.search(GATEWAY_METRIC.authFailures, ['code'], { statistic: 'Sum' }),
        m.search(GATEWAY_METRIC.limitHits, ['limit'], { statistic: 'Sum' }),
      ]),
      graph('Live SSH connections per tunnel host', [m.search(GATEWAY_METRIC.tunnelConnections, ['host', 'state'], { statistic: 'Sum', filter: 'state="ready"' })], {
        leftYAxis: { min: 0 },
      }),
    );
    this.dashboard.addWidgets(
      graph('Policy version (min and max across tasks)', [
        m.metric(GATEWAY_METRIC.policyVersion, {}, { statistic: 'Minimum', label: 'oldest' }),
        m.metric(GATEWAY_METRIC.policyVersion, {}, { statistic: 'Maximum', label: 'newest' }),
      ], { right: [m.search(GATEWAY_METRIC.policyReloads, ['result'], { statistic: 'Sum' })], rightYAxis: { min: 0, label: 'reloads' } }),
      graph('SSM calls by result (throttled: the account budget)', [m.search(GATEWAY_METRIC.storeCalls, ['result'], { statistic: 'Sum' })]),
      graph('Task CPU and memory (%)', [props.taskCpu, props.taskMemory], { leftYAxis: { min: 0, max: 100 } }),
    );
    this.dashboard.addWidgets(
      graph('API 4xx / 5xx', [props.api.clientErrors, props.api.serverErrors]),
      graph('API latency', [props.api.latencyP50, props.api.latencyP99]),
    );
  }
}
