import { describe, expect, it } from 'vitest';
import { createPolycloud, PolycloudError } from '@polycloud/core';
import type { StampAttempt, SyncFactory, WritePipeline } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { scripted } from './facade-helpers.js';

/** A write pipeline whose stamp makes every put conditional (as @polycloud/sync does), recording each attempt it stamps. */
function conditionalPipeline(condition: (attempt: StampAttempt) => { ifMatch?: string }) {
  const stamps: StampAttempt[] = [];
  const pipeline: WritePipeline = {
    stamp: async (write, _binding, _body, attempt) => {
      stamps.push(attempt);
      return { metadata: write.metadata, ...condition(attempt) };
    },
  };
  const sync: SyncFactory = () => ({
    pipeline: () => pipeline,
    bucket: () => {
      throw new Error('not used');
    },
    close: async () => {},
  });
  return { sync, stamps };
}

const lost = () => new PolycloudError('CONDITION_NOT_MET', 'precondition failed', { retryable: false });

function setup(steps: (PolycloudError | 'ok')[], condition: (attempt: StampAttempt) => { ifMatch?: string }) {
  const { adapter: a, calls } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: steps });
  const b = createMemoryStorageAdapter({ buckets: ['container-y'] });
  const { sync, stamps } = conditionalPipeline(condition);
  const polycloud = createPolycloud({
    providers: [
      { name: 'CLOUD_A', adapter: a },
      { name: 'CLOUD_B', adapter: b },
    ],
    resources: [
      {
        resource_id: 'lb-1',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'CLOUD_A', physical_id: 'bucket-x' },
          { cloud: 'CLOUD_B', physical_id: 'container-y', role: 'standby' },
        ],
      },
    ],
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    sync,
  });
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  for (const name of ['operation', 'retry', 'failover'] as const) polycloud.events.on(name, (p: unknown) => events.push({ name, payload: p as Record<string, unknown> }));
  return { bucket: polycloud.bucket('lb-1'), calls, stamps, events };
}

describe('a write that loses a race on its own internal condition', () => {
  it('is re-stamped and sent again by execute\'s one loop: same binding, same attempt number, no failure reported', async () => {
    // Loses 5 races (more than retry.maxAttempts: a lost race is not a fault), then wins.
    const { bucket, stamps, events } = setup([lost(), lost(), lost(), lost(), lost()], (a) => (a.race < 5 ? { ifMatch: 'seen' } : {}));
    const r = await bucket.put('k', 'v');
    expect(r.binding).toBe('CLOUD_A');
    expect(stamps.map((s) => s.race)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.map((e) => e.name)).toEqual(['operation']);
    expect(events[0]!.payload).toMatchObject({ ok: true, attempt: 1, binding: 'CLOUD_A' });
  });

  it('gives up after 32 re-tries in the whole call, with the condition\'s own error', async () => {
    const { bucket, calls } = setup(Array.from({ length: 40 }, lost), () => ({ ifMatch: 'seen' }));
    await expect(bucket.put('k', 'v')).rejects.toMatchObject({ code: 'CONDITION_NOT_MET' });
    expect(calls.filter((c) => c === 'put')).toHaveLength(33);
  });

  it('is not re-tried when the condition is the caller\'s own', async () => {
    const { bucket, calls, stamps } = setup([lost()], () => ({ ifMatch: 'seen' }));
    await expect(bucket.put('k', 'v', { ifMatch: 'mine' })).rejects.toMatchObject({ code: 'CONDITION_NOT_MET' });
    expect(calls.filter((c) => c === 'put')).toHaveLength(1);
    expect(stamps).toHaveLength(1);
  });
});
