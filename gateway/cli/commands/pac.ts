// `edge-gateway pac`: print a PAC file for the routes of a config, optionally narrowed to one credential.
// The PAC itself comes from gateway/browser, the same generator the gateway serves at /proxy.pac.
import type { Command } from 'commander';
import { GatewayError } from '../../../common/errors.js';
import { CredentialClaimsSchema, type CredentialClaims } from '../../../common/schema/credential.js';
import type { Route } from '../../../common/schema/route.js';
import { TOKEN_PREFIX } from '../../../common/token.js';
import { renderPac } from '../../browser/pac.js';
import { advertisedAddress, type ProxyListenerAddress } from '../../browser/proxy-address.js';
import { loadConfig, type Config } from '../../config/index.js';
import type { Principal } from '../../contracts.js';
import { splitHostPort } from './credential.js';

/**
 * The principal a credential username names, judged from its public claims only (the gateway verifies the
 * signature; a PAC only steers traffic).
 */
function principalOfUsername(username: string): Principal {
  let claims: CredentialClaims;
  try {
    if (!username.startsWith(TOKEN_PREFIX)) throw new Error('no credential prefix');
    claims = CredentialClaimsSchema.parse(JSON.parse(Buffer.from(username.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')));
  } catch {
    throw new GatewayError('EG_CREDENTIAL_MALFORMED', '--username is not an edge-gateway credential username');
  }
  return { subject: claims.s, groups: claims.g, ...(claims.r ? { routes: claims.r } : {}), source: 'credential' };
}

/** Without a credential the PAC covers every route: a principal in all of their groups. */
function anyPrincipal(routes: readonly Route[]): Principal {
  return { subject: 'pac', groups: [...new Set(routes.flatMap((route) => route.groups))], source: 'credential' };
}

/**
 * The listener the PAC names: SOCKS while it is on, as always; with SOCKS off the HTTPS proxy, else the HTTP proxy
 * (the gateway's own default order; the config loader refuses a config with none of the three).
 */
function pacListener(listeners: Config['listeners']): { keyword: string; name: string; field: string; listener: ProxyListenerAddress | undefined } {
  if (listeners.socks !== false) return { keyword: 'SOCKS5', name: 'SOCKS listener', field: 'listeners.socks', listener: listeners.socks };
  if (listeners.httpsProxy) return { keyword: 'HTTPS', name: 'HTTPS proxy', field: 'listeners.httpsProxy', listener: listeners.httpsProxy };
  return { keyword: 'PROXY', name: 'HTTP proxy', field: 'listeners.httpProxy', listener: listeners.httpProxy };
}

export function addPacCommand(program: Command): void {
  program
    .command('pac')
    .description('print a PAC file: route hosts go through the SOCKS proxy (the HTTPS or HTTP proxy when SOCKS is off), everything else DIRECT')
    .requiredOption('--config <file>', 'gateway YAML config holding the routes')
    .option('--proxy <host:port>', 'proxy address browsers should use (default: the config\'s advertised or bound address of that listener)')
    .option('--username <credential-username>', 'only the routes this credential could use (its public username part)')
    .addHelpText('after', '\nExample:\n  edge-gateway pac --config gateway.yaml --proxy gateway.example.com:1080 > proxy.pac\n')
    .action((opts: { config: string; proxy?: string; username?: string }) => {
      const config = loadConfig(opts.config, process.env);
      const principal = opts.username ? principalOfUsername(opts.username) : anyPrincipal(config.routes);
      if (opts.proxy) splitHostPort(opts.proxy);
      const named = pacListener(config.listeners);
      const proxy = opts.proxy ?? advertisedAddress(named.listener, undefined);
      if (!proxy) throw new GatewayError('EG_VALIDATION', `the ${named.name} binds all interfaces: pass --proxy host:port (or set ${named.field}.advertise)`);
      process.stdout.write(renderPac(config.routes, principal, `${named.keyword} ${proxy}`));
    });
}
