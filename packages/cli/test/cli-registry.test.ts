import { describe, expect, it } from 'vitest';
import { createCliRegistry, factoriesOf } from '@polycloud/cli';
import { memoryStorageAdapterFactory } from '@polycloud/core/testing';

describe('the CLI registry', () => {
  it('registers every built-in adapter type, local compute and memory storage', async () => {
    const registry = await createCliRegistry();
    expect(registry.types('storage')).toEqual(['azure-blob', 'gcs', 'memory', 's3']);
    expect(registry.types('compute')).toEqual(['aws-batch', 'azure-aci', 'gcp-batch', 'kubernetes', 'local']);
  });

  it('loads only the adapter packages a config needs; an unknown type loads them all', async () => {
    const memory = await createCliRegistry({ types: ['memory', 'local'] });
    expect([...memory.types('storage'), ...memory.types('compute')].sort()).toEqual(['local', 'memory']);
    const s3 = await createCliRegistry({ types: ['s3', 'memory'] });
    expect(s3.types('storage')).toEqual(['memory', 's3']);
    expect(s3.types('compute')).toEqual(['aws-batch', 'local']);
    const k8s = await createCliRegistry({ types: ['kubernetes'] });
    expect(k8s.types('compute')).toEqual(['kubernetes', 'local']);
    const typo = await createCliRegistry({ types: ['s4'] });
    expect(typo.types('storage')).toEqual(['azure-blob', 'gcs', 'memory', 's3']);
  });

  it('finds factories by shape, ignoring everything else a module exports', () => {
    expect(factoriesOf({ a: memoryStorageAdapterFactory, b: 42, c: { kind: 'storage', type: 'x' }, d: null })).toEqual([memoryStorageAdapterFactory]);
  });
});
