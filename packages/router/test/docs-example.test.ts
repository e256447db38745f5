import { createPolycloud, PolycloudError } from '@polycloud/core';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { afterEach, describe, expect, it } from 'vitest';

/** The worked example of docs/routing.md ("explain(): a worked example"): keeps its numbers true. */
function example() {
  return createPolycloud({
    providers: [
      { name: 'aws', adapter: createMemoryStorageAdapter({ name: 'aws', buckets: ['ds-eu-aws', 'ds-us-aws'] }) },
      { name: 'gcp', adapter: createMemoryStorageAdapter({ name: 'gcp', buckets: ['ds-eu-gcp'] }) },
      { name: 'azure', adapter: createMemoryStorageAdapter({ name: 'azure', buckets: ['ds-eu-azure'] }) },
    ],
    residency: { eu: ['eu-*', 'europe-*', 'westeurope', 'northeurope'] },
    resources: [
      {
        resource_id: 'lb-datasets',
        type: 'LogicalBucket',
        tags: { residency: 'eu' },
        routing: { strategy: 'sticky', caller_region: 'eu-west-1' },
        replication: { mode: 'none' }, // routing alone (replication would need @polycloud/sync)
        providers: [
          {
            id: 'aws-eu',
            cloud: 'aws',
            physical_id: 'ds-eu-aws',
            region: 'eu-west-1',
            weight: 2,
            price: { storage_gb_month: 0.023, request_1k: 0.005, egress_gb: 0.09 },
          },
          {
            id: 'gcp-eu',
            cloud: 'gcp',
            physical_id: 'ds-eu-gcp',
            region: 'europe-west1',
            weight: 1,
            price: { storage_gb_month: 0.02, request_1k: 0.005, egress_gb: 0.12 },
          },
          {
            id: 'azure-eu',
            cloud: 'azure',
            physical_id: 'ds-eu-azure',
            region: 'westeurope',
            role: 'standby',
            price: { storage_gb_month: 0.018, request_1k: 0.0065, egress_gb: 0.087 },
          },
          { id: 'aws-us', cloud: 'aws', physical_id: 'ds-us-aws', region: 'us-east-1', price: { storage_gb_month: 0.021, request_1k: 0.005, egress_gb: 0.09 } },
        ],
      },
    ],
    router: createRouter(),
  });
}

let pc: ReturnType<typeof example> | undefined;
afterEach(async () => {
  await pc?.close();
  pc = undefined;
});

describe('docs/routing.md worked example', () => {
  it('explains the write as documented', () => {
    pc = example();
    const e = pc.bucket('lb-datasets').explain('write', 'reports/2026/q1.parquet');
    expect(e.chosen).toBe('gcp-eu');
    expect(e.panic).toBe(false);
    const by = Object.fromEntries(e.candidates.map((c) => [c.binding, c]));
    expect(by['aws-eu']!.weight).toBeCloseTo(0.7032, 4);
    expect(by['aws-eu']!.scores['relativePrice']).toBeCloseTo(1.148, 3);
    expect(by['aws-eu']!.scores['placement']).toBeCloseTo(1.743, 3);
    expect(by['gcp-eu']!.weight).toBeCloseTo(0.2968, 4);
    expect(by['gcp-eu']!.scores['distanceKm']).toBe(764);
    expect(by['gcp-eu']!.scores['distance']).toBeCloseTo(0.7529, 4);
    expect(by['azure-eu']!).toMatchObject({ verdict: 'ok', weight: 0, rank: 2 });
    expect(by['azure-eu']!.scores['cost']).toBeCloseTo(0.00002537, 8);
    expect(by['aws-us']!).toMatchObject({ verdict: 'residency', weight: 0 });
    expect([by['gcp-eu']!.rank, by['aws-eu']!.rank]).toEqual([0, 1]);
  });

  it('spills 30% to the standby after three failures on aws-eu, as documented', () => {
    pc = example();
    for (let i = 0; i < 3; i++)
      pc.router.report('lb-datasets', 'aws-eu', { ok: false, latencyMs: 12, error: new PolycloudError('UNAVAILABLE', 'down', { retryable: true }) });
    const e = pc.bucket('lb-datasets').explain('write', 'reports/2026/q1.parquet');
    expect(e.chosen).toBe('azure-eu');
    const by = Object.fromEntries(e.candidates.map((c) => [c.binding, c]));
    expect(by['aws-eu']!).toMatchObject({ verdict: 'unhealthy', weight: 0, rank: 2 });
    expect(by['gcp-eu']!.weight).toBeCloseTo(0.7, 9);
    expect(by['azure-eu']!.weight).toBeCloseTo(0.3, 9);
  });
});
