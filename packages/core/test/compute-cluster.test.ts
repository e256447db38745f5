import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Clock, createPolycloud, type FailoverEvent, type JobEvent, PolycloudError } from '@polycloud/core';
import { systemClock } from '@polycloud/core/spi';
import type { RouterFactory } from '@polycloud/core/spi';
import { createRouter } from '@polycloud/router';
import { createFakeCompute, type FakeCompute, ORIGINAL_DATAJOB_YAML, submits } from './compute-fixtures.js';

const JOB = ORIGINAL_DATAJOB_YAML.replace('  cloud: CLOUD_A   # may be swapped for CLOUD_B, or left out for the router to choose\n', '');
const timeout = (msg = 'socket timed out after the request was sent') => new PolycloudError('TIMEOUT', msg, { retryable: true });

function setup(
  options: {
    router?: RouterFactory;
    clock?: Clock;
    regions?: [string, string];
    tags?: Record<string, string>;
    prices?: [object, object];
    caps?: [object, object];
  } = {},
) {
  const a = createFakeCompute('aws', options.caps?.[0]);
  const b = createFakeCompute('gcp', options.caps?.[1]);
  const [ra, rb] = options.regions ?? ['us-east-1', 'europe-west1'];
  const polycloud = createPolycloud({
    providers: [
      { name: 'aws', adapter: a },
      { name: 'gcp', adapter: b },
    ],
    residency: { eu: ['eu-*', 'europe-*'] },
    resources: [
      {
        resource_id: 'lc-1',
        type: 'LogicalCluster',
        tags: options.tags ?? {},
        providers: [
          { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'queue-a', region: ra, ...(options.prices ? { price: options.prices[0] } : {}) },
          {
            cloud: 'CLOUD_B',
            provider: 'gcp',
            physical_id: 'projects/p/locations/europe-west1',
            region: rb,
            ...(options.prices ? { price: options.prices[1] } : {}),
          },
        ],
      },
    ],
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
    timeoutMs: 5_000,
    ...(options.router ? { router: options.router } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const cluster = polycloud.cluster('lc-1', { lookupSettleMs: 0, pollIntervalMs: 5 });
  return { a, b, polycloud, cluster };
}

const jobsOn = (f: FakeCompute) => f.jobs.size;

describe('LogicalCluster submit', () => {
  it('goes to the first candidate and reports a handle; spec.cloud pins the binding', async () => {
    const { a, b, cluster } = setup();
    const job = await cluster.submit(JOB);
    expect(job).toMatchObject({ resource: 'lc-1', binding: 'CLOUD_A', existing: false, idempotencyKey: cluster.idempotencyKey(JOB) });
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
    const pinned = await cluster.submit(JOB.replace('  image:', '  cloud: CLOUD_B\n  image:'), { idempotencyKey: 'pinned-run' });
    expect(pinned.binding).toBe('CLOUD_B');
    await expect(cluster.submit(JOB.replace('  image:', '  cloud: CLOUD_Z\n  image:'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['spec', 'cloud'] },
    });
  });

  it('idempotency once, in the client: one find per binding, then one create; the adapter looks nothing up inside submit', async () => {
    const { a, b, cluster } = setup();
    const key = cluster.idempotencyKey(JOB);
    await cluster.submit(JOB);
    const ops = (f: FakeCompute) => f.calls.filter((c) => c.key === key).map((c) => c.op);
    expect(ops(a)).toEqual(['find', 'submit']);
    expect(ops(b)).toEqual(['find']);
  });

  it('find → create → find: ALREADY_EXISTS from the create (the job appeared after the find) is found again and returned as existing, nothing started elsewhere', async () => {
    const { a, b, cluster } = setup();
    const key = cluster.idempotencyKey(JOB);
    const request = { name: 'x', idempotencyKey: key, image: 'i', env: {}, cpu: 1, memoryMiB: 512, retries: 0, tags: {} };
    a.jobs.set('other-host-job', { target: 'queue-a', request, status: { jobId: 'other-host-job', idempotencyKey: key, state: 'RUNNING' } });
    // The first look-up misses it (another host's create landed after it, or the listing lags).
    const find = a.find.bind(a);
    let misses = 1;
    a.find = async (t, k, o) => (misses-- > 0 ? (a.calls.push({ op: 'find', target: t.physicalId, key: k }), undefined) : find(t, k, o));
    const job = await cluster.submit(JOB);
    expect(job).toMatchObject({ binding: 'CLOUD_A', jobId: 'other-host-job', existing: true, status: { state: 'RUNNING' } });
    expect(a.calls.filter((c) => c.key === key).map((c) => c.op)).toEqual(['find', 'submit', 'find']);
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
  });

  it('ALREADY_EXISTS for a job that does not list yet: the client looks again on that binding, never creates a second job anywhere', async () => {
    const { a, b, cluster } = setup();
    const key = cluster.idempotencyKey(JOB);
    const request = { name: 'x', idempotencyKey: key, image: 'i', env: {}, cpu: 1, memoryMiB: 512, retries: 0, tags: {} };
    a.jobs.set('lagging-job', { target: 'queue-a', request, status: { jobId: 'lagging-job', idempotencyKey: key, state: 'PENDING' } });
    const find = a.find.bind(a);
    let misses = 4;
    a.find = async (t, k, o) => (misses-- > 0 ? (a.calls.push({ op: 'find', target: t.physicalId, key: k }), undefined) : find(t, k, o));
    const job = await cluster.submit(JOB);
    expect(job).toMatchObject({ binding: 'CLOUD_A', jobId: 'lagging-job', existing: true });
    expect(a.calls.filter((c) => c.op === 'submit')).toHaveLength(1);
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
    expect(b.calls.filter((c) => c.op === 'submit')).toHaveLength(0);
  });

  it('fails over to the next cloud on a capacity error, starting exactly one job', async () => {
    const { a, b, polycloud, cluster } = setup();
    const failovers: FailoverEvent[] = [];
    polycloud.events.on('failover', (e: FailoverEvent) => failovers.push(e));
    a.script.push({ kind: 'reject', error: new PolycloudError('QUOTA_EXCEEDED', 'out of capacity', { retryable: false }) });
    const job = await cluster.submit(JOB);
    expect(job.binding).toBe('CLOUD_B');
    expect([jobsOn(a), jobsOn(b)]).toEqual([0, 1]);
    expect(failovers).toMatchObject([{ from: 'CLOUD_A', to: 'CLOUD_B', error: { code: 'QUOTA_EXCEEDED' } }]);
  });

  it('does not fail over on a definite refusal (INVALID_ARGUMENT)', async () => {
    const { a, b, cluster } = setup();
    a.script.push({ kind: 'reject', error: new PolycloudError('INVALID_ARGUMENT', 'bad image', { retryable: false }) });
    await expect(cluster.submit(JOB)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(submits(b)).toHaveLength(0);
  });

  it('a submit that timed out after the provider accepted it is found, not resubmitted elsewhere', async () => {
    const { a, b, cluster } = setup();
    a.script.push({ kind: 'accept-then-fail', error: timeout() });
    const job = await cluster.submit(JOB);
    expect(job.binding).toBe('CLOUD_A');
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
    expect(submits(b)).toHaveLength(0);
  });

  it('…even when the first lookup fails: the next candidate first re-checks the ambiguous binding', async () => {
    const { a, b, cluster } = setup();
    a.script.push({ kind: 'accept-then-fail', error: timeout() });
    // Lookups on A: the one before submitting (1) succeeds; the one right after the timeout (2) fails.
    const find = a.find.bind(a);
    let findsOnA = 0;
    a.find = async (t, k, o) => {
      findsOnA++;
      if (findsOnA === 2) throw new PolycloudError('UNAVAILABLE', 'connection reset');
      return find(t, k, o);
    };
    const job = await cluster.submit(JOB);
    expect(job.binding).toBe('CLOUD_A');
    expect(submits(b)).toHaveLength(0);
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
  });

  it('…and when the ambiguous binding never answers, nothing is submitted anywhere else', async () => {
    const { a, b, cluster } = setup();
    a.script.push({ kind: 'accept-then-fail', error: timeout() });
    const find = a.find.bind(a);
    let calls = 0;
    a.find = async (t, k, o) => {
      // The lookup before the submit answers; every one after the lost answer fails.
      if (++calls > 1) throw new PolycloudError('UNAVAILABLE', 'unreachable');
      return find(t, k, o);
    };
    await expect(cluster.submit(JOB, { timeoutMs: 2_000 })).rejects.toMatchObject({ retryable: true });
    expect(submits(b)).toHaveLength(0);
    // A later retry of the same submit (e.g. after a crash) finds the job once A answers again.
    a.find = find;
    const again = await cluster.submit(JOB);
    expect(again).toMatchObject({ binding: 'CLOUD_A', existing: true });
    expect([jobsOn(a), jobsOn(b)]).toEqual([1, 0]);
  });

  it('a retried submit finds the job on any binding, even one the router now ranks last', async () => {
    const { a, b, cluster } = setup();
    const first = await cluster.submit(JOB.replace('  image:', '  cloud: CLOUD_B\n  image:'));
    // Same work without the pin: the key ignores spec.cloud, so it is the same job.
    const again = await cluster.submit(JOB);
    expect(again).toMatchObject({ binding: 'CLOUD_B', jobId: first.jobId, existing: true });
    expect(submits(a)).toHaveLength(0);
    expect(jobsOn(b)).toBe(1);
  });

  it('residency keeps a tagged job out of a disallowed region', async () => {
    const { a, b, cluster } = setup();
    const job = await cluster.submit(JOB.replace('  resources:', '  tags: {residency: eu}\n  resources:'));
    expect(job.binding).toBe('CLOUD_B');
    expect(submits(a)).toHaveLength(0);
    // Pinned to the US binding with residency eu: refused, nothing started anywhere.
    const pinned = JOB.replace('  resources:', '  cloud: CLOUD_A\n  tags: {residency: eu}\n  resources:').replace('name: data-cleaning', 'name: other');
    await expect(cluster.submit(pinned)).rejects.toMatchObject({ code: 'RESIDENCY_VIOLATION' });
    expect(submits(a)).toHaveLength(0);
    expect(jobsOn(b)).toBe(1);
    // Even a capacity failure on the EU binding never spills into the US.
    b.script.push({ kind: 'reject', error: new PolycloudError('QUOTA_EXCEEDED', 'full', { retryable: true }) });
    await expect(cluster.submit(JOB.replace('  resources:', '  tags: {residency: eu}\n  retries: 1\n  resources:'), { timeoutMs: 500 })).resolves.toMatchObject(
      { binding: 'CLOUD_B' },
    );
    expect(submits(a)).toHaveLength(0);
  });

  it('cluster tags apply to every job (residency on the LogicalCluster)', async () => {
    const { a, cluster } = setup({ tags: { residency: 'eu' } });
    expect((await cluster.submit(JOB)).binding).toBe('CLOUD_B');
    expect(submits(a)).toHaveLength(0);
  });

  it('a job larger than an adapter allows goes where it fits', async () => {
    const { cluster } = setup({ caps: [{ maxCpu: 1 }, { maxCpu: 8 }] });
    expect((await cluster.submit(JOB)).binding).toBe('CLOUD_B');
    await expect(cluster.submit(JOB.replace('cpu: 2', 'cpu: 16'))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('bad arguments → INVALID_ARGUMENT / CONFIG_INVALID with paths', async () => {
    const { cluster } = setup();
    await expect(cluster.submit(JOB, { idempotencyKey: 'Not_Valid' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      context: { path: ['options', 'idempotencyKey'] },
    });
    await expect(cluster.submit(JOB.replace('4Gi', '4GB'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { path: ['spec', 'resources', 'memory'] },
    });
    await expect(cluster.status({ resource: 'lc-1', binding: 'nope', jobId: 'x', idempotencyKey: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('LogicalCluster status, cancel, wait, watch', () => {
  it('watch emits running and succeeded; wait returns the terminal status with exit code', async () => {
    const { a, polycloud, cluster } = setup();
    const events: JobEvent[] = [];
    polycloud.events.on('job', (e: JobEvent) => events.push(e));
    const job = await cluster.submit(JOB);
    const waiting = cluster.wait(job, { pollIntervalMs: 5, timeoutMs: 5_000 });
    a.setState(job.jobId, 'RUNNING');
    await new Promise((r) => setTimeout(r, 30));
    a.complete(job.jobId, 0);
    await expect(waiting).resolves.toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });
    expect(events.map((e) => e.type)).toEqual(['submitted', 'running', 'succeeded']);
    expect(events[2]).toMatchObject({ resource: 'lc-1', binding: 'CLOUD_A', jobId: job.jobId });
  });

  it('cancel stops the job; cancelling a finished job is fine', async () => {
    const { a, cluster } = setup();
    const job = await cluster.submit(JOB);
    await cluster.cancel(job);
    expect((await cluster.status(job)).state).toBe('CANCELLED');
    await cluster.cancel(job);
    expect(a.calls.filter((c) => c.op === 'cancel')).toHaveLength(2);
    await expect(cluster.wait(job)).resolves.toMatchObject({ state: 'CANCELLED' });
  });

  it('wait gives up with TIMEOUT and honours abort', async () => {
    const { cluster } = setup();
    const job = await cluster.submit(JOB);
    await expect(cluster.wait(job, { pollIntervalMs: 5, timeoutMs: 30 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const ac = new AbortController();
    const p = cluster.wait(job, { pollIntervalMs: 1_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('cancel on an adapter without the capability → UNSUPPORTED', async () => {
    const { cluster } = setup({ caps: [{ cancel: false }, {}] });
    const job = await cluster.submit(JOB);
    await expect(cluster.cancel(job)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

describe('wait in a script', () => {
  it('keeps the process alive until the job ends (the system clock unrefs its timers)', async () => {
    const src = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));
    const script = `
      const core = await import(${JSON.stringify(src('index.ts'))});
      const testing = await import(${JSON.stringify(src('testing/index.ts'))});
      const adapter = testing.createMemoryComputeAdapter({ runMs: 300 });
      const pc = core.createPolycloud({ providers: [{ name: 'm', adapter }], resources: [{ resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'm', physical_id: 'q' }] }] });
      const c = pc.cluster('lc');
      const job = await c.submit({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'k' }, spec: { image: 'i' } });
      console.log('final', (await c.wait(job, { pollIntervalMs: 50 })).state);`;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 }, (_e, stdout) =>
        resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(out).toMatchObject({ code: 0, stdout: expect.stringContaining('final SUCCEEDED') });
  }, 60_000);
});

describe('time-of-day price moves a job (with @polycloud/router)', () => {
  it('runs on the flat-priced cloud by day and on the night-discounted cloud at night', async () => {
    let now = Date.UTC(2026, 0, 15, 12, 0);
    const clock: Clock = { now: () => now, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
    const { cluster } = setup({
      clock,
      router: createRouter({ probes: { enabled: false } }),
      regions: ['us-east-1', 'us-east1'],
      prices: [
        { vcpu_hour: 0.05, memory_gib_hour: 0.005, schedule: [{ from: '22:00', to: '06:00', multiplier: 0.3 }] },
        { vcpu_hour: 0.04, memory_gib_hour: 0.004 },
      ],
    });
    const day = await cluster.submit(JOB, { idempotencyKey: 'day-run' });
    now = Date.UTC(2026, 0, 15, 23, 0);
    const night = await cluster.submit(JOB, { idempotencyKey: 'night-run' });
    expect([day.binding, night.binding]).toEqual(['CLOUD_B', 'CLOUD_A']);
    // explain() tells why, without submitting.
    const why = cluster.explain(JOB, { idempotencyKey: 'night-run-2' });
    expect(why).toMatchObject({ resource: 'lc-1', operation: 'submit', chosen: 'CLOUD_A' });
    now = Date.UTC(2026, 0, 16, 12, 0);
    expect(cluster.explain(JOB).chosen).toBe('CLOUD_B');
  });
});
