// AWS Lambda entry (API Gateway HTTP API, payload v2): the same app, its store SSM, built once per container.
import { SSMClient } from '@aws-sdk/client-ssm';
import { handle } from 'hono/aws-lambda';
import { stagePrefix } from '../common/layout.js';
import { PolicyRepository } from '../common/policy-repository.js';
import { SsmStore } from '../common/store/ssm-store.js';
import { createApp } from './app.js';
import { apiConfigFromEnv } from './config.js';
import { createIdentityResolver } from './identity.js';
import { createApiLogger } from './logger.js';
import type { ApiApp } from './routes/context.js';
import { createSigningKeySource } from './services/signing-key.js';

/**
 * Environment: STAGE, PARAMETER_PREFIX (default /edge-gateway/STAGE), SSM_KMS_KEY_ID, LOG_LEVEL and the
 * settings apiConfigFromEnv reads. The SDK takes region and credentials from the Lambda runtime
 * (and AWS_ENDPOINT_URL_SSM, which tests point at moto_server).
 */
function createAppFromEnv(env: NodeJS.ProcessEnv = process.env): ApiApp {
  const config = apiConfigFromEnv(env);
  const log = createApiLogger({ level: env.LOG_LEVEL || 'info' });
  const store = new SsmStore({ client: new SSMClient({}), ...(env.SSM_KMS_KEY_ID ? { kmsKeyId: env.SSM_KMS_KEY_ID } : {}) });
  const repository = new PolicyRepository({ store, prefix: env.PARAMETER_PREFIX || stagePrefix(config.stage) });
  // In AWS the deploy-time key generator writes the signing key; the API never makes one there.
  const issuer = createSigningKeySource({ repository, generateIfMissing: false });
  // People's sign-in tokens were verified by API Gateway's JWT authorizer; its claims arrive with the event.
  const identity = createIdentityResolver(config, config.oidc ? { oidc: config.oidc } : {});
  return createApp({ repository, issuer, identity, config, log });
}

let lambdaHandler: ReturnType<typeof handle> | undefined;

export const handler: ReturnType<typeof handle> = (event, lambdaContext) => {
  lambdaHandler ??= handle(createAppFromEnv());
  return lambdaHandler(event, lambdaContext);
};
