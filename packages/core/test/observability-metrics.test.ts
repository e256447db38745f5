import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPolycloud, measureBucketUsage, type Polycloud, POLYCLOUD_METRICS, PolycloudError } from '@polycloud/core';
import { prometheusName } from '../src/observability/metrics.js';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createTestTelemetry, type Point } from './observability-helpers.js';

function failing(inner: StorageAdapter): StorageAdapter {
  return { ...inner, put: async () => Promise.reject(new PolycloudError('UNAVAILABLE', 'down', { retryable: true })) };
}

const find = (points: Point[], name: string, attrs: Record<string, unknown> = {}) =>
  points.filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));

describe('metrics and spans derived from events', () => {
  let polycloud: Polycloud | undefined;
  let telemetry: ReturnType<typeof createTestTelemetry>;
  afterEach(async () => {
    await polycloud?.close();
    await telemetry?.close();
  });

  function setup(primaryFails = false) {
    telemetry = createTestTelemetry();
    const a = createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] });
    const b = createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] });
    polycloud = createPolycloud({
      providers: [
        { name: 'aws', adapter: primaryFails ? failing(a) : a },
        { name: 'gcp', adapter: b },
      ],
      resources: [
        {
          resource_id: 'lb-1',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'aws', physical_id: 'ba', tags: { quota: '10Gi' } },
            { cloud: 'gcp', physical_id: 'bb' },
          ],
          replication: { mode: 'none', lag_objective_ms: 60_000 },
        },
        { resource_id: 'lb-2', type: 'LogicalBucket', providers: [{ cloud: 'gcp', physical_id: 'bb' }] },
      ],
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      meterProvider: telemetry.meterProvider,
      tracerProvider: telemetry.tracerProvider,
    });
    return polycloud;
  }

  it('records duration (seconds), count and bytes per binding with semantic attributes', async () => {
    const pc = setup();
    await pc.bucket('lb-1').put('k', 'hello');
    await (await pc.bucket('lb-1').get('k')).text();
    const points = await telemetry.points();
    const put = find(points, 'polycloud.operation.duration', { 'polycloud.operation': 'write', 'polycloud.binding': 'aws' });
    expect(put).toHaveLength(1);
    expect(put[0]!.attributes).toMatchObject({ 'polycloud.resource': 'lb-1', 'polycloud.adapter': 'memory', 'cloud.provider': 'memory' });
    expect((put[0]!.value as { count: number; sum: number }).count).toBe(1);
    expect((put[0]!.value as { sum: number }).sum).toBeLessThan(5);
    expect(find(points, 'polycloud.operations', { 'polycloud.binding': 'aws' }).reduce((n, p) => n + (p.value as number), 0)).toBe(2);
    expect(find(points, 'polycloud.operation.bytes', { 'polycloud.operation': 'write' })[0]!.value).toBe(5);
    expect(find(points, 'polycloud.storage.quota', { 'polycloud.binding': 'aws' })[0]!.value).toBe(10 * 1024 ** 3);
    expect(find(points, 'polycloud.replication.lag_objective')).toHaveLength(1); // lb-1 has mode none → only lb-2 (default objective)
    expect(find(points, 'polycloud.replication.lag_objective', { 'polycloud.resource': 'lb-2' })[0]!.value).toBe(900);
  });

  it('counts failovers and failed attempts with error.type, and ends spans with an error status', async () => {
    const pc = setup(true);
    const r = await pc.bucket('lb-1').put('k', 'v');
    expect(r.binding).toBe('gcp');
    const points = await telemetry.points();
    expect(find(points, 'polycloud.failovers', { 'polycloud.binding.from': 'aws', 'polycloud.binding': 'gcp', 'error.type': 'UNAVAILABLE' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.operations', { 'polycloud.binding': 'aws', 'error.type': 'UNAVAILABLE' })[0]!.value).toBe(1);
    const spans = telemetry.spans.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['write lb-1', 'write lb-1']);
    expect(spans[0]!.status.code).toBe(2); // ERROR
    expect(spans[0]!.attributes['error.type']).toBe('UNAVAILABLE');
    expect(spans[1]!.attributes['polycloud.binding']).toBe('gcp');
  });

  it('derives router, sync and compute metrics from their events, tolerating missing fields', async () => {
    const pc = setup();
    const emit = (name: string, payload: unknown) => (pc.events as unknown as { emit(n: string, p: unknown): void }).emit(name, payload);
    emit('route', { resource: 'lb-1', operation: 'write', chosen: 'aws' });
    emit('health', { resource: 'lb-1', binding: 'gcp', state: 'circuit-open' });
    emit('health', { resource: 'lb-1', binding: 'aws', state: 'probe-up' });
    emit('circuit', { resource: 'lb-1', binding: 'aws', state: 'half-open' });
    emit('lag', { bucket: 'lb-1', binding: 'gcp', lagMs: 120_000, objectiveMs: 60_000 });
    emit('lag', { resource: 'lb-1', binding: 'gcp', backlog: 7 });
    emit('replicated', { bucket: 'lb-1', key: 'k', binding: 'gcp', op: 'put', bytes: 42 });
    emit('replicated', { bucket: 'lb-1', key: 'k', binding: 'gcp', op: 'delete' });
    emit('conflict', { bucket: 'lb-1', key: 'k', policy: 'lww', winner: 'x' });
    emit('job', { resource: 'lc-1', binding: 'local', jobId: 'j1', type: 'succeeded', status: { state: 'SUCCEEDED' } });
    emit('usage', { resource: 'lb-1', binding: 'aws', bytes: 9 * 1024 ** 3 });
    // Missing or odd fields: ignored, never thrown.
    for (const name of ['route', 'health', 'circuit', 'lag', 'replicated', 'conflict', 'job', 'usage', 'failover', 'retry', 'operation']) {
      expect(() => emit(name, {})).not.toThrow();
      expect(() => emit(name, undefined)).not.toThrow();
    }
    const points = await telemetry.points();
    expect(find(points, 'polycloud.route.decisions', { 'polycloud.binding': 'aws' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.circuit.state', { 'polycloud.binding': 'gcp' })[0]!.value).toBe(2);
    expect(find(points, 'polycloud.circuit.state', { 'polycloud.binding': 'aws' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.binding.health', { 'polycloud.binding': 'gcp' })[0]!.value).toBe(0);
    expect(find(points, 'polycloud.binding.health', { 'polycloud.binding': 'aws' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.replication.lag', { 'polycloud.binding': 'gcp' })[0]!.value).toBe(120);
    expect(find(points, 'polycloud.replication.backlog', { 'polycloud.binding': 'gcp' })[0]!.value).toBe(7);
    expect(find(points, 'polycloud.replication.objects', { 'polycloud.replication.action': 'put' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.replication.objects', { 'polycloud.replication.action': 'delete' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.replication.bytes')[0]!.value).toBe(42);
    expect(find(points, 'polycloud.replication.conflicts', { 'polycloud.conflict.resolution': 'lww' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.job.transitions', { 'polycloud.job.state': 'succeeded' })[0]!.value).toBe(1);
    expect(find(points, 'polycloud.storage.usage', { 'polycloud.binding': 'aws' })[0]!.value).toBe(9 * 1024 ** 3);
    const snapshot = pc.telemetry.snapshot().find((s) => s.binding === 'gcp' && s.resource === 'lb-1')!;
    expect(snapshot).toMatchObject({ circuit: 'open', healthy: false, lagSeconds: 120, backlog: 7 });
  });

  it('emits only metrics listed in POLYCLOUD_METRICS, with the declared unit names', async () => {
    const pc = setup(true);
    await pc.bucket('lb-1').put('k', 'v');
    const emit = (name: string, payload: unknown) => (pc.events as unknown as { emit(n: string, p: unknown): void }).emit(name, payload);
    emit('route', { resource: 'lb-1', operation: 'write', chosen: 'aws' });
    emit('health', { resource: 'lb-1', binding: 'gcp', state: 'circuit-open' });
    emit('lag', { bucket: 'lb-1', binding: 'gcp', lagMs: 1, backlog: 1 });
    emit('replicated', { bucket: 'lb-1', binding: 'gcp', bytes: 1 });
    emit('conflict', { bucket: 'lb-1', policy: 'lww' });
    emit('job', { resource: 'lc', binding: 'x', type: 'running' });
    emit('usage', { resource: 'lb-1', binding: 'aws', bytes: 1 });
    emit('retry', { resource: 'lb-1', operation: 'write', attempt: 2, delayMs: 1, error: { code: 'UNAVAILABLE' } });
    const names = new Set((await telemetry.points()).map((p) => p.name));
    const declared = new Set<string>(POLYCLOUD_METRICS.map((m) => m.name));
    expect([...names].filter((n) => !declared.has(n))).toEqual([]);
    expect([...declared].filter((n) => !names.has(n))).toEqual([]);
  });

  it('measureBucketUsage lists each binding and feeds the usage gauge', async () => {
    const pc = setup();
    await pc.bucket('lb-1').put('a', 'x'.repeat(100));
    await pc.bucket('lb-1').put('b', 'y'.repeat(50));
    const usage = await measureBucketUsage(pc, 'lb-1');
    expect(usage).toEqual([
      { resource: 'lb-1', binding: 'aws', objects: 2, bytes: 150 },
      { resource: 'lb-1', binding: 'gcp', objects: 0, bytes: 0 },
    ]);
    const points = await telemetry.points();
    expect(find(points, 'polycloud.storage.usage', { 'polycloud.binding': 'aws' })[0]!.value).toBe(150);
    expect(find(points, 'polycloud.storage.usage', { 'polycloud.binding': 'gcp' })[0]!.value).toBe(0);
  });

  it('stops counting after close()', async () => {
    const pc = setup();
    pc.telemetry.close();
    await pc.bucket('lb-1').put('k', 'v');
    expect(find(await telemetry.points(), 'polycloud.operations')).toHaveLength(0);
  });
});

// The names @opentelemetry/exporter-prometheus serves (no unit suffix);
// observability-promtool.test.ts checks them against a real exporter.
describe('Prometheus names', () => {
  it.each([
    ['polycloud.operation.duration', 'histogram', 's', 'polycloud_operation_duration'],
    ['polycloud.operations', 'counter', '{operation}', 'polycloud_operations_total'],
    ['polycloud.operation.bytes', 'counter', 'By', 'polycloud_operation_bytes_total'],
    ['polycloud.replication.lag', 'gauge', 's', 'polycloud_replication_lag'],
    ['polycloud.storage.usage', 'gauge', 'By', 'polycloud_storage_usage'],
  ] as const)('%s → %s', (name, kind, unit, expected) => {
    expect(prometheusName({ name, kind: kind as 'counter', unit })).toBe(expected);
  });
});

describe('without an SDK', () => {
  it('works with the global no-op providers', async () => {
    const spy = vi.spyOn(console, 'log');
    const pc = createPolycloud({
      providers: [{ name: 'm', adapter: createMemoryStorageAdapter({ buckets: ['b'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'b' }] }],
    });
    await pc.bucket('lb').put('k', 'v');
    expect(pc.telemetry.snapshot()[0]!.operations).toBe(1);
    await pc.close();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
