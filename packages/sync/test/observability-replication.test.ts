import EventEmitter from 'eventemitter3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPolycloud, instrumentPolycloud, parseUrmDocuments, type Polycloud, watchReplication } from '@polycloud/core';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createTestTelemetry, type Point } from '../../core/test/observability-helpers.js';
import { createSync } from '@polycloud/sync';

const value = (points: Point[], name: string, binding: string) => points.find((p) => p.name === name && p.attributes['polycloud.binding'] === binding)?.value;

describe('replication lag and backlog', () => {
  let polycloud: Polycloud | undefined;
  let telemetry: ReturnType<typeof createTestTelemetry>;
  afterEach(async () => {
    vi.useRealTimers();
    await polycloud?.close();
    await telemetry?.close();
  });

  it('a lag value not refreshed within lagStaleMs reads 0 (the engine reports lag only while over the objective)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    telemetry = createTestTelemetry();
    const events = new EventEmitter();
    const resources = parseUrmDocuments([
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'a', physical_id: 'x' },
          { cloud: 'b', physical_id: 'y' },
        ],
      },
    ]);
    const t = instrumentPolycloud({ events: events as never, resources }, { meterProvider: telemetry.meterProvider, lagStaleMs: 60_000 });
    events.emit('lag', { bucket: 'lb', binding: 'b', lagMs: 900_000, objectiveMs: 60_000 });
    expect(value(await telemetry.points(), 'polycloud.replication.lag', 'b')).toBe(900);
    vi.setSystemTime(1_000_000 + 59_000);
    expect(value(await telemetry.points(), 'polycloud.replication.lag', 'b')).toBe(900);
    vi.setSystemTime(1_000_000 + 61_000);
    expect(value(await telemetry.points(), 'polycloud.replication.lag', 'b')).toBe(0);
    events.emit('lag', { resource: 'lb', binding: 'b', lagMs: 120_000, backlog: 3 });
    expect(value(await telemetry.points(), 'polycloud.replication.lag', 'b')).toBe(120);
    expect(value(await telemetry.points(), 'polycloud.replication.backlog', 'b')).toBe(3);
    t.close();
  });

  it('watchReplication polls the sync engine and feeds lag and backlog per target', async () => {
    // Only Date is faked: the writes are stamped at T0, and the watch measures at T0 + 90 s.
    vi.useFakeTimers({ toFake: ['Date'] });
    const T0 = Date.UTC(2026, 0, 1);
    vi.setSystemTime(T0);
    telemetry = createTestTelemetry();
    polycloud = createPolycloud({
      providers: [
        { name: 'a', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['x'] }) },
        { name: 'b', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['y'] }) },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'a', physical_id: 'x' },
            { cloud: 'b', physical_id: 'y' },
          ],
        },
      ],
      sync: createSync({ autoStart: false }),
      meterProvider: telemetry.meterProvider,
    });
    for (let i = 0; i < 4; i++) await polycloud.bucket('lb').put(`k${i}`, 'v');
    vi.setSystemTime(T0 + 90_000);
    const stop = watchReplication(polycloud, { intervalMs: 1000 });
    try {
      await vi.waitFor(async () => expect(value(await telemetry.points(), 'polycloud.replication.backlog', 'b')).toBe(4), { timeout: 5000, interval: 20 });
      // The oldest unreplicated write is 90 s old by the test's clock: the lag gauge reads 90 s
      // (plus the few ms the hybrid logical clock may stamp a write ahead of or behind Date).
      const lag = value(await telemetry.points(), 'polycloud.replication.lag', 'b');
      expect(lag).toBeGreaterThanOrEqual(89.9);
      expect(lag).toBeLessThan(90.5);
      await polycloud.sync('lb').drain();
      await vi.waitFor(async () => expect(value(await telemetry.points(), 'polycloud.replication.backlog', 'b')).toBe(0), { timeout: 5000, interval: 50 });
    } finally {
      stop();
    }
  });
});
