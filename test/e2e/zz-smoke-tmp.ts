import { decodeCredential } from '../../common/token.js';
import { parseConfig } from '../../gateway/config/index.js';
import { startGateway } from '../../gateway/main.js';
import { startSshd } from '../harness/sshd.js';
import { startHttpTarget } from '../harness/targets.js';
import { captureLog, credentialKeys, curlViaSocks, MIB } from './gateway-fixture.js';

const sshd = await startSshd();
const web = await startHttpTarget({ bodyBytes: 64 * MIB });
const keys = credentialKeys();
const alice = keys.issue('alice', ['staff']);
const config = parseConfig({
  listeners: { socks: { port: 0 }, admin: { port: 0, token: 'x'.repeat(20) } },
  tunnelHosts: [{ name: 'bastion', address: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprints: [sshd.hostKeyFingerprint], auth: { type: 'key', privateKeyPath: sshd.clientKeyPath }, pool: { min: 2, max: 2 } }],
  routes: [{ name: 'web', destinations: [{ host: '127.0.0.1', ports: [web.port] }], via: ['bastion'], groups: ['staff'] }],
  credentialPublicKeys: [keys.publicKeyPem],
}, { env: {} });
const cap = captureLog();
const gw = await startGateway(config, {
  log: cap.log,
  compile: (policy) => ({
    decider: { decide: (d) => (d.port === web.port ? { allow: true, route: 'web', via: ['bastion'] } : { allow: false, code: 'EG_POLICY_DENIED', reason: 'no' }) },
    authenticator: {
      withPassword: (u, p) => { try { const c = decodeCredential(u, p, policy.publicKeys); return { ok: true, principal: { subject: c.s, groups: c.g, source: 'credential' } }; } catch (e) { return { ok: false, code: 'EG_AUTH_FAILED', reason: String(e) }; } },
      withoutCredentials: () => ({ ok: false, code: 'EG_AUTH_REQUIRED', reason: 'no' }),
    },
  }),
});
await gw.pools.whenReady('bastion', AbortSignal.timeout(30000));
const t0 = Date.now();
const run = curlViaSocks(gw.socks.port, alice, `http://127.0.0.1:${web.port}/big`);
await run.firstByte;
const live = await (await fetch(`${gw.admin.url}/v1/connections`, { headers: { authorization: `Bearer ${'x'.repeat(20)}` } })).json();
console.log('live', JSON.stringify(live));
const r = await run.done;
console.log('curl', r.code, r.bytes, r.sha256 === web.bodySha256, Date.now() - t0, 'ms', r.stderr);
console.log((await (await fetch(`${gw.admin.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('edge_gateway_') ).join('\n'));
console.log(await (await fetch(`${gw.admin.url}/readyz`)).text());
await gw.close();
await sshd.close(); await web.close();
console.log(cap.lines().filter((l) => l.msg !== 'audit').map((l) => `${l.level} ${l.msg} ${l.nativeCrypto ?? ''}`).join('\n'));
console.log(JSON.stringify(cap.lines().filter((l) => l.msg === 'audit')));
