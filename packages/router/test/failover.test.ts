import { createPolycloud, type Polycloud } from '@polycloud/core';
import {
  createFakeClock,
  createFaultInjectingStorageAdapter,
  createMemoryComputeAdapter,
  createMemoryStorageAdapter,
  type FakeClock,
  type FaultInjectingStorageAdapter,
} from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { afterEach, describe, expect, it } from 'vitest';
import { primaryStandby } from './helpers.js';

/**
 * RTO on simulated time, with DEFAULT router settings: a primary and a standby
 * binding behind core's fault injector; a put is started every 50 ms; the primary
 * goes fully down at T; we measure from T to the first put acknowledged by the standby.
 */
function setup(): { pc: Polycloud; clock: FakeClock; primary: FaultInjectingStorageAdapter } {
  const clock = createFakeClock();
  const primary = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ name: 'aws', buckets: ['a'], clock }), { clock, seed: 3 });
  const standby = createMemoryStorageAdapter({ name: 'azure', buckets: ['z'], clock });
  const pc = primaryStandby(clock, primary, standby);
  return { pc, clock, primary };
}

async function run(clock: FakeClock, pc: Polycloud, ms: number, onDone: (binding: string | undefined, startedAt: number, doneAt: number) => void) {
  const bucket = pc.bucket('lb-1');
  let i = 0;
  for (const end = clock.now() + ms; clock.now() < end;) {
    const startedAt = clock.now();
    bucket.put(`k${i++}`, 'x').then(
      (r) => onDone(r.binding, startedAt, clock.now()),
      () => onDone(undefined, startedAt, clock.now()),
    );
    await clock.advance(50);
  }
}

let open: Polycloud | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('failover RTO with default settings (fake clock, fault-injecting adapter)', () => {
  it('a refused primary (outage): puts succeed on the standby at once, and the primary is ejected', async () => {
    const { pc, clock, primary } = setup();
    open = pc;
    const done: { binding?: string; startedAt: number; doneAt: number }[] = [];
    await run(clock, pc, 500, (binding, startedAt, doneAt) => done.push({ ...(binding ? { binding } : {}), startedAt, doneAt }));
    expect(done.every((d) => d.binding === 'aws')).toBe(true);
    const downAt = clock.now();
    primary.outage(true);
    await run(clock, pc, 1500, (binding, startedAt, doneAt) => done.push({ ...(binding ? { binding } : {}), startedAt, doneAt }));
    const after = done.filter((d) => d.startedAt >= downAt);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((d) => d.binding === 'azure')).toBe(true); // no failed operation at all
    const rto = Math.min(...after.map((d) => d.doneAt)) - downAt;
    expect(rto).toBeLessThanOrEqual(1000);
    // ejected after 3 failures: later puts no longer try the primary first
    expect(primary.stats().outageRejections['put']).toBeLessThanOrEqual(4);
  });

  it('a black-holed primary (every call and probe hangs): a put succeeds on the standby within 1 s', async () => {
    const { pc, clock, primary } = setup();
    open = pc;
    const done: { binding?: string; startedAt: number; doneAt: number }[] = [];
    await run(clock, pc, 500, (binding, startedAt, doneAt) => done.push({ ...(binding ? { binding } : {}), startedAt, doneAt }));
    const downAt = clock.now();
    primary.setTimeoutRate(1); // hangs 30 s, then TIMEOUT
    await run(clock, pc, 2000, (binding, startedAt, doneAt) => done.push({ ...(binding ? { binding } : {}), startedAt, doneAt }));
    const onStandby = done.filter((d) => d.startedAt >= downAt && d.binding === 'azure');
    expect(onStandby.length).toBeGreaterThan(0);
    const rto = Math.min(...onStandby.map((d) => d.doneAt)) - downAt;
    expect(rto).toBeLessThanOrEqual(1000);
    // and from then on every new put goes straight to the standby
    const firstOk = Math.min(...onStandby.map((d) => d.startedAt));
    expect(done.filter((d) => d.startedAt > firstOk).every((d) => d.binding === 'azure')).toBe(true);
    primary.setTimeoutRate(0);
    await clock.advance(31_000); // let any hung call finish
    // puts in flight on the primary when it went dark were aborted by the router's
    // health event and failed over: none failed, none waited for its deadline
    const afterDown = done.filter((d) => d.startedAt >= downAt);
    expect(afterDown.length).toBeGreaterThan(0);
    expect(afterDown.filter((d) => !d.binding)).toEqual([]);
    expect(Math.max(...afterDown.map((d) => d.doneAt - d.startedAt))).toBeLessThanOrEqual(1000);
  });
});

describe('time-of-day pricing through a LogicalCluster (fake clock, memory compute adapters)', () => {
  it('the same DataJob lands on the cluster that is cheap at night, and back by day', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12, 0));
    const pc = createPolycloud({
      clock,
      providers: [
        { name: 'aws', adapter: createMemoryComputeAdapter({ name: 'aws', clock }) },
        { name: 'gcp', adapter: createMemoryComputeAdapter({ name: 'gcp', clock }) },
      ],
      resources: [
        {
          resource_id: 'lc-1',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'aws', physical_id: 'queue-a', region: 'us-east-1', price: { vcpu_hour: 0.05, memory_gib_hour: 0.005 } },
            {
              cloud: 'gcp',
              physical_id: 'loc-b',
              region: 'us-central1',
              price: { vcpu_hour: 0.08, memory_gib_hour: 0.008, schedule: [{ from: '22:00', to: '06:00', multiplier: 0.4 }] },
            },
          ],
        },
      ],
      router: createRouter({ probes: { enabled: false } }),
    });
    open = pc;
    const job = (name: string) => ({
      apiVersion: 'batch.mcp/v1',
      kind: 'DataJob',
      metadata: { name },
      spec: { image: 'data-processor:v1', resources: { cpu: 8, memory: '32Gi' } },
    });
    const cluster = pc.cluster('lc-1');
    const noon = await cluster.submit(job('noon'));
    await clock.advance(10 * 3600_000); // 22:00 UTC
    const night = await cluster.submit(job('night'));
    await clock.advance(9 * 3600_000); // 07:00 UTC
    const morning = await cluster.submit(job('morning'));
    expect([noon.binding, night.binding, morning.binding]).toEqual(['aws', 'gcp', 'aws']);
  });
});
