import { describe, expect, it } from 'vitest';
import { createMemoryClaimStore, createPolycloud, type ErrorCode, type LogicalClusterClient, type Polycloud, type SubmittedJob } from '@polycloud/core';
import { seededRandom } from '@polycloud/core/spi';
import { createFakeClock, createFaultInjectingClaimStore, createFaultInjectingComputeAdapter, createMemoryComputeAdapter } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';

/**
 * Deterministic simulation of issue 12's adversarial run: 3 bindings behind the fault
 * injector (errors, hung calls, lost responses, outages), 2 hosts sharing one claim
 * store (itself behind the injector), 1,000 keys × 5 seeds, each key submitted by
 * both hosts concurrently and again in sequence; fake clock, fixed seeds.
 */

const SEEDS = [1, 2, 3, 4, 5];
const KEYS = 1000;
const BATCH = 100;
const CLOUDS = ['aws', 'gcp', 'azure'] as const;
const CODES: ErrorCode[] = ['UNAVAILABLE', 'QUOTA_EXCEEDED', 'RATE_LIMITED'];

interface Call {
  key: number;
  host: number;
  timeoutMs: number;
  start: number;
  end?: number;
  result?: SubmittedJob;
  error?: { code: string };
}

const jobOf = (i: number) => ({
  apiVersion: 'batch.mcp/v1',
  kind: 'DataJob',
  metadata: { name: `job-${i}` },
  spec: { image: 'data-processor:v1', env: { PART: String(i) }, resources: { cpu: 1, memory: '1Gi' } },
});

async function simulate(seed: number) {
  const random = seededRandom(seed * 7919);
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const inner = CLOUDS.map((name) => createMemoryComputeAdapter({ name, clock, runMs: 600_000 }));
  const faulty = inner.map((a, i) =>
    createFaultInjectingComputeAdapter(a, {
      clock,
      seed: seed * 100 + i,
      errorCode: CODES[i]!,
      retryable: true,
      errorRate: 0.05,
      timeoutRate: 0.03,
      timeoutMs: 600_000,
      lostResponseRate: { submit: 0.05, find: 0.02 },
      latencyMs: { min: 0, max: 20 },
    }),
  );
  // (Guarded so the file also runs on the code before claim stores, to show it catches duplicates there.)
  const claims = createFaultInjectingClaimStore(
    typeof createMemoryClaimStore === 'function' ? createMemoryClaimStore({ shared: true }) : ({ name: 'none', shared: false } as never),
    {
      clock,
      seed: seed * 100 + 99,
      errorRate: 0.01,
      lostResponseRate: 0.02,
      timeoutRate: 0.005,
      timeoutMs: 600_000,
    },
  );
  const hosts: { polycloud: Polycloud; cluster: LogicalClusterClient }[] = [0, 1].map((h) => {
    const polycloud = createPolycloud({
      providers: CLOUDS.map((name, i) => ({ name, adapter: faulty[i]! })),
      resources: [
        {
          resource_id: 'lc-sim',
          type: 'LogicalCluster',
          providers: CLOUDS.map((name, i) => ({ cloud: `CLOUD_${'ABC'[i]}`, provider: name, physical_id: `q-${name}` })),
        },
      ],
      clock,
      seed: seed * 31 + h,
      retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 400 },
      timeoutMs: 20_000,
      // Odd seeds: core's default router; even seeds: @polycloud/router.
      ...(seed % 2 === 0 ? { router: createRouter() } : {}),
    });
    return { polycloud, cluster: polycloud.cluster('lc-sim', { claims, lookupSettleMs: 200, attemptTimeoutMs: 2_000, claimPollMs: 100 }) };
  });

  const calls: Call[] = [];
  const submit = (key: number, host: number, crashAfterMs?: number): Promise<void> => {
    const timeoutMs = random() < 0.3 ? 5_000 : 20_000;
    const call: Call = { key, host, timeoutMs, start: clock.now() };
    calls.push(call);
    // A "crash": the caller's process stops mid-submit (its signal aborts); its claim is left as it was.
    const crash = crashAfterMs === undefined ? undefined : new AbortController();
    if (crash) clock.setTimeout(() => crash.abort(), crashAfterMs!);
    return hosts[host]!.cluster.submit(jobOf(key), { timeoutMs, ...(crash ? { signal: crash.signal } : {}) }).then(
      (r) => void Object.assign(call, { result: r, end: clock.now() }),
      (e: { code: string; message: string }) => void Object.assign(call, { error: { code: e.code, message: e.message }, end: clock.now() }),
    );
  };
  const drive = async (pending: Promise<unknown>) => {
    let done = false;
    void pending.then(() => (done = true));
    await clock.flush();
    while (!done) await clock.advance(50);
  };

  for (let first = 0; first < KEYS; first += BATCH) {
    const keys = Array.from({ length: BATCH }, (_, i) => first + i);
    // An outage of one binding during part of the concurrent round, in some batches.
    const down = random() < 0.4 ? Math.floor(random() * CLOUDS.length) : -1;
    if (down >= 0) faulty[down]!.outage(true);
    const round1 = keys.flatMap((k) => {
      const n = 2 + Math.floor(random() * 2); // 2 or 3 concurrent callers, over both hosts
      // One key in ten is first submitted by a host that dies 0–300 ms into the call.
      const crashed = random() < 0.1 ? [submit(k, 0, Math.floor(random() * 300))] : [];
      return [...crashed, ...Array.from({ length: n }, (_, j) => submit(k, (k + j) % 2))];
    });
    const lift = clock.now() + 1_500 + Math.floor(random() * 3_000);
    void (async () => {
      if (down < 0) return;
      while (clock.now() < lift) await new Promise((r) => setImmediate(r));
      faulty[down]!.outage(false);
    })();
    await drive(Promise.all(round1));
    if (down >= 0) faulty[down]!.outage(false);
    // In sequence: every key again, once or twice, from either host.
    const round2 = keys.flatMap((k) => Array.from({ length: 1 + Math.floor(random() * 2) }, () => submit(k, Math.floor(random() * 2))));
    await drive(Promise.all(round2));
  }
  for (const h of hosts) await h.polycloud.close();
  const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  const stats = [...faulty, claims].map((f) => f.stats());
  const faults = { errors: 0, hung: 0, lost: 0, outage: 0 };
  for (const st of stats) {
    faults.errors += sum(st.errors);
    faults.hung += sum(st.timeouts);
    faults.lost += sum(st.lostResponses);
    faults.outage += sum(st.outageRejections);
  }
  return { calls, inner, claims, faults, fakeMs: clock.now() - Date.UTC(2026, 0, 1) };
}

