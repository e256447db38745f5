import { describe, expect, it } from 'vitest';
import type { ComputeJobRequest } from '@polycloud/core/spi';
import { createAdapterRegistry, isPolycloudError } from '@polycloud/core';
import { createFakeClock, createMemoryComputeAdapter, memoryComputeAdapterFactory } from '@polycloud/core/testing';

const target = { physicalId: 'queue-1', options: {} };
const job = (key: string, extra: Partial<ComputeJobRequest> = {}): ComputeJobRequest => ({
  name: key,
  idempotencyKey: key,
  image: 'img',
  env: {},
  cpu: 1,
  memoryMiB: 512,
  retries: 0,
  tags: {},
  ...extra,
});
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isPolycloudError(e) ? e.code : 'not-a-polycloud-error'),
  );

describe('createMemoryComputeAdapter', () => {
  it('moves PENDING → RUNNING → SUCCEEDED on the fake clock, with timestamps', async () => {
    const clock = createFakeClock(0);
    const m = createMemoryComputeAdapter({ clock, pendingMs: 100, runMs: 1_000 });
    const submitted = await m.submit(target, job('a'));
    expect(submitted).toMatchObject({ jobId: 'memory-job-1', idempotencyKey: 'a', state: 'PENDING' });
    await clock.advance(100);
    expect((await m.status(target, 'memory-job-1')).state).toBe('RUNNING');
    await clock.advance(999);
    expect((await m.status(target, 'memory-job-1')).state).toBe('RUNNING');
    await clock.advance(1);
    const done = await m.status(target, 'memory-job-1');
    expect(done).toMatchObject({ state: 'SUCCEEDED', exitCode: 0, logLocation: 'memory://jobs/memory-job-1/log' });
    expect([done.submittedAt?.getTime(), done.startedAt?.getTime(), done.finishedAt?.getTime()]).toEqual([0, 100, 1_100]);
  });

  it('per-job outcomes: non-zero exit → FAILED with the code; a timeoutSeconds shorter than the run → FAILED', async () => {
    const clock = createFakeClock(0);
    const m = createMemoryComputeAdapter({ clock, runMs: 5_000, outcome: (j) => (j.name === 'bad' ? { exitCode: 2, reason: 'boom' } : {}) });
    await m.submit(target, job('bad'));
    await m.submit(target, job('slow', { timeoutSeconds: 1 }));
    await clock.advance(5_000);
    expect(await m.status(target, 'memory-job-1')).toMatchObject({ state: 'FAILED', exitCode: 2, reason: 'boom' });
    const slow = await m.status(target, 'memory-job-2');
    expect(slow.state).toBe('FAILED');
    expect(slow.finishedAt?.getTime()).toBe(1_000);
  });

  it('create-or-fail submit per target: same key → ALREADY_EXISTS (nothing new); another target → another job', async () => {
    const m = createMemoryComputeAdapter({ runMs: null });
    const a = await m.submit(target, job('k'));
    expect(await codeOf(m.submit(target, job('k')))).toBe('ALREADY_EXISTS');
    expect((await m.find(target, 'k'))?.jobId).toBe(a.jobId);
    const other = await m.submit({ physicalId: 'queue-2', options: {} }, job('k'));
    expect(other.jobId).not.toBe(a.jobId);
    expect(m.jobs()).toHaveLength(2);
    expect(await codeOf(m.status({ physicalId: 'queue-2', options: {} }, a.jobId))).toBe('NOT_FOUND');
  });

  it('cancel is idempotent and keeps finished jobs as they are; unknown ids are NOT_FOUND', async () => {
    const m = createMemoryComputeAdapter({ runMs: null });
    const { jobId } = await m.submit(target, job('c'));
    await m.cancel(target, jobId);
    await m.cancel(target, jobId);
    expect((await m.status(target, jobId)).state).toBe('CANCELLED');
    const done = await m.submit(target, job('d'));
    await m.complete(done.jobId, { exitCode: 0 });
    await m.cancel(target, done.jobId);
    expect((await m.status(target, done.jobId)).state).toBe('SUCCEEDED');
    expect(await codeOf(m.cancel(target, 'memory-job-99'))).toBe('NOT_FOUND');
    expect(await codeOf(m.complete('memory-job-99'))).toBe('NOT_FOUND');
  });

  it('capacity: maxConcurrentJobs and failNextSubmits give retryable QUOTA_EXCEEDED; finished jobs free capacity', async () => {
    const clock = createFakeClock(0);
    const m = createMemoryComputeAdapter({ clock, runMs: 1_000, maxConcurrentJobs: 1 });
    await m.submit(target, job('one'));
    const error = await m.submit(target, job('two')).catch((e: unknown) => e);
    expect(isPolycloudError(error, 'QUOTA_EXCEEDED') && error.retryable).toBe(true);
    expect(await codeOf(m.submit(target, job('one')))).toBe('ALREADY_EXISTS'); // an existing key is refused before capacity is checked
    await clock.advance(1_000);
    await m.submit(target, job('two'));
    m.setMaxConcurrentJobs(undefined);
    m.failNextSubmits(1);
    expect(await codeOf(m.submit(target, job('three')))).toBe('QUOTA_EXCEEDED');
    expect(await codeOf(m.submit(target, job('three')))).toBe('ok');
  });

  it('validates keys and sizes; registers as type "memory"', async () => {
    const m = createMemoryComputeAdapter({ capabilities: { maxCpu: 2 } });
    expect(await codeOf(m.submit(target, job('Bad_Key')))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(m.submit(target, job('big', { cpu: 4 })))).toBe('INVALID_ARGUMENT');
    const registry = createAdapterRegistry([memoryComputeAdapterFactory]);
    expect(registry.createCompute('memory', { runMs: 10 }, { name: 'sim' }).name).toBe('sim');
    expect(() => registry.createCompute('memory', { runMs: -1 }, { name: 'sim' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', path: ['runMs'] }),
    );
  });
});
