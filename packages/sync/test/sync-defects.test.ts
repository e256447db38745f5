/**
 * One test per defect found on the first sync engine (memory clouds, fake clock): each
 * fails on that engine and passes now.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, newVersion, readAll, type StorageAdapter, versionFromMetadata, versionMetadata } from '@polycloud/core/spi';
import { PolycloudError } from '@polycloud/core';
import { caughtError, createFaultInjectingStorageAdapter, type MemoryStorageAdapter } from '@polycloud/core/testing';
import { syncEngine } from '../src/index.js';
import { dataObjects, snapshot, syncWorld } from './sync-helpers.js';

const text = (a: MemoryStorageAdapter, bucket: string, key: string) => {
  const o = a.cloud.getObject(bucket, key);
  return o ? Buffer.from(o.data).toString() : undefined;
};

/** The key's text on a, b and c. */
const onEvery = (adapters: Record<'a' | 'b' | 'c', MemoryStorageAdapter>, key: string) => [
  text(adapters.a, 'pa', key),
  text(adapters.b, 'pb', key),
  text(adapters.c, 'pc', key),
];

/** Binding a's adapter with its put replaced; the others unchanged. */
function onA(x: MemoryStorageAdapter, put: StorageAdapter['put']): StorageAdapter {
  return x.name !== 'a' ? x : ({ ...x, type: x.type, name: x.name, capabilities: x.capabilities, put } as StorageAdapter);
}

