// Builds the CDK app: context read once into typed settings, one stack per stage, cdk-nag AwsSolutions on the lot.
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseInfraContext, type InfraContext } from './context.js';
import { EdgeGatewayStack } from './stacks/edge-gateway-stack.js';

export interface EdgeGatewayAppOptions extends AppProps {
  /** Off only in assertion tests: a nag error makes synthesis throw before a template can be inspected. */
  nag?: boolean;
}

export interface EdgeGatewayApp {
  app: App;
  stack: EdgeGatewayStack;
  settings: InfraContext;
}

export function createEdgeGatewayApp(options: EdgeGatewayAppOptions = {}): EdgeGatewayApp {
  const { nag = true, ...appProps } = options;
  const app = new App(appProps);
  const settings = parseInfraContext((key) => app.node.tryGetContext(key));
  // Environment-agnostic on purpose: no account or region lookups, so synth needs neither network nor credentials.
  const stack = new EdgeGatewayStack(app, `EdgeGateway-${settings.stage}`, {
    settings,
    description: `edge-gateway (${settings.stage}): SOCKS5 gateway on Fargate, credential API on Lambda, policy in SSM`,
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, settings };
}
