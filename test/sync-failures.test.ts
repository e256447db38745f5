/**
 * The router's promises with replication on, on real emulators. Azurite is the primary
 * (and, passing the conditional-write self-test, the store of the replication state);
 * fauxqs is the standby. With @polycloud/router's default settings:
 * - the primary frozen with SIGSTOP (a hung server that keeps its port): puts go on on
 *   the standby within a second, none fails; after it thaws, replication converges;
 * - change-record (journal) writes failing on the primary while its data writes work:
 *   no put fails (the record goes to the standby's journal), nothing is lost.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud, type Polycloud, PolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { type FauxqsEmulator, type RunningAzurite, startAzurite, startFauxqs } from '@polycloud/emulators';
import { createRouter } from '@polycloud/router';
import { createSync } from '@polycloud/sync';
import { bodies } from './helpers/bodies.js';

let azurite: RunningAzurite;
let fauxqs: FauxqsEmulator;
let azure: StorageAdapter;
let s3: StorageAdapter;

beforeAll(async () => {
  [azurite, fauxqs] = await Promise.all([startAzurite(), startFauxqs()]);
  azure = createAzureBlobAdapter({ connectionString: azurite.connectionString }, { name: 'azure' });
  s3 = createS3Adapter({ endpoint: fauxqs.endpoint, region: fauxqs.region, accessKey: fauxqs.accessKeyId, secretKey: fauxqs.secretAccessKey }, { name: 's3' });
}, 120_000);

afterAll(async () => {
  azurite?.resume?.();
  await Promise.allSettled([azurite?.stop(), fauxqs?.stop()]);
});

function world(primary: StorageAdapter, buckets: { azure: string; s3: string }): Polycloud {
  return createPolycloud({
    providers: [
      { name: 'azure', adapter: primary },
      { name: 's3', adapter: s3 },
    ],
    resources: [
      {
        resource_id: 'lb',
        type: 'LogicalBucket',
        routing: { strategy: 'primary' },
        providers: [
          { id: 'azure', cloud: 'azure', physical_id: buckets.azure, region: 'westeurope' },
          { id: 's3', cloud: 's3', physical_id: buckets.s3, region: 'eu-west-1', role: 'standby' },
        ],
        replication: { mode: 'async' },
      },
    ],
    router: createRouter(),
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    timeoutMs: 10_000,
    sync: createSync({ autoStart: false, leaseTtlMs: 5_000 }),
  });
}

describe('replication keeps the router promises (Azurite primary, fauxqs standby)', () => {
  it('a primary hung with SIGSTOP: puts continue on the standby within 1 s, none fails; it converges after the thaw', async () => {
    const buckets = { azure: `hung-${randomBytes(4).toString('hex')}`, s3: `hung-${randomBytes(4).toString('hex')}` };
    await azure.ensureBucket(buckets.azure);
    await s3.ensureBucket(buckets.s3);
    const pc = world(azure, buckets);
    const bucket = pc.bucket('lb');
    const puts: { key: string; start: number; end?: number; ok?: boolean; binding?: string }[] = [];
    const t0 = performance.now();
    let pausedAt = Infinity;
    let n = 0;
    const pending: Promise<void>[] = [];
    // Open loop: a 1 KiB put every 10 ms, whatever happens to the earlier ones.
    const body = randomBytes(512).toString('hex');
    while (performance.now() - t0 < 4_000) {
      const now = performance.now();
      if (pausedAt === Infinity && now - t0 >= 1_000) {
        azurite.pause!();
        pausedAt = performance.now();
      }
      const p = { key: `k-${String(n++).padStart(5, '0')}`, start: now } as (typeof puts)[number];
      puts.push(p);
      pending.push(
        bucket.put(p.key, body).then(
          (r) => Object.assign(p, { end: performance.now(), ok: true, binding: r.binding }),
          () => Object.assign(p, { end: performance.now(), ok: false }),
        ) as Promise<never>,
      );
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    const failed = puts.filter((p) => !p.ok);
    const firstOnStandby = puts.filter((p) => p.start >= pausedAt && p.binding === 's3').sort((a, b) => a.end! - b.end!)[0];
    const late = puts.filter((p) => p.start >= pausedAt + 1_000 && p.end! - p.start > 1_000);
    expect(failed.map((p) => p.key)).toEqual([]);
    expect(firstOnStandby, 'a put acknowledged by the standby after the freeze').toBeDefined();
    expect(firstOnStandby!.end! - pausedAt).toBeLessThan(1_000);
    expect(late.map((p) => `${p.key} ${Math.round(p.end! - p.start)} ms`)).toEqual([]);
    // Thawed: everything acknowledged ends up on both bindings.
    azurite.resume!();
    await pc.sync('lb').drain({ timeoutMs: 60_000 });
    const [a, b] = await Promise.all([bodies(azure, buckets.azure), bodies(s3, buckets.s3)]);
    for (const p of puts) {
      expect(a.get(p.key), p.key).toBe(body);
      expect(b.get(p.key), p.key).toBe(body);
    }
    console.log(
      `SIGSTOP primary: ${puts.length} puts, ${failed.length} failed, first on the standby ${Math.round(firstOnStandby!.end! - pausedAt)} ms after the freeze, slowest put ${Math.round(Math.max(...puts.map((p) => p.end! - p.start)))} ms`,
    );
    await pc.close();
  }, 120_000);

  it('change-record writes failing on the primary (30 %) while its data writes work: no put fails, nothing is lost', async () => {
    const buckets = { azure: `jrnl-${randomBytes(4).toString('hex')}`, s3: `jrnl-${randomBytes(4).toString('hex')}` };
    await azure.ensureBucket(buckets.azure);
    await s3.ensureBucket(buckets.s3);
    let failing = true;
    let injected = 0;
    let draw = 0;
    const flaky: StorageAdapter = {
      ...azure,
      type: azure.type,
      name: azure.name,
      capabilities: azure.capabilities,
      put: (bucket, key, body, options) => {
        if (failing && key.includes('/journal/') && draw++ % 10 < 3) {
          injected++;
          return Promise.reject(new PolycloudError('UNAVAILABLE', 'injected journal write failure', { retryable: true }));
        }
        return azure.put(bucket, key, body, options);
      },
    };
    const pc = world(flaky, buckets);
    const bucket = pc.bucket('lb');
    // One after the other: each write's record is a segment of its own (concurrent ones share one).
    const failed: string[] = [];
    for (let i = 0; i < 200; i++) await bucket.put(`j-${i}`, `value ${i}`).catch((e: unknown) => failed.push(`j-${i}: ${(e as Error).message}`));
    expect(injected).toBeGreaterThan(40);
    expect(failed).toEqual([]);
    failing = false;
    await pc.sync('lb').drain({ timeoutMs: 60_000 });
    const [a, b] = await Promise.all([bodies(azure, buckets.azure), bodies(s3, buckets.s3)]);
    for (let i = 0; i < 200; i++) {
      expect(a.get(`j-${i}`)).toBe(`value ${i}`);
      expect(b.get(`j-${i}`)).toBe(`value ${i}`);
    }
    await pc.close();
  }, 120_000);
});
