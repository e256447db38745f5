/**
 * Slow is not dead, on a real emulator: bursts of 300 concurrent puts on s3rver (the
 * S3 adapter) behind @polycloud/router. The active probe (HeadBucket through the same
 * client) queues behind the puts and takes several times its timeout; the puts keep
 * answering all the while, so the primary must never be marked down, no put may be
 * cut or failed over to the standby. The probe timeout is set to 200 ms (the
 * resource's `routing.health_check`) so that the bursts make probes late on any
 * machine; the router's own defaults are otherwise unchanged.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud, type Polycloud } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { type S3rverEmulator, startS3rver } from '@polycloud/emulators';
import { createRouter } from '@polycloud/router';

const PROBE_TIMEOUT_MS = 200;

let s3: S3rverEmulator;
let pc: Polycloud;
const bucketName = `pc-slow-${randomBytes(4).toString('hex')}`;
const probeMs: number[] = [];
const health: { state: string; healthy?: boolean }[] = [];
let failovers = 0;
let cut = 0;

beforeAll(async () => {
  s3 = await startS3rver();
  const s3Adapter = createS3Adapter({ endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey }, { name: 'aws' });
  await s3Adapter.ensureBucket(bucketName);
  // The same adapter, with each probe's duration recorded (to show the scenario is what it says).
  const primary: StorageAdapter = {
    type: s3Adapter.type,
    name: s3Adapter.name,
    capabilities: s3Adapter.capabilities,
    ensureBucket: (b) => s3Adapter.ensureBucket(b),
    put: (b, k, body, o) => s3Adapter.put(b, k, body, o),
    get: (b, k, o) => s3Adapter.get(b, k, o),
    head: (b, k, o) => s3Adapter.head(b, k, o),
    list: (b, o) => s3Adapter.list(b, o),
    delete: (b, k, o) => s3Adapter.delete(b, k, o),
    probe: async (b, o) => {
      const t = performance.now();
      await s3Adapter.probe!(b, o);
      probeMs.push(performance.now() - t);
    },
    close: () => s3Adapter.close?.() ?? Promise.resolve(),
  };
  pc = createPolycloud({
    providers: [
      { name: 'aws', adapter: primary },
      { name: 'mem', adapter: createMemoryStorageAdapter({ name: 'mem', buckets: ['standby'] }) },
    ],
    resources: [
      {
        resource_id: 'lb-slow',
        type: 'LogicalBucket',
        replication: { mode: 'none' },
        routing: { strategy: 'primary', health_check: { interval_ms: 100, timeout_ms: PROBE_TIMEOUT_MS } },
        providers: [
          { id: 'primary', cloud: 'aws', provider: 'aws', physical_id: bucketName, region: 'us-east-1' },
          { id: 'standby', cloud: 'mem', provider: 'mem', physical_id: 'standby', region: 'us-east-2', role: 'standby' },
        ],
      },
    ],
    router: createRouter(),
    timeoutMs: 60_000,
  });
  pc.events.on('health', (e) => {
    if (e.binding === 'primary') health.push({ state: String(e['state']), ...(e.healthy === undefined ? {} : { healthy: e.healthy }) });
  });
  pc.events.on('failover', () => void failovers++);
  pc.events.on('operation', (e) => {
    if (!e.ok && /marked unhealthy/.test(e.error?.message ?? '')) cut++;
  });
}, 120_000);

afterAll(async () => {
  await pc?.close();
  await s3?.remove().catch(() => {});
});

describe('router on s3rver: slow but alive', () => {
  it('3 bursts of 300 concurrent puts: puts slower than two probe timeouts, probes late, yet the primary is never marked down and nothing is cut or failed over', async () => {
    const bucket = pc.bucket('lb-slow');
    const body = randomBytes(64 * 1024); // large enough that a burst keeps s3rver busy for several probe timeouts even on a quiet, fast machine
    for (let i = 0; i < 10; i++) await bucket.put(`warm-${i}`, body);
    const bindings: string[] = [];
    const putMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const t = performance.now();
          const r = await bucket.put(`r${round}/k${i}`, body);
          putMs.push(performance.now() - t);
          return r.binding;
        }),
      );
      bindings.push(...results);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(health.filter((h) => h.healthy === false)).toEqual([]);
    expect(failovers).toBe(0);
    expect(cut).toBe(0);
    expect(bindings.filter((b) => b !== 'primary')).toEqual([]);
    // the scenario: the puts of a burst took several probe timeouts to drain, and so did some probe
    console.info(
      `slowest put ${Math.round(Math.max(...putMs))} ms, slowest probe ${Math.round(Math.max(...probeMs))} ms (probe timeout ${PROBE_TIMEOUT_MS} ms)`,
    );
    expect(Math.max(...putMs)).toBeGreaterThan(2 * PROBE_TIMEOUT_MS);
    expect(Math.max(...probeMs), `probe durations (ms): ${probeMs.map(Math.round).join(' ')}`).toBeGreaterThan(0.75 * PROBE_TIMEOUT_MS); // probes slowed to near their timeout (machine-dependent: a faster one queues less)
  }, 120_000);
});
