import { describe, expect, it } from 'vitest';
import { createCliRegistry, factoriesOf } from '@polycloud/cli';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';

describe('the CLI registry', () => {
  it('registers every built-in adapter type, local compute and memory storage', async () => {
    const registry = await createCliRegistry();
    expect(registry.types('storage')).toEqual(['azure-blob', 'gcs', 'memory', 's3']);
    expect(registry.types('compute')).toEqual(['aws-batch', 'azure-aci', 'gcp-batch', 'local']);
  });

  it('finds factories by shape, ignoring everything else a module exports', () => {
    expect(factoriesOf({ a: memoryStorageAdapterFactory, b: 42, c: { kind: 'storage', type: 'x' }, d: null })).toEqual([memoryStorageAdapterFactory]);
  });
});
