// `npx cdk synth` as an engineer runs it on a fresh clone: no AWS credentials, no Docker engine, no network lookups.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'eg-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('cdk synth from the command line', () => {
  it('writes the template without AWS credentials, bundling the lambdas with local esbuild', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')));
    env.CDK_DISABLE_CLI_TELEMETRY = 'true';
    // No credentials anywhere the SDK might look.
    env.AWS_SHARED_CREDENTIALS_FILE = join(outdir, 'no-credentials');
    env.AWS_CONFIG_FILE = join(outdir, 'no-config');
    env.AWS_EC2_METADATA_DISABLED = 'true';
    const { code, output } = await run('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', outdir], env);
    expect(code, output).toBe(0);
    const templatePath = join(outdir, 'EdgeGateway-dev.template.json');
    expect(existsSync(templatePath)).toBe(true);
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).some((r) => r.Type === 'Custom::EdgeGatewayKeyPairs')).toBe(true);
    expect(output).toMatch(/Bundling asset EdgeGateway-dev\/Api\/Handler/);
    expect(output).not.toMatch(/docker run/i);
  }, 240_000);
});
