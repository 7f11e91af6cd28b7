// The file-backed store passes the ParameterStore contract, and keeps its file private and whole.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../common/store/file-store.js';
import { defineStoreContract } from './contract.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eg-file-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

defineStoreContract('file', async () => {
  const store = new FileStore({ path: join(await tempDir(), 'state', 'store.json') });
  return { store, close: () => store.close() };
});

describe('FileStore on disk', () => {
  it('writes the file with mode 0600 and leaves no temporary files behind', async () => {
    const dir = await tempDir();
    const store = new FileStore({ path: join(dir, 'store.json') });
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(`/eg/dev/routes/r${i}`, 'x')));
    expect((await stat(join(dir, 'store.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['store.json']);
    await store.close();
  });

  it('lets a second store on the same file read what the first wrote', async () => {
    const path = join(await tempDir(), 'store.json');
    const writer = new FileStore({ path });
    const reader = new FileStore({ path });
    await writer.put('/eg/dev/version', '1');
    expect((await reader.get('/eg/dev/version'))?.value).toBe('1');
    await Promise.all([writer.close(), reader.close(), writer.close()]);
  });

  it('refuses names SSM would refuse, with EG_STORE', async () => {
    const store = new FileStore({ path: join(await tempDir(), 'store.json') });
    await expect(store.put('no-leading-slash', 'x')).rejects.toMatchObject({ code: 'EG_STORE' });
    await expect(store.put('/eg/has space', 'x')).rejects.toMatchObject({ code: 'EG_STORE' });
    await store.close();
  });
});
