import { describe, expect, it } from 'vitest';
import { throwsWithCode } from '@polycloud/core/testing';
import { createAdapterRegistry, isPolycloudError, type PolycloudError } from '@polycloud/core';
import { AzureBlobAdapterOptionsSchema, azureBlobAdapterFactory, createAzureBlobAdapter } from '@polycloud/adapter-azure';

const KEY = Buffer.alloc(64, 7).toString('base64');
const tokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };

describe('azure-blob options', () => {
  it('accepts each of the four credential forms, with defaults', () => {
    const forms = [
      { connectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net` },
      { accountName: 'acct', accountKey: KEY },
      { sasUrl: 'https://acct.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=sco&sp=rl&sig=abc' },
      { endpoint: 'https://acct.blob.core.windows.net', sasToken: '?sv=2022-11-02&sig=abc' },
      { endpoint: 'https://acct.blob.core.windows.net', credential: tokenCredential },
    ];
    for (const form of forms) {
      const parsed = AzureBlobAdapterOptionsSchema.parse(form);
      expect(parsed).toMatchObject({ blockSizeBytes: 8 * 1024 * 1024, concurrency: 4, maxTries: 1 });
      expect(createAzureBlobAdapter(form).type).toBe('azure-blob');
    }
  });

  it('declares presign only when an account key is known', () => {
    expect(createAzureBlobAdapter({ accountName: 'acct', accountKey: KEY }).capabilities.presign).toBe(true);
    expect(createAzureBlobAdapter({ endpoint: 'https://acct.blob.core.windows.net', credential: tokenCredential }).capabilities.presign).toBe(false);
    expect(createAzureBlobAdapter({ sasUrl: 'https://acct.blob.core.windows.net/?sv=1&sig=abc' }).capabilities.presign).toBe(false);
  });

  it('rejects two credential forms at once, naming the second', () => {
    const e = throwsWithCode(
      () => createAzureBlobAdapter({ accountName: 'acct', accountKey: KEY, sasUrl: 'https://acct.blob.core.windows.net/?sig=abc' } as never),
      'CONFIG_INVALID',
      'createAzureBlobAdapter',
    );
    expect(e.path).toEqual(['sasUrl']);
    expect(JSON.stringify(e)).not.toContain(KEY);
  });

  it('rejects no credential, half a form and unknown keys with their paths', () => {
    expect(throwsWithCode(() => createAzureBlobAdapter({} as never), 'CONFIG_INVALID', 'createAzureBlobAdapter').path).toEqual([]);
    expect(throwsWithCode(() => createAzureBlobAdapter({ accountKey: KEY } as never), 'CONFIG_INVALID', 'createAzureBlobAdapter').path).toEqual([
      'accountName',
    ]);
    expect(throwsWithCode(() => createAzureBlobAdapter({ sasToken: 'sv=1&sig=abc' } as never), 'CONFIG_INVALID', 'createAzureBlobAdapter').path).toEqual([
      'endpoint',
    ]);
    expect(throwsWithCode(() => createAzureBlobAdapter({ credential: tokenCredential } as never), 'CONFIG_INVALID', 'createAzureBlobAdapter').path).toEqual([
      'endpoint',
    ]);
    expect(
      throwsWithCode(
        () => createAzureBlobAdapter({ credential: { nope: true }, endpoint: 'https://a.blob.core.windows.net' } as never),
        'CONFIG_INVALID',
        'createAzureBlobAdapter',
      ).path,
    ).toEqual(['credential']);
    expect(
      throwsWithCode(
        () => createAzureBlobAdapter({ accountName: 'acct', accountKey: KEY, concurrency: 0 } as never),
        'CONFIG_INVALID',
        'createAzureBlobAdapter',
      ).path,
    ).toEqual(['concurrency']);
    expect(
      throwsWithCode(
        () => createAzureBlobAdapter({ accountName: 'acct', accountKey: KEY, account_key: KEY } as never),
        'CONFIG_INVALID',
        'createAzureBlobAdapter',
      ).path,
    ).toEqual(['account_key']);
  });

  it('reports a malformed connection string without echoing it', () => {
    const e = throwsWithCode(
      () => createAzureBlobAdapter({ connectionString: `AccountKey=${KEY};garbage` } as never),
      'CONFIG_INVALID',
      'createAzureBlobAdapter',
    );
    expect(e.path).toEqual(['connectionString']);
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(KEY);
  });

  it('registers as type azure-blob and prefixes option paths through the registry', () => {
    const registry = createAdapterRegistry([azureBlobAdapterFactory]);
    expect(registry.types('storage')).toEqual(['azure-blob']);
    try {
      registry.createStorage('azure-blob', { accountName: 'acct', accountKey: KEY, blockSizeBytes: 1 }, { name: 'az', path: ['providers', 2] });
      expect.unreachable();
    } catch (e) {
      expect(isPolycloudError(e, 'CONFIG_INVALID')).toBe(true);
      expect((e as PolycloudError).path).toEqual(['providers', 2, 'blockSizeBytes']);
    }
  });
});
