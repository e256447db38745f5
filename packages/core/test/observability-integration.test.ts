import { afterEach, describe, expect, it } from 'vitest';
import { createPolycloud, type Polycloud, PolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { createSync } from '@polycloud/sync';
import { createTestTelemetry, type Point } from './observability-helpers.js';

const sum = (points: Point[], name: string, attrs: Record<string, unknown> = {}) =>
  points
    .filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : 0), 0);

/** The real router and sync engine feed the telemetry with their own event payloads. */
describe('telemetry fed by @polycloud/router and the sync engine', () => {
  let polycloud: Polycloud | undefined;
  let telemetry: ReturnType<typeof createTestTelemetry>;
  afterEach(async () => {
    await polycloud?.close();
    await telemetry?.close();
  });

  it('router: route events and a binding ejected or its circuit opened; sync: replicated changes', async () => {
    telemetry = createTestTelemetry();
    const healthy = createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] });
    const inner = createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] });
    let broken = false;
    const flaky: StorageAdapter = {
      ...inner,
      put: (...args) => (broken ? Promise.reject(new PolycloudError('UNAVAILABLE', 'down', { retryable: true })) : inner.put(...args)),
    };
    polycloud = createPolycloud({
      providers: [
        { name: 'aws', adapter: flaky },
        { name: 'gcp', adapter: healthy },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'aws', physical_id: 'ba' },
            { cloud: 'gcp', physical_id: 'bb', role: 'standby' },
          ],
          replication: { mode: 'async' },
        },
      ],
      sync: createSync(),
      router: createRouter({
        events: { sampleRate: 1, explain: false },
        probes: { enabled: false, intervalMs: 250, timeoutMs: 500, unhealthyThreshold: 1, healthyThreshold: 2 },
        outlier: { consecutiveFailures: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000, maxEjectedFraction: 1 },
        circuit: { windowSize: 4, minRequests: 2, failureRatio: 0.5, openMs: 60_000, maxOpenMs: 60_000, halfOpenTrials: 1 },
      }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      meterProvider: telemetry.meterProvider,
      tracerProvider: telemetry.tracerProvider,
    });
    const bucket = polycloud.bucket('lb');
    await bucket.put('first', 'v');
    await polycloud.sync('lb').drain();
    broken = true;
    for (let i = 0; i < 6; i++) await bucket.put(`k${i}`, 'v');

    const points = await telemetry.points();
    expect(sum(points, 'polycloud.route.decisions')).toBeGreaterThanOrEqual(7);
    expect(sum(points, 'polycloud.failovers', { 'polycloud.binding.from': 'aws', 'polycloud.binding': 'gcp' })).toBeGreaterThanOrEqual(1);
    expect(sum(points, 'polycloud.replication.objects', { 'polycloud.resource': 'lb', 'polycloud.binding': 'gcp' })).toBeGreaterThanOrEqual(1);
    const aws = polycloud.telemetry.snapshot().find((s) => s.binding === 'aws')!;
    expect(aws.healthy).toBe(false);
    expect(['ejected', 'circuit-open']).toContain(aws.healthState);
    expect(points.some((p) => p.name === 'polycloud.binding.health' && p.attributes['polycloud.binding'] === 'aws' && p.value === 0)).toBe(true);
  });
});
