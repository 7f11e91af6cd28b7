// The Prometheus alert rules: promtool accepts them, and its unit tests prove each alert fires and stays quiet.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../gateway/observability/metrics.js';
import { exportedSeriesNames, exposedTypes, promqlMetricNames } from '../harness/promql-names.js';

const run = promisify(execFile);
const DIR = join(import.meta.dirname, '..', '..', 'monitoring', 'prometheus');
const RULES = join(DIR, 'edge-gateway.rules.yml');
const TESTS = join(DIR, 'edge-gateway.rules.test.yml');

interface RuleFile {
  groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule) => rule.alert !== undefined).map((rule) => rule.alert as string);

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', RULES]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass promtool test rules', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', TESTS], { cwd: DIR, timeout: 120_000 });
    expect(stdout).toContain('SUCCESS');
  }, 150_000);

  it('cover the CloudWatch alarms that have a gateway-side signal', () => {
    expect(alerts.sort()).toEqual([
      'EdgeGatewayAuthFailuresSurge',
      'EdgeGatewayDenialsSurge',
      'EdgeGatewayNoHealthyTask',
      'EdgeGatewayPolicyReloadFailing',
      'EdgeGatewaySsmThrottling',
      'EdgeGatewayTunnelHostDown',
    ]);
  });

  it('have, for every alert, a unit test where it fires and one where it stays quiet', () => {
    const cases = (parse(readFileSync(TESTS, 'utf8')) as RuleTests).tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} stays quiet somewhere`).toBe(true);
    }
  });

  it('read only series the gateway exports, their own recordings, and up', async () => {
    // The name extraction itself: functions, keywords, matchers and ranges are not metric names.
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(foo_bucket{outcome="ok"}[5m]))) > on() (bar offset 5m or on() vector(0))')).toEqual(['foo_bucket', 'bar']);
    const exported = exportedSeriesNames(exposedTypes(await createMetrics().render()));
    const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
    for (const rule of rules) {
      for (const name of promqlMetricNames(rule.expr)) {
        expect(exported.has(name) || recorded.has(name) || name === 'up', `${name} in ${rule.alert ?? rule.record}`).toBe(true);
      }
    }
  });
});
