// The groups a set of verified token claims puts a person in: the groups claim through the operator's map.
import { GatewayError } from '../../common/errors.js';
import { GroupName } from '../../common/schema/names.js';
import type { OidcSettings } from './settings.js';

/** At most this many values are read from a groups claim; a token is not a way to make the API loop. */
const MAX_CLAIM_VALUES = 256;

/** "cognito:groups" as a key, else a dotted path ("realm_access.roles"). */
function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The claim's values. API Gateway's JWT authorizer hands a list claim over as one string, "[a b c]"; a provider
 * may send a single group as a plain string.
 */
function valuesOf(claim: unknown): string[] | undefined {
  if (Array.isArray(claim)) return claim.filter((v): v is string => typeof v === 'string');
  if (typeof claim !== 'string') return undefined;
  const text = claim.trim();
  if (text.startsWith('[') && text.endsWith(']')) return text.slice(1, -1).split(/[\s,]+/).filter(Boolean);
  return text === '' ? [] : [text];
}

/** The groups named by the token; refuses a token without the groups claim (EG_OIDC_NO_GROUPS). */
export function groupsFromClaims(claims: Readonly<Record<string, unknown>>, settings: Pick<OidcSettings, 'groupsClaim' | 'groupMap'>): string[] {
  const values = valuesOf(claimAt(claims, settings.groupsClaim));
  if (values === undefined) {
    throw new GatewayError('EG_OIDC_NO_GROUPS', `your sign-in token has no "${settings.groupsClaim}" claim: ask your identity provider's admin to send it (or the operator to set oidc.groupsClaim)`);
  }
  const groups = new Set<string>();
  for (const value of values.slice(0, MAX_CLAIM_VALUES)) {
    const mapped = Object.hasOwn(settings.groupMap, value) ? settings.groupMap[value] : undefined;
    if (mapped) for (const group of mapped) groups.add(group);
    else if (GroupName.safeParse(value).success) groups.add(value);
  }
  return [...groups];
}