describe('sync defects, each reproduced', () => {
  it('an acknowledged delete does not come back after a put whose response was lost and that failed over', async () => {
    // a: the put lands but its answer is lost; the call fails over to b; the later delete (on b) never saw a's version.
    let lose = true;
    const { polycloud, adapters } = syncWorld(
      {},
      {
        wrap: (x) =>
          onA(x, async (...args) => {
            const r = await x.put(...args);
            if (lose && !args[1].startsWith('_polycloud/'))
              throw new PolycloudError('UNAVAILABLE', 'connection reset after the request was sent', { retryable: true });
            return r;
          }),
      },
    );
    const bucket = polycloud.bucket('lb');
    const put = await bucket.put('k', 'v1');
    expect(put.binding).toBe('b');
    expect(text(adapters.a, 'pa', 'k')).toBe('v1'); // it did land on a
    lose = false;
    await bucket.delete('k');
    await polycloud.sync('lb').drain();
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const)
      expect(dataObjects(a, p)).toEqual([]);
    await polycloud.close();
  });

  it('a partial, unstamped object left by an attempt of unknown outcome never beats the acknowledged write', async () => {
    let leftover = false;
    const world = syncWorld(
      {},
      {
        wrap: (x) =>
          onA(x, async (...args) => {
            if (args[1] === 'k' && !leftover) {
              leftover = true;
              // A hung server: the connection drops now; seconds later it stores a 0-byte object without metadata.
              world.clock.setTimeout(() => x.cloud.putObject('pa', 'k', ''), 3_000);
              throw new PolycloudError('UNAVAILABLE', 'connection reset mid-body', { retryable: true });
            }
            return x.put(...args);
          }),
      },
    );
    const { polycloud, adapters, clock } = world;
    const bucket = polycloud.bucket('lb');
    await clock.advance(10);
    const put = await bucket.put('k', 'acknowledged');
    expect(put.binding).toBe('b');
    await clock.advance(5_000); // the leftover lands after the acknowledged write: by its own time it is newer
    expect(text(adapters.a, 'pa', 'k')).toBe(''); // the replicator had fixed a; the leftover clobbered it since
    await polycloud.sync('lb').drain();
    await polycloud.sync('lb').reconcile(); // finds a changed outside polycloud: a leftover, not a newer edit
    expect(onEvery(adapters, 'k')).toEqual(['acknowledged', 'acknowledged', 'acknowledged']);
    await polycloud.close();
  });

  it('objects written outside polycloud are ordered by their own modification time, not by when the reconciler finds them', async () => {
    const { polycloud, adapters, clock } = syncWorld();
    // An edit on b made 2 s before an edit on a (both out of band, unstamped).
    adapters.b.cloud.putObject('pb', 'doc', 'older edit on b');
    await clock.advance(2_000);
    adapters.a.cloud.putObject('pa', 'doc', 'newer edit on a');
    const r = await polycloud.sync('lb').reconcile();
    expect(r.changed).toBe(1);
    expect(onEvery(adapters, 'doc')).toEqual(['newer edit on a', 'newer edit on a', 'newer edit on a']);
    await polycloud.close();
  });

  it("the engine's namespace is not reachable through the bucket API: refused with INVALID_ARGUMENT, hidden from listings", async () => {
    const { polycloud, adapters } = syncWorld();
    const bucket = polycloud.bucket('lb');
    await bucket.put('user.txt', 'x');
    await polycloud.sync('lb').drain();
    expect(adapters.a.cloud.keys('pa').some((k) => k.startsWith('_polycloud/'))).toBe(true);
    const forged = '{"owner":"x","epoch":1000000000,"expiresAt":9000000000000000}';
    for (const call of [
      () => bucket.put('_polycloud/lb/p/0000/lease', forged),
      () => bucket.get('_polycloud/lb/sync.json'),
      () => bucket.head('_polycloud/lb/sync.json'),
      () => bucket.delete('_polycloud/lb/sync.json'),
      () => bucket.copy('user.txt', '_polycloud/lb/journal/0000000000001-x-000001'),
      () => bucket.deleteMany(['user.txt', '_polycloud/lb/sync.json']),
    ]) {
      const e = await caughtError(call());
      expect(e.code).toBe('INVALID_ARGUMENT');
    }
    // An "empty the bucket" loop sees only the user's objects.
    const seen: string[] = [];
    for await (const o of bucket.iterate()) seen.push(o.key);
    expect(seen).toEqual(['user.txt']);
    const top = await bucket.list({ delimiter: '/' });
    expect(top.prefixes.filter((p) => p.startsWith('_polycloud'))).toEqual([]);
    expect(adapters.a.cloud.keys('pa').filter((k) => k.startsWith('_polycloud/')).length).toBeGreaterThan(3);
    await polycloud.close();
  });

  it('a forged lease, a corrupt partition head and a garbage journal segment are reported with their key and skipped: replication goes on', async () => {
    const { polycloud, adapters } = syncWorld();
    const errors: string[] = [];
    polycloud.events.on('error', (e: unknown) =>
      errors.push(JSON.stringify(e, (_k, v: unknown) => (v instanceof Error ? { message: v.message, context: (v as PolycloudError).context } : v))),
    );
    const bucket = polycloud.bucket('lb');
    await bucket.put('before', '1');
    await polycloud.sync('lb').drain();
    // Out of band, straight on the cloud: forge every partition's lease, break a head, plant a garbage segment.
    for (let p = 0; p < 64; p++)
      adapters.a.cloud.putObject('pa', `_polycloud/lb/p/${String(p).padStart(4, '0')}/lease`, '{"owner":"x","epoch":1000000000,"expiresAt":9000000000000000}');
    adapters.a.cloud.putObject('pa', '_polycloud/lb/p/0003/head', '{"v":2,');
    adapters.b.cloud.putObject('pb', '_polycloud/lb/journal/0000000000001-zz-000001', 'not json\n{"key":1}');
    await bucket.put('after', '2');
    const engine = syncEngine(polycloud.sync('lb'));
    engine.restartReplicator(); // as a fresh process would: it reads the forged leases
    await engine.drain();
    expect(onEvery(adapters, 'after')).toEqual(['2', '2', '2']);
    expect(errors.some((e) => e.includes('p/0003/head'))).toBe(true);
    expect(errors.some((e) => e.includes('0000000000001-zz-000001'))).toBe(true);
    expect(errors.join('\n')).not.toContain('SyntaxError');
    await polycloud.close();
  });

  it('drain waits for a partition another process holds, or throws CONFLICT naming the holder and the expiry; stop() says whether it drained', async () => {
    const { polycloud, clock } = syncWorld({}, { engine: { leaseTtlMs: 3_000, partitions: 2 } });
    const engine = syncEngine(polycloud.sync('lb'));
    await engine.ready();
    // Another process holds both partitions (a live lease in the store).
    for (const p of ['0000', '0001'])
      await engine.store!.put(`p/${p}/lease`, JSON.stringify({ owner: 'other-host', epoch: 7, expiresAt: clock.now() + 3_000 }));
    await polycloud.bucket('lb').put('k', 'v');
    const e = await caughtError(engine.drain({ onLeased: 'throw' }));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain('other-host');
    expect(e.context).toMatchObject({ owner: 'other-host', expiresAt: clock.now() + 3_000 });
    const t0 = clock.now();
    await engine.drain(); // waits the lease out (the fake clock moves in the engine's sleep)
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3_000);
    expect((await engine.stop()).drained).toBe(true);
    await polycloud.close();
  });

  it('drain throws UNAVAILABLE when changes could not be replicated everywhere; stop() then reports them pending', async () => {
    const wrapped: ReturnType<typeof createFaultInjectingStorageAdapter>[] = [];
    const { polycloud } = syncWorld({}, { wrap: (a) => (a.name === 'c' ? (wrapped.push(createFaultInjectingStorageAdapter(a)), wrapped[0]!) : a) });
    await polycloud.bucket('lb').put('k', 'v');
    wrapped[0]!.outage(true);
    const e = await caughtError(polycloud.sync('lb').drain());
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.context['keys']).toEqual(['k']);
    const closed = await polycloud.sync('lb').stop();
    expect(closed).toEqual({ drained: false, pending: 1 });
    await polycloud.close();
  });

  it('a bucket synchronised by the first engine (one base and one tombstones document) is migrated on first run', async () => {
    const { polycloud, adapters, clock } = syncWorld();
    const hlc = new HybridLogicalClock(() => clock.now());
    const v = newVersion(hlc, 'a', {});
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const)
      a.cloud.putObject(p, 'synced', 'same', { metadata: versionMetadata(v) });
    const tokens = Object.fromEntries(
      (
        [
          ['a', adapters.a, 'pa'],
          ['b', adapters.b, 'pb'],
          ['c', adapters.c, 'pc'],
        ] as const
      ).map(([id, a, p]) => [id, a.cloud.getObject(p, 'synced')!.versionToken]),
    );
    const vv = `a=${versionMetadata(v)['pc_hlc']}`;
    adapters.a.cloud.putObject('pa', '_polycloud/lb/base', JSON.stringify({ epoch: 3, data: { synced: { vv, tokens } } }));
    adapters.a.cloud.putObject('pa', '_polycloud/lb/tombstones', JSON.stringify({ epoch: 3, data: {} }));
    // A change still in the old journal (a put on a not yet copied).
    const w = newVersion(hlc, 'a', v.vv);
    adapters.a.cloud.putObject('pa', 'pending', 'to copy', { metadata: versionMetadata(w) });
    adapters.a.cloud.putObject(
      'pa',
      '_polycloud/lb/journal/000000000001',
      JSON.stringify({
        pos: 1048576,
        key: 'pending',
        op: 'put',
        version: { hlc: versionMetadata(w)['pc_hlc'], origin: 'a', vv: versionMetadata(w)['pc_vv'] },
        binding: 'a',
        at: clock.now(),
      }),
    );
    const migrated: unknown[] = [];
    polycloud.events.on('sync-migrated', (e: unknown) => migrated.push(e));
    await polycloud.sync('lb').drain();
    expect(migrated).toEqual([expect.objectContaining({ from: 1, to: 2, keys: 2 })]);
    expect(adapters.a.cloud.keys('pa').filter((k) => k === '_polycloud/lb/base' || k === '_polycloud/lb/journal/000000000001')).toEqual([]);
    expect(text(adapters.b, 'pb', 'pending')).toBe('to copy');
    expect(snapshot(adapters.c, 'pc')).toEqual(snapshot(adapters.a, 'pa'));
    // The migrated synchronised state is used: nothing changed, so a reconcile has nothing to do.
    expect((await polycloud.sync('lb').reconcile()).changed).toBe(0);
    expect(versionFromMetadata(adapters.c.cloud.getObject('pc', 'synced')!.metadata)).toBeDefined();
    await polycloud.close();
  });

  it('a source read that ends early without an error (an object rewritten while read) fails the copy retryably: no truncated replica, and a retry copies it whole', async () => {
    let cut = Infinity;
    const world = syncWorld(
      {},
      {
        wrap: (x) =>
          x.name !== 'a'
            ? x
            : ({
                ...x,
                type: x.type,
                name: x.name,
                capabilities: x.capabilities,
                async get(...args: Parameters<StorageAdapter['get']>) {
                  const r = await x.get(...args);
                  if (args[1] !== 'k' || cut-- <= 0) return r;
                  const whole = await readAll(r.body);
                  return { ...r, body: Readable.from([whole.subarray(0, 5)]) }; // ends cleanly, 5 of its bytes
                },
              } as StorageAdapter),
      },
    );
    const { polycloud, adapters } = world;
    const put = await polycloud.bucket('lb').put('k', 'twenty bytes of data');
    expect(put.binding).toBe('a');
    const engine = polycloud.sync('lb');
    const first = await engine.runOnce(); // every read of k from a ends early (its retries too)
    expect(first.failedKeys).toEqual(['k']);
    expect([text(adapters.b, 'pb', 'k'), text(adapters.c, 'pc', 'k')]).toEqual([undefined, undefined]);
    cut = 1; // the next read only: a transient failure, retried within the round
    await engine.runOnce();
    expect([text(adapters.b, 'pb', 'k'), text(adapters.c, 'pc', 'k')]).toEqual(['twenty bytes of data', 'twenty bytes of data']);
    await polycloud.close();
  });

  it('a write still landing shows on its binding unstamped (a store that exposes an object while writing it): the replicator waits for it, never adopts or rewrites it', async () => {
    // s3rver shows an object while CompleteMultipartUpload writes it (its file grows in place, metadata last).
    // Adopting that sight re-wrote the key under the store's own write: a 1 GiB object read back wrong.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const world = syncWorld(
      {},
      {
        wrap: (x) =>
          onA(x, async (...args) => {
            if (args[1] === 'big' && first) {
              first = false;
              x.cloud.putObject('pa', 'big', 'the first bytes'); // visible, no metadata, while the call runs
              await gate;
              x.cloud.deleteObject('pa', 'big'); // the write's own partial state, which its completion replaces
            }
            return x.put(...args);
          }),
      },
    );
    const { polycloud, adapters, events } = world;
    const writing = polycloud.bucket('lb').put('big', 'the first bytes and the rest');
    const engine = polycloud.sync('lb');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      await engine.runOnce();
      await engine.reconcile();
    }
    expect(events.filter((e) => e.name === 'adopted')).toEqual([]);
    expect(text(adapters.a, 'pa', 'big')).toBe('the first bytes');
    expect(versionFromMetadata(adapters.a.cloud.getObject('pa', 'big')!.metadata)).toBeUndefined(); // not re-stamped in place
    expect([text(adapters.b, 'pb', 'big'), text(adapters.c, 'pc', 'big')]).toEqual([undefined, undefined]);
    // Reported as waiting, not failed.
    expect(engine.objectStatus('big')).toMatchObject({ state: 'PENDING', bindings: { a: { state: 'PENDING', reason: 'landing' } } });
    release();
    const put = await writing;
    expect(put.binding).toBe('a');
    await engine.drain();
    expect(onEvery(adapters, 'big')).toEqual(['the first bytes and the rest', 'the first bytes and the rest', 'the first bytes and the rest']);
    expect(events.filter((e) => e.name === 'adopted')).toEqual([]);
    await polycloud.close();
  });
});

