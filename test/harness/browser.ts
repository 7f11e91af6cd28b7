// Headless Debian Chromium driven by playwright-core, optionally inside a network namespace (via a wrapper script
// that execs `ip netns exec NS /usr/bin/chromium`; playwright's pipe fds survive the exec).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserOptions {
  ns?: string;
  proxy?: { server: string; username?: string; password?: string };
  pacUrl?: string;
  /** More Chromium switches, e.g. "--proxy-bypass-list=<-loopback>" so loopback destinations obey the PAC too. */
  args?: string[];
  /** Chromium's environment, e.g. a HOME whose ~/.pki/nssdb trusts a test CA. */
  env?: NodeJS.ProcessEnv;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<LaunchedBrowser> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-chromium-'));
  let executablePath = CHROMIUM_PATH;
  if (options.ns) {
    executablePath = join(dir, 'chromium-in-netns');
    await writeFile(executablePath, `#!/bin/sh\nexec ip netns exec ${options.ns} ${CHROMIUM_PATH} "$@"\n`);
    await chmod(executablePath, 0o755);
  }
  // playwright's launch() starts from a fresh temporary --user-data-dir of its own and removes it on close.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...FLAGS, ...(options.pacUrl ? [`--proxy-pac-url=${options.pacUrl}`] : []), ...(options.args ?? [])],
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.env ? { env: options.env } : {}),
    timeout: 120_000,
  });
  let closed = false;
  return {
    browser,
    close: async () => {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
