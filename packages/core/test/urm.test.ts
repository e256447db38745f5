import { describe, expect, it } from 'vitest';
import { isPolycloudError, parseUrmDocument, parseUrmDocuments, type PolycloudError } from '@polycloud/core';
import { parseLogicalBucket } from '@polycloud/core/spi';

const original = {
  resource_id: 'lb-123',
  type: 'LogicalBucket',
  providers: [
    { cloud: 'CLOUD_A', physical_id: 'bucket-x' },
    { cloud: 'CLOUD_B', physical_id: 'container-y' },
  ],
};

function failure(fn: () => unknown): PolycloudError {
  try {
    fn();
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw new Error(`expected a PolycloudError, got ${String(e)}`);
  }
  throw new Error('expected a failure');
}

describe('URM', () => {
  it("accepts the original design's LogicalBucket verbatim and resolves its bindings", () => {
    const doc = parseLogicalBucket(original);
    expect(doc.resource_id).toBe('lb-123');
    expect(doc.providers.map((b) => [b.id, b.provider, b.role, b.priority, b.weight])).toEqual([
      ['CLOUD_A', 'CLOUD_A', 'primary', 0, 1],
      ['CLOUD_B', 'CLOUD_B', 'primary', 0, 1],
    ]);
    expect(doc.replication.mode).toBe('async');
    expect(doc.routing.strategy).toBe('primary');
  });

  it('accepts the extended binding fields', () => {
    const doc = parseLogicalBucket({
      ...original,
      tags: { residency: 'eu' },
      providers: [
        {
          cloud: 'aws',
          physical_id: 'b1',
          provider: 's3-eu',
          region: 'eu-west-1',
          role: 'primary',
          weight: 3,
          tags: { classifications: 'pii' },
          price: { storage_gb_month: 0.023, egress_gb: 0.09, schedule: [{ from: '22:00', to: '06:00', multiplier: 0.5 }] },
        },
        { cloud: 'azure', physical_id: 'c1', region: 'westeurope', role: 'standby' },
      ],
    });
    expect(doc.providers[0]!.provider).toBe('s3-eu');
    expect(doc.providers[1]!.priority).toBe(1);
    expect(doc.providers[0]!.price?.schedule?.[0]?.multiplier).toBe(0.5);
  });

  it('accepts a LogicalCluster', () => {
    const doc = parseUrmDocument({
      resource_id: 'lc-1',
      type: 'LogicalCluster',
      providers: [{ cloud: 'CLOUD_A', physical_id: 'queue-a', options: { location: 'x' } }],
    });
    expect(doc.type).toBe('LogicalCluster');
  });

  const bad: [string, unknown, (string | number)[]][] = [
    ['null document', null, []],
    ['a string', 'lb-123', []],
    ['an array', [original], []],
    ['missing resource_id', { ...original, resource_id: undefined }, ['resource_id']],
    ['empty resource_id', { ...original, resource_id: '' }, ['resource_id']],
    ['resource_id with a slash', { ...original, resource_id: 'lb/123' }, ['resource_id']],
    ['numeric resource_id', { ...original, resource_id: 123 }, ['resource_id']],
    ['unknown type', { ...original, type: 'LogicalDatabase' }, ['type']],
    ['missing type', { ...original, type: undefined }, ['type']],
    ['providers not an array', { ...original, providers: {} }, ['providers']],
    ['no providers', { ...original, providers: [] }, ['providers']],
    ['binding without cloud', { ...original, providers: [{ physical_id: 'x' }] }, ['providers', 0, 'cloud']],
    ['binding without physical_id', { ...original, providers: [{ cloud: 'A' }] }, ['providers', 0, 'physical_id']],
    ['binding with empty physical_id', { ...original, providers: [{ cloud: 'A', physical_id: '' }] }, ['providers', 0, 'physical_id']],
    ['unknown binding field', { ...original, providers: [{ cloud: 'A', physical_id: 'x', phyiscal: 1 }] }, ['providers', 0, 'phyiscal']],
    ['bad role', { ...original, providers: [{ cloud: 'A', physical_id: 'x', role: 'leader' }] }, ['providers', 0, 'role']],
    ['negative weight', { ...original, providers: [{ cloud: 'A', physical_id: 'x', weight: -1 }] }, ['providers', 0, 'weight']],
    ['weight not a number', { ...original, providers: [{ cloud: 'A', physical_id: 'x', weight: 'heavy' }] }, ['providers', 0, 'weight']],
    ['infinite weight', { ...original, providers: [{ cloud: 'A', physical_id: 'x', weight: Infinity }] }, ['providers', 0, 'weight']],
    ['all weights zero', { ...original, providers: [{ cloud: 'A', physical_id: 'x', weight: 0 }] }, ['providers']],
    ['tag value not a string', { ...original, providers: [{ cloud: 'A', physical_id: 'x', tags: { residency: 1 } }] }, ['providers', 0, 'tags', 'residency']],
    [
      'negative price',
      { ...original, providers: [{ cloud: 'A', physical_id: 'x', price: { storage_gb_month: -0.1 } }] },
      ['providers', 0, 'price', 'storage_gb_month'],
    ],
    [
      'bad schedule time',
      { ...original, providers: [{ cloud: 'A', physical_id: 'x', price: { schedule: [{ from: '25:00', to: '06:00', multiplier: 0.5 }] } }] },
      ['providers', 0, 'price', 'schedule', 0, 'from'],
    ],
    ['unknown price field', { ...original, providers: [{ cloud: 'A', physical_id: 'x', price: { per_gb: 1 } }] }, ['providers', 0, 'price', 'per_gb']],
    [
      'duplicate binding ids',
      {
        ...original,
        providers: [
          { cloud: 'A', physical_id: 'x' },
          { cloud: 'A', physical_id: 'y' },
        ],
      },
      ['providers', 1, 'cloud'],
    ],
    [
      'duplicate explicit ids',
      {
        ...original,
        providers: [
          { cloud: 'A', physical_id: 'x', id: 'one' },
          { cloud: 'B', physical_id: 'y', id: 'one' },
        ],
      },
      ['providers', 1, 'id'],
    ],
    ['canary naming no binding', { ...original, routing: { canary: { binding: 'CLOUD_Z', percent: 5 } } }, ['routing', 'canary', 'binding']],
    ['canary percent over 100', { ...original, routing: { canary: { binding: 'CLOUD_A', percent: 150 } } }, ['routing', 'canary', 'percent']],
    ['unknown routing strategy', { ...original, routing: { strategy: 'random' } }, ['routing', 'strategy']],
    ['health check interval too small', { ...original, routing: { health_check: { interval_ms: 1 } } }, ['routing', 'health_check', 'interval_ms']],
    ['unknown replication mode', { ...original, replication: { mode: 'eventual' } }, ['replication', 'mode']],
    ['priority policy without list', { ...original, replication: { conflict: 'priority' } }, ['replication', 'priority']],
    [
      'priority list naming no binding',
      { ...original, replication: { conflict: 'priority', priority: ['CLOUD_A', 'CLOUD_Q'] } },
      ['replication', 'priority', 1],
    ],
    ['mass-delete fraction over 1', { ...original, replication: { max_delete_fraction: 2 } }, ['replication', 'max_delete_fraction']],
    ['unknown top-level field', { ...original, extra: true }, ['extra']],
  ];

  it.each(bad)('rejects %s with CONFIG_INVALID naming the path', (_name, input, path) => {
    const err = failure(() => parseUrmDocument(input));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.path).toEqual(path);
    expect(err.context.issues?.length).toBeGreaterThan(0);
    expect(err.cause).toBeUndefined(); // never a raw ZodError
  });

  it('reports every problem of a document at once', () => {
    const err = failure(() => parseUrmDocument({ resource_id: '', type: 'LogicalBucket', providers: [{ cloud: '', physical_id: '' }] }));
    const paths = err.context.issues!.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['resource_id', 'providers.0.cloud', 'providers.0.physical_id']));
  });

  it('refuses duplicate resource ids across documents', () => {
    const err = failure(() => parseUrmDocuments([original, original], ['resources']));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.path).toEqual(['resources', 1, 'resource_id']);
  });

  it('parseLogicalBucket refuses a LogicalCluster', () => {
    const err = failure(() => parseLogicalBucket({ resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'A', physical_id: 'q' }] }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.path).toEqual(['type']);
  });
});
