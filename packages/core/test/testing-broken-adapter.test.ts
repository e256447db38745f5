import { describe, expect, it } from 'vitest';
import type { ComputeAdapter, StorageAdapter } from '@polycloud/core/spi';
import { PolycloudError } from '@polycloud/core';
import {
  computeConformanceCases,
  createMemoryComputeAdapter,
  createMemoryStorageAdapter,
  type MemoryComputeAdapter,
  runComputeConformanceCases,
  runStorageConformanceCases,
  storageFaultCases,
  storageSkipReason,
} from '@polycloud/core/testing';

/** Wraps the memory adapter, replacing some methods with broken ones. */
function broken(overrides: (inner: StorageAdapter) => Partial<StorageAdapter>): StorageAdapter {
  const inner = createMemoryStorageAdapter({ buckets: ['b'] });
  return Object.assign(Object.create(null), inner, overrides(inner)) as StorageAdapter;
}

const failedCases = async (adapter: StorageAdapter) =>
  (await runStorageConformanceCases({ adapter, bucket: 'b' })).filter((r) => r.status === 'failed').map((r) => r.name);

describe('the storage conformance suite catches broken adapters', () => {
  it('the healthy memory adapter passes every case', async () => {
    const results = await runStorageConformanceCases({ adapter: createMemoryStorageAdapter({ buckets: ['b'] }), bucket: 'b' });
    expect(results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(25);
  });

  it('fails the idempotent-delete case when delete throws NOT_FOUND on a missing key', async () => {
    const adapter = broken((inner) => ({
      async delete(bucket, key, options) {
        await inner.head(bucket, key); // the bug: NOT_FOUND for a missing key
        return inner.delete(bucket, key, options);
      },
    }));
    expect(await failedCases(adapter)).toEqual([
      'delete removes the object and is idempotent (a missing key succeeds)',
      // its conditional delete of a missing key answers NOT_FOUND, not CONDITION_NOT_MET
      'delete with ifMatch: a stale token → CONDITION_NOT_MET and the object stays; the current token deletes',
    ]);
  });

  it('fails the listing cases when list ignores the prefix', async () => {
    const adapter = broken((inner) => ({ list: (bucket, options = {}) => inner.list(bucket, { ...options, prefix: '' }) }));
    const failed = await failedCases(adapter);
    expect(failed).toContain('list with a narrower prefix returns only matching keys; an unused prefix is an empty page');
    expect(failed).toContain('list returns every key under the prefix in UTF-8 byte order, with sizes and versionTokens');
  });

  it('fails the conditional-write cases when put ignores conditions', async () => {
    const adapter = broken((inner) => ({
      put: (bucket, key, body, { ifMatch: _m, ifNoneMatch: _n, ...rest } = {}) => inner.put(bucket, key, body, rest),
    }));
    const failed = await failedCases(adapter);
    expect(failed.filter((n) => n.startsWith('put with if'))).toHaveLength(3);
  });

  it("fails the create-only case when ifNoneMatch '*' on an existing key answers CONDITION_NOT_MET instead of ALREADY_EXISTS", async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'], ifNoneMatchFailure: 'CONDITION_NOT_MET' });
    const results = await runStorageConformanceCases({ adapter, bucket: 'b' });
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name)).toEqual([expect.stringMatching(/^put with ifNoneMatch '\*'.*ALREADY_EXISTS/)]);
    expect(String((failed[0]!.error as Error).message)).toContain('expected code ALREADY_EXISTS, got CONDITION_NOT_MET');
  });

  it('the fault case passes when a stopped storage answers UNAVAILABLE (retryable), and fails on any other code', async () => {
    const stopped = (failure: (operation: string) => Error) => {
      let down = false;
      const inner = createMemoryStorageAdapter({ buckets: ['b'] });
      const guard = (operation: string) => {
        if (down) throw failure(operation);
      };
      const adapter = broken(() => ({
        put: async (...a) => (guard('put'), inner.put(...a)),
        get: async (...a) => (guard('get'), inner.get(...a)),
        head: async (...a) => (guard('head'), inner.head(...a)),
        list: async (...a) => (guard('list'), inner.list(...a)),
        delete: async (...a) => (guard('delete'), inner.delete(...a)),
        ensureBucket: async (...a) => (guard('ensureBucket'), inner.ensureBucket(...a)),
        probe: async (...a) => (guard('probe'), inner.probe!(...a)),
      }));
      return { adapter, faults: { stop: async () => void (down = true), start: async () => void (down = false) } };
    };
    const run = async (failure: (operation: string) => Error) => {
      const { adapter, faults } = stopped(failure);
      const results = await runStorageConformanceCases({ adapter, bucket: 'b', cases: [], faults, faultCases: [storageFaultCases[0]!] });
      return results.map((r) => [r.status, String((r.error as Error | undefined)?.message ?? '')]);
    };
    expect(await run((operation) => new PolycloudError('UNAVAILABLE', 'down', { retryable: true, context: { operation } }))).toEqual([['passed', '']]);
    const notRetryable = await run((operation) => new PolycloudError('UNAVAILABLE', 'down', { retryable: false, context: { operation } }));
    expect(notRetryable).toEqual([['failed', expect.stringContaining('retryable')]]);
    const unexpected = await run((operation) => new PolycloudError('UNEXPECTED', 'down', { context: { operation } }));
    expect(unexpected).toEqual([['failed', expect.stringContaining('expected code UNAVAILABLE, got UNEXPECTED')]]);
  });

  it('fails when errors are plain Errors instead of PolycloudError codes', async () => {
    const adapter = broken((inner) => ({
      head: (bucket, key, options) =>
        inner.head(bucket, key, options).catch(() => {
          throw new Error('404');
        }),
    }));
    expect(await failedCases(adapter)).toContain('get and head of a missing key → NOT_FOUND');
  });

  it('skips a case the adapter does not declare, with the reason', async () => {
    const results = await runStorageConformanceCases({
      adapter: createMemoryStorageAdapter({ buckets: ['b'], capabilities: { copy: false } }),
      bucket: 'b',
      gaps: { presign: 'emulator cannot sign' },
    });
    const skipped = results.filter((r) => r.status === 'skipped').map((r) => r.reason);
    expect(skipped).toEqual(['adapter does not declare copy', 'presign: emulator cannot sign']);
  });

  it('a utf8ListOrder gap skips exactly the cases asserting byte order; without a gap they always run', async () => {
    const adapter = createMemoryStorageAdapter({ buckets: ['b'] });
    const results = await runStorageConformanceCases({ adapter, bucket: 'b', gaps: { utf8ListOrder: 'sorts case-insensitively' } });
    expect(results.filter((r) => r.status === 'skipped').map((r) => r.reason)).toEqual(Array(3).fill('utf8ListOrder: sorts case-insensitively'));
    expect(storageSkipReason({ ...adapter.capabilities, listDelimiter: false }, ['utf8ListOrder'])).toBeUndefined();
  });
});

