export { compilePolicy, CompiledPolicy, RoutesInvalidError } from './compiled-policy.js';
