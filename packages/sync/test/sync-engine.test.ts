import { describe, expect, it } from 'vitest';
import { versionFromMetadata } from '@polycloud/core/spi';
import { syncEngine } from '../src/index.js';
import { dataObjects, outOfBandPut, snapshot, syncWorld } from './sync-helpers.js';

describe('sync engine (three memory clouds)', () => {
  it('stamps version metadata on every write and replicates it byte-identical everywhere', async () => {
    const { polycloud, adapters } = syncWorld({ mode: 'async' });
    const bucket = polycloud.bucket('lb');
    await bucket.put('docs/a.txt', 'hello', { metadata: { owner: 'ada' } });
    const home = adapters.a.inspect('pa').find((o) => o.key === 'docs/a.txt')!;
    const v = versionFromMetadata(home.metadata)!;
    expect(v.origin).toBe('a');
    expect(v.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(v.vv)).toEqual(['a']);
    expect((await bucket.head('docs/a.txt')).metadata).toEqual({ owner: 'ada' });
    const sync = syncEngine(polycloud.sync('lb'));
    expect(sync.objectStatus('docs/a.txt')?.state).toBe('PENDING');
    await sync.drain();
    expect(snapshot(adapters.b, 'pb')).toEqual(snapshot(adapters.a, 'pa'));
    expect(snapshot(adapters.c, 'pc')).toEqual(snapshot(adapters.a, 'pa'));
    expect(sync.objectStatus('docs/a.txt')).toMatchObject({
      state: 'COMPLETED',
      bindings: { a: { state: 'COMPLETED' }, b: { state: 'REPLICA' }, c: { state: 'REPLICA' } },
    });
    const st = await sync.status();
    expect(st.targets.every((t) => t.backlog === 0)).toBe(true);
    await polycloud.close();
  });

  it('replaying the journal is a no-op (idempotent apply)', async () => {
    const { polycloud, adapters } = syncWorld();
    const bucket = polycloud.bucket('lb');
    for (let i = 0; i < 5; i++) await bucket.put(`k${i}`, `v${i}`);
    await bucket.delete('k0');
    const sync = syncEngine(polycloud.sync('lb'));
    await sync.drain();
    const before = [snapshot(adapters.a, 'pa'), snapshot(adapters.b, 'pb'), snapshot(adapters.c, 'pc')];
    const tokens = dataObjects(adapters.b, 'pb').map((o) => o.versionToken);
    sync.restartReplicator();
    // Wipe the partition heads (checkpoints and state): every change is delivered again.
    for (const key of adapters.a.cloud.keys('pa').filter((k) => /\/p\/\d{4}\/head$/.test(k))) adapters.a.cloud.deleteObject('pa', key);
    const reports = await sync.drain();
    expect(reports[0]!.entries).toBe(6);
    expect(reports.reduce((n, r) => n + r.writes, 0)).toBe(0);
    expect([snapshot(adapters.a, 'pa'), snapshot(adapters.b, 'pb'), snapshot(adapters.c, 'pc')]).toEqual(before);
    expect(dataObjects(adapters.b, 'pb').map((o) => o.versionToken)).toEqual(tokens);
    expect(before[1]!['k0']).toBeUndefined();
    await polycloud.close();
  });

  it('sync mode acknowledges only once every binding holds the write', async () => {
    const { polycloud, adapters } = syncWorld({ mode: 'sync' });
    await polycloud.bucket('lb').put('x', 'now');
    expect(dataObjects(adapters.c, 'pc').map((o) => o.key)).toEqual(['x']);
    expect(snapshot(adapters.c, 'pc')).toEqual(snapshot(adapters.a, 'pa'));
    await polycloud.close();
  });

  it('keep-both: concurrent writes on two clouds keep the loser under a conflict key', async () => {
    const { polycloud, adapters, events, clock } = syncWorld({ conflict: 'keep-both' });
    const bucket = polycloud.bucket('lb');
    await bucket.put('doc', 'from-a');
    await polycloud.sync('lb').drain();
    // Two writers each see the synced version and write concurrently on different clouds.
    await bucket.put('doc', 'edit-on-a');
    await clock.advance(5);
    const bAdapter = adapters.b;
    const cur = versionFromMetadata((await bAdapter.head('pb', 'doc')).metadata)!;
    // A second process writing on b (same context as a's write: concurrent).
    const { newVersion, versionMetadata, HybridLogicalClock } = await import('@polycloud/core/spi');
    const v = newVersion(new HybridLogicalClock(() => clock.now()), 'b', cur.vv);
    bAdapter.cloud.putObject('pb', 'doc', 'edit-on-b', { metadata: versionMetadata(v) });
    await polycloud.sync('lb').reconcile();
    const keys = dataObjects(adapters.a, 'pa').map((o) => o.key);
    expect(keys.filter((k) => k.startsWith('doc.conflict-'))).toHaveLength(1);
    expect(events.some((e) => e.name === 'conflict')).toBe(true);
    await polycloud.sync('lb').drain();
    expect(snapshot(adapters.b, 'pb')).toEqual(snapshot(adapters.a, 'pa'));
    expect(snapshot(adapters.c, 'pc')).toEqual(snapshot(adapters.a, 'pa'));
    const bodies = dataObjects(adapters.a, 'pa').map((o) => Buffer.from(o.data).toString());
    expect(bodies.sort()).toEqual(['edit-on-a', 'edit-on-b']);
    await polycloud.close();
  });

  it('residency: eu data is never copied to the us binding; refusal is reported', async () => {
    const { polycloud, adapters, events } = syncWorld();
    await polycloud.bucket('lb').put('eu/x', 'secret', { tags: { residency: 'eu' } });
    await polycloud.sync('lb').drain();
    expect(dataObjects(adapters.b, 'pb').map((o) => o.key)).toEqual(['eu/x']);
    expect(dataObjects(adapters.c, 'pc')).toEqual([]);
    expect(events.find((e) => e.name === 'replication-refused')?.payload).toMatchObject({ binding: 'c', reason: 'residency' });
    expect(polycloud.sync('lb').objectStatus('eu/x')?.bindings['c']).toEqual({ state: 'FAILED', reason: 'residency' });
    await polycloud.close();
  });

  it('reconciler: an out-of-band delete propagates (not mistaken for a create), out-of-band writes are adopted', async () => {
    const { polycloud, adapters } = syncWorld();
    const bucket = polycloud.bucket('lb');
    for (const k of ['p', 'q', 'r', 's']) await bucket.put(k, k);
    await polycloud.sync('lb').drain();
    adapters.b.cloud.deleteObject('pb', 'p');
    outOfBandPut(adapters.c, 'pc', 'new', 'made outside');
    const report = await polycloud.sync('lb').reconcile();
    expect(report).toMatchObject({ status: 'ok', outOfBandDeletes: 1 });
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const) {
      expect(dataObjects(a, p).map((o) => o.key)).toEqual(['new', 'q', 'r', 's']);
    }
    expect(versionFromMetadata(dataObjects(adapters.a, 'pa')[0]!.metadata)?.origin).toBe('c');
    await polycloud.close();
  });

  it('mass-delete guard stops a reconcile that would delete most of the bucket, override proceeds', async () => {
    const { polycloud, adapters, events } = syncWorld({ max_delete_fraction: 0.5 });
    const bucket = polycloud.bucket('lb');
    for (let i = 0; i < 4; i++) await bucket.put(`k${i}`, 'x');
    await polycloud.sync('lb').drain();
    for (let i = 0; i < 3; i++) adapters.a.cloud.deleteObject('pa', `k${i}`);
    const blocked = await polycloud.sync('lb').reconcile();
    expect(blocked).toMatchObject({ status: 'blocked', wouldDelete: 3, total: 4 });
    expect(dataObjects(adapters.b, 'pb')).toHaveLength(4);
    expect(events.some((e) => e.name === 'mass-delete')).toBe(true);
    const forced = await polycloud.sync('lb').reconcile({ allowMassDelete: true });
    expect(forced.status).toBe('ok');
    expect(dataObjects(adapters.b, 'pb').map((o) => o.key)).toEqual(['k3']);
    await polycloud.close();
  });

  it('a timestamp beyond the skew bound is quarantined and reported, not propagated', async () => {
    const { polycloud, adapters, events, clock } = syncWorld({ max_clock_skew_ms: 1000 });
    const { versionMetadata } = await import('@polycloud/core/spi');
    adapters.b.cloud.putObject('pb', 'future', 'x', {
      metadata: versionMetadata({ hlc: { l: clock.now() + 3_600_000, c: 0 }, origin: 'b', vv: { b: { l: clock.now() + 3_600_000, c: 0 } } }),
    });
    await polycloud.sync('lb').reconcile();
    expect(events.find((e) => e.name === 'quarantine')?.payload).toMatchObject({ key: 'future', binding: 'b' });
    expect(dataObjects(adapters.a, 'pa')).toEqual([]);
    await polycloud.close();
  });

  it('lww and delete-vs-update: an update concurrent with a delete wins by default', async () => {
    const { polycloud, adapters, clock } = syncWorld();
    const bucket = polycloud.bucket('lb');
    await bucket.put('d', 'v1');
    await polycloud.sync('lb').drain();
    const { newVersion, versionMetadata, versionFromMetadata: vfm, HybridLogicalClock } = await import('@polycloud/core/spi');
    const seen = vfm((await adapters.b.head('pb', 'd')).metadata)!;
    await bucket.delete('d'); // on a
    await clock.advance(10);
    const v = newVersion(new HybridLogicalClock(() => clock.now()), 'b', seen.vv);
    adapters.b.cloud.putObject('pb', 'd', 'v2-on-b', { metadata: versionMetadata(v) });
    await polycloud.sync('lb').reconcile();
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const) {
      expect(dataObjects(a, p).map((o) => Buffer.from(o.data).toString())).toEqual(['v2-on-b']);
    }
    await polycloud.close();
  });
});

