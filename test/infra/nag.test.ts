// cdk-nag AwsSolutions over the real app: zero unacknowledged errors (each acknowledgement carries its reason in code).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { createEdgeGatewayApp } from '../../infra/edge-gateway-app.js';
import { cdkJsonContext } from './build-app.js';

/** A full synth bundles two Lambdas; on a busy shared machine that takes well over a minute. */
const SYNTH_TIMEOUT_MS = 240_000;

interface ValidationReport {
  pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
}

const outdirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eg-nag-'));
  outdirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function findings(dir: string): string[] {
  let report: ValidationReport;
  try {
    report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as ValidationReport;
  } catch {
    return [];
  }
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports a finding in this setup (the check really runs)', () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    new sns.Topic(new Stack(app, 'Probe'), 'Topic');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
    expect(findings(dir).join('\n')).toContain('AwsSolutions-SNS3');
  }, SYNTH_TIMEOUT_MS);

  it.each([
    ['default context', {}],
    ['clients from anywhere, tunnel hosts seeded', {
      allowedClientCidrs: ['0.0.0.0/0'],
      tunnelHosts: [{ name: 'partner-a', address: 'bastion.example', username: 'tunnel', hostKeyFingerprints: ['SHA256:' + 'B'.repeat(43)], auth: { type: 'key', privateKeyParameter: 'keys/tunnel/partner-a' } }],
    }],
    ['people sign in with OIDC (JWT authorizer, public self-service page)', { oidcIssuer: 'https://login.example.com/realms/staff', oidcClientId: 'edge-gateway-page' }],
    ['TLS listeners (HTTPS proxy and public)', {
      allowedClientCidrs: ['203.0.113.0/24'],
      tlsCertificateParameter: '/edge-gateway/dev/tls/certificate',
      tlsKeyParameter: '/edge-gateway/dev/tls/key',
      tlsDomainName: 'gw.example.com',
    }],
  ])('passes with zero unacknowledged errors: %s', (_name, context) => {
    const dir = outdir();
    const { app } = createEdgeGatewayApp({ context: { ...cdkJsonContext, ...context }, outdir: dir });
    let error: unknown;
    try {
      app.synth();
    } catch (err) {
      error = err;
    }
    expect(findings(dir).filter((line) => line.startsWith('error'))).toEqual([]);
    expect(error instanceof Error ? error.message : error).toBeUndefined();
  }, SYNTH_TIMEOUT_MS);
});
