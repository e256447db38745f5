// Capabilities are the declared flags only: the facade decides by the flag, never by
// whether the adapter object has the method.
import { describe, expect, it } from 'vitest';
import { createPolycloud, isPolycloudError, type PolycloudError } from '@polycloud/core';
import { STORAGE_CAPABILITY_METHODS, type StorageAdapter, type StorageCapabilities, unsupportedStorageOperations } from '@polycloud/core/spi';
import { createMemoryStorageAdapter, runStorageConformanceCases, storageConformanceCases } from '@polycloud/core/testing';

type Gated = 'deleteMany' | 'copy' | 'presign';

/** A working memory adapter that declares `capabilities` but keeps every method, counting calls of the gated ones. */
function spy(capabilities: Partial<StorageCapabilities>) {
  const inner = createMemoryStorageAdapter({ buckets: ['bucket-x'] });
  const calls: Record<Gated, number> = { deleteMany: 0, copy: 0, presign: 0 };
  const adapter: StorageAdapter = {
    type: inner.type,
    name: inner.name,
    capabilities: { ...inner.capabilities, ...capabilities },
    ensureBucket: (b) => inner.ensureBucket(b),
    put: (b, k, body, o) => inner.put(b, k, body, o),
    get: (b, k, o) => inner.get(b, k, o),
    head: (b, k, o) => inner.head(b, k, o),
    list: (b, o) => inner.list(b, o),
    delete: (b, k, o) => inner.delete(b, k, o),
    deleteMany: (b, keys, o) => (calls.deleteMany++, inner.deleteMany(b, keys, o)),
    copy: (b, s, d, o) => (calls.copy++, inner.copy(b, s, d, o)),
    presign: (b, k, o) => (calls.presign++, inner.presign(b, k, o)),
  };
  const polycloud = createPolycloud({
    providers: [{ name: 'm', adapter }],
    resources: [{ resource_id: 'lb-1', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'bucket-x' }], replication: { mode: 'none' } }],
  });
  return { bucket: polycloud.bucket('lb-1'), calls, inner };
}

async function failure(p: Promise<unknown>): Promise<PolycloudError> {
  try {
    await p;
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw e;
  }
  throw new Error('expected a PolycloudError');
}

describe('the declared flag is the one truth', () => {
  it('presign not declared → UNSUPPORTED naming operation, binding and capability, though the adapter has presign()', async () => {
    const { bucket, calls } = spy({ presign: false });
    const err = await failure(bucket.presign('k', { method: 'GET', expiresInSeconds: 60 }));
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({ resource: 'lb-1', operation: 'presign', binding: 'm', capability: 'presign' });
    expect(calls.presign).toBe(0);
  });

  it('copy not declared → streamed get → put (the fallback), copy() never called', async () => {
    const { bucket, calls } = spy({ copy: false });
    await bucket.put('src', 'bytes', { metadata: { a: '1' } });
    await bucket.copy('src', 'dst');
    expect(await bucket.getText('dst')).toBe('bytes');
    expect((await bucket.head('dst')).metadata).toEqual({ a: '1' });
    expect(calls.copy).toBe(0);
  });

  it('batchDelete not declared → key by key (the fallback), deleteMany() never called', async () => {
    const { bucket, calls, inner } = spy({ batchDelete: false });
    await bucket.put('k1', '1');
    await bucket.put('k2', '2');
    expect(await bucket.deleteMany(['k1', 'k2', 'missing'])).toEqual({ deleted: ['k1', 'k2', 'missing'], errors: [] });
    expect(inner.inspect('bucket-x')).toEqual([]);
    expect(calls.deleteMany).toBe(0);
  });

  it('declared → the adapter method is what the facade calls', async () => {
    const { bucket, calls } = spy({});
    await bucket.put('src', 'x');
    await bucket.copy('src', 'dst');
    await bucket.deleteMany(['src', 'dst']);
    await bucket.presign('k', { method: 'GET', expiresInSeconds: 60 });
    expect(calls).toEqual({ deleteMany: 1, copy: 1, presign: 1 });
  });
});

describe('unsupportedStorageOperations', () => {
  it('gives deleteMany, copy and presign that throw UNSUPPORTED with operation, capability and provider', async () => {
    const ops = unsupportedStorageOperations('my-store');
    expect(Object.keys(ops).sort()).toEqual(Object.values(STORAGE_CAPABILITY_METHODS).sort());
    for (const [capability, method] of Object.entries(STORAGE_CAPABILITY_METHODS)) {
      const call = {
        deleteMany: () => ops.deleteMany('b', ['k']),
        copy: () => ops.copy('b', 'k', 'k2'),
        presign: () => ops.presign('b', 'k', { method: 'GET', expiresInSeconds: 60 }),
      }[method];
      const err = await failure(call());
      expect(err).toMatchObject({ code: 'UNSUPPORTED', retryable: false, context: { provider: 'my-store', operation: method, capability } });
    }
  });
});

describe('conformance: a method of an undeclared capability', () => {
  const only = storageConformanceCases.filter((c) => c.name.includes('of an undeclared capability'));

  it('passes on a memory adapter narrowed to none of them, and on one declaring all', async () => {
    expect(only).toHaveLength(1);
    for (const capabilities of [{ batchDelete: false, copy: false, presign: false }, {}]) {
      const adapter = createMemoryStorageAdapter({ buckets: ['b'], capabilities });
      const [result] = await runStorageConformanceCases({ adapter, bucket: 'b', cases: only });
      expect(result).toMatchObject({ status: 'passed' });
    }
  });

  it('fails an adapter whose undeclared method half-works (here: copies anyway)', async () => {
    const inner = createMemoryStorageAdapter({ buckets: ['b'] });
    const adapter: StorageAdapter = { ...inner, capabilities: { ...inner.capabilities, copy: false } };
    const [result] = await runStorageConformanceCases({ adapter, bucket: 'b', cases: only });
    expect(result?.status).toBe('failed');
    expect(String((result?.error as Error).message)).toMatch(/copy\(\) without "copy" declared.*succeeded/);
  });
});
