// moto_server on 127.0.0.1 (ephemeral port): the local endpoint that speaks SSM's JSON 1.1 protocol.
// Only AWS is emulated, at the wire: the code under test uses the real @aws-sdk/client-ssm.
import { spawn, spawnSync } from 'node:child_process';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface Moto {
  endpoint: string;
  /** A real SSM client pointed at this server (region us-east-1, dummy static credentials). */
  ssmClient(): SSMClient;
  /** Environment for code that builds its own client (AWS_ENDPOINT_URL_SSM etc.). */
  env: Record<string, string>;
  /** Forgets every resource (moto's reset API). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export const MOTO_REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function assertInstalled(): void {
  const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error('moto_server is not installed: the SSM tests need the Python moto package ("pip install \'moto[server]\'")');
  }
}

async function waitUntilAnswering(endpoint: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startMoto(options: { timeoutMs?: number } = {}): Promise<Moto> {
  assertInstalled();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto_server did not report its port in time:\n${output}`)), options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${code}) before listening:\n${output}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  // Keep draining its request log so the pipe never fills.
  child.stdout.resume();
  child.stderr.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(endpoint, AbortSignal.timeout(options.timeoutMs ?? 60_000));

  const clients: SSMClient[] = [];
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    ssmClient() {
      const client = new SSMClient({ region: MOTO_REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
      clients.push(client);
      return client;
    },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    close() {
      closing ??= (async () => {
        for (const client of clients) client.destroy();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return closing;
    },
  };
}
