// The self-service page's script: OIDC sign-in (Authorization Code with PKCE, oauth4webapi), then credential,
// lease and settings through the API and the gateway. The sign-in token lives in this module's memory only.
import * as oauth from '/assets/oauth4webapi.js';

const config = JSON.parse(document.body.dataset.config);
/** Survives the redirect to the identity provider: the PKCE verifier, state and nonce, never a token. */
const PENDING_SIGN_IN = 'edge-gateway.pending-sign-in';
const $ = (id) => document.getElementById(id);

let bearer;
let credential;
let lease;
let countdown;

class PageProblem extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function say(text) {
  $('status').textContent = text;
}

function problem(err) {
  const box = $('problem');
  box.textContent = err instanceof PageProblem ? `${err.message} (${err.code})` : `Something went wrong: ${err.message}`;
  box.hidden = false;
}

function clearProblem() {
  $('problem').hidden = true;
  $('problem').textContent = '';
}

const isLoopback = (url) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

function authorizationServer() {
  const signIn = config.signIn;
  return {
    issuer: signIn.issuer,
    authorization_endpoint: signIn.authorizationEndpoint,
    token_endpoint: signIn.tokenEndpoint,
    ...(signIn.issParameterSupported ? { authorization_response_iss_parameter_supported: true } : {}),
  };
}

async function signIn() {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING_SIGN_IN, JSON.stringify({ verifier, state, nonce }));
  const url = new URL(config.signIn.authorizationEndpoint);
  url.searchParams.set('client_id', config.signIn.clientId);
  url.searchParams.set('redirect_uri', config.signIn.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.signIn.scopes);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  location.assign(url.href);
}

/** Back from the identity provider: trade the code for tokens, and drop the code from the address bar at once. */
async function completeSignIn() {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return false;
  history.replaceState(null, '', here.pathname);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_SIGN_IN) ?? 'null');
  sessionStorage.removeItem(PENDING_SIGN_IN);
  if (!pending) throw new PageProblem('SIGN_IN_NOT_STARTED', 'This sign-in did not start on this page: sign in again.');
  const as = authorizationServer();
  const client = { client_id: config.signIn.clientId };
  const insecure = { [oauth.allowInsecureRequests]: isLoopback(as.token_endpoint) };
  const params = oauth.validateAuthResponse(as, client, here, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, config.signIn.redirectUri, pending.verifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  bearer = result.id_token;
  return true;
}

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${bearer}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    credentials: 'omit',
    cache: 'no-store',
  });
  const body = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) throw new PageProblem(body?.error?.code ?? `HTTP_${response.status}`, body?.error?.message ?? response.statusText);
  return body;
}

function showMe(me) {
  $('you-name').textContent = me.displayName ? `${me.displayName} (${me.principal})` : me.principal;
  $('you-groups').textContent = me.groups.length > 0 ? me.groups.join(', ') : 'none';
  const list = $('you-routes');
  list.replaceChildren(
    ...me.routes.map((route) => {
      const item = document.createElement('li');
      const destinations = route.destinations.map((d) => `${d.host}${d.ports ? `:${d.ports.join(',')}` : ''}`).join(', ');
      item.textContent = `${route.name}: ${destinations}${route.description ? ` (${route.description})` : ''}`;
      return item;
    }),
  );
  $('you-no-routes').hidden = me.routes.length > 0;
  $('get-credential').disabled = me.routes.length === 0;
  for (const id of ['you', 'credential', 'browser', 'clients']) $(id).hidden = false;
  $('clients').hidden = true;
  $('signed-out').hidden = true;
}

function formatLeft(seconds) {
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h} h ` : ''}${m} min ${String(s).padStart(2, '0')} s left`;
}

function tick() {
  const left = credential ? credential.expiresAtUnix - Math.floor(Date.now() / 1000) : 0;
  $('credential-countdown').textContent = formatLeft(left);
  if (left <= 0 && credential) {
    clearInterval(countdown);
    say('Your credential has expired: get a new one.');
  }
}

function firstDestination(port) {
  for (const route of credential.routes) {
    for (const d of route.destinations) {
      if (d.host.includes('*') || d.host.includes('/')) continue;
      if (port === undefined || (d.ports ?? []).map(String).includes(String(port))) return d.host;
    }
  }
  return undefined;
}

