// Port specs of a route destination: 443, "443", "8000-8100" or "*", ranked for "most specific wins".
const MIN_PORT = 1;
export const MAX_PORT = 65_535;

/** 0 = one port, 1 = a range, 2 = any port; lower is more specific. */
export type PortRank = 0 | 1 | 2;

export interface PortRange {
  lo: number;
  hi: number;
  rank: PortRank;
}

const ANY: PortRange = { lo: MIN_PORT, hi: MAX_PORT, rank: 2 };

function portValue(text: string): number | undefined {
  const value = Number(text);
  return Number.isInteger(value) && value >= MIN_PORT && value <= MAX_PORT ? value : undefined;
}

/** The range a spec covers, or a message saying why it is not a port spec. */
export function parsePortSpec(spec: unknown): PortRange | string {
  if (spec === '*') return ANY;
  if (typeof spec === 'number') {
    return Number.isInteger(spec) && spec >= MIN_PORT && spec <= MAX_PORT ? { lo: spec, hi: spec, rank: 0 } : `port ${spec} is outside ${MIN_PORT}-${MAX_PORT}`;
  }
  if (typeof spec !== 'string') return 'a port is a number, "N-M" or "*"';
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(spec);
  if (!match) return `"${spec}" is not a port, a range "N-M" or "*"`;
  const lo = portValue(match[1] ?? '');
  const hi = match[2] === undefined ? lo : portValue(match[2]);
  if (lo === undefined || hi === undefined) return `"${spec}" is outside ${MIN_PORT}-${MAX_PORT}`;
  if (lo > hi) return `range "${spec}" ends before it starts`;
  return { lo, hi, rank: lo === hi ? 0 : 1 };
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= MIN_PORT && port <= MAX_PORT;
}
