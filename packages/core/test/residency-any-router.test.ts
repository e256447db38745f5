import { describe, expect, it } from 'vitest';
import { type Binding, createPolycloud, isPolycloudError, type PolycloudError } from '@polycloud/core';
import type { RouterFactory, StorageAdapter, SyncFactory, SyncHost } from '@polycloud/core/spi';
import { createMemoryStorageAdapter, type MemoryStorageAdapter } from '@polycloud/core/testing';
import { createFakeCompute, ORIGINAL_DATAJOB_YAML, submits } from './compute-fixtures.js';

/**
 * A router that ignores residency (and every other hard filter): it offers the
 * bindings `pick` chooses, in that order, and never throws. Core must refuse for it.
 */
function ignoringResidency(pick: (providers: readonly Binding[]) => Binding[] = (p) => [...p]): RouterFactory {
  return () => ({
    route: (request) => ({ candidates: pick(request.resource.providers), rejected: [] }),
    report: () => undefined,
    explain: (request) => ({ resource: request.resource.resource_id, operation: request.operation, panic: false, candidates: [] }),
  });
}

/** Every method call made on `adapter`, by name (the out-of-zone adapter must see none). */
function spied(adapter: MemoryStorageAdapter): { adapter: StorageAdapter; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(prop);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { adapter: proxy, calls };
}

async function refusal(p: Promise<unknown>): Promise<PolycloudError> {
  try {
    await p;
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw e;
  }
  throw new Error('expected a PolycloudError');
}

/**
 * Bucket `lb` tagged `residency: eu`, bindings `us` (us-east-1, declared first) and
 * `eu` (eu-west-1); the router ignores residency and offers `us` first.
 */
function world(router: RouterFactory = ignoringResidency()) {
  const euStore = createMemoryStorageAdapter({ name: 'eu', buckets: ['eu-bucket'] });
  const usStore = createMemoryStorageAdapter({ name: 'us', buckets: ['us-bucket'] });
  const us = spied(usStore);
  const polycloud = createPolycloud({
    residency: { eu: ['eu-*'] },
    providers: [
      { name: 'us', adapter: us.adapter },
      { name: 'eu', adapter: euStore },
    ],
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        tags: { residency: 'eu' },
        providers: [
          { cloud: 'us', physical_id: 'us-bucket', region: 'us-east-1' },
          { cloud: 'eu', physical_id: 'eu-bucket', region: 'eu-west-1' },
        ],
        replication: { mode: 'none' },
      },
    ],
    router,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const refused: Record<string, unknown>[] = [];
  polycloud.events.on('candidate-refused', (e) => refused.push(e as unknown as Record<string, unknown>));
  return { polycloud, bucket: polycloud.bucket('lb'), euStore, usStore, usCalls: us.calls, refused };
}

