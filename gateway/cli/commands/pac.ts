// `edge-gateway pac`: print a PAC file for the routes of a config, optionally narrowed to one credential.
// The PAC itself comes from gateway/browser, the same generator the gateway serves at /proxy.pac.
import type { Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { CredentialClaimsSchema } from '../../../common/schema/credential.js';
import type { Route } from '../../../common/schema/route.js';
import { TOKEN_PREFIX } from '../../../common/token.js';
import { advertisedAddress, renderPac } from '../../browser/index.js';
import { loadConfig } from '../../config/index.js';
import type { Principal } from '../../contracts.js';
import { splitHostPort } from './credential.js';

/**
 * The principal a credential username names, judged from its public claims only (the gateway verifies the
 * signature; a PAC only steers traffic). Undefined when the text is not a credential username.
 */
export function principalOfUsername(username: string): Principal | undefined {
  if (!username.startsWith(TOKEN_PREFIX)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(username.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const claims = CredentialClaimsSchema.safeParse(json);
  if (!claims.success) return undefined;
  return { subject: claims.data.s, groups: claims.data.g, ...(claims.data.r ? { routes: claims.data.r } : {}), source: 'credential' };
}

/** Without a credential the PAC covers every route: a principal in all of their groups. */
function anyPrincipal(routes: readonly Route[]): Principal {
  return { subject: 'pac', groups: [...new Set(routes.flatMap((route) => route.groups))], source: 'credential' };
}

export function addPacCommand(program: Command): void {
  program
    .command('pac')
    .description('print a PAC file: route hosts go through the SOCKS proxy, everything else DIRECT')
    .requiredOption('--config <file>', 'gateway YAML config holding the routes')
    .option('--proxy <host:port>', 'SOCKS address browsers should use (default: the config\'s advertised or bound SOCKS address)')
    .option('--username <credential-username>', 'only the routes this credential could use (its public username part)')
    .addHelpText('after', '\nExample:\n  edge-gateway pac --config gateway.yaml --proxy gateway.example.com:1080 > proxy.pac\n')
    .action((opts: { config: string; proxy?: string; username?: string }) => {
      const config = loadConfig(opts.config, process.env);
      let principal = anyPrincipal(config.routes);
      if (opts.username) {
        const named = principalOfUsername(opts.username);
        if (!named) throw new GatewayError('EG_CREDENTIAL_MALFORMED', '--username is not an edge-gateway credential username');
        principal = named;
      }
      if (opts.proxy) splitHostPort(opts.proxy);
      const proxy = opts.proxy ?? advertisedAddress(config.listeners.socks, undefined);
      if (!proxy) throw new GatewayError('EG_VALIDATION', 'the SOCKS listener binds all interfaces: pass --proxy host:port (or set listeners.socks.advertise)');
      process.stdout.write(renderPac(config.routes, principal, `SOCKS5 ${proxy}`));
    });
}
