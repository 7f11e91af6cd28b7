// The control plane: the Hono app as one Lambda behind an HTTP API with IAM (SigV4) authorization.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NodeFunction } from './node-function.js';
import { PeopleRoutes, oidcEnvironment, type OidcProps } from './people-routes.js';
import type { Parameters } from './parameters.js';

export interface ApiProps {
  stage: string;
  parameters: Parameters;
  credentialTtlCapSeconds: number;
  principalGroups: Record<string, string[]>;
  /** IAM role ARNs of the gateways: put in the "gateways" group (SSH certificate signing). */
  gatewayPrincipals?: string[];
  adminGroups: readonly string[];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
  /** What credentials tell clients to use, e.g. the NLB's "host:1080", its HTTP proxy port and PAC URL. */
  proxyAddress: string;
  httpProxyPort: number;
  pacUrl: string;
  /** People's sign-in: a JWT authorizer on their routes and the self-service page at "/". */
  oidc?: OidcProps;
}

/** The self-service page's static files, copied into the bundle where lambdas/page/page-assets.ts looks for them. */
const PAGE_ASSET_SOURCES: Record<string, string> = {
  'page.js': 'lambdas/page/static/page.js',
  'page.css': 'lambdas/page/static/page.css',
  'oauth4webapi.js': 'node_modules/oauth4webapi/build/index.js',
};

export class Api extends Construct {
  readonly handler: NodeFunction;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.handler = new NodeFunction(this, 'Handler', {
      entry: 'lambdas/handler.ts',
      description: `edge-gateway ${props.stage}: credential and policy API`,
      memorySize: 512,
      bundleFiles: Object.fromEntries(Object.entries(PAGE_ASSET_SOURCES).map(([name, source]) => [`page-assets/${name}`, source])),
      timeout: Duration.seconds(15),
      logRetention: props.logRetention,
      // Read by lambdas/handler.ts and lambdas/config.ts (apiConfigFromEnv).
      environment: {
        STAGE: props.stage,
        PARAMETER_PREFIX: props.parameters.prefix,
        // The API writes no SecureString in AWS (no kms:Encrypt): should it ever try, it fails on this key instead of
        // falling back to aws/ssm, which every principal in the account may decrypt.
        SSM_KMS_KEY_ID: props.parameters.privateKeysKey.keyArn,
        CREDENTIAL_TTL_CAP_SECONDS: String(props.credentialTtlCapSeconds),
        PRINCIPAL_GROUPS: JSON.stringify(props.principalGroups),
        ...(props.gatewayPrincipals?.length ? { GATEWAY_PRINCIPALS: props.gatewayPrincipals.join(',') } : {}),
        ADMIN_GROUPS: props.adminGroups.join(','),
        PROXY_ADDRESS: props.proxyAddress,
        PROXY_HTTP_PORT: String(props.httpProxyPort),
        PAC_URL: props.pacUrl,
        ...(props.oidc ? oidcEnvironment(props.oidc) : {}),
      },
    });
    // What lambdas/ reads and writes, nothing more.
    props.parameters.grantApi(this.handler.role);

    // Every route, the OpenAPI document included, needs a SigV4-signed request; with sign-in on, people's routes take a JWT.
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: `edge-gateway ${props.stage} control plane`,
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler.function),
    });

    if (props.oidc) new PeopleRoutes(this, 'People', { httpApi: this.httpApi, handler: this.handler.function, oidc: props.oidc });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            error: '$context.error.message',
          }),
        ),
      },
    });
  }

  get url(): string {
    return this.stage.url;
  }

  /** The execute-api ARN of one route on the default stage, for a narrow execute-api:Invoke grant. */
  routeArn(method: string, path: string): string {
    return this.httpApi.arnForExecuteApi(method, path, '$default');
  }
}
