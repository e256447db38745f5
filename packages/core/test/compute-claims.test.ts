import { describe, expect, it } from 'vitest';
import { type ClaimStore, createMemoryClaimStore, createPolycloud, createStorageClaimStore, parseDataJob } from '@polycloud/core';
import { deriveIdempotencyKey, type RouterFactory, type StorageAdapter, verifyClaimStore } from '@polycloud/core/spi';
import {
  createFakeClock,
  createFaultInjectingComputeAdapter,
  createMemoryComputeAdapter,
  createMemoryStorageAdapter,
  type FakeClock,
} from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';

const JOB = `apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: nightly
spec:
  image: data-processor:v1
  resources: { cpu: 1, memory: 1Gi }
`;

/** Two (or three) memory clouds behind the fault injector, on one fake clock; `hosts` polycloud instances share them and one claim store. */
function world(options: { hosts?: number; bindings?: number; router?: RouterFactory; claims?: ClaimStore; seed?: number } = {}) {
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const names = ['aws', 'gcp', 'azure'].slice(0, options.bindings ?? 2);
  const inner = names.map((name) => createMemoryComputeAdapter({ name, clock, runMs: 60_000 }));
  const faulty = inner.map((a, i) => createFaultInjectingComputeAdapter(a, { clock, seed: (options.seed ?? 1) + i, timeoutMs: 600_000 }));
  // (Guarded so this file also runs against the code before claim stores existed, to show each test failing there.)
  const claims = options.claims ?? (typeof createMemoryClaimStore === 'function' ? createMemoryClaimStore({ shared: true }) : undefined);
  const hosts = Array.from({ length: options.hosts ?? 1 }, () => {
    const polycloud = createPolycloud({
      providers: names.map((name, i) => ({ name, adapter: faulty[i]! })),
      resources: [
        {
          resource_id: 'lc-1',
          type: 'LogicalCluster',
          providers: names.map((name, i) => ({ cloud: `CLOUD_${'ABC'[i]}`, provider: name, physical_id: `q-${name}` })),
        },
      ],
      clock,
      retry: { baseDelayMs: 10, maxDelayMs: 100 },
      ...(options.router ? { router: options.router } : {}),
    });
    return { polycloud, cluster: polycloud.cluster('lc-1', { lookupSettleMs: 0, pollIntervalMs: 100, ...(claims ? { claims } : {}) }) };
  });
  const jobs = () => inner.map((a) => a.jobs().length);
  return { clock, inner, faulty, hosts, cluster: hosts[0]!.cluster, claims, jobs };
}

/** Runs `p` while the fake clock advances in `step` ms steps; returns its outcome and the fake time it took. */
async function drive<T>(clock: FakeClock, p: Promise<T>, step = 50, limit = 600_000): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = clock.now();
  let settled: { value?: T; error?: unknown } | undefined;
  p.then(
    (value) => (settled = { value }),
    (error: unknown) => (settled = { error }),
  );
  await clock.flush();
  while (!settled && clock.now() - start < limit) await clock.advance(step);
  if (!settled) throw new Error(`still pending after ${limit} ms of fake time`);
  return { ...settled, ms: clock.now() - start };
}

