// The SSM store passes the same contract with the real @aws-sdk/client-ssm against moto_server.
import { describe, expect, it } from 'vitest';
import { SsmStore } from '../../../common/store/ssm-store.js';
import { startMoto } from '../../harness/moto.js';
import { defineStoreContract } from './contract.js';

defineStoreContract('ssm (moto_server)', async () => {
  const moto = await startMoto();
  const store = new SsmStore({ client: moto.ssmClient() });
  return {
    store,
    close: async () => {
      await store.close();
      await moto.close();
    },
  };
});

describe('SsmStore errors', () => {
  it('maps an unreachable endpoint to EG_STORE naming the operation, not the value', async () => {
    const moto = await startMoto();
    const client = moto.ssmClient();
    await moto.close();
    const store = new SsmStore({ client });
    const err = await store.put('/eg/dev/keys/credential-private', 'very-secret-value', { secure: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EG_STORE' });
    expect((err as Error).message).toMatch(/^PutParameter \/eg\/dev\/keys\/credential-private failed: \w+/);
    expect((err as Error).message).not.toContain('very-secret-value');
    await store.close();
  });
});
