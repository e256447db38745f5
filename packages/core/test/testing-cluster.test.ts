import { describe, expect, it } from 'vitest';
import { createPolycloud } from '@polycloud/core';
import { createFakeClock, createFaultInjectingComputeAdapter, createMemoryComputeAdapter } from '@polycloud/core/testing';

const JOB = `apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: data-cleaning
spec:
  image: data-processor:v1
  resources:
    cpu: 2
    memory: 4Gi
`;

/** The memory compute adapter and fake clock driving the LogicalCluster facade. */
function setup() {
  const clock = createFakeClock(0);
  const a = createMemoryComputeAdapter({ name: 'aws', clock, pendingMs: 1_000, runMs: 60_000 });
  const b = createMemoryComputeAdapter({ name: 'gcp', clock, pendingMs: 1_000, runMs: 60_000 });
  const polycloud = createPolycloud({
    providers: [
      { name: 'aws', adapter: a },
      { name: 'gcp', adapter: b },
    ],
    resources: [
      {
        resource_id: 'lc-1',
        type: 'LogicalCluster',
        providers: [
          { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'queue-a' },
          { cloud: 'CLOUD_B', provider: 'gcp', physical_id: 'projects/p/locations/europe-west1' },
        ],
      },
    ],
    clock,
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
  });
  return { clock, a, b, cluster: polycloud.cluster('lc-1', { lookupSettleMs: 0, pollIntervalMs: 5_000 }) };
}

describe('the test kit with the LogicalCluster facade', () => {
  it('a job runs PENDING → RUNNING → SUCCEEDED on the fake clock while wait() polls', async () => {
    const { clock, a, cluster } = setup();
    const handle = await cluster.submit(JOB);
    expect(handle.binding).toBe('CLOUD_A');
    expect(a.jobs().map((j) => j.state)).toEqual(['PENDING']);
    const done = cluster.wait(handle);
    await clock.advance(30_000);
    expect(a.jobs().map((j) => j.state)).toEqual(['RUNNING']);
    await clock.advance(35_000); // done at 61 s; wait() polls every 5 s
    expect(await done).toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });
    expect(a.jobs().map((j) => j.state)).toEqual(['SUCCEEDED']);
  });

  it('a capacity error on the first cloud fails the submit over to the second, with one job in all', async () => {
    const { a, b, cluster } = setup();
    a.failNextSubmits(1, 'QUOTA_EXCEEDED');
    const handle = await cluster.submit(JOB);
    expect(handle.binding).toBe('CLOUD_B');
    expect([a.jobs().length, b.jobs().length]).toEqual([0, 1]);
  });

  it('a full outage of the first cloud (fault injector) also fails over', async () => {
    const clock = createFakeClock(0);
    const inner = createMemoryComputeAdapter({ name: 'aws', clock });
    const a = createFaultInjectingComputeAdapter(inner, { clock });
    const b = createMemoryComputeAdapter({ name: 'gcp', clock });
    const polycloud = createPolycloud({
      providers: [
        { name: 'aws', adapter: a },
        { name: 'gcp', adapter: b },
      ],
      resources: [
        {
          resource_id: 'lc-1',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'queue-a' },
            { cloud: 'CLOUD_B', provider: 'gcp', physical_id: 'queue-b' },
          ],
        },
      ],
      clock,
    });
    a.outage(true);
    const submitted = polycloud.cluster('lc-1', { lookupSettleMs: 0 }).submit(JOB);
    await clock.runAll();
    expect((await submitted).binding).toBe('CLOUD_B');
    expect(inner.jobs()).toEqual([]);
    expect(a.stats().outageRejections.submit ?? 0).toBe(0); // the pre-submit lookup (find) already failed over
    expect(a.stats().outageRejections.find).toBeGreaterThanOrEqual(1);
  });
});

describe('the pre-submit lookup', () => {
  it('is bounded: a first binding whose calls hang is cut at the attempt timeout and the submit fails over (default router)', async () => {
    const clock = createFakeClock(0);
    const a = createFaultInjectingComputeAdapter(createMemoryComputeAdapter({ name: 'aws', clock }), { clock, latencyMs: 600_000 });
    const b = createMemoryComputeAdapter({ name: 'gcp', clock });
    const polycloud = createPolycloud({
      providers: [
        { name: 'aws', adapter: a },
        { name: 'gcp', adapter: b },
      ],
      resources: [
        {
          resource_id: 'lc-1',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'queue-a' },
            { cloud: 'CLOUD_B', provider: 'gcp', physical_id: 'queue-b' },
          ],
        },
      ],
      clock,
    });
    let done = false;
    const submitted = polycloud
      .cluster('lc-1', { attemptTimeoutMs: 2000 })
      .submit(JOB)
      .then((r) => ((done = true), r));
    await clock.advance(1999);
    expect(done).toBe(false);
    await clock.advance(1);
    await clock.flush();
    expect(done).toBe(true);
    expect((await submitted).binding).toBe('CLOUD_B');
    await polycloud.close();
  });
});
