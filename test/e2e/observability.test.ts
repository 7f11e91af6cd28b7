// What leaves a live gateway for operators: /metrics that promtool accepts, EMF log lines carrying every metric
// the CloudWatch dashboard and alarms read, a Grafana dashboard that queries only exported series, and a local
// Prometheus scraping the gateway under load (its graph page, in Chromium, is docs/prometheus-graph.png).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRepository } from '../../common/policy-repository.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import type { EncodedCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { AUDIT_QUERIES } from '../../infra/constructs/audit-queries.js';
import { GATEWAY_METRIC } from '../../infra/constructs/gateway-metrics.js';
import { launchBrowser } from '../harness/browser.js';
import { emfProblems, type EmfDirective } from '../harness/emf-format.js';
import { startMoto, MOTO_REGION, type Moto } from '../harness/moto.js';
import { startPrometheus, type Prometheus } from '../harness/prometheus.js';
import { exportedSeriesNames, exposedTypes, promqlMetricNames } from '../harness/promql-names.js';
import { startSshd, tunnelHostInput, type Sshd } from '../harness/sshd.js';
import { startEchoTarget, startHttpTarget, type EchoTarget, type HttpTarget } from '../harness/targets.js';
import { socksConnect } from '../gateway/socks/socks-client.js';
import { captureLog, credentialKeys, curlViaSocks, waitFor, type CapturedLog } from './gateway-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NAMESPACE = 'EdgeGateway/test';
/** Load long enough for rates over 30 s windows and a few EMF intervals. */
const LOAD_MS = 40_000;
/** Set to rewrite the checked-in screenshot; otherwise it goes to a temporary directory and is checked there. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'prometheus-graph.png') : undefined;

let moto: Moto;
let sshd: Sshd;
let web: HttpTarget;
let echo: EchoTarget;
let repository: PolicyRepository;
let gateway: RunningGateway;
let prometheus: Prometheus;
let captured: CapturedLog;
let alice: EncodedCredential;
let tmp: string;
let metricsText: string;
const cleanup: Array<() => Promise<unknown>> = [];
const savedEnv = new Map<string, string | undefined>();

const webRoute = (ports: number[]) => ({ name: 'web', destinations: [{ host: '127.0.0.1', ports }], via: ['bastion'], groups: ['staff'] });

/** Good transfers, connections the policy denies, and wrong passwords from another address until the limiter blocks it. */
async function load(durationMs: number): Promise<void> {
  const until = Date.now() + durationMs;
  const loop = async (step: () => Promise<unknown>, pauseMs: number) => {
    while (Date.now() < until) {
      await step();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const denied = async () => {
    const { client } = await socksConnect(gateway.socks.port, '127.0.0.1', echo.port, alice.username, alice.password);
    client.destroy();
  };
  const wrongPassword = () =>
    new Promise<void>((resolve) => {
      const child = spawn('curl', ['--silent', '--max-time', '5', '--interface', '127.0.0.9', '--socks5-hostname', `${alice.username}:wrong@127.0.0.1:${gateway.socks.port}`, `http://127.0.0.1:${web.port}/`], { stdio: 'ignore' });
      child.once('close', () => resolve());
    });
  const policyChange = async () => {
    await new Promise((resolve) => setTimeout(resolve, durationMs / 2));
    await repository.putRoute(webRoute([web.port, 9]));
  };
  const transfer = () => curlViaSocks(gateway.socks.port, alice, `http://127.0.0.1:${web.port}/big`).done;
  await Promise.all([loop(transfer, 20), loop(transfer, 50), loop(transfer, 100), loop(denied, 250), loop(wrongPassword, 700), policyChange()]);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'eg-observability-'));
  cleanup.push(() => rm(tmp, { recursive: true, force: true }));
  [moto, sshd, web, echo] = await Promise.all([startMoto(), startSshd(), startHttpTarget({ bodyBytes: 256 * 1024 }), startEchoTarget()]);
  cleanup.push(() => moto.close(), () => sshd.close(), () => web.close(), () => echo.close());
  // The gateway builds its own SSM client: the SDK's credentials come from the environment.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    savedEnv.set(name, process.env[name]);
    process.env[name] = moto.env[name];
  }

  const config = parseConfig(
    {
      store: { type: 'ssm', region: MOTO_REGION, endpoint: moto.endpoint },
      listeners: { socks: { port: 0 }, admin: { port: 0 } },
      refreshIntervalMs: 1000,
      limits: { authFailureBurst: 3, authFailureRefillPerSecond: 0.2 },
      metrics: { emf: { namespace: NAMESPACE, intervalMs: 1000 } },
    },
    { env: {} },
  );
  repository = new PolicyRepository({ store: new SsmStore({ client: moto.ssmClient() }), prefix: config.prefix });
  const keys = credentialKeys();
  alice = keys.issue('alice', ['staff']);
  await repository.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);
  await repository.putHost(tunnelHostInput(sshd));
  await repository.putRoute(webRoute([web.port]));

  captured = captureLog();
  gateway = await startGateway(config, { log: captured.log });
  cleanup.push(() => gateway.close());
  await gateway.pools.whenReady('bastion', AbortSignal.timeout(60_000));

  prometheus = await startPrometheus({
    targets: [{ job: 'edge-gateway', address: new URL(gateway.admin.url).host }],
    ruleFiles: [join(ROOT, 'monitoring', 'prometheus', 'edge-gateway.rules.yml')],
  });
  cleanup.push(() => prometheus.close());
  await load(LOAD_MS);
  metricsText = await (await fetch(`${gateway.admin.url}/metrics`)).text();
}, 300_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  expect(captured?.text() ?? '').not.toContain(alice?.password ?? 'unset');
});

