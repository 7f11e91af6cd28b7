// The self-service page's HTML: server-rendered, every value escaped by Hono's html helper, no inline script.
import { html } from 'hono/html';
import type { PageContext } from './page-context.js';

export const PAGE_TITLE = 'edge-gateway: your access';

function copyable(id: string, label: string, block = false) {
  return html`<div class="copyable">
    ${block ? html`<pre><code id="${id}"></code></pre>` : html`<code id="${id}"></code>`}
    <button type="button" class="copy" data-copy="${id}">Copy ${label}</button>
  </div>`;
}

function browserHelp(pacUrl: string) {
  return html`<ul class="help">
    <li><details><summary>Chrome</summary><p>Chrome uses your system's proxy settings: follow the steps for macOS or Windows below. On Linux, start it with <code>chromium --proxy-pac-url=${pacUrl}</code>.</p></details></li>
    <li><details><summary>Edge</summary><p>Settings → System and performance → Open your computer's proxy settings, then follow the steps for Windows or macOS below.</p></details></li>
    <li><details><summary>Firefox</summary><p>Settings → General → Network Settings → Settings… → choose <em>Automatic proxy configuration URL</em>, paste the PAC URL, press Reload, tick <em>Proxy DNS when using SOCKS v5</em>, then OK.</p></details></li>
    <li><details><summary>macOS</summary><p>System Settings → Network → your network → Details… → Proxies → turn on <em>Automatic proxy configuration</em>, paste the PAC URL, then OK.</p></details></li>
    <li><details><summary>Windows</summary><p>Settings → Network &amp; internet → Proxy → <em>Use setup script</em> → Set up → turn it on, paste the PAC URL as the script address, then Save.</p></details></li>
  </ul>`;
}

export function renderPage(context: PageContext) {
  const signedOutText = context.signIn
    ? html`<p>Sign in with your company account to get a short-lived credential and proxy settings for your browser and other programs.</p>
        <button type="button" id="sign-in" class="primary">Sign in</button>`
    : html`<p>Sign-in is not configured on this API. Ask the operator to set the <code>oidc</code> settings.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${PAGE_TITLE}</title>
<link rel="stylesheet" href="/assets/page.css">
<script type="module" src="/assets/page.js"></script>
</head>
<body data-config="${JSON.stringify(context)}">
<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">edge-gateway</p><h1>Your access to partner services</h1></header>
<main id="main">
<p id="status" role="status" aria-live="polite"></p>
<p id="problem" role="alert" class="problem" hidden></p>

<section id="signed-out" aria-labelledby="signed-out-title">
  <h2 id="signed-out-title">Sign in</h2>
  ${signedOutText}
</section>

<section id="you" aria-labelledby="you-title" hidden>
  <h2 id="you-title">Who you are</h2>
  <dl>
    <dt>Signed in as</dt><dd id="you-name"></dd>
    <dt>Groups</dt><dd id="you-groups"></dd>
  </dl>
  <h3>Routes you may use</h3>
  <ul id="you-routes"></ul>
  <p id="you-no-routes" hidden>None of your groups is granted a route yet: ask an operator to add one of them to a route.</p>
  <button type="button" id="sign-out">Sign out</button>
</section>

<section id="credential" aria-labelledby="credential-title" hidden>
  <h2 id="credential-title">Your credential</h2>
  <p>A credential is a user name and password for the gateway's proxy. It expires on its own; revoke it when you are done.</p>
  <button type="button" id="get-credential" class="primary">Get a credential</button>
  <div id="credential-details" hidden>
    <dl>
      <dt>User name</dt><dd>${copyable('credential-username', 'user name')}</dd>
      <dt>Password</dt><dd>${copyable('credential-password', 'password')}</dd>
      <dt id="credential-proxy-kind">SOCKS5 proxy</dt><dd>${copyable('credential-proxy', 'proxy address')}</dd>
      <dt>Expires</dt><dd><time id="credential-expiry"></time> (<span id="credential-countdown"></span>)</dd>
    </dl>
    <button type="button" id="revoke-credential" class="danger">Revoke this credential</button>
  </div>
</section>

<section id="browser" aria-labelledby="browser-title" hidden>
  <h2 id="browser-title">Use this browser</h2>
  <p>Browsers cannot send a proxy password. One click lets the gateway recognise this computer's address for as long as your credential lasts.</p>
  <button type="button" id="use-browser" class="primary" disabled>Use this browser</button>
  <p id="use-browser-hint">Get a credential first.</p>
  <div id="lease-details" hidden>
    <p>The gateway now recognises <strong id="lease-address"></strong> until <time id="lease-expiry"></time>. Set this browser's proxy to the PAC URL; only your routes' hosts go through the gateway.</p>
    <p>PAC URL:</p>
    ${copyable('pac-url', 'PAC URL')}
    ${browserHelp(context.pacUrl ?? 'PAC_URL')}
    <button type="button" id="end-lease" class="danger">End the lease</button>
  </div>
</section>

<section id="clients" aria-labelledby="clients-title" hidden>
  <h2 id="clients-title">Other programs</h2>
  <h3>curl</h3>
  ${copyable('settings-curl', 'curl command', true)}
  <h3>proxychains</h3>
  <p>Save as <code>edge-gateway.conf</code>, then run <code>proxychains4 -q -f edge-gateway.conf PROGRAM</code>.</p>
  ${copyable('settings-proxychains', 'proxychains file', true)}
  <h3>psql</h3>
  <p>psql has no proxy setting: run it through proxychains.</p>
  ${copyable('settings-psql', 'psql command', true)}
  <h3>Thunderbird</h3>
  <p>Thunderbird cannot send a proxy password: press "Use this browser" on this computer, then Settings → General → Network &amp; Disk Space → Settings… → <em>Automatic proxy configuration URL</em>, paste the PAC URL and tick <em>Proxy DNS when using SOCKS v5</em>.</p>
  ${copyable('settings-thunderbird', 'PAC URL', true)}
</section>
</main>
</body>
</html>`;
}
