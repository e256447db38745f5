import { createAdapterRegistry } from '@polycloud/core';
import { throwsWithCode } from '@polycloud/core/testing';
import { describe, expect, it } from 'vitest';
import { createS3Adapter, s3AdapterFactory, S3AdapterOptionsSchema } from '../src/storage/index.js';

describe('S3 adapter options', () => {
  it('defaults: us-east-1, 8 MiB parts, queue 4, SDK retries off, path-style for custom endpoints', () => {
    const o = S3AdapterOptionsSchema.parse({ endpoint: 'http://127.0.0.1:9000' });
    expect(o).toMatchObject({ region: 'us-east-1', partSizeBytes: 5 * 1024 * 1024, queueSize: 4, maxAttempts: 1, checksums: 'whenSupported' });
    const a = createS3Adapter({ endpoint: 'http://127.0.0.1:9000', accessKey: 'AK', secretKey: 'SK' }, { name: 'minio' });
    expect([a.type, a.name, a.capabilities.conditionalWrite, a.capabilities.multipart, a.capabilities.maxBatchDeleteKeys]).toEqual([
      's3',
      'minio',
      true,
      true,
      1000,
    ]);
  });

  it.each([
    [{ endpoint: 'ftp://x' }, ['endpoint']],
    [{ partSizeBytes: 1024 }, ['partSizeBytes']],
    [{ queueSize: 0 }, ['queueSize']],
    [{ accessKey: 'AK' }, ['secretKey']],
    [{ secretKey: 'SK' }, ['accessKey']],
    [{ sessionToken: 'T' }, ['sessionToken']],
    [{ accessKey: 'AK', secretKey: 'SK', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }, ['credentials']],
    [{ credentials: 42 }, ['credentials']],
    [{ multipartThresholdBytes: 64 * 1024 * 1024, maxSinglePutBytes: 10 * 1024 * 1024 }, ['multipartThresholdBytes']],
    [{ maxAttempts: 0 }, ['maxAttempts']],
    [{ requestTimeoutMs: -1 }, ['requestTimeoutMs']],
    [{ checksums: 'always' }, ['checksums']],
    [{ bucket: 'not-an-option' }, ['bucket']],
  ])('%j → CONFIG_INVALID at %j', (options, path) => {
    const err = throwsWithCode(() => createS3Adapter(options as never), 'CONFIG_INVALID', 'createS3Adapter');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.path).toEqual(path);
  });

  it('through the registry, the path is prefixed with the provider position', () => {
    const registry = createAdapterRegistry([s3AdapterFactory]);
    const err = throwsWithCode(
      () => registry.createStorage('s3', { region: '', accessKey: 'AK', secretKey: 'SK' }, { name: 'aws', path: ['providers', 2] }),
      'CONFIG_INVALID',
      'registry.createStorage',
    );
    expect([err.code, err.path]).toEqual(['CONFIG_INVALID', ['providers', 2, 'region']]);
    expect(registry.createStorage('s3', { region: 'eu-west-1' }, { name: 'aws' }).name).toBe('aws');
  });

  it('a secret key never appears in a CONFIG_INVALID error', () => {
    const err = throwsWithCode(
      () => createS3Adapter({ accessKey: 'AK', secretKey: 'Sup3r-Secret-Value', partSizeBytes: 1 }),
      'CONFIG_INVALID',
      'createS3Adapter',
    );
    expect(JSON.stringify(err)).not.toContain('Sup3r-Secret-Value');
    expect(err.message).not.toContain('Sup3r-Secret-Value');
  });

  it('a credentials provider function is accepted', () => {
    const a = createS3Adapter({ credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) });
    expect(a.type).toBe('s3');
  });
});

describe('multipart part size', () => {
  const MiB = 1024 * 1024;
  it('keeps the configured size while 10 000 parts hold the body, and grows it just enough beyond', async () => {
    const { multipartPartSize, MAX_PARTS } = await import('../src/storage/write.js');
    expect(multipartPartSize(5 * MiB, undefined)).toBe(5 * MiB);
    expect(multipartPartSize(5 * MiB, 5 * MiB * MAX_PARTS)).toBe(5 * MiB);
    const big = 100 * 1024 ** 3 + 1; // 100 GiB and a byte
    const part = multipartPartSize(5 * MiB, big);
    expect(Math.ceil(big / part)).toBeLessThanOrEqual(MAX_PARTS);
    expect(Math.ceil(big / (part - 1))).toBeGreaterThan(MAX_PARTS);
    expect(multipartPartSize(5 * MiB, 5 * 1024 ** 4)).toBeLessThanOrEqual(5 * 1024 ** 3);
  });

  it("declares S3's 5 TiB object limit", () => {
    expect(createS3Adapter({ accessKey: 'AK', secretKey: 'SK' }).capabilities.maxObjectBytes).toBe(5 * 1024 ** 4);
  });
});
