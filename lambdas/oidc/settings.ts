// OpenID Connect sign-in settings: which issuer's tokens the API accepts and how their claims become groups.
import { z } from 'zod';
import { GroupName } from '../../common/schema/names.js';

const HttpsOrLoopbackUrl = z
  .string()
  .url()
  .refine((text) => {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  }, 'an https:// URL (http:// only on loopback, for local runs)');

export const OidcSettingsSchema = z.object({
  /** The issuer exactly as its tokens' `iss` says it, e.g. "https://login.example.com/realms/staff". */
  issuer: HttpsOrLoopbackUrl,
  /** The self-service page's client id (a public client: Authorization Code with PKCE, no secret). */
  clientId: z.string().min(1).max(256),
  /** Accepted `aud` values: the client id for ID tokens, the API's identifier for access tokens. Default [clientId]. */
  audiences: z.array(z.string().min(1).max(256)).min(1).optional(),
  /** The claim carrying the person's groups: "groups", "cognito:groups", or a dotted path ("realm_access.roles"). */
  groupsClaim: z.string().min(1).max(128).default('groups'),
  /**
   * Claim value → groups. A value listed here becomes these groups (Entra ID sends object ids, for example);
   * a value not listed is taken as a group name as it is, when it is a valid one.
   */
  groupMap: z.record(z.string().min(1).max(256), z.array(GroupName)).default({}),
  /** What the page asks for; add the scope that makes your provider send the groups claim. */
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1).default(['openid', 'profile', 'email']),
  /** Where the signing keys are when discovery should not be used; default: the issuer's discovery document. */
  jwksUri: HttpsOrLoopbackUrl.optional(),
});

export type OidcSettings = z.infer<typeof OidcSettingsSchema>;
export type OidcSettingsInput = z.input<typeof OidcSettingsSchema>;

export function audiencesOf(settings: OidcSettings): string[] {
  return settings.audiences ?? [settings.clientId];
}