describe('the compute conformance suite catches broken adapters', () => {
  const env = (overrides: (inner: MemoryComputeAdapter) => Partial<ComputeAdapter>) => {
    const inner = createMemoryComputeAdapter({ runMs: null });
    const adapter = Object.assign(Object.create(null), inner, overrides(inner)) as ComputeAdapter;
    return { adapter, target: { physicalId: 'q', options: {} }, complete: async (id: string, o: { exitCode: number }) => void (await inner.complete(id, o)) };
  };
  const failed = async (e: ReturnType<typeof env>) => (await runComputeConformanceCases(e)).filter((r) => r.status === 'failed').map((r) => r.name);

  it('the healthy memory adapter passes every case', async () => {
    expect(await failed(env(() => ({})))).toEqual([]);
  });

  it('cancels the jobs failing cases left running', async () => {
    // No complete hook and jobs that never end: the lifecycle cases time out…
    const inner = createMemoryComputeAdapter({ runMs: null });
    const env = { adapter: inner, target: { physicalId: 'q', options: {} }, jobTimeoutMs: 50 };
    const results = await runComputeConformanceCases(env, { cases: computeConformanceCases.filter((c) => c.name.startsWith('a job')) });
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
    // …and the suite cancels what they left behind.
    expect(inner.jobs().map((j) => j.state)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('fails the idempotency case when submit ignores the idempotency key', async () => {
    let n = 0;
    const broken = env((inner) => ({ submit: (t, job, o) => inner.submit(t, { ...job, idempotencyKey: `${job.idempotencyKey.slice(0, 50)}-${++n}` }, o) }));
    expect(await failed(broken)).toContain('create-or-fail: submit of an existing key fails with ALREADY_EXISTS and starts nothing');
  });

  it('fails the create-or-fail cases when submit returns the existing job instead of ALREADY_EXISTS (the earlier contract)', async () => {
    const broken = env((inner) => ({
      async submit(t, job, o) {
        return (await inner.find(t, job.idempotencyKey, o)) ?? inner.submit(t, job, o);
      },
    }));
    expect(await failed(broken)).toEqual(expect.arrayContaining(['create-or-fail: submit of an existing key fails with ALREADY_EXISTS and starts nothing']));
  });

  it('fails the cancel cases when cancel of a finished job throws', async () => {
    const broken = env((inner) => ({
      async cancel(t, id, o) {
        if ((await inner.status(t, id)).state !== 'RUNNING') throw new PolycloudError('CONFLICT', 'job is not running');
        return inner.cancel(t, id, o);
      },
    }));
    expect(await failed(broken)).toEqual([
      'cancel stops a running job (CANCELLED) and is idempotent',
      'cancel of a finished job succeeds and leaves its final state',
    ]);
  });

  it('fails the unknown-id case when status answers UNEXPECTED instead of NOT_FOUND', async () => {
    const broken = env((inner) => ({
      status: (t, id, o) =>
        inner.status(t, id, o).catch(() => {
          throw new PolycloudError('UNEXPECTED', 'boom');
        }),
    }));
    expect(await failed(broken)).toEqual(['status of an unknown job id → NOT_FOUND (and cancel too, when supported)']);
  });
});