describe('a burst from one writer over a slow binding', () => {
  it('writes of one causal chain never conflict, whichever binding served them; the next sync and reconcile find nothing out of line', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createFakeClock, createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    const { createSync } = await import('../src/index.js');
    const clock = createFakeClock();
    const rawA = createMemoryStorageAdapter({ name: 'a', buckets: ['pa'], clock });
    const rawB = createMemoryStorageAdapter({ name: 'b', buckets: ['pb'], clock });
    // a is alive but slow: some calls cross the 500 ms attempt deadline and fail over to b.
    const slowA = createFaultInjectingStorageAdapter(rawA, { seed: 3, clock, latencyMs: { min: 50, max: 900 } });
    const polycloud = createPolycloud({
      clock,
      providers: [
        { name: 'a', adapter: slowA },
        { name: 'b', adapter: rawB },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'a', physical_id: 'pa' },
            { cloud: 'b', physical_id: 'pb', role: 'standby' },
          ],
          replication: { conflict: 'keep-both' },
        },
      ],
      attemptTimeoutMs: 500,
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      sync: createSync({ autoStart: false, owner: 'writer', writerId: 'w1' }),
    });
    const conflicts: unknown[] = [];
    polycloud.events.on('conflict', (e: unknown) => conflicts.push(e));
    let failovers = 0;
    polycloud.events.on('failover', () => failovers++);
    const bucket = polycloud.bucket('lb');
    // The fake clock moves while work is pending (the slow binding's latency runs on it).
    const pumped = async <T>(fn: () => Promise<T>): Promise<T> => {
      let done = false;
      const p = fn().finally(() => (done = true));
      p.catch(() => undefined);
      while (!done) {
        await new Promise((r) => setImmediate(r));
        await clock.advance(10);
      }
      return p;
    };
    // 100 keys at once, each written three times in a row (one causal chain per key): 300 puts.
    await pumped(() =>
      Promise.all(
        Array.from({ length: 100 }, async (_, k) => {
          for (let v = 1; v <= 3; v++) await bucket.put(`k${k}`, `k${k} v${v}`);
        }),
      ),
    );
    expect(failovers).toBeGreaterThan(0);
    await pumped(() => polycloud.sync('lb').drain());
    const rec = await pumped(() => polycloud.sync('lb').reconcile());
    expect(conflicts).toEqual([]);
    expect(rec.changed).toBe(0);
    for (let k = 0; k < 100; k++) {
      expect(text(rawA, 'pa', `k${k}`)).toBe(`k${k} v3`);
      expect(text(rawB, 'pb', `k${k}`)).toBe(`k${k} v3`);
    }
    await pumped(() => polycloud.close());
  });
});

