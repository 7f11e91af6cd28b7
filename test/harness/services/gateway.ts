// Runs the real `edge-gateway gateway --config FILE` CLI as a child process (inside a network namespace when asked).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { launchService, type ServiceProcess } from './process.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface GatewayProcess extends ServiceProcess {
  configPath: string;
  close(): Promise<void>;
}

/** `config` is the YAML config as an object; `readyPort` is a port the gateway listens on once started (the admin port). */
export async function startGatewayProcess(options: { ns?: string; config: Record<string, unknown>; ready: { host: string; port: number } }): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-gateway-'));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, stringify(options.config), { mode: 0o600 });
  const service = await launchService({
    ns: options.ns,
    command: process.execPath,
    args: [join(REPO_ROOT, 'gateway/cli/bin.js'), 'gateway', '--config', configPath],
    ready: options.ready,
    timeoutMs: 90_000,
  });
  return {
    ...service,
    configPath,
    close: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