describe('issue 12: a DataJob is never started twice', () => {
  it('sequential resubmit after two failed look-ups on the binding holding the job returns that job (was: a second job on B)', async () => {
    const w = world();
    const first = await w.cluster.submit(JOB);
    expect(first).toMatchObject({ binding: 'CLOUD_A', existing: false });
    w.faulty[0]!.failNext(2, 'UNAVAILABLE', ['find']);
    const again = await drive(w.clock, w.cluster.submit(JOB));
    expect(again.value).toMatchObject({ binding: 'CLOUD_A', jobId: first.jobId, existing: true });
    expect(w.jobs()).toEqual([1, 0]);
  });

  it('a binding that holds a job while it is down: a resubmit returns that job, during and after the outage (was: a duplicate elsewhere)', async () => {
    const w = world();
    const first = await w.cluster.submit(JOB);
    w.faulty[0]!.outage(true);
    const during = await drive(w.clock, w.cluster.submit(JOB));
    expect(during.value).toMatchObject({ binding: 'CLOUD_A', jobId: first.jobId, existing: true });
    w.faulty[0]!.outage(false);
    const after = await w.cluster.submit(JOB);
    expect(after).toMatchObject({ binding: 'CLOUD_A', jobId: first.jobId, existing: true });
    expect(w.jobs()).toEqual([1, 0]);
  });

  it('two hosts submitting one key concurrently, one seeing QUOTA_EXCEEDED, start one job; exactly one caller is told existing: false', async () => {
    const w = world({ hosts: 2 });
    w.inner[0]!.failNextSubmits(1, 'QUOTA_EXCEEDED');
    const results = await Promise.all(
      [w.hosts[0]!.cluster.submit(JOB), w.hosts[1]!.cluster.submit(JOB), w.hosts[1]!.cluster.submit(JOB)].map((p) => drive(w.clock, p)),
    );
    const handles = results.map((r) => r.value!);
    expect(new Set(handles.map((h) => `${h.binding}/${h.jobId}`)).size).toBe(1);
    expect(handles.filter((h) => !h.existing)).toHaveLength(1);
    expect(w.jobs().reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('two concurrent callers on one host landing on one job: one existing: false, the other true (was: both false)', async () => {
    const w = world();
    const [x, y] = await Promise.all([w.cluster.submit(JOB), w.cluster.submit(JOB)]);
    expect(x!.jobId).toBe(y!.jobId);
    expect([x!.existing, y!.existing].sort()).toEqual([false, true]);
  });
});

describe('issue 12: deadlines that hold', () => {
  it('a binding whose every call hangs is cut at the attempt timeout and the submit fails over — default router (was: TIMEOUT at 65 s)', async () => {
    const w = world();
    w.faulty[0]!.setLatency(3_600_000);
    const r = await drive(w.clock, w.cluster.submit(JOB));
    expect(r.value).toMatchObject({ binding: 'CLOUD_B', existing: false });
    expect(r.ms).toBeLessThanOrEqual(10_000 + 1_000);
    expect(w.jobs()).toEqual([0, 1]);
  });

  it('a binding whose find hangs is failed over with @polycloud/router too (its probe still passes)', async () => {
    const w = world({ router: createRouter() });
    w.faulty[0]!.setTimeoutRate({ find: 1 });
    const r = await drive(w.clock, w.cluster.submit(JOB));
    expect(r.value).toMatchObject({ binding: 'CLOUD_B' });
    expect(r.ms).toBeLessThanOrEqual(11_000);
    expect(w.jobs()).toEqual([0, 1]);
  });

  it('submit({ timeoutMs: 1000 }) with every binding hung rejects TIMEOUT by 1 s — the look-up is inside the deadline (was: 6 s)', async () => {
    const w = world();
    for (const f of w.faulty) f.setLatency(3_600_000);
    const r = await drive(w.clock, w.cluster.submit(JOB, { timeoutMs: 1000 }), 10);
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(r.ms).toBeLessThanOrEqual(1000 + 10);
    expect(w.jobs()).toEqual([0, 0]);
  });

  it('wait({ timeoutMs: 2000 }) with a hung status rejects TIMEOUT at 2 s (was: 60 s)', async () => {
    const w = world();
    const h = await w.cluster.submit(JOB);
    w.faulty[0]!.setTimeoutRate({ status: 1 });
    const r = await drive(w.clock, w.cluster.wait(h, { timeoutMs: 2000 }), 10);
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    expect(r.ms).toBeLessThanOrEqual(2000 + 10);
  });

  it('watch() is bounded the same way', async () => {
    const w = world();
    const h = await w.cluster.submit(JOB);
    w.faulty[0]!.setTimeoutRate({ status: 1 });
    const consume = async () => {
      for await (const _ of w.cluster.watch(h, { timeoutMs: 2000 })) void _;
    };
    const r = await drive(w.clock, consume(), 10);
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(r.ms).toBeLessThanOrEqual(2010);
  });

  it('wait polls through an outage until the job ends (was: UNAVAILABLE after 200 ms)', async () => {
    const w = world();
    const h = await w.cluster.submit(JOB);
    w.faulty[0]!.outage(true);
    const waiting = drive(w.clock, w.cluster.wait(h, { timeoutMs: 120_000, pollIntervalMs: 1000 }), 100);
    await w.clock.advance(30_000);
    w.faulty[0]!.outage(false);
    const r = await waiting;
    expect(r.value).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('wait during an outage that outlasts its timeout ends with TIMEOUT at the timeout', async () => {
    const w = world();
    const h = await w.cluster.submit(JOB);
    w.faulty[0]!.outage(true);
    const r = await drive(w.clock, w.cluster.wait(h, { timeoutMs: 5000, pollIntervalMs: 500 }), 10);
    expect(r.error).toMatchObject({ code: 'TIMEOUT' });
    expect(r.ms).toBeGreaterThanOrEqual(5000);
    expect(r.ms).toBeLessThanOrEqual(5010);
  });
});

describe('issue 12: keys that reveal nothing', () => {
  const jobWith = (password: string) => parseDataJob(JOB.replace('  resources:', `  env: { DB_PASSWORD: '${password}', LEVEL: debug }\n  resources:`));
  const guesses = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

  it('without a secret, a 4-digit DB_PASSWORD cannot be recovered from the key by trying every value (was: recovered in 168 ms)', () => {
    const key = deriveIdempotencyKey(jobWith('4821'));
    const matches = guesses.filter((g) => deriveIdempotencyKey(jobWith(g)) === key);
    // Every guess gives the same key: it carries no information about the value.
    expect(matches).toHaveLength(10_000);
    // Non-secret values still tell jobs apart.
    expect(deriveIdempotencyKey(parseDataJob(JOB.replace('  resources:', "  env: { DB_PASSWORD: '4821', LEVEL: info }\n  resources:")))).not.toBe(key);
  });

  it('with a secret (HMAC), a guesser without it matches nothing, and the key is the same on every host with the secret', async () => {
    const secret = 'installation-secret-0123456789';
    const key = deriveIdempotencyKey(jobWith('4821'), secret);
    expect(guesses.filter((g) => deriveIdempotencyKey(jobWith(g)) === key)).toHaveLength(0);
    expect(guesses.filter((g) => deriveIdempotencyKey(jobWith(g), 'another-secret-9876543210') === key)).toHaveLength(0);
    expect(deriveIdempotencyKey(jobWith('4822'), secret)).not.toBe(key);
    const clock = createFakeClock(0);
    const mk = () =>
      createPolycloud({
        providers: [{ name: 'aws', adapter: createMemoryComputeAdapter({ name: 'aws', clock }) }],
        resources: [{ resource_id: 'lc-1', type: 'LogicalCluster', providers: [{ cloud: 'CLOUD_A', provider: 'aws', physical_id: 'q' }] }],
        clock,
      }).cluster('lc-1', { idempotencySecret: secret });
    expect(mk().idempotencyKey(jobWith('4821'))).toBe(key);
    expect(mk().idempotencyKey(jobWith('4821'))).toBe(key);
  });

  it('a too-short secret is refused with CONFIG_INVALID and a path', () => {
    const clock = createFakeClock(0);
    const polycloud = createPolycloud({
      providers: [{ name: 'aws', adapter: createMemoryComputeAdapter({ name: 'aws', clock }) }],
      resources: [{ resource_id: 'lc-1', type: 'LogicalCluster', providers: [{ cloud: 'CLOUD_A', provider: 'aws', physical_id: 'q' }] }],
      clock,
    });
    expect(() => polycloud.cluster('lc-1', { idempotencySecret: 'short' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', context: expect.objectContaining({ path: ['options', 'idempotencySecret'] }) }),
    );
  });
});

describe('claim stores', () => {
  it('the storage claim store passes the conditional-write self-test on a store that enforces it', async () => {
    const storage = createMemoryStorageAdapter({ buckets: ['claims'] });
    const store = createStorageClaimStore({ adapter: storage, bucket: 'claims' });
    await expect(verifyClaimStore(store)).resolves.toBeUndefined();
    const listed = await storage.list('claims', { prefix: '_polycloud/claims/' });
    expect(listed.objects).toEqual([]); // the probe is cleaned up
  });

  it('a store that declares conditional writes but does not enforce them is refused (UNSUPPORTED) before any job starts', async () => {
    const honest = createMemoryStorageAdapter({ buckets: ['claims'] });
    const liar: StorageAdapter = { ...honest, put: (b, k, body, o) => honest.put(b, k, body, { ...o, ifNoneMatch: undefined, ifMatch: undefined } as never) };
    const claims = createStorageClaimStore({ adapter: liar, bucket: 'claims' });
    await expect(verifyClaimStore(claims)).rejects.toMatchObject({ code: 'UNSUPPORTED', retryable: false, context: { path: ['claims'] } });
    const w = world({ claims });
    await expect(w.cluster.submit(JOB)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(w.jobs()).toEqual([0, 0]);
  });

  it('submits through a storage claim store: claims are objects under _polycloud/claims/, and a second host returns the same job', async () => {
    const storage = createMemoryStorageAdapter({ buckets: ['claims'] });
    const claims = createStorageClaimStore({ adapter: storage, bucket: 'claims' });
    const w = world({ hosts: 2, claims });
    const a = await w.hosts[0]!.cluster.submit(JOB);
    const b = await w.hosts[1]!.cluster.submit(JOB);
    expect(b).toMatchObject({ jobId: a.jobId, binding: a.binding, existing: true });
    const listed = await storage.list('claims', { prefix: '_polycloud/claims/' });
    expect(listed.objects.map((o) => o.key)).toEqual([`_polycloud/claims/lc-1/${a.idempotencyKey}.json`]);
    const body = JSON.stringify((await claims.get(`lc-1/${a.idempotencyKey}`))!.record);
    expect(body).not.toContain('data-processor'); // no job content, no env
  });

  it('invalid storage claim store options are CONFIG_INVALID with a path', () => {
    expect(() => createStorageClaimStore({ adapter: createMemoryStorageAdapter(), bucket: '' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', context: expect.objectContaining({ path: ['bucket'] }) }),
    );
  });
});

describe('issue 12: the unpriced rule', () => {
  const cluster = (router?: RouterFactory) => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));
    const names = ['a', 'b', 'c'];
    const polycloud = createPolycloud({
      providers: names.map((name) => ({ name, adapter: createMemoryComputeAdapter({ name, clock }) })),
      resources: [
        {
          resource_id: 'lc-1',
          type: 'LogicalCluster',
          providers: [
            { cloud: 'CLOUD_A', provider: 'a', physical_id: 'qa' },
            { cloud: 'CLOUD_B', provider: 'b', physical_id: 'qb', price: { vcpu_hour: 0.05 } },
            { cloud: 'CLOUD_C', provider: 'c', physical_id: 'qc', price: { vcpu_hour: 0.01 } },
          ],
        },
      ],
      clock,
      ...(router ? { router } : {}),
    });
    return polycloud.cluster('lc-1');
  };

  it('an unpriced binding does not tie with the cheapest priced one (was: CLOUD_A beat CLOUD_C at 0.01 by name order); explain shows the rule', async () => {
    const c = cluster(createRouter());
    const explained = c.explain(JOB);
    expect(explained.chosen).toBe('CLOUD_C');
    const a = explained.candidates.find((x) => x.binding === 'CLOUD_A')!;
    const cheapest = explained.candidates.find((x) => x.binding === 'CLOUD_C')!;
    expect(a.scores['relativePrice']).toBe(100);
    expect(cheapest.scores['relativePrice']).toBe(1);
    expect(a.weight).toBeLessThan(explained.candidates.find((x) => x.binding === 'CLOUD_B')!.weight);
    expect((await c.submit(JOB)).binding).toBe('CLOUD_C');
  });
});

describe('jobs started without this claim store', () => {
  it('two processes, each with its own default claim store (two CLI runs): the second finds the job the first placed on its second cloud', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const a = createMemoryComputeAdapter({ name: 'aws', clock, runMs: null });
    const b = createMemoryComputeAdapter({ name: 'gcp', clock, runMs: null });
    const process = () =>
      createPolycloud({
        providers: [
          { name: 'aws', adapter: a },
          { name: 'gcp', adapter: b },
        ],
        resources: [
          {
            resource_id: 'lc-1',
            type: 'LogicalCluster',
            providers: [
              { cloud: 'CLOUD_A', provider: 'aws', physical_id: 'qa' },
              { cloud: 'CLOUD_B', provider: 'gcp', physical_id: 'qb' },
            ],
          },
        ],
        clock,
      }).cluster('lc-1', { lookupSettleMs: 0 });
    a.failNextSubmits(1, 'QUOTA_EXCEEDED');
    const first = await process().submit(JOB);
    expect(first).toMatchObject({ binding: 'CLOUD_B', existing: false });
    const second = await process().submit(JOB);
    expect(second).toMatchObject({ binding: 'CLOUD_B', jobId: first.jobId, existing: true });
    expect([a.jobs().length, b.jobs().length]).toEqual([0, 1]);
  });
});

describe('the claim-store self-test under concurrency', () => {
  it('a caller whose signal aborts the shared self-test does not fail the other callers', async () => {
    const storage = createMemoryStorageAdapter({ buckets: ['claims'] });
    const inner = createStorageClaimStore({ adapter: storage, bucket: 'claims' });
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const claims: ClaimStore = {
      ...inner,
      name: inner.name,
      shared: true,
      create: async (k, r, o) => {
        // The probe waits for the gate, or ends with ABORTED when its signal (the first caller's) aborts.
        if (k.startsWith('_selftest/')) {
          await new Promise<void>((res, rej) => {
            void gate.then(res);
            o?.signal?.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
          });
        }
        return inner.create(k, r, o);
      },
    };
    const w = world({ claims });
    const impatient = new AbortController();
    const first = w.cluster.submit(JOB, { signal: impatient.signal });
    const second = w.cluster.submit(JOB);
    await w.clock.flush();
    impatient.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    const r = await drive(w.clock, second, 10);
    expect(r.value).toMatchObject({ existing: false });
  });
});