describe('residency is enforced by core, whatever router is plugged in', () => {
  it('a router offering only the out-of-zone binding: every storage operation is RESIDENCY_VIOLATION, the adapter is never called', async () => {
    const { bucket, usStore, usCalls, euStore } = world(ignoringResidency((p) => p.filter((b) => b.id === 'us')));
    await euStore.put('eu-bucket', 'k', Buffer.from('in zone'));
    const operations: [string, () => Promise<unknown>][] = [
      ['put', () => bucket.put('k', 'secret')],
      ['get', () => bucket.get('k')],
      ['head', () => bucket.head('k')],
      ['list', () => bucket.list()],
      ['delete', () => bucket.delete('k')],
      ['deleteMany', () => bucket.deleteMany(['k'])],
      ['copy', () => bucket.copy('k', 'k2')],
      ['presign', () => bucket.presign('k', { method: 'GET', expiresInSeconds: 60 })],
      ['replica read', () => bucket.get('k', { binding: 'us' })],
    ];
    for (const [name, run] of operations) {
      const error = await refusal(run());
      expect(error.code, name).toBe('RESIDENCY_VIOLATION');
      expect(error.retryable, name).toBe(false);
      // The message names the binding and the zone it is outside of.
      expect(error.message, name).toContain('us');
      expect(error.message, name).toContain('residency "eu"');
    }
    expect(usCalls).toEqual([]);
    expect(usStore.inspect('us-bucket')).toEqual([]);
    // The in-zone copy was not touched either (the delete was refused, not sent elsewhere).
    expect(euStore.inspect('eu-bucket').map((o) => o.key)).toEqual(['k']);
  });

  it('a router offering every binding, out-of-zone first: core drops it and the in-zone one serves every call', async () => {
    const { bucket, usStore, usCalls, refused } = world();
    expect((await bucket.put('doc', 'hello')).binding).toBe('eu');
    expect(await bucket.getText('doc')).toBe('hello');
    expect((await bucket.head('doc')).binding).toBe('eu');
    const page = await bucket.list();
    expect(page.binding).toBe('eu');
    expect(page.objects.map((o) => o.key)).toEqual(['doc']);
    expect((await bucket.copy('doc', 'doc2')).binding).toBe('eu');
    expect((await bucket.presign('doc', { method: 'GET', expiresInSeconds: 60 })).binding).toBe('eu');
    await bucket.delete('doc');
    expect(await bucket.exists('doc')).toBe(false);
    expect(usCalls).toEqual([]);
    expect(usStore.inspect('us-bucket')).toEqual([]);
    // Every drop is reported, with the binding and the reason.
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(refused[0]).toMatchObject({ resource: 'lb', operation: 'write', key: 'doc', binding: 'us', verdict: 'residency' });
    expect(refused.every((e) => e['binding'] === 'us' && e['verdict'] === 'residency')).toBe(true);
  });

  it('an in-zone failure never fails over to the out-of-zone candidate', async () => {
    const { bucket, euStore, usCalls } = world();
    const realPut = euStore.put.bind(euStore);
    let failures = 0;
    euStore.put = () => {
      failures++;
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    };
    const error = await refusal(bucket.put('k', 'v'));
    expect(error.code).not.toBe('RESIDENCY_VIOLATION');
    expect(failures).toBeGreaterThan(0);
    expect(usCalls).toEqual([]);
    euStore.put = realPut;
  });

  it('core uses the declared binding, not the object the router returns, and refuses a binding the resource does not have', async () => {
    const forged = ignoringResidency((p) => {
      const eu = p.find((b) => b.id === 'eu')!;
      return [{ ...eu, region: 'eu-west-1', physical_id: 'us-bucket' }];
    });
    const { bucket, euStore, usStore } = world(forged);
    await bucket.put('k', 'v');
    expect(euStore.inspect('eu-bucket').map((o) => o.key)).toEqual(['k']);
    expect(usStore.inspect('us-bucket')).toEqual([]);
    // A region rewritten by the router does not make an out-of-zone binding compliant.
    const relabelled = world(ignoringResidency((p) => p.filter((b) => b.id === 'us').map((b) => ({ ...b, region: 'eu-west-1' }))));
    expect((await refusal(relabelled.bucket.put('k', 'v'))).code).toBe('RESIDENCY_VIOLATION');
    expect(relabelled.usCalls).toEqual([]);
    const invented = world(ignoringResidency((p) => [{ ...p[0]!, id: 'elsewhere' }]));
    const error = await refusal(invented.bucket.put('k', 'v'));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('not a binding of lb');
    expect(invented.usCalls).toEqual([]);
  });

  it('capabilities are checked by core too: a binding lacking conditionalWrite is never sent a conditional put', async () => {
    const plain = spied(createMemoryStorageAdapter({ name: 'plain', buckets: ['p'], capabilities: { conditionalWrite: false } }));
    const polycloud = createPolycloud({
      providers: [{ name: 'plain', adapter: plain.adapter }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'plain', physical_id: 'p' }] }],
      router: ignoringResidency(),
    });
    const error = await refusal(polycloud.bucket('lb').put('k', 'v', { ifNoneMatch: '*' }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(plain.calls).toEqual([]);
  });

  it('the replication plugin is never handed an out-of-zone binding: RESIDENCY_VIOLATION from the host', () => {
    let host: SyncHost | undefined;
    const sync: SyncFactory = (h) => {
      host = h;
      return {
        pipeline: () => undefined,
        bucket: () => {
          throw new Error('unused');
        },
        close: async () => undefined,
      };
    };
    const euStore = createMemoryStorageAdapter({ name: 'eu', buckets: ['e'] });
    const usStore = createMemoryStorageAdapter({ name: 'us', buckets: ['u'] });
    createPolycloud({
      residency: { eu: ['eu-*'] },
      providers: [
        { name: 'us', adapter: usStore },
        { name: 'eu', adapter: euStore },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          tags: { residency: 'eu' },
          providers: [
            { cloud: 'us', physical_id: 'u', region: 'us-east-1' },
            { cloud: 'eu', physical_id: 'e', region: 'eu-west-1' },
          ],
        },
      ],
      sync,
      router: ignoringResidency(),
    });
    expect(host!.storageAdapter('lb', 'eu')).toBe(euStore);
    let error: unknown;
    try {
      host!.storageAdapter('lb', 'us');
    } catch (e) {
      error = e;
    }
    expect(isPolycloudError(error, 'RESIDENCY_VIOLATION')).toBe(true);
    expect((error as PolycloudError).message).toContain('binding us of lb');
    expect((error as PolycloudError).message).toContain('residency "eu"');
  });

  it('a residency-tagged job is never submitted out of zone, whatever the router', async () => {
    const us = createFakeCompute('aws');
    const eu = createFakeCompute('gcp');
    const make = (router: RouterFactory) =>
      createPolycloud({
        residency: { eu: ['europe-*'] },
        providers: [
          { name: 'aws', adapter: us },
          { name: 'gcp', adapter: eu },
        ],
        resources: [
          {
            resource_id: 'lc',
            type: 'LogicalCluster',
            tags: { residency: 'eu' },
            providers: [
              { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'queue-a', region: 'us-east-1' },
              { cloud: 'CLOUD_B', provider: 'gcp', physical_id: 'projects/p/locations/europe-west1', region: 'europe-west1' },
            ],
          },
        ],
        retry: { baseDelayMs: 1, maxDelayMs: 2 },
        router,
      }).cluster('lc', { lookupSettleMs: 0, pollIntervalMs: 5 });
    const job = ORIGINAL_DATAJOB_YAML.replace('  cloud: CLOUD_A   # may be swapped for CLOUD_B, or left out for the router to choose\n', '');
    const onlyUs = make(ignoringResidency((p) => p.filter((b) => b.id === 'CLOUD_A')));
    expect(await refusal(onlyUs.submit(job))).toMatchObject({ code: 'RESIDENCY_VIOLATION' });
    expect(submits(us)).toHaveLength(0);
    const usFirst = make(ignoringResidency());
    expect((await usFirst.submit(job)).binding).toBe('CLOUD_B');
    expect(submits(us)).toHaveLength(0);
    expect(submits(eu)).toHaveLength(1);
  });
});