describe('two concurrent deletes while a binding is away', () => {
  it('the delete kept carries the history of the one it beat: the put the other covered does not come back when the binding returns', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createFakeClock, createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    const { createSync } = await import('../src/index.js');
    const clock = createFakeClock();
    const raw = ['a', 'b', 'c'].map((n) => createMemoryStorageAdapter({ name: n, buckets: [`p${n}`], clock }));
    const b = createFaultInjectingStorageAdapter(raw[1]!, { clock });
    const adapters = [raw[0]!, b, raw[2]!];
    // Two processes over the same clouds, each with its own engine (and its own knowledge of the key);
    // process 1 writes to b first, process 2 to a.
    const processes = ['b', 'a'].map((home, p) =>
      createPolycloud({
        clock,
        providers: ['a', 'b', 'c'].map((n, i) => ({ name: n, adapter: adapters[i]! })),
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        resources: [
          {
            resource_id: 'lb',
            type: 'LogicalBucket',
            providers: ['a', 'b', 'c'].map((n, i) => ({ cloud: n, physical_id: `p${n}`, priority: n === home ? 0 : 1 + i })),
            replication: { conflict: 'keep-both' },
          },
        ],
        sync: createSync({ autoStart: false, owner: `process-${p + 1}`, writerId: `w${p + 1}`, sleep: (ms) => clock.advance(ms), stateBinding: 'a' }),
      }),
    );
    const [p1, p2] = processes as [(typeof processes)[number], (typeof processes)[number]];
    const engine = syncEngine(p1.sync('lb'));
    expect((await p1.bucket('lb').put('k', 'v')).binding).toBe('b');
    await engine.runOnce();
    await clock.advance(1_000);
    expect(raw.map((r) => r.cloud.getObject(`p${r.name}`, 'k') !== undefined)).toEqual([true, true, true]);
    b.outage(true);
    // Process 1 deletes what it wrote: it fails over to a, reads the put there and covers it. Process 2,
    // knowing nothing of the key, deletes it too and finds a empty: a delete concurrent with both, and later.
    // No write loses a race on its own condition here (no re-stamp).
    await p1.bucket('lb').delete('k');
    await clock.advance(1_000);
    await p2.bucket('lb').delete('k');
    await engine.runOnce().catch(() => undefined); // b cannot be reached: the key stays pending
    b.outage(false);
    await engine.drain();
    expect(raw.map((r) => r.cloud.getObject(`p${r.name}`, 'k') !== undefined)).toEqual([false, false, false]);
    await Promise.all(processes.map((p) => p.close()));
  });
});
