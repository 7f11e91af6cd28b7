// A person's whole path in Debian's Chromium: open the self-service page, sign in at a real OpenID provider,
// get a credential, press "use this browser", then browse the intranet through the PAC URL the page shows
// (gateway → real sshd), revoke on the page and see the next load refused. The page also passes axe-core.
//
// "This browser" is the machine's address: the lease is for 127.0.0.1, so a second Chromium on this machine,
// started with the PAC URL copied from the page, is the browser whose proxy is set. That browser cannot resolve
// the intranet's name itself (a host-resolver rule), as outside the company: only the gateway, whose tunnel host
// resolves it, can take it there.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser.js';
import { registerSecret } from '../harness/log-capture.js';
import { waitFor } from './gateway-fixture.js';
import { INTRANET_HOST, USER, startSelfServiceStack, type SelfServiceStack } from './self-service/stack.js';

/** Screenshots land here (git-ignored); docs/self-service-page.png is a copy of the signed-in one. */
const SCREENSHOT_DIR = fileURLToPath(new URL('../../.state/screenshots/', import.meta.url));
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let stack: SelfServiceStack;
let person: LaunchedBrowser;
let proxied: LaunchedBrowser | undefined;
let page: Page;
const cspViolations: string[] = [];

beforeAll(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  stack = await startSelfServiceStack('socks');
  person = await launchBrowser();
  page = await person.browser.newPage({ viewport: { width: 900, height: 1200 } });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 180_000);

afterAll(async () => {
  await proxied?.close();
  await person?.close();
  await stack?.close();
});

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

/** axe-core, evaluated over the DevTools protocol (the page's CSP forbids injected script tags, rightly). */
async function seriousViolations(): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help}`);
}

const intranet = () => `${INTRANET_HOST}:${stack.web.port}`;

async function loadsIntranet(browser: LaunchedBrowser): Promise<boolean> {
  const tab = await browser.browser.newPage();
  try {
    const response = await tab.goto(`http://${intranet()}/`, { timeout: 30_000 }).catch(() => null);
    return response?.status() === 200 && (await tab.title()) === 'edge-gateway target';
  } finally {
    await tab.close();
  }
}

describe('the self-service page in Chromium, against a real OpenID provider', () => {
  it('shows a sign-in button to a stranger, passes axe-core, and sends a strict Content-Security-Policy', async () => {
    const response = await page.goto(`${stack.apiUrl}/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'self-service-signed-out.png'), fullPage: true });
    expect(await seriousViolations()).toEqual([]);
  }, 60_000);

  it('signs the demo user in at the provider and shows who they are, their groups and routes', async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(USER.username);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#you').waitFor({ state: 'visible', timeout: 30_000 });
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('#you-name').textContent()).toContain(USER.email);
    expect(await page.locator('#you-groups').textContent()).toBe('staff');
    expect(await page.locator('#you-routes').textContent()).toContain(`intranet: ${intranet()}`);
    // Tokens live in the page's memory only.
    expect(await page.evaluate('({ local: localStorage.length, session: sessionStorage.length })')).toEqual({ local: 0, session: 0 });
  }, 60_000);

  it('gets a credential with an expiry countdown, and activates a lease with one click', async () => {
    await page.getByRole('button', { name: 'Get a credential' }).click();
    await page.locator('#credential-details').waitFor({ state: 'visible' });
    const password = (await page.locator('#credential-password').textContent()) ?? '';
    registerSecret('credential shown on the page', password);
    expect(password.length).toBeGreaterThan(40);
    expect(await page.locator('#credential-countdown').textContent()).toMatch(/min \d\d s left/);
    expect(await page.locator('#settings-curl').textContent()).toContain('socks5h://');

    await page.getByRole('button', { name: 'Use this browser' }).click();
    await page.locator('#lease-details').waitFor({ state: 'visible' });
    expect(await page.locator('#lease-address').textContent()).toBe('127.0.0.1');
    expect(await page.locator('#pac-url').textContent()).toBe(stack.pacUrl);
    // The credential is masked: a screenshot is a file that travels.
    const secrets = ['#credential-username', '#credential-password', '#settings-curl', '#settings-proxychains'].map((id) => page.locator(id));
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'self-service-signed-in.png'), fullPage: true, mask: secrets });
    expect(await seriousViolations()).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 60_000);

  it('loads the intranet page through the gateway and sshd with the PAC URL the page shows, and no password', async () => {
    const pacUrl = (await page.locator('#pac-url').textContent()) ?? '';
    proxied = await launchBrowser({ pacUrl, args: [`--host-resolver-rules=MAP ${INTRANET_HOST} ~NOTFOUND`] });
    expect(await loadsIntranet(proxied)).toBe(true);
    // Chromium keeps the connection open (its audit line comes at close): it is in the gateway's live table.
    const carried = [...stack.gateway.connections.list(), ...stack.gatewayLog.lines()].filter((c) => c.destination === intranet());
    expect(carried[0]).toMatchObject({ protocol: 'socks5', subject: USER.username, route: 'intranet', tunnelHost: 'bastion' });
  }, 120_000);

  it('ends the lease on the page: the PAC is refused to this address; one click brings it back', async () => {
    await page.getByRole('button', { name: 'End the lease' }).click();
    await page.locator('#lease-details').waitFor({ state: 'hidden' });
    await waitFor('the gateway to drop the ended lease', async () => (await fetch(stack.pacUrl)).status === 401, 60_000);
    await page.getByRole('button', { name: 'Use this browser' }).click();
    await page.locator('#lease-details').waitFor({ state: 'visible' });
    expect((await fetch(stack.pacUrl)).status).toBe(200);
  }, 120_000);

  it('revokes the credential on the page; the next load through the gateway is refused', async () => {
    await page.getByRole('button', { name: 'Revoke this credential' }).click();
    await page.locator('#credential-details').waitFor({ state: 'hidden' });
    expect(await page.locator('#status').textContent()).toContain('revoked');
    await waitFor('the gateway to drop the revoked lease', async () => !(await loadsIntranet(proxied as LaunchedBrowser)), 60_000);
    // The lease went with the credential: this address gets neither the PAC nor a proxied connection.
    expect((await fetch(stack.pacUrl)).status).toBe(401);
    expect(await loadsIntranet(proxied as LaunchedBrowser)).toBe(false);
  }, 120_000);
});
