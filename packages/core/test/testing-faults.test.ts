import { describe, expect, it } from 'vitest';
import { isPolycloudError, readAll } from '@polycloud/core';
import {
  createFakeClock,
  createFaultInjectingComputeAdapter,
  createFaultInjectingStorageAdapter,
  createMemoryComputeAdapter,
  createMemoryStorageAdapter,
} from '@polycloud/core/testing';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isPolycloudError(e) ? e.code : 'not-a-polycloud-error'),
  );

async function outcomes(seed: number, n = 200): Promise<string[]> {
  const adapter = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['b'] }), { seed, errorRate: 0.3 });
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await codeOf(adapter.put('b', `k${i}`, bytes('x'))));
  return out;
}

describe('createFaultInjectingStorageAdapter', () => {
  it('is deterministic: the same seed gives the same failure sequence, another seed a different one', async () => {
    const a = await outcomes(42);
    expect(await outcomes(42)).toEqual(a);
    expect(await outcomes(43)).not.toEqual(a);
    const failures = a.filter((c) => c === 'UNAVAILABLE').length;
    expect(failures).toBeGreaterThan(30); // ≈ 30 % of 200
    expect(failures).toBeLessThan(90);
    expect(new Set(a)).toEqual(new Set(['ok', 'UNAVAILABLE']));
  });

  it('applies rates per operation and injects the configured code; a failed put stores nothing', async () => {
    const inner = createMemoryStorageAdapter({ buckets: ['b'] });
    const adapter = createFaultInjectingStorageAdapter(inner, { errorRate: { put: 1 }, errorCode: 'RATE_LIMITED' });
    const error = await adapter.put('b', 'k', bytes('x')).catch((e: unknown) => e);
    expect(isPolycloudError(error, 'RATE_LIMITED') && error.retryable).toBe(true);
    expect(inner.cloud.keys('b')).toEqual([]);
    expect((await adapter.list('b')).objects).toEqual([]);
    expect(adapter.stats().errors).toEqual({ put: 1 });
  });

  it('outage(true) refuses every call with retryable UNAVAILABLE until outage(false)', async () => {
    const adapter = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['b'] }));
    await adapter.put('b', 'k', bytes('x'));
    adapter.outage(true);
    for (const call of [adapter.get('b', 'k'), adapter.head('b', 'k'), adapter.list('b'), adapter.delete('b', 'k'), adapter.probe!('b')]) {
      const e = await call.catch((x: unknown) => x);
      expect(isPolycloudError(e, 'UNAVAILABLE') && e.retryable).toBe(true);
    }
    adapter.outage(false);
    expect((await readAll((await adapter.get('b', 'k')).body)).toString()).toBe('x');
    expect(adapter.stats().outageRejections).toEqual({ get: 1, head: 1, list: 1, delete: 1, probe: 1 });
  });

  it('a lost response applies the write but reports UNAVAILABLE (for idempotency tests)', async () => {
    const inner = createMemoryStorageAdapter({ buckets: ['b'] });
    const adapter = createFaultInjectingStorageAdapter(inner, { lostResponseRate: { put: 1 } });
    expect(await codeOf(adapter.put('b', 'k', bytes('applied')))).toBe('UNAVAILABLE');
    expect(inner.cloud.getObject('b', 'k')?.data).toEqual(bytes('applied'));
  });

  it('latency and timeouts wait on the given clock; an abort ends a hung call with ABORTED', async () => {
    const clock = createFakeClock(0);
    const inner = createMemoryStorageAdapter({ buckets: ['b'] });
    const slow = createFaultInjectingStorageAdapter(inner, { clock, latencyMs: 200 });
    let done = false;
    const put = slow.put('b', 'k', bytes('x')).then(() => (done = true));
    await clock.advance(199);
    expect(done).toBe(false);
    await clock.advance(1);
    await put;
    expect(done).toBe(true);

    const hung = createFaultInjectingStorageAdapter(inner, { clock, timeoutRate: 1, timeoutMs: 5_000 });
    const timedOut = codeOf(hung.head('b', 'k'));
    await clock.advance(5_000);
    expect(await timedOut).toBe('TIMEOUT');

    const controller = new AbortController();
    const aborted = codeOf(hung.head('b', 'k', { signal: controller.signal }));
    await clock.advance(10);
    controller.abort();
    expect(await aborted).toBe('ABORTED');
  });

  it('failNext fails exactly the next calls of the named operations', async () => {
    const adapter = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['b'] }));
    adapter.failNext(2, 'PERMISSION_DENIED', ['put']);
    expect(await codeOf(adapter.list('b'))).toBe('ok');
    expect(await codeOf(adapter.put('b', 'k', bytes('x')))).toBe('PERMISSION_DENIED');
    expect(await codeOf(adapter.put('b', 'k', bytes('x')))).toBe('PERMISSION_DENIED');
    expect(await codeOf(adapter.put('b', 'k', bytes('x')))).toBe('ok');
    expect(adapter.stats().calls).toEqual({ list: 1, put: 3 });
  });

  it('setErrorRate changes behaviour at run time and validates its input', async () => {
    const adapter = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ buckets: ['b'] }));
    adapter.setErrorRate(1);
    expect(await codeOf(adapter.list('b'))).toBe('UNAVAILABLE');
    adapter.setErrorRate({ list: 0 });
    expect(await codeOf(adapter.list('b'))).toBe('ok');
    expect(() => adapter.setErrorRate(2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('rejects invalid options with CONFIG_INVALID naming the path', () => {
    const inner = createMemoryStorageAdapter();
    expect(() => createFaultInjectingStorageAdapter(inner, { errorRate: 1.5 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', path: ['errorRate'] }),
    );
  });
});

describe('createFaultInjectingComputeAdapter', () => {
  it('injects retryable QUOTA_EXCEEDED on submit and passes other calls through', async () => {
    const inner = createMemoryComputeAdapter({ runMs: null });
    const adapter = createFaultInjectingComputeAdapter(inner, { errorRate: { submit: 1 }, errorCode: 'QUOTA_EXCEEDED', retryable: true });
    const target = { physicalId: 'q', options: {} };
    const job = { name: 'j', idempotencyKey: 'j-1', image: 'i', env: {}, cpu: 1, memoryMiB: 512, retries: 0, tags: {} };
    const error = await adapter.submit(target, job).catch((e: unknown) => e);
    expect(isPolycloudError(error, 'QUOTA_EXCEEDED') && error.retryable).toBe(true);
    expect(inner.jobs()).toEqual([]);
    expect(await adapter.find(target, 'j-1')).toBeUndefined();
    adapter.setErrorRate(0);
    expect((await adapter.submit(target, job)).jobId).toBe('memory-job-1');
  });

  it('is deterministic per seed, like the storage injector', async () => {
    const run = async (seed: number) => {
      const adapter = createFaultInjectingComputeAdapter(createMemoryComputeAdapter({ runMs: null }), { seed, errorRate: { status: 0.5 } });
      const target = { physicalId: 'q', options: {} };
      const { jobId } = await adapter.submit(target, { name: 'j', idempotencyKey: 'j', image: 'i', env: {}, cpu: 1, memoryMiB: 1, retries: 0, tags: {} });
      const out: string[] = [];
      for (let i = 0; i < 60; i++) out.push(await codeOf(adapter.status(target, jobId)));
      return out;
    };
    const a = await run(9);
    expect(await run(9)).toEqual(a);
    expect(await run(10)).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set(['ok', 'UNAVAILABLE']));
  });
});
