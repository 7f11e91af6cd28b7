// Builds the data path's decision makers from one policy: the route engine and the authenticator.
// PROVISIONAL until gateway/policy and gateway/auth land.
import type { PolicyCompiler } from './live-policy.js';

export const compileGatewayPolicy: PolicyCompiler = () => {
  throw new Error('policy engine not available yet');
};
