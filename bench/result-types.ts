// The shape of one benchmark run's results: what bench/main.ts collects, the JSON files hold, and the report and chart read.

export interface Row {
  cipher: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  /** By subject: gateway, gateway+pty, gateway-trusted, ssh -D, raw. */
  values: Record<string, number>;
}

/** A deployed gateway's own counts at the end of its run (/metrics, then its audit file once it stopped). */
export interface GatewayCounts {
  cacheHits: number;
  cacheMisses: number;
  /** edge_gateway_connections_total, all outcomes. */
  connections: number;
  /** Lines with "kind":"audit" in its log file after SIGTERM. */
  auditLines: number;
}

export interface Curve {
  name: string;
  points: Array<[number, number]>;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cores: number; cpuModel: string; node: string };
  /** The Node that ran the gateway subjects (absent in older results: the machine's). */
  gatewayNode?: { version: string; source: 'container' | 'machine'; fallback?: string };
  /** Whether ssh2 loaded its native crypto binding in the gateway subjects. */
  nativeCrypto: boolean;
  /** Which rig drove the subjects (bench/rig): the C programs, or Node when no C compiler was here. */
  rig: 'native' | 'node';
  durationSeconds: number;
  rows: Row[];
  curves: { throughput: Curve[]; latency: Curve[]; memory: Curve[] };
  /** By "<cipher> <subject>": the deployed gateways' counts (absent in older results). */
  gatewayCounts?: Record<string, GatewayCounts>;
  /** The deployed gateways' log destination mode. */
  auditMode?: string;
}
