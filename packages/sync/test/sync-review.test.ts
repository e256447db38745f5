/**
 * Regression tests for the findings of an independent review of the rebuilt engine:
 * each scenario was first written to show the defect, then turned around once fixed.
 */
import { describe, expect, it } from 'vitest';
import { createPolycloud, isPolycloudError, PolycloudError } from '@polycloud/core';
import { HybridLogicalClock, newVersion, type StorageAdapter, versionMetadata } from '@polycloud/core/spi';
import { createFakeClock, createMemoryStorageAdapter, type FakeClock, type MemoryStorageAdapter } from '@polycloud/core/testing';
import { createSync, syncEngine } from '../src/index.js';
import { dataObjects, syncWorld } from './sync-helpers.js';

const text = (a: MemoryStorageAdapter, bucket: string, key: string) => {
  const o = a.cloud.getObject(bucket, key);
  return o ? Buffer.from(o.data).toString() : undefined;
};

function withPut(x: MemoryStorageAdapter, put: StorageAdapter['put'], only?: string): StorageAdapter {
  return only !== undefined && x.name !== only ? x : ({ ...x, type: x.type, name: x.name, capabilities: x.capabilities, put } as StorageAdapter);
}

/** Two memory clouds a, b (eu-west-1, eu-central-1) and a factory of polycloud instances ("processes") over them. */
function twoClouds(clock: FakeClock = createFakeClock()) {
  const adapters = {
    a: createMemoryStorageAdapter({ name: 'a', buckets: ['pa'], clock }),
    b: createMemoryStorageAdapter({ name: 'b', buckets: ['pb'], clock }),
  };
  const make = (owner: string, options: { a?: StorageAdapter; clock?: FakeClock; writerId?: string } = {}) => {
    const c = options.clock ?? clock;
    return createPolycloud({
      clock: c,
      providers: [
        { name: 'a', adapter: options.a ?? adapters.a },
        { name: 'b', adapter: adapters.b },
      ],
      sync: createSync({ sleep: (ms) => c.advance(ms), owner, autoStart: false, ...(options.writerId ? { writerId: options.writerId } : {}) }),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'a', physical_id: 'pa', region: 'eu-west-1' },
            { cloud: 'b', physical_id: 'pb', region: 'eu-central-1' },
          ],
        },
      ],
    });
  };
  return { adapters, clock, make };
}