function emfLines(): Array<Record<string, unknown>> {
  return captured.lines().filter((line) => line.msg === 'metrics' && '_aws' in line);
}

describe('what operators get from a live gateway', () => {
  it('serves /metrics that promtool check metrics accepts', async () => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stdin.end(metricsText);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(output).toBe('');
    expect(code).toBe(0);
    expect(metricsText).toMatch(/^edge_gateway_connections_total\{protocol="socks5",outcome="ok"\} [1-9]\d*$/m);
    expect(metricsText).toMatch(/^edge_gateway_store_calls_total\{operation="GetParameter",result="ok"\} [1-9]\d*$/m);
  });

  it('writes EMF log lines that follow the format and carry every metric the CloudWatch dashboard and alarms read', () => {
    const lines = emfLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(emfProblems(line)).toEqual([]);
    const directives = lines.flatMap((line) => (line._aws as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics);
    expect(new Set(directives.map((d) => d.Namespace))).toEqual(new Set([NAMESPACE]));
    const dimensionSetsOf = (name: string) => new Set(directives.filter((d) => d.Metrics.some((m) => m.Name === name)).flatMap((d) => d.Dimensions.map((set) => set.join(','))));
    // Each metric with the dimension sets infra/constructs (dashboard, alarms) read it by.
    const readBy: Record<string, string[]> = {
      [GATEWAY_METRIC.connections]: ['outcome'],
      [GATEWAY_METRIC.handshakeSeconds]: ['outcome'],
      [GATEWAY_METRIC.activeConnections]: [''],
      [GATEWAY_METRIC.bytes]: ['direction'],
      [GATEWAY_METRIC.authFailures]: ['code'],
      [GATEWAY_METRIC.limitHits]: ['limit'],
      [GATEWAY_METRIC.tunnelConnections]: ['host,state'],
      [GATEWAY_METRIC.tunnelHostHealthy]: ['host'],
      [GATEWAY_METRIC.policyVersion]: [''],
      [GATEWAY_METRIC.policyReloads]: ['result'],
      [GATEWAY_METRIC.storeCalls]: ['result'],
    };
    expect(Object.keys(readBy).sort()).toEqual(Object.values(GATEWAY_METRIC).sort());
    for (const [name, sets] of Object.entries(readBy)) {
      for (const set of sets) expect([...dimensionSetsOf(name)], name).toContain(set);
    }
    const healthy = lines.find((line) => line.host === 'bastion' && GATEWAY_METRIC.tunnelHostHealthy in line);
    expect(healthy?.[GATEWAY_METRIC.tunnelHostHealthy]).toBe(1);
    const latency = lines.find((line) => line.outcome === 'ok' && Array.isArray(line[GATEWAY_METRIC.handshakeSeconds]));
    expect((latency?.[GATEWAY_METRIC.handshakeSeconds] as number[]).length).toBeGreaterThan(0);
  });

  it('never makes a subject, credential, source or destination a dimension', () => {
    const text = JSON.stringify(emfLines());
    for (const value of ['alice', alice.username, '127.0.0.9', `127.0.0.1:${web.port}`, `127.0.0.1:${echo.port}`]) expect(text).not.toContain(value);
    const keys = new Set(emfLines().flatMap((line) => (line._aws as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics.flatMap((d) => d.Dimensions.flat())));
    expect([...keys].sort()).toEqual(['code', 'direction', 'host', 'limit', 'operation', 'outcome', 'protocol', 'result', 'state']);
  });

  it('writes audit lines with every field the saved Logs Insights queries read', () => {
    const fields = new Set(captured.lines().filter((line) => line.kind === 'audit').flatMap((line) => Object.keys(line)));
    expect(fields.size).toBeGreaterThan(5);
    for (const [name, query] of Object.entries(AUDIT_QUERIES)) {
      const text = [...(query.fields ?? []), ...(query.filterStatements ?? []), ...(query.statsStatements ?? []), query.sort ?? ''].join(' ');
      // Identifiers outside quotes, less the query language's own words and the names a query gives its results.
      const words = text.replace(/"[^"]*"/g, ' ').match(/@?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
      const own = new Set([...text.matchAll(/\bas (\w+)/g)].map((m) => m[1]));
      const language = new Set(['and', 'or', 'in', 'as', 'by', 'desc', 'asc', 'count', 'sum', 'max', 'min', 'count_distinct', 'not']);
      for (const word of words) {
        if (word.startsWith('@') || language.has(word) || own.has(word)) continue;
        expect(fields, `${name}: ${word}`).toContain(word);
      }
    }
  });

  it('has a Grafana dashboard that parses and whose every query names a series the gateway exports', async () => {
    const dashboard = JSON.parse(await readFile(join(ROOT, 'monitoring', 'grafana', 'edge-gateway.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exported = exportedSeriesNames(exposedTypes(metricsText));
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(queries.length).toBeGreaterThan(10);
    const read = new Set<string>();
    for (const { panel, expr } of queries) {
      const names = promqlMetricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      // `up` is Prometheus' own series for each scraped gateway.
      for (const name of names) expect(exported.has(name) || name === 'up', `${panel}: ${name}`).toBe(true);
      for (const name of names) read.add(name.replace(/_bucket$/, ''));
    }
    for (const name of Object.values(GATEWAY_METRIC)) expect(read, name).toContain(name);
  });

  it('is scraped by a local Prometheus, whose graph page in Chromium shows the key series', async () => {
    const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? Number.NaN);
    expect(await value('sum(rate(edge_gateway_connections_total{outcome="ok"}[30s]))')).toBeGreaterThan(0);
    expect(await value('sum(rate(edge_gateway_connections_total{outcome="denied"}[30s]))')).toBeGreaterThan(0);
    expect(await value('max(edge_gateway_tunnel_host_healthy{host="bastion"})')).toBe(1);
    expect(await value('histogram_quantile(0.99, sum by (le) (rate(edge_gateway_handshake_seconds_bucket{outcome="ok"}[30s])))')).toBeGreaterThan(0);
    expect(await value('max(edge_gateway_policy_version)')).toBeGreaterThan(1);

    const panels = [
      'sum by (outcome) (rate(edge_gateway_connections_total[15s]))',
      'histogram_quantile(0.99, sum by (le) (rate(edge_gateway_handshake_seconds_bucket{outcome="ok"}[15s])))',
      'sum by (direction) (rate(edge_gateway_bytes_total[15s]))',
      'sum by (host) (edge_gateway_tunnel_connections{state="ready"})',
    ];
    const query = panels.map((expr, i) => `g${i}.expr=${encodeURIComponent(expr)}&g${i}.tab=0&g${i}.range_input=1m`).join('&');
    const browser = await launchBrowser();
    try {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${prometheus.url}/graph?${query}`);
      await waitFor('every graph drawn', async () => (await page.locator('.graph_area svg path').count()) >= panels.length, 60_000);
      // The page's fixed navigation bar would land mid-page in a full-page capture: pin it to the top.
      await page.addStyleTag({ content: '.fixed-top, .navbar-fixed-top { position: absolute !important; }' });
      const png = await page.screenshot({ fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      await writeFile(SCREENSHOT ?? join(tmp, 'prometheus-graph.png'), png);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
