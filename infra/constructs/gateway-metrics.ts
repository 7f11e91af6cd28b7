// The gateway's metrics as CloudWatch sees them: the EMF lines of gateway/observability/emf.ts, same names and labels as /metrics.
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';

/** The /metrics names the dashboard and alarms read (test/observability checks the gateway writes each one). */
export const GATEWAY_METRIC = {
  connections: 'edge_gateway_connections_total',
  handshakeSeconds: 'edge_gateway_handshake_seconds',
  activeConnections: 'edge_gateway_active_connections',
  bytes: 'edge_gateway_bytes_total',
  authFailures: 'edge_gateway_auth_failures_total',
  limitHits: 'edge_gateway_limit_hits_total',
  tunnelConnections: 'edge_gateway_tunnel_connections',
  tunnelHostHealthy: 'edge_gateway_tunnel_host_healthy',
  policyVersion: 'edge_gateway_policy_version',
  policyReloads: 'edge_gateway_policy_reloads_total',
  storeCalls: 'edge_gateway_store_calls_total',
} as const;

export type GatewayMetricName = (typeof GATEWAY_METRIC)[keyof typeof GATEWAY_METRIC];

/** One namespace per stage, so two stages in one account never mix. */
export function metricsNamespace(stage: string): string {
  return `EdgeGateway/${stage}`;
}

export interface MetricRead {
  statistic: string;
  period?: Duration;
  label?: string;
}

export class GatewayMetricSource {
  constructor(readonly namespace: string) {}

  /** One metric with exactly these dimensions (an EMF dimension set of gateway/observability/emf.ts). */
  metric(name: GatewayMetricName, dimensions: Record<string, string>, read: MetricRead): cw.Metric {
    return new cw.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: dimensions,
      statistic: read.statistic,
      period: read.period ?? Duration.minutes(1),
      ...(read.label ? { label: read.label } : {}),
    });
  }

  /** Every series of `name` over these dimension keys, present and future (tunnel hosts added later included). */
  search(name: GatewayMetricName, dimensionKeys: readonly string[], read: MetricRead & { filter?: string }): cw.MathExpression {
    const period = read.period ?? Duration.minutes(1);
    const schema = [`"${this.namespace}"`, ...dimensionKeys].join(',');
    const filter = read.filter ? ` ${read.filter}` : '';
    return new cw.MathExpression({
      expression: `SEARCH('{${schema}} MetricName="${name}"${filter}', '${read.statistic}', ${period.toSeconds()})`,
      usingMetrics: {},
      period,
      ...(read.label ? { label: read.label } : {}),
    });
  }
}
