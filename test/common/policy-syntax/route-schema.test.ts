// The shared RouteSchema refuses exactly the routes the gateway's route compiler refuses, with the same messages,
// so the API, the CLI and config loading never accept a route that would freeze the gateway's policy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateRoute } from '../../../common/policy-syntax/validate-routes.js';
import { ProfileSchema } from '../../../common/schema/profile.js';
import { RouteSchema } from '../../../common/schema/route.js';
import { TunnelHostSchema } from '../../../common/schema/tunnel-host.js';
import { formatPath } from '../../../common/issues.js';
import { compilePolicy } from '../../../gateway/policy/compiled-policy.js';

type PortInput = number | string;

function routeWith(hosts: string[], ports: PortInput[], via = ['bastion']) {
  return { name: 'r', destinations: hosts.map((host) => ({ host, ports })), via, groups: ['staff'] };
}

/** The schema's lines, or [] when it accepts. */
function schemaLines(input: unknown, schema: typeof RouteSchema | typeof TunnelHostSchema | typeof ProfileSchema = RouteSchema): string[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** The route compiler's lines for one route, paths relative to the route as the schema writes them. */
function compilerLines(input: ReturnType<typeof routeWith>): string[] {
  return validateRoute(input as never).map((problem) => `${problem.path.replace(/^route\./, '')}: ${problem.message}`);
}

function compiles(input: ReturnType<typeof routeWith>): boolean {
  try {
    compilePolicy([input]);
    return true;
  } catch {
    return false;
  }
}

const HOSTS = [
  'db.corp', 'DB.Corp.', '*.corp', '*', '10.0.0.5', '10.0.0.0/8', 'fd00::/8', '[fd00::1]', '::ffff:10.0.0.0/104', 'localhost',
  'not a host!', 'db.*.corp', '*.*.corp', 'x*.corp', '10.0.0.1/8', '300.1.1.1', '0x0a000001', '2852039166', 'a..b', 'fe80::1%eth0',
  '10.0.0.0/33', '::ffff:10.0.0.0/8', 'db corp', 'db\u0000.corp', `${'a'.repeat(64)}.corp`, 'ünïcode.corp', '[10.0.0.1]', '1.2.3.4/', 'a:b',
];
const PORTS: PortInput[] = [80, 65535, 1, '443', '8000-8100', '*', 0, 99999, -1, 1.5, '0', '99999', '70000', '90-80', 'http', '', ' 80', '80-', '1-65536', '00080'];

describe('RouteSchema and the route compiler agree', () => {
  it('on each host pattern, message for message', () => {
    for (const host of HOSTS) {
      const input = routeWith([host], [443]);
      expect({ host, lines: schemaLines(input) }).toEqual({ host, lines: compilerLines(input) });
      expect({ host, accepted: RouteSchema.safeParse(input).success }).toEqual({ host, accepted: compiles(input) });
    }
  });

  it('on each port spec, message for message', () => {
    for (const port of PORTS) {
      const input = routeWith(['db.corp'], [port]);
      expect({ port, lines: schemaLines(input) }).toEqual({ port, lines: compilerLines(input) });
      expect({ port, accepted: RouteSchema.safeParse(input).success }).toEqual({ port, accepted: compiles(input) });
    }
  });

  it('names the path of a bad port and host as the issue asks', () => {
    expect(schemaLines(routeWith(['db.corp'], [99999]))).toEqual(['destinations[0].ports[0]: port 99999 is outside 1-65535']);
    expect(schemaLines(routeWith(['db.corp'], ['99999']))).toEqual(['destinations[0].ports[0]: "99999" is outside 1-65535']);
    expect(schemaLines(routeWith(['ok.corp', 'not a host!'], [80]))).toEqual(['destinations[1].host: name contains control characters or spaces']);
  });

  it('on a tunnel host listed twice in via', () => {
    const input = routeWith(['db.corp'], [80], ['a', 'b', 'a']);
    expect(schemaLines(input)).toEqual(['via[2]: tunnel host "a" is listed twice']);
    expect(compilerLines(input)).toEqual(schemaLines(input));
    expect(compiles(input)).toBe(false);
  });

  it('on arbitrary hosts and ports (property)', () => {
    const host = fc.oneof(
      fc.string({ minLength: 1, maxLength: 260 }),
      fc.string({ unit: fc.constantFrom('0', '1', '9', 'x', 'a', 'f', '.', ':', '/', '[', ']', '%', ' ', '*', '-'), minLength: 1, maxLength: 40 }),
      fc.domain(),
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([ip, bits]) => `${ip}/${bits}`),
    );
    const port = fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double(), fc.string({ maxLength: 12 }), fc.constant('*'));
    fc.assert(
      fc.property(fc.array(host, { minLength: 1, maxLength: 3 }), fc.array(port, { minLength: 1, maxLength: 3 }), (hosts, ports) => {
        const input = routeWith(hosts, ports);
        const accepted = RouteSchema.safeParse(input).success;
        expect(accepted).toBe(compiles(input));
        // Beyond the length bound zod words it its own way; within it every line is the compiler's.
        if (hosts.every((h) => h.length <= 253) && ports.every((p) => typeof p !== 'number' || Number.isFinite(p))) {
          expect(schemaLines(input)).toEqual(compilerLines(input));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('tunnel hosts and profiles refuse what the gateway cannot use', () => {
  const host = { name: 'bastion', address: 'bastion.corp', username: 'tunnel', hostKeyFingerprints: ['SHA256:' + 'A'.repeat(43)], auth: { type: 'key', privateKeyPath: 'keys/id' } };
  const lines = (schema: typeof TunnelHostSchema | typeof ProfileSchema, input: unknown) => schemaLines(input, schema);

  it('a tunnel host address must be a name or an IP literal; a key login must say where the key is', () => {
    expect(lines(TunnelHostSchema, host)).toEqual([]);
    expect(lines(TunnelHostSchema, { ...host, address: 'fd00::5' })).toEqual([]);
    expect(lines(TunnelHostSchema, { ...host, address: 'not a host!' })).toEqual(['address: name contains control characters or spaces']);
    expect(lines(TunnelHostSchema, { ...host, address: '[fd00::5]' })).toEqual(['address: "[fd00::5]": write an IPv6 address without brackets']);
    expect(lines(TunnelHostSchema, { ...host, auth: { type: 'key' } })).toEqual([
      'auth: a "key" login needs privateKeyParameter (a store parameter) or privateKeyPath (a file)',
    ]);
    expect(lines(TunnelHostSchema, { ...host, auth: { type: 'key', privateKeyPath: '' } })[0]).toMatch(/^auth\.privateKeyPath: /);
  });

  it('a profile tunnel target must be a destination the gateway can dial; an FTP announce address an IP', () => {
    const tunnel = { name: 'sql', kind: 'local', listen: { host: '127.0.0.1', port: 1433 }, target: { host: 'sql.corp', port: 1433 }, via: ['bastion'] };
    const profile = (t: object) => ({ name: 'p', tunnels: [{ ...tunnel, ...t }] });
    expect(lines(ProfileSchema, profile({}))).toEqual([]);
    expect(lines(ProfileSchema, profile({ target: { host: 'sql corp', port: 1433 } }))).toEqual(['tunnels[0].target.host: name contains control characters or spaces']);
    expect(lines(ProfileSchema, profile({ target: { host: '[::1]', port: 1433 } }))).toEqual(['tunnels[0].target.host: "[::1]": write an IPv6 address without brackets']);
    const ftp = { kind: 'ftp', target: { host: 'ftp.corp', port: 21 } };
    expect(lines(ProfileSchema, profile({ ...ftp, ftpActive: { bindAddress: '0.0.0.0', announceAddress: '10.0.2.1' } }))).toEqual([]);
    expect(lines(ProfileSchema, profile({ ...ftp, ftpActive: { bindAddress: '0.0.0.0', announceAddress: 'ftp.corp' } }))).toEqual([
      'tunnels[0].ftpActive.announceAddress: an IPv4 or IPv6 address (PORT and EPRT carry an address, not a name)',
    ]);
  });
});
