import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY, isPolycloudError } from '@polycloud/core/spi';
import { createAdapterRegistry, createPolycloud, localComputeAdapterFactory } from '@polycloud/core';
import { controllerOptionsFromConfig, createDataJobController, idempotencyKeyForUid } from '@polycloud/kubernetes';
import { nextLeaseStep, observe, stillLeading } from '../src/controller/leader-state.js';
import { dispatchingStatus, pendingStatus, phaseOf, refusedStatus, setCondition, statusFromJob } from '../src/controller/status.js';
import { explanationText } from '../src/controller/explain-text.js';

describe('idempotencyKeyForUid', () => {
  it('gives dj-<uid> for a UUID, valid for core, deterministic', () => {
    const uid = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
    const key = idempotencyKeyForUid(uid);
    expect(key).toBe('dj-3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    expect(key).toMatch(IDEMPOTENCY_KEY);
    expect(idempotencyKeyForUid(uid)).toBe(key);
  });
  it('hashes any uid that does not slug into a valid key, and keeps distinct uids distinct', () => {
    const odd = ['', '---', 'x'.repeat(200), 'a--b__c', '日本'];
    const keys = odd.map(idempotencyKeyForUid);
    for (const k of keys) expect(k).toMatch(IDEMPOTENCY_KEY);
    expect(new Set(keys).size).toBe(odd.length);
    expect(idempotencyKeyForUid('x'.repeat(200))).toMatch(/^dj-[0-9a-f]{32}$/);
  });
});

describe('leader election steps', () => {
  const t = { leaseDurationMs: 1000 };
  it('creates a missing Lease, renews its own, takes a released one', () => {
    expect(nextLeaseStep(undefined, undefined, 'a', 0, t)).toEqual({ action: 'create' });
    expect(nextLeaseStep({ resourceVersion: '5', holderIdentity: 'a', leaseTransitions: 2 }, undefined, 'a', 0, t)).toEqual({
      action: 'renew',
      transitions: 2,
    });
    expect(nextLeaseStep({ resourceVersion: '5', leaseTransitions: 2 }, undefined, 'a', 0, t)).toEqual({ action: 'takeover', transitions: 3 });
  });
  it('takes a Lease held by another only after seeing it unchanged for the whole duration, on its own clock', () => {
    const lease = { resourceVersion: '7', holderIdentity: 'b', leaseDurationSeconds: 1, leaseTransitions: 0 };
    let seen = observe(lease, undefined, 100);
    expect(nextLeaseStep(lease, seen, 'a', 100, t)).toMatchObject({ action: 'wait', holder: 'b', expiresInMs: 1000 });
    expect(nextLeaseStep(lease, seen, 'a', 1099, t)).toMatchObject({ action: 'wait' });
    expect(nextLeaseStep(lease, seen, 'a', 1100, t)).toEqual({ action: 'takeover', transitions: 1 });
    // A renewal (new resourceVersion) restarts the wait.
    const renewed = { ...lease, resourceVersion: '8' };
    seen = observe(renewed, seen, 1050);
    expect(nextLeaseStep(renewed, seen, 'a', 1100, t)).toMatchObject({ action: 'wait', expiresInMs: 950 });
  });
  it("respects the holder's longer leaseDurationSeconds", () => {
    const lease = { resourceVersion: '1', holderIdentity: 'b', leaseDurationSeconds: 30 };
    expect(nextLeaseStep(lease, observe(lease, undefined, 0), 'a', 5000, t)).toMatchObject({ action: 'wait', expiresInMs: 25_000 });
  });
  it('a holder leads only within the renew deadline of its last successful renewal', () => {
    expect(stillLeading(undefined, 0, 500)).toBe(false);
    expect(stillLeading(1000, 1499, 500)).toBe(true);
    expect(stillLeading(1000, 1500, 500)).toBe(false);
  });
});

describe('status computation', () => {
  const now = new Date('2026-01-02T03:04:05.678Z');
  const later = new Date('2026-01-02T03:05:00.000Z');
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const a = setCondition(undefined, { type: 'Running', status: 'True', reason: 'Running', message: 'x' }, now);
    const b = setCondition(a, { type: 'Running', status: 'True', reason: 'Running', message: 'y' }, later);
    expect(b[0]).toMatchObject({ lastTransitionTime: '2026-01-02T03:04:05Z', message: 'y' });
    const c = setCondition(b, { type: 'Running', status: 'False', reason: 'Completed', message: 'z' }, later);
    expect(c[0]!.lastTransitionTime).toBe('2026-01-02T03:05:00Z');
  });
  it('walks Dispatching → Pending → Running → Succeeded with times and conditions', () => {
    const d = dispatchingStatus({}, { binding: 'b1', cloud: 'CLOUD_A', message: 'chose binding b1' }, 3, now);
    expect(d).toMatchObject({ phase: 'Dispatching', binding: 'b1', cloud: 'CLOUD_A', observedGeneration: 3 });
    expect(d.conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'chose binding b1', lastTransitionTime: '2026-01-02T03:04:05Z' },
    ]);
    const p = statusFromJob(d, { jobId: 'j1', state: 'PENDING' }, 3, now);
    expect(p).toMatchObject({ phase: 'Pending', providerJobId: 'j1', startTime: '2026-01-02T03:04:05Z' });
    const r = statusFromJob(p, { jobId: 'j1', state: 'RUNNING' }, 3, later);
    expect(r.phase).toBe('Running');
    expect(r.startTime).toBe('2026-01-02T03:04:05Z');
    const s = statusFromJob(r, { jobId: 'j1', state: 'SUCCEEDED', exitCode: 0, finishedAt: later }, 3, later);
    expect(s).toMatchObject({ phase: 'Succeeded', completionTime: '2026-01-02T03:05:00Z' });
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['Dispatched', 'True', 'Dispatched'],
      ['Running', 'False', 'Completed'],
      ['Completed', 'True', 'Completed'],
    ]);
  });
  it('maps provider states to phases, failures with their reason', () => {
    expect(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'].map((s) => phaseOf(s as never))).toEqual([
      'Pending',
      'Running',
      'Succeeded',
      'Failed',
      'Cancelled',
    ]);
    const f = statusFromJob({ binding: 'b' }, { jobId: 'j', state: 'FAILED', reason: 'exit code 3' }, undefined, now);
    expect(f.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ status: 'False', reason: 'Failed', message: 'exit code 3' });
  });
  it('a refusal fails the job with the Accepted=False condition; pending clears the placement', () => {
    const r = refusedStatus({}, 'Invalid', 'spec.image: Required', 1, now);
    expect(r).toMatchObject({ phase: 'Failed', observedGeneration: 1, completionTime: '2026-01-02T03:04:05Z' });
    expect(r.conditions?.[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'Invalid', message: 'spec.image: Required' });
    const p = pendingStatus({ binding: 'b', cloud: 'c', phase: 'Dispatching' }, 'Rejected', 'quota', 1, now);
    expect(p.binding).toBeUndefined();
    expect(p.cloud).toBeUndefined();
    expect(p.phase).toBe('Pending');
  });
});