describe('review findings', () => {
  it('a put whose change record is read before its data lands is still replicated once it lands', async () => {
    const world: ReturnType<typeof syncWorld> = syncWorld(
      {},
      {
        engine: { autoStart: false },
        wrap: (x) =>
          withPut(
            x,
            async (...args) => {
              if (args[1] === 'big') await new Promise<void>((r) => world.clock.setTimeout(r, 2_000)); // a slow upload
              return x.put(...args);
            },
            'a',
          ),
      },
    );
    const { polycloud, adapters, clock } = world;
    const sync = syncEngine(polycloud.sync('lb'));
    await sync.ready();
    const put = polycloud.bucket('lb').put('big', 'payload');
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // the record is durable, the data is not
    expect((await sync.runOnce()).entries).toBe(1); // a round happens to read the record now
    await clock.advance(2_500);
    expect((await put).binding).toBe('a');
    await sync.drain();
    expect(text(adapters.b, 'pb', 'big')).toBe('payload');
    expect(text(adapters.c, 'pc', 'big')).toBe('payload');
    await polycloud.close();
  });

  it('a delete its caller was told failed (CONDITION_NOT_MET) is not applied elsewhere', async () => {
    const { polycloud, adapters, clock } = syncWorld();
    const bucket = polycloud.bucket('lb');
    await bucket.put('k', 'v1');
    await polycloud.sync('lb').drain();
    let err: unknown;
    try {
      await bucket.delete('k', { ifMatch: 'not-the-current-token' });
    } catch (e) {
      err = e;
    }
    expect(isPolycloudError(err, 'CONDITION_NOT_MET')).toBe(true);
    await polycloud.sync('lb').drain();
    await clock.advance(120_000); // past the call's deadline: its record is void
    await polycloud.sync('lb').drain();
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const)
      expect(text(a, p, 'k')).toBe('v1');
    await polycloud.close();
  });

  it('a change record no journal took is retried by the background loop, not only by an explicit drain', async () => {
    let journalDown = true;
    const world = syncWorld(
      {},
      {
        wrap: (x) =>
          withPut(x, async (...args) => {
            if (journalDown && args[1].startsWith('_polycloud/lb/journal/')) throw new PolycloudError('UNAVAILABLE', 'journal store down', { retryable: true });
            return x.put(...args);
          }),
      },
    );
    const { polycloud, adapters, clock } = world;
    await polycloud.bucket('lb').put('k', 'v1'); // acknowledged; its record kept in memory
    journalDown = false;
    for (let i = 0; i < 20 && text(adapters.b, 'pb', 'k') === undefined; i++) {
      await clock.advance(1_000);
      for (let j = 0; j < 20; j++) await new Promise((r) => setImmediate(r));
    }
    expect(text(adapters.b, 'pb', 'k')).toBe('v1');
    await polycloud.close();
  });

  it('the mass-delete guard holds in the apply pass too (a binding unlisted in the plan, then found emptied)', async () => {
    let dataLists = 0;
    const { polycloud, adapters } = syncWorld(
      {},
      {
        wrap: (x) =>
          x.name !== 'b'
            ? x
            : ({
                ...x,
                type: x.type,
                name: x.name,
                capabilities: x.capabilities,
                list: async (bucket: string, opts: Parameters<StorageAdapter['list']>[1] = {}) => {
                  if (!opts.prefix?.startsWith('_polycloud/') && dataLists++ === 0) throw new PolycloudError('RATE_LIMITED', 'slow down', { retryable: true });
                  return x.list(bucket, opts);
                },
              } as StorageAdapter),
      },
    );
    const bucket = polycloud.bucket('lb');
    for (let i = 0; i < 10; i++) await bucket.put(`k${i}`, `v${i}`);
    await polycloud.sync('lb').drain();
    for (let i = 0; i < 10; i++) adapters.b.cloud.deleteObject('pb', `k${i}`); // emptied by mistake
    adapters.a.cloud.putObject('pa', 'new', 'x');
    const report = await polycloud.sync('lb').reconcile();
    expect(report.status).toBe('blocked');
    expect(dataObjects(adapters.a, 'pa').length).toBeGreaterThanOrEqual(10);
    expect(dataObjects(adapters.c, 'pc').length).toBeGreaterThanOrEqual(10);
    await polycloud.close();
  });

  it('a process restarted under the same writer id has its new changes replicated', async () => {
    const { adapters, clock, make } = twoClouds();
    const p1 = make('pod0', { writerId: 'pod0' });
    for (let i = 0; i < 3; i++) await p1.bucket('lb').put(`k${i}`, 'v');
    await p1.sync('lb').drain();
    await p1.close();
    const p2 = make('pod0', { writerId: 'pod0' });
    await clock.advance(1_000);
    await p2.bucket('lb').put('after-restart', 'v');
    await p2.sync('lb').drain();
    expect(text(adapters.b, 'pb', 'after-restart')).toBe('v');
    await p2.close();
  });

  it('a custom merge of two eu-only versions keeps their residency: never written outside the zone', async () => {
    const { polycloud, adapters, clock, events } = syncWorld(
      { conflict: 'custom' },
      {
        engine: {
          merge: async ({ sides }) => ({
            body: Buffer.from(
              (await Promise.all(sides.map((s) => s.read())))
                .map((b) => b.toString())
                .sort()
                .join('+'),
            ),
          }),
        },
      },
    );
    const hlc = new HybridLogicalClock(() => clock.now());
    adapters.a.cloud.putObject('pa', 'eu-only', 'A', { metadata: versionMetadata(newVersion(hlc, 'a', {}, { residency: 'eu' })) });
    adapters.b.cloud.putObject('pb', 'eu-only', 'B', { metadata: versionMetadata(newVersion(hlc, 'b', {}, { residency: 'eu' })) });
    await polycloud.sync('lb').reconcile();
    expect(text(adapters.a, 'pa', 'eu-only')).toBe('A+B');
    expect(text(adapters.b, 'pb', 'eu-only')).toBe('A+B');
    expect(text(adapters.c, 'pc', 'eu-only')).toBeUndefined(); // c is us-east-1
    expect(events.some((e) => e.name === 'replication-refused' && e.payload['binding'] === 'c')).toBe(true);
    await polycloud.close();
  });

  it("a read-modify-write with the caller's If-Match includes the version it replaced (not reverted by a clock 5 s ahead)", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const store = createFakeClock(t0);
    const { adapters, make } = twoClouds(store);
    const p1 = make('host1', { clock: createFakeClock(t0 + 5_000) });
    await p1.bucket('lb').put('doc', 'v1');
    await p1.sync('lb').drain();
    await p1.close();
    const p2 = make('host2', { clock: createFakeClock(t0) });
    const seen = await p2.bucket('lb').head('doc');
    await p2.bucket('lb').put('doc', 'v2 (based on v1)', { ifMatch: seen.versionToken });
    await p2.sync('lb').drain();
    expect(text(adapters.a, 'pa', 'doc')).toBe('v2 (based on v1)');
    expect(text(adapters.b, 'pb', 'doc')).toBe('v2 (based on v1)');
    await p2.close();
  });

  it('a transient error in the state-store self-test is retried, never a fall-through to another store (no split brain)', async () => {
    const { adapters, clock, make } = twoClouds();
    let flaky = 1;
    const flakyA = withPut(adapters.a, async (...args) => {
      if (args[1].startsWith('_polycloud/lb/selftest/') && flaky-- > 0) throw new PolycloudError('UNAVAILABLE', 'blip', { retryable: true });
      return adapters.a.put(...args);
    });
    const x = make('x', { a: flakyA });
    const y = make('y');
    const ex = syncEngine(x.sync('lb'));
    const ey = syncEngine(y.sync('lb'));
    await expect(ex.runOnce()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await ex.runOnce();
    await ey.runOnce();
    await clock.advance(11_000); // membership is read again every third of the lease TTL
    await ex.runOnce(); // sees y (same store) and gives up y's share
    await clock.advance(31_000); // the released or expired leases
    await ey.runOnce();
    await ex.runOnce();
    const both = ex.replicator.held.filter((p) => ey.replicator.held.includes(p));
    expect(both).toEqual([]);
    expect(ey.replicator.held.length).toBeGreaterThan(0);
    expect((await ex.status()).members).toBe(2);
    await x.close();
    await y.close();
  });

  it("change-feed hints for the engine's own objects are dropped, never replicated or adopted", async () => {
    const { polycloud, adapters } = syncWorld({}, { engine: { autoStart: false } });
    await polycloud.bucket('lb').put('k', 'v');
    const e = syncEngine(polycloud.sync('lb'));
    await e.drain();
    const head = adapters.a.cloud.keys('pa').find((k) => /^_polycloud\/lb\/p\/\d{4}\/head$/.test(k))!;
    let emit!: (h: { key: string }[]) => void;
    await e.addSource({ name: 's3-events', start: (fn) => void (emit = fn), stop: () => undefined });
    emit([{ key: head }]);
    expect(await e.processHints()).toBe(0);
    expect(adapters.b.cloud.getObject('pb', head)).toBeUndefined();
    expect(adapters.a.cloud.getObject('pa', head)!.metadata?.['pc_origin']).toBeUndefined();
    await polycloud.close();
  });
});

describe('found by the simulation', () => {
  it('a delete from a process that last deleted the key itself covers what another process wrote since (no blind delete)', async () => {
    const { adapters, make } = twoClouds();
    const x = make('x');
    // y's writes of k land on b (a refuses them for y), so its version carries a dot x's tombstone lacks.
    const y = make('y', {
      a: withPut(adapters.a, (...args) =>
        args[1] === 'k' ? Promise.reject(new PolycloudError('UNAVAILABLE', 'refused', { retryable: true })) : adapters.a.put(...args),
      ),
    });
    await x.bucket('lb').put('k', 'v1');
    await x.bucket('lb').delete('k'); // x remembers: deleted
    expect((await y.bucket('lb').put('k', 'v2 by y')).binding).toBe('b'); // acknowledged, unseen by x
    await x.sync('lb').drain(); // v2 reaches a (x replicates: y's adapter for a refuses k)
    await x.bucket('lb').delete('k'); // must include v2 in its context
    await x.sync('lb').drain();
    expect(text(adapters.a, 'pa', 'k')).toBeUndefined();
    expect(text(adapters.b, 'pb', 'k')).toBeUndefined();
    await x.close();
    await y.close();
  });
});
