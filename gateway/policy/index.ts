export { compilePolicy, CompiledPolicy, RoutesInvalidError } from './compiled-policy.js';
export { validateRoutes, validateRoute, type KnownHosts } from '../../common/policy-syntax/validate-routes.js';
export { parseHostPattern, formatHostPattern, type HostPattern } from '../../common/policy-syntax/host-pattern.js';
export { readHost, type HostMeaning } from '../../common/policy-syntax/host-name.js';
export { forbiddenAddress } from './forbidden.js';
export { parseIp, parseCidr, parseInetAton, cidrContains, formatIp, formatCidr, type IpAddress, type Cidr } from '../../common/policy-syntax/ip-address.js';
