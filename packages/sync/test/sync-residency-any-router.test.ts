import { describe, expect, it } from 'vitest';
import { type Binding, createPolycloud, isPolycloudError } from '@polycloud/core';
import type { RouterFactory, SyncHost } from '@polycloud/core/spi';
import { createFakeClock, createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createSync, syncEngine } from '../src/index.js';

/** A router that ignores residency: every binding, in the order `pick` gives. */
function ignoringResidency(pick: (providers: readonly Binding[]) => Binding[] = (p) => [...p]): RouterFactory {
  return () => ({
    route: (request) => ({ candidates: pick(request.resource.providers), rejected: [] }),
    report: () => undefined,
    explain: (request) => ({ resource: request.resource.resource_id, operation: request.operation, panic: false, candidates: [] }),
  });
}

/**
 * Bucket `lb` tagged `residency: eu`: bindings `us` (us-east-1, declared first), `a`
 * (eu-west-1) and `b` (eu-central-1), replicated by @polycloud/sync; the router
 * ignores residency and offers `us` first.
 */
function world(regions: [string, string, string] = ['us-east-1', 'eu-west-1', 'eu-central-1'], router: RouterFactory = ignoringResidency()) {
  const clock = createFakeClock();
  const adapters = {
    us: createMemoryStorageAdapter({ name: 'us', buckets: ['pus'], clock }),
    a: createMemoryStorageAdapter({ name: 'a', buckets: ['pa'], clock }),
    b: createMemoryStorageAdapter({ name: 'b', buckets: ['pb'], clock }),
  };
  let host: SyncHost | undefined;
  const sync = createSync({ sleep: (ms) => clock.advance(ms), owner: 'test-process' });
  const polycloud = createPolycloud({
    clock,
    residency: { eu: ['eu-*'] },
    providers: [
      { name: 'us', adapter: adapters.us },
      { name: 'a', adapter: adapters.a },
      { name: 'b', adapter: adapters.b },
    ],
    sync: (h) => {
      host = h;
      return sync(h);
    },
    router,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        tags: { residency: 'eu' },
        providers: [
          { cloud: 'us', physical_id: 'pus', region: regions[0] },
          { cloud: 'a', physical_id: 'pa', region: regions[1] },
          { cloud: 'b', physical_id: 'pb', region: regions[2] },
        ],
        replication: { mode: 'async' },
      },
    ],
  });
  return { polycloud, adapters, host: host!, clock };
}

describe('replication keeps residency whatever router is plugged in', () => {
  it('an out-of-zone binding of a residency-tagged bucket never receives a copy, a journal record or the replication state, and is reported', async () => {
    const { polycloud, adapters, host } = world();
    const bucket = polycloud.bucket('lb');
    expect((await bucket.put('x', 'secret')).binding).toBe('a');
    await bucket.put('y', 'more');
    await bucket.delete('y');
    const sync = syncEngine(polycloud.sync('lb'));
    await sync.drain();
    await sync.reconcile();
    // Replicated between the in-zone bindings…
    expect(
      adapters.b
        .inspect('pb')
        .filter((o) => !o.key.startsWith('_polycloud/'))
        .map((o) => o.key),
    ).toEqual(['x']);
    expect(sync.objectStatus('x')).toMatchObject({ state: 'COMPLETED' });
    expect(Object.keys(sync.objectStatus('x')!.bindings).sort()).toEqual(['a', 'b']);
    // …and nothing at all, engine objects included, on the out-of-zone one.
    expect(adapters.us.inspect('pus')).toEqual([]);
    const status = await sync.status();
    expect(status.targets.map((t) => t.binding).sort()).toEqual(['a', 'b']);
    expect(status.excluded).toEqual([{ binding: 'us', reason: 'residency', detail: 'region us-east-1 is outside residency "eu"' }]);
    // Core's own guard: the host the plugin was given refuses that binding's adapter.
    expect(() => host.storageAdapter('lb', 'us')).toThrow(expect.objectContaining({ code: 'RESIDENCY_VIOLATION' }));
    expect(host.storageAdapter('lb', 'a')).toBe(adapters.a);
    await polycloud.close();
  });

  it('an object placed out of zone outside polycloud is neither read nor copied into the zone', async () => {
    const { polycloud, adapters } = world();
    adapters.us.cloud.putObject('pus', 'stray', 'from the us');
    const sync = syncEngine(polycloud.sync('lb'));
    const report = await sync.reconcile();
    await sync.drain();
    expect(report.listed).not.toHaveProperty('us');
    expect(adapters.a.inspect('pa').filter((o) => !o.key.startsWith('_polycloud/'))).toEqual([]);
    expect(adapters.b.inspect('pb').filter((o) => !o.key.startsWith('_polycloud/'))).toEqual([]);
    // Left as it was (not adopted, i.e. not rewritten with version metadata).
    expect(adapters.us.inspect('pus').map((o) => [o.key, o.metadata])).toEqual([['stray', {}]]);
    await polycloud.close();
  });

  it('a bucket with no binding in its zone: writes and replication are refused with RESIDENCY_VIOLATION', async () => {
    const { polycloud, adapters } = world(
      ['us-east-1', 'us-west-2', 'eu-central-1'],
      ignoringResidency((p) => p.filter((b) => b.id !== 'b')),
    );
    const error = await polycloud
      .bucket('lb')
      .put('x', 'v')
      .catch((e: unknown) => e);
    expect(isPolycloudError(error, 'RESIDENCY_VIOLATION')).toBe(true);
    expect(adapters.us.inspect('pus')).toEqual([]);
    expect(adapters.a.inspect('pa')).toEqual([]);
    await polycloud.close();
    // Every binding out of zone: the engine refuses to replicate at all.
    const none = world(['us-east-1', 'us-west-2', 'ap-south-1']);
    await expect(none.polycloud.sync('lb').drain()).rejects.toMatchObject({ code: 'RESIDENCY_VIOLATION' });
    expect([...none.adapters.us.inspect('pus'), ...none.adapters.a.inspect('pa'), ...none.adapters.b.inspect('pb')]).toEqual([]);
    await none.polycloud.close();
  });
});