function showCredential() {
  $('credential-username').textContent = credential.username;
  $('credential-password').textContent = credential.password;
  // A gateway may run no SOCKS listener; its HTTP proxy then takes the same credential.
  $('credential-proxy-kind').textContent = credential.proxy.socks ? 'SOCKS5 proxy' : 'HTTP proxy';
  $('credential-proxy').textContent = credential.proxy.socks ?? credential.proxy.http ?? '';
  const expiry = new Date(credential.expiresAtUnix * 1000);
  $('credential-expiry').dateTime = expiry.toISOString();
  $('credential-expiry').textContent = expiry.toLocaleString();
  clearInterval(countdown);
  countdown = setInterval(tick, 1000);
  tick();
  $('credential-details').hidden = false;
  $('get-credential').textContent = 'Get a new credential';
  $('use-browser').disabled = false;
  $('use-browser-hint').hidden = true;
  $('settings-curl').textContent = credential.settings.curl;
  $('settings-proxychains').textContent = `strict_chain\nproxy_dns\n${credential.settings.proxychains}\n`;
  const db = firstDestination(5432) ?? 'DB_HOST';
  $('settings-psql').textContent = `proxychains4 -q -f edge-gateway.conf psql "host=${db} port=5432 dbname=DBNAME user=USER"`;
  $('settings-thunderbird').textContent = config.pacUrl ?? 'ask your operator for the PAC URL';
  $('clients').hidden = false;
}

function hideCredential() {
  credential = undefined;
  clearInterval(countdown);
  $('credential-details').hidden = true;
  $('clients').hidden = true;
  $('get-credential').textContent = 'Get a credential';
  $('use-browser').disabled = true;
  $('use-browser-hint').hidden = false;
  hideLease();
}

function hideLease() {
  lease = undefined;
  $('lease-details').hidden = true;
}

async function getCredential() {
  credential = await api('/v1/credentials', { method: 'POST', body: '{}' });
  showCredential();
  say('Your credential is ready.');
  $('credential-username').focus?.();
}

async function useThisBrowser() {
  if (!config.leaseUrl) throw new PageProblem('NO_GATEWAY_URL', 'The API does not know the gateway\'s address: ask the operator to set pacUrl.');
  const response = await fetch(config.leaseUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${credential.username}:${credential.password}`)}` },
    credentials: 'omit',
    cache: 'no-store',
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new PageProblem(body?.error?.code ?? `HTTP_${response.status}`, body?.error?.message ?? 'the gateway refused the lease');
  lease = body;
  $('lease-address').textContent = lease.address;
  const expiry = new Date(lease.expiresAt);
  $('lease-expiry').dateTime = expiry.toISOString();
  $('lease-expiry').textContent = expiry.toLocaleString();
  $('pac-url').textContent = config.pacUrl ?? '';
  $('lease-details').hidden = false;
  say(`This browser's address ${lease.address} can now use the gateway. Set the PAC URL below.`);
}

async function endLease() {
  await api(`/v1/leases/${encodeURIComponent(lease.address)}`, { method: 'DELETE' });
  hideLease();
  say('The lease has ended: this address no longer uses the gateway without a password.');
}

async function revokeCredential() {
  await api('/v1/credentials/revoke', { method: 'POST', body: JSON.stringify({ id: credential.id, username: credential.username, password: credential.password }) });
  hideCredential();
  say('Your credential is revoked, and with it any lease it activated.');
}

async function copy(button) {
  const text = $(button.dataset.copy).textContent;
  await navigator.clipboard.writeText(text);
  say('Copied.');
}

function action(fn) {
  return (event) => {
    clearProblem();
    const button = event.currentTarget;
    button.disabled = true;
    Promise.resolve(fn(button))
      .catch(problem)
      .finally(() => {
        if (button.id !== 'use-browser' || credential) button.disabled = false;
      });
  };
}

function wire() {
  $('sign-in')?.addEventListener('click', action(signIn));
  $('sign-out').addEventListener('click', () => {
    bearer = undefined;
    location.replace('/');
  });
  $('get-credential').addEventListener('click', action(getCredential));
  $('use-browser').addEventListener('click', action(useThisBrowser));
  $('end-lease').addEventListener('click', action(endLease));
  $('revoke-credential').addEventListener('click', action(revokeCredential));
  for (const button of document.querySelectorAll('button.copy')) button.addEventListener('click', action(copy));
}

async function start() {
  wire();
  if (!config.signIn) return;
  if (!(await completeSignIn())) return;
  say('Signed in.');
  showMe(await api('/v1/me'));
}

start().catch(problem);
