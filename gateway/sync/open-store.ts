// Builds the configured ParameterStore: the file store locally, SSM in AWS (the SDK client is ours to destroy),
// counting every request the SSM client sends, retries included, so throttling shows before it becomes an outage.
import { SSMClient } from '@aws-sdk/client-ssm';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { FileStore } from '../../common/store/file-store.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import type { ParameterStore } from '../../common/store.js';
import type { StoreConfig } from '../config/schema.js';

export type StoreCallResult = 'ok' | 'throttled' | 'client_error' | 'server_error';
type StoreCallObserver = (operation: string, result: StoreCallResult) => void;

export interface OpenStoreOptions {
  /** Sees each SSM request attempt (edge_gateway_store_calls_total). */
  observeCall?: StoreCallObserver;
}

export function openParameterStore(config: StoreConfig, options: OpenStoreOptions = {}): ParameterStore {
  if (config.type === 'file') return new FileStore({ path: config.path });
  const client = new SSMClient({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  if (options.observeCall) countStoreCalls(client, options.observeCall);
  return new SsmStore({ client, onClose: () => client.destroy() });
}

/** SSM's throttling answers; the SDK also marks them `$retryable.throttling`. */
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyUpdates', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException']);

interface SdkErrorShape {
  name?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

function classifyStoreError(err: unknown): StoreCallResult {
  const shape = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  if (shape.$retryable?.throttling === true || THROTTLING_ERRORS.has(String(shape.name))) return 'throttled';
  const status = shape.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 ? 'client_error' : 'server_error';
}

/** "GetParameterCommand" → "GetParameter": the operation names SSM's API reference uses, a bounded label. */
function operationName(commandName: unknown): string {
  return typeof commandName === 'string' ? commandName.replace(/Command$/, '') : 'unknown';
}

/**
 * Placed inside the SDK's retry loop (after `retryMiddleware`), so each attempt is observed: a throttled
 * call that succeeded on its second try counts one `throttled` and one `ok`.
 */
function countStoreCalls(client: SSMClient, observe: StoreCallObserver): void {
  const counter: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationName(context.commandName);
    try {
      const output = await next(args);
      observe(operation, 'ok');
      return output;
    } catch (err) {
      observe(operation, classifyStoreError(err));
      throw err;
    }
  };
  client.middlewareStack.addRelativeTo(counter, { name: 'edgeGatewayStoreCallCounter', relation: 'after', toMiddleware: 'retryMiddleware' });
}
