// Builds the real CDK app in-process for assertion tests: cdk.json context (feature flags included) plus overrides.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createEdgeGatewayApp, type EdgeGatewayApp } from '../../infra/edge-gateway-app.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export interface BuiltApp extends EdgeGatewayApp {
  template: Template;
  outdir: string;
  close(): void;
}

/** Without nag (validation failures throw on synth); the nag test builds its own. */
export function buildApp(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): BuiltApp {
  const outdir = mkdtempSync(join(tmpdir(), 'eg-cdk-'));
  const close = () => rmSync(outdir, { recursive: true, force: true });
  try {
    const built = createEdgeGatewayApp({ context: { ...cdkJson.context, ...context }, outdir, nag: options.nag ?? false });
    return { ...built, template: Template.fromStack(built.stack), outdir, close };
  } catch (err) {
    close();
    throw err;
  }
}

export const cdkJsonContext = cdkJson.context;

export interface GatewayContainer {
  Environment: Array<{ Name: string; Value: unknown }>;
  PortMappings: Array<{ ContainerPort: number }>;
}

/** The gateway task's container definition as synthesized (the task has one container). */
export function gatewayContainer(built: BuiltApp): GatewayContainer {
  const task = Object.values(built.template.findResources('AWS::ECS::TaskDefinition'))[0] as { Properties: { ContainerDefinitions: GatewayContainer[] } };
  return task.Properties.ContainerDefinitions[0]!;
}
