import { describe, expect, it } from 'vitest';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { createAdapterRegistry, createPolycloud, isPolycloudError, readAll } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { azureBlobAdapterFactory } from '@polycloud/adapter-azure';
import { randomContainer } from './azurite-fixture.js';
import { useAzurite } from './azurite-fixture.js';

const az = useAzurite();

function accountSas(): string {
  return generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse('rwdlac'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
    },
    new StorageSharedKeyCredential(az.emulator.accountName, az.emulator.accountKey),
  ).toString();
}

async function roundTrip(adapter: StorageAdapter): Promise<void> {
  const c = await az.container(adapter);
  const put = await adapter.put(c, 'a/1', Buffer.from('one'), { metadata: { 'x-y': 'ü' } });
  expect((await adapter.head(c, 'a/1')).metadata).toEqual({ 'x-y': 'ü' });
  expect((await readAll((await adapter.get(c, 'a/1', { ifMatch: put.versionToken })).body)).toString()).toBe('one');
  await adapter.put(c, 'a/2', Buffer.from('two'));
  expect((await adapter.list(c, { prefix: 'a/' })).objects.map((o) => o.key)).toEqual(['a/1', 'a/2']);
  expect(await adapter.deleteMany(c, ['a/1', 'a/2', 'a/missing'])).toEqual({ deleted: ['a/1', 'a/2', 'a/missing'], errors: [] });
  expect((await adapter.list(c)).objects).toEqual([]);
}

describe('azure-blob credential forms against Azurite', () => {
  it('accountName + accountKey + endpoint', async () => {
    const e = az.emulator;
    await roundTrip(az.adapter({ accountName: e.accountName, accountKey: e.accountKey, endpoint: e.blobEndpoint }));
  });

  it('an account SAS URL (no presign without a key)', async () => {
    const adapter = az.adapter({ sasUrl: `${az.emulator.blobEndpoint}?${accountSas()}` });
    expect(adapter.capabilities.presign).toBe(false);
    await roundTrip(adapter);
  });

  it('endpoint + sasToken', async () => {
    await roundTrip(az.adapter({ endpoint: az.emulator.blobEndpoint, sasToken: `?${accountSas()}` }));
  });
});

describe('azure-blob through createPolycloud (registry provider entry)', () => {
  it('a LogicalBucket bound to an azure-blob provider stores and reads back', async () => {
    const container = randomContainer('lb');
    const polycloud = createPolycloud({
      registry: createAdapterRegistry([azureBlobAdapterFactory]),
      providers: [{ name: 'azure', type: 'azure-blob', connectionString: az.emulator.connectionString, blockSizeBytes: 1024 * 1024 }],
      resources: [{ resource_id: 'lb-az', type: 'LogicalBucket', providers: [{ cloud: 'azure', physical_id: container }] }],
    });
    try {
      await polycloud.storageAdapter('azure').ensureBucket(container);
      const bucket = polycloud.bucket('lb-az');
      const put = await bucket.put('docs/ü.txt', 'héllo', { contentType: 'text/plain', metadata: { 'lang-code': 'fr' } });
      const got = await bucket.get('docs/ü.txt');
      expect(await got.text()).toBe('héllo');
      expect(got).toMatchObject({ versionToken: put.versionToken, contentType: 'text/plain', metadata: { 'lang-code': 'fr' }, binding: 'azure' });
      await expect(bucket.put('docs/ü.txt', 'x', { ifNoneMatch: '*' })).rejects.toSatisfy((e: unknown) => isPolycloudError(e, 'ALREADY_EXISTS'));
    } finally {
      await polycloud.close();
    }
  });

  it('bad provider options are CONFIG_INVALID at the provider path', () => {
    try {
      createPolycloud({
        registry: createAdapterRegistry([azureBlobAdapterFactory]),
        providers: [{ name: 'azure', type: 'azure-blob', connectionString: 'x', accountKey: 'k' }],
        resources: [{ resource_id: 'lb-az', type: 'LogicalBucket', providers: [{ cloud: 'azure', physical_id: 'c' }] }],
      });
      expect.unreachable();
    } catch (e) {
      expect(isPolycloudError(e, 'CONFIG_INVALID')).toBe(true);
      expect((e as { path?: unknown }).path).toEqual(['providers', 0, 'accountKey']);
    }
  });
});