describe('simulation: a DataJob is never started twice (3 bindings, 2 hosts, 1,000 keys × 5 seeds)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const { calls, inner, faults, fakeMs } = await simulate(seed);
      const jobsByKey = new Map<string, { binding: number; jobId: string }[]>();
      inner.forEach((a, b) => {
        for (const j of a.jobs()) {
          const list = jobsByKey.get(j.idempotencyKey!) ?? [];
          list.push({ binding: b, jobId: j.jobId });
          jobsByKey.set(j.idempotencyKey!, list);
        }
      });
      // No key has more than one provider job.
      const duplicated = [...jobsByKey.entries()].filter(([, l]) => l.length > 1);
      expect(duplicated).toEqual([]);

      const byKey = new Map<number, Call[]>();
      for (const c of calls) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
      let late = 0;
      let failed = 0;
      for (const [, list] of byKey) {
        const ok = list.filter((c) => c.result);
        failed += list.length - ok.length;
        // Every caller of a key gets the same handle.
        expect(new Set(ok.map((c) => `${c.result!.binding}/${c.result!.jobId}/${c.result!.idempotencyKey}`)).size).toBeLessThanOrEqual(1);
        // No acknowledged submit without a job (on the binding it names).
        for (const c of ok) {
          const jobs = jobsByKey.get(c.result!.idempotencyKey) ?? [];
          expect(jobs.map((j) => `CLOUD_${'ABC'[j.binding]}/${j.jobId}`)).toContain(`${c.result!.binding}/${c.result!.jobId}`);
        }
        // `existing` is false for at most one caller: the one whose submit started the job.
        expect(ok.filter((c) => !c.result!.existing).length).toBeLessThanOrEqual(1);
        // No call past its deadline by more than 1 s.
        for (const c of list) if (c.end! - c.start > c.timeoutMs + 1_000) late++;
      }
      expect(late).toBe(0);
      const codes: Record<string, number> = {};
      for (const c of calls)
        if (c.error) codes[(c.error as { message?: string }).message!.slice(0, 90)] = (codes[(c.error as { message?: string }).message!.slice(0, 90)] ?? 0) + 1;
      const total = calls.length;
      // Most calls succeed despite the faults (a sanity bound, not the guarantee).
      expect(failed / total).toBeLessThan(0.2);
      expect(byKey.size).toBe(KEYS);
      expect(total).toBeGreaterThanOrEqual(KEYS * 3);
      console.log(
        `[simulation] seed ${seed}: ${total} submits of ${KEYS} keys, ${jobsByKey.size} jobs, 0 duplicates, ${failed} failed calls (${((failed / total) * 100).toFixed(1)} %, ${JSON.stringify(codes)}); injected ${JSON.stringify(faults)}; ${Math.round(fakeMs / 1000)} s fake time`,
      );
      expect(faults.errors * faults.hung * faults.lost * faults.outage).toBeGreaterThan(0);
    }, 120_000);
  }
});
