// Binding a credential to a source address: `true` means the caller's own address, or an explicit CIDR.
import { isIP } from 'node:net';
import { GatewayError } from '../../common/errors.js';

/** Normalises "10.1.2.0/24" or a bare address (→ /32 or /128); refuses anything else with a precise reason. */
function normaliseCidr(text: string): string {
  const [address = '', prefixText, extra] = text.split('/');
  const family = isIP(address);
  const maxPrefix = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined) throw new GatewayError('EG_VALIDATION', `bindSource: "${text.slice(0, 64)}" is not an address or CIDR`);
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(maxPrefix)) || prefix > maxPrefix) {
    throw new GatewayError('EG_VALIDATION', `bindSource: prefix length of "${text.slice(0, 64)}" must be 0-${maxPrefix}`);
  }
  return `${address.toLowerCase()}/${prefix}`;
}

export function sourceBinding(bindSource: boolean | string | undefined, sourceIp: string | undefined): string | undefined {
  if (bindSource === undefined || bindSource === false) return undefined;
  if (bindSource === true) {
    if (!sourceIp || isIP(sourceIp) === 0) throw new GatewayError('EG_VALIDATION', 'bindSource: the caller\'s source address is unknown; give a CIDR instead');
    return normaliseCidr(sourceIp.startsWith('::ffff:') && isIP(sourceIp.slice(7)) === 4 ? sourceIp.slice(7) : sourceIp);
  }
  return normaliseCidr(bindSource);
}
