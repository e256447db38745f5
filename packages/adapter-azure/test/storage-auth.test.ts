import { describe, expect, it } from 'vitest';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { readAll, type StorageAdapter } from '@polycloud/core';
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
  expect(await adapter.deleteMany!(c, ['a/1', 'a/2', 'a/missing'])).toEqual({ deleted: ['a/1', 'a/2', 'a/missing'], errors: [] });
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
