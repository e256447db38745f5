import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPolycloud, isPolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createFakeClock, createFaultInjectingStorageAdapter, createMemoryStorageAdapter, type FakeClock } from '@polycloud/core/testing';

/** The test kit driving the real facade: memory adapters behind fault injectors, on a fake clock. */
function setup(clock: FakeClock, a: StorageAdapter, b: StorageAdapter, timeoutMs = 60_000) {
  const polycloud = createPolycloud({
    providers: [
      { name: 'CLOUD_A', adapter: a },
      { name: 'CLOUD_B', adapter: b },
    ],
    resources: [
      {
        resource_id: 'lb-123',
        type: 'LogicalBucket',
        providers: [
          { cloud: 'CLOUD_A', physical_id: 'bucket-x' },
          { cloud: 'CLOUD_B', physical_id: 'container-y', role: 'standby' },
        ],
        replication: { mode: 'none' }, // the facade and the kit alone: replication is @polycloud/sync's
      },
    ],
    clock,
    timeoutMs,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    seed: 7,
  });
  const events: string[] = [];
  polycloud.events.on('failover', (e) => events.push(`failover ${e.from}→${e.to}`));
  polycloud.events.on('retry', (e) => events.push(`retry ${e.attempt} after ${Math.round(e.delayMs)}ms`));
  return { bucket: polycloud.bucket('lb-123'), events };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isPolycloudError(e) ? e.code : 'not-a-polycloud-error'),
  );

describe('the test kit with the LogicalBucket facade', () => {
  it('an outage of the primary fails writes over to the standby', async () => {
    const clock = createFakeClock();
    const inner = createMemoryStorageAdapter({ buckets: ['bucket-x'] });
    const a = createFaultInjectingStorageAdapter(inner, { clock });
    const b = createMemoryStorageAdapter({ buckets: ['container-y'] });
    const { bucket, events } = setup(clock, a, b);
    a.outage(true);
    expect((await bucket.put('k', 'hello')).binding).toBe('CLOUD_B');
    expect(b.cloud.getObject('container-y', 'k')?.data).toEqual(new Uint8Array(Buffer.from('hello')));
    expect(inner.cloud.getObject('bucket-x', 'k')).toBeUndefined();
    expect(events).toEqual(['failover CLOUD_A→CLOUD_B']);
  });

  it('with every binding down, back-off sleeps run on the fake clock and the outage ending lets a retry succeed', async () => {
    const clock = createFakeClock(0);
    const a = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { clock });
    const b = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['container-y'] }), { clock });
    const { bucket, events } = setup(clock, a, b);
    a.outage(true);
    b.outage(true);
    const put = bucket.put('k', 'hello');
    await clock.flush();
    expect(events).toEqual(['failover CLOUD_A→CLOUD_B', expect.stringMatching(/^retry 3 after \d+ms$/)]);
    a.outage(false);
    await clock.runNext(); // the back-off timer
    expect((await put).binding).toBe('CLOUD_A');
    expect(clock.now()).toBeGreaterThanOrEqual(50); // equal jitter: at least half the 100 ms base
    expect(a.stats().outageRejections.put).toBe(1);
    expect(a.stats().passedThrough.put).toBe(1);
  });

  it('a hung call ends with TIMEOUT when the fake clock passes the operation deadline', async () => {
    const clock = createFakeClock(0);
    const hung = (bucketName: string) =>
      createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: [bucketName] }), { clock, timeoutRate: 1, timeoutMs: 3_600_000 });
    const { bucket } = setup(clock, hung('bucket-x'), hung('container-y'), 2_000);
    const head = codeOf(bucket.head('k'));
    await clock.advance(1_999);
    let settled = false;
    void head.then(() => (settled = true));
    await clock.flush();
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await head).toBe('TIMEOUT');
  });

  it('a memory adapter without multipart makes the facade refuse a stream of unknown length (UNSUPPORTED)', async () => {
    const clock = createFakeClock();
    const single = (name: string) => createMemoryStorageAdapter({ buckets: [name], capabilities: { multipart: false, maxSinglePutBytes: 1024 } });
    const { bucket } = setup(clock, single('bucket-x'), single('container-y'));
    expect(await codeOf(bucket.put('k', Readable.from([Buffer.from('abc')])))).toBe('UNSUPPORTED');
    expect(await codeOf(bucket.put('k', new Uint8Array(2048)))).toBe('UNSUPPORTED');
    expect(await codeOf(bucket.put('k', new Uint8Array(1024)))).toBe('ok');
  });
});
