// Polls only the store's small version parameter; on a change re-reads the policy, validates it and swaps it in,
// keeping the last good policy when the new one is invalid (an invalid policy in SSM must not take the gateway down).
import { errorCodeOf } from '../../common/errors.js';
import { formatIssue, type Issue } from '../../common/issues.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';

export type PolicyVersion = string | number;

export interface PolicySyncOptions<S> {
  /** The store's small version parameter, and the whole policy it versions. */
  source: { getVersion(): Promise<PolicyVersion | undefined>; loadSnapshot(): Promise<S> };
  intervalMs: number;
  /** The version already applied at start (the initial snapshot's). */
  initialVersion: PolicyVersion | undefined;
  /** Every problem with the snapshot, by path; empty when it can be applied. */
  validate(snapshot: S): readonly Issue[];
  /** Swaps the snapshot in; throwing counts as an error (not a rejection: the version is tried again) and keeps the old one. */
  apply(snapshot: S, version: PolicyVersion | undefined): void | Promise<void>;
  log: Logger;
  metrics: GatewayMetrics;
}

export type SyncResult = 'unchanged' | 'applied' | 'rejected' | 'error';

export interface PolicySync {
  /** One poll now (tests, admin); concurrent calls share the poll in flight. */
  refresh(): Promise<SyncResult>;
  /** The version in force. */
  version(): PolicyVersion | undefined;
  /** Stops the timer; resolves after a poll in flight ends. Idempotent. */
  close(): Promise<void>;
}

export function startPolicySync<S>(options: PolicySyncOptions<S>): PolicySync {
  const log = options.log.child({ component: 'policy-sync' });
  let current = options.initialVersion;
  /** A rejected version is logged once, not on every poll, until the store moves on. */
  let rejected: PolicyVersion | undefined;
  let inFlight: Promise<SyncResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  setGauge(options.metrics, current);

  const poll = async (): Promise<SyncResult> => {
    let version: PolicyVersion | undefined;
    try {
      version = await options.source.getVersion();
      if (version === current || (version !== undefined && version === rejected)) return 'unchanged';
      const snapshot = await options.source.loadSnapshot();
      const issues = options.validate(snapshot);
      if (issues.length > 0) {
        rejected = version;
        options.metrics.policyReloads.inc({ result: 'rejected' });
        log.error({ version, kept: current, issues: issues.map(formatIssue) }, 'policy rejected; keeping the last good policy');
        return 'rejected';
      }
      await options.apply(snapshot, version);
      current = version;
      rejected = undefined;
      setGauge(options.metrics, version);
      options.metrics.policyReloads.inc({ result: 'applied' });
      log.info({ version }, 'policy applied');
      return 'applied';
    } catch (err) {
      options.metrics.policyReloads.inc({ result: 'error' });
      log.warn({ version, kept: current, code: errorCodeOf(err), err }, 'policy refresh failed; keeping the last good policy');
      return 'error';
    }
  };

  const refresh = (): Promise<SyncResult> => {
    inFlight ??= poll().finally(() => (inFlight = undefined));
    return inFlight;
  };

  const schedule = (): void => {
    if (closed) return;
    // ±25 % jitter keeps a fleet of replicas from polling (and re-reading the tree) in lock-step.
    const delay = options.intervalMs * (0.75 + Math.random() * 0.5);
    timer = setTimeout(() => void refresh().finally(schedule), delay);
    timer.unref();
  };
  schedule();

  return {
    refresh,
    version: () => current,
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

function setGauge(metrics: GatewayMetrics, version: PolicyVersion | undefined): void {
  const numeric = Number(version);
  if (version !== undefined && Number.isFinite(numeric)) metrics.policyVersion.set(numeric);
}