describe('sync engine policies and fencing', () => {
  it('custom merge function: concurrent JSON edits are merged into a new version everywhere', async () => {
    const { polycloud, adapters, clock } = syncWorld(
      { conflict: 'custom' },
      {
        engine: {
          merge: async ({ sides }) => {
            const parts = await Promise.all(sides.map(async (s) => JSON.parse((await s.read()).toString()) as Record<string, number>));
            return { body: Buffer.from(JSON.stringify(Object.assign({}, ...parts))) };
          },
        },
      },
    );
    const { newVersion, versionMetadata, HybridLogicalClock } = await import('@polycloud/core/spi');
    await polycloud.bucket('lb').put('cfg.json', '{"a":1}');
    const seen = versionFromMetadata((await adapters.a.head('pa', 'cfg.json')).metadata)!;
    const v = newVersion(new HybridLogicalClock(() => clock.now()), 'b', {});
    adapters.b.cloud.putObject('pb', 'cfg.json', '{"b":2}', { metadata: versionMetadata(v) });
    await polycloud.sync('lb').reconcile();
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const) {
      expect(JSON.parse(Buffer.from(dataObjects(a, p)[0]!.data).toString())).toEqual({ a: 1, b: 2 });
    }
    const merged = versionFromMetadata(dataObjects(adapters.c, 'pc')[0]!.metadata)!;
    const { compareVectors } = await import('@polycloud/core/spi');
    expect(compareVectors(merged.vv, seen.vv)).toBe('after');
    expect(compareVectors(merged.vv, v.vv)).toBe('after');
    await polycloud.close();
  });

  it('custom conflict policy without a merge function is CONFIG_INVALID', () => {
    const { polycloud } = syncWorld({ conflict: 'custom' });
    expect(() => polycloud.bucket('lb')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('priority: the listed binding wins a conflict even with an older timestamp', async () => {
    const { polycloud, adapters, clock } = syncWorld({ conflict: 'priority', priority: ['c', 'a', 'b'] });
    const { newVersion, versionMetadata, HybridLogicalClock } = await import('@polycloud/core/spi');
    const hlc = new HybridLogicalClock(() => clock.now());
    adapters.c.cloud.putObject('pc', 'x', 'from-c', { metadata: versionMetadata(newVersion(hlc, 'c', {})) });
    await clock.advance(1000);
    adapters.a.cloud.putObject('pa', 'x', 'from-a-newer', { metadata: versionMetadata(newVersion(hlc, 'a', {})) });
    await polycloud.sync('lb').reconcile();
    expect(dataObjects(adapters.b, 'pb').map((o) => Buffer.from(o.data).toString())).toEqual(['from-c']);
    await polycloud.close();
  });

  it('a crash between apply and checkpoint resumes with nothing lost and no double write', async () => {
    let crashAt: string | undefined = 'applied';
    const { polycloud, adapters } = syncWorld(
      {},
      {
        engine: {
          crash: (step) => {
            if (step === crashAt) {
              crashAt = undefined;
              throw Object.assign(new Error('crash'), { simulatedCrash: true });
            }
          },
        },
      },
    );
    for (let i = 0; i < 5; i++) await polycloud.bucket('lb').put(`k${i}`, `v${i}`);
    const sync = syncEngine(polycloud.sync('lb'));
    await expect(sync.runOnce()).rejects.toThrow('crash');
    const tokens = dataObjects(adapters.b, 'pb').map((o) => o.versionToken);
    expect(tokens).toHaveLength(5);
    sync.restartReplicator();
    const reports = await sync.drain();
    expect(reports[0]!.entries).toBe(5);
    expect(reports.reduce((n, r) => n + r.writes, 0)).toBe(0);
    expect(dataObjects(adapters.b, 'pb').map((o) => o.versionToken)).toEqual(tokens);
    expect((await sync.status()).targets.every((t) => t.backlog === 0)).toBe(true);
    await polycloud.close();
  });
});

describe('sync engine lag and change sources', () => {
  it('a target that is down builds backlog and lag; the lag event fires past the objective; it catches up after', async () => {
    const { createFaultInjectingStorageAdapter } = await import('@polycloud/core/testing');
    const wrapped = new Map<string, ReturnType<typeof createFaultInjectingStorageAdapter>>();
    const { polycloud, adapters, events, clock } = syncWorld(
      { lag_objective_ms: 50 },
      {
        wrap: (a) => {
          const f = createFaultInjectingStorageAdapter(a);
          wrapped.set(a.name, f);
          return f;
        },
      },
    );
    await polycloud.bucket('lb').put('k', 'v');
    wrapped.get('c')!.outage(true);
    await clock.advance(100);
    const sync = syncEngine(polycloud.sync('lb'));
    const r = await sync.runOnce();
    expect(r.failedKeys).toEqual(['k']);
    const st = await sync.status();
    expect(st.targets.find((t) => t.binding === 'c')).toMatchObject({ backlog: 1 });
    expect(st.targets.find((t) => t.binding === 'c')!.lagMs).toBeGreaterThanOrEqual(100);
    expect(st.targets.find((t) => t.binding === 'b')).toMatchObject({ backlog: 0, lagMs: 0 });
    expect(events.find((e) => e.name === 'lag')?.payload).toMatchObject({ binding: 'c' });
    expect(sync.objectStatus('k')?.bindings['c']).toMatchObject({ state: 'FAILED', reason: 'UNAVAILABLE' });
    wrapped.get('c')!.outage(false);
    await sync.drain();
    expect(dataObjects(adapters.c, 'pc').map((o) => o.key)).toEqual(['k']);
    expect((await sync.status()).targets.every((t) => t.backlog === 0)).toBe(true);
    await polycloud.close();
  });

  it('a ChangeSource feeds hints: the hinted key is merged like a journaled change', async () => {
    const { polycloud, adapters } = syncWorld();
    let emit: ((h: { key: string }[]) => void) | undefined;
    const sync = syncEngine(polycloud.sync('lb'));
    await sync.addSource({ name: 'fake-feed', start: (e) => void (emit = e), stop: () => undefined });
    adapters.b.cloud.putObject('pb', 'from-feed', 'hello');
    emit!([{ key: 'from-feed' }, { key: 'from-feed' }]);
    expect(await sync.processHints()).toBe(1);
    expect(dataObjects(adapters.c, 'pc').map((o) => o.key)).toEqual(['from-feed']);
    await polycloud.close();
  });
});

describe('sync engine: deletes without a journal entry', () => {
  it('a key gone from the binding of its latest journaled write is deleted everywhere, not refilled from an older copy', async () => {
    const { polycloud, adapters } = syncWorld();
    const bucket = polycloud.bucket('lb');
    await bucket.put('k', 'v1');
    await polycloud.sync('lb').drain();
    await bucket.put('k', 'v2'); // journaled, on a
    adapters.a.cloud.deleteObject('pa', 'k'); // a delete whose journal append failed (it took effect, not acknowledged)
    await polycloud.sync('lb').drain();
    for (const [a, p] of [
      [adapters.a, 'pa'],
      [adapters.b, 'pb'],
      [adapters.c, 'pc'],
    ] as const)
      expect(dataObjects(a, p)).toEqual([]);
    await polycloud.close();
  });
});