describe('explanationText', () => {
  it('names the choice and every candidate with verdict and scores, capped at 1000 characters', () => {
    const text = explanationText({
      resource: 'lc',
      operation: 'submit',
      chosen: 'cheap',
      panic: false,
      candidates: [
        { binding: 'dear', provider: 'local', cloud: 'B', region: 'us-east-1', verdict: 'ok', weight: 0.2, scores: { price: 0.25 }, rank: 1 },
        { binding: 'cheap', provider: 'local', cloud: 'A', region: 'us-east-1', verdict: 'ok', weight: 0.8, scores: { price: 1, latencyMs: 3 }, rank: 0 },
        { binding: 'eu', provider: 'local', cloud: 'C', verdict: 'residency', detail: 'not in eu', weight: 0, scores: {} },
      ],
    });
    expect(text).toMatch(/^chose binding cheap; candidates: cheap \(A us-east-1\) weight 0.8 \[price=1\]; dear .*; eu \(C\) refused: residency \(not in eu\)$/);
    expect(text).not.toContain('latencyMs');
    const long = explanationText({
      resource: 'lc',
      operation: 'submit',
      panic: false,
      candidates: Array.from({ length: 50 }, (_, i) => ({
        binding: `b${i}-${'x'.repeat(30)}`,
        provider: 'p',
        cloud: 'c',
        verdict: 'unhealthy' as const,
        weight: 0,
        scores: {},
      })),
    });
    expect(long.length).toBe(1000);
    expect(long.startsWith('no binding can take the job')).toBe(true);
  });
});

describe('controller options', () => {
  const polycloud = () =>
    createPolycloud({
      registry: createAdapterRegistry([localComputeAdapterFactory]),
      providers: [{ name: 'l', type: 'local' }],
      resources: [{ resource_id: 'lc-1', type: 'LogicalCluster', providers: [{ cloud: 'A', provider: 'l', physical_id: 'p' }] }],
    });
  it('refuses bad options with INVALID_ARGUMENT at their path', () => {
    const pc = polycloud();
    try {
      expect(() => createDataJobController({ polycloud: pc, cluster: 'lc-1', namespace: 'Bad_NS' })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', context: expect.objectContaining({ path: ['namespace'] }) }),
      );
      expect(() => createDataJobController({ polycloud: pc, cluster: 'lc-1', leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 1000 } })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', context: expect.objectContaining({ path: ['leaderElection', 'renewDeadlineMs'] }) }),
      );
      expect(() => createDataJobController({ polycloud: pc, cluster: 'nope', kubeConfig: { file: '/nonexistent' } })).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    } finally {
      void pc.close();
    }
  });
  it('reads the config section: the only cluster by default, seconds to ms, errors under controller.…', () => {
    const pc = polycloud();
    try {
      const o = controllerOptionsFromConfig(
        {
          namespace: ['a', 'b'],
          kubeconfig: '/k/config',
          lease: { name: 'l', durationSeconds: 3, renewDeadlineSeconds: '2', retryPeriodSeconds: 0.5 },
          resyncSeconds: 1,
        },
        pc,
      );
      expect(o).toMatchObject({
        cluster: 'lc-1',
        namespace: ['a', 'b'],
        kubeConfig: { file: '/k/config' },
        leaderElection: { name: 'l', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
        resyncMs: 1000,
      });
      expect(controllerOptionsFromConfig({ cluster: 'x' }, pc, { cluster: 'lc-1', namespace: ['n'], identity: 'me' })).toMatchObject({
        cluster: 'lc-1',
        namespace: ['n'],
        leaderElection: { identity: 'me' },
      });
      let error: unknown;
      try {
        controllerOptionsFromConfig({ lease: { duration: 3 } }, pc);
      } catch (e) {
        error = e;
      }
      expect(isPolycloudError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as { context: { issues: { path: unknown[] }[] } }).context.issues[0]!.path).toEqual(['controller', 'lease', 'duration']);
    } finally {
      void pc.close();
    }
  });
});
