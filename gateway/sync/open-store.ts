// Builds the configured ParameterStore: the file store locally, SSM in AWS (the SDK client is ours to destroy).
import { SSMClient } from '@aws-sdk/client-ssm';
import { FileStore } from '../../common/store/file-store.js';
import { SsmStore } from '../../common/store/ssm-store.js';
import type { ParameterStore } from '../../common/store.js';
import type { StoreConfig } from '../config/schema.js';
import { countStoreCalls, type StoreCallObserver } from './store-call-counter.js';

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
  return new (class extends SsmStore {
    override async close(): Promise<void> {
      await super.close();
      client.destroy();
    }
  })({ client });
}
