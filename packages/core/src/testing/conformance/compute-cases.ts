import { type JobState, TERMINAL_JOB_STATES } from '@polycloud/core/spi';
import { equal, ok, rejectsWithCode } from './assert.js';
import type { ComputeConformanceCase } from './compute-types.js';
import { createFaultInjectingComputeAdapter } from '../faults/compute.js';

const STATES: readonly JobState[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** Every compute conformance case, as data. */
export const computeConformanceCases: readonly ComputeConformanceCase[] = Object.freeze([
  {
    name: 'submit returns a job id and a valid state, echoing the idempotency key',
    needs: [],
    async run(ctx) {
      const job = ctx.job('submit', { kind: 'exit', exitCode: 0 });
      const status = await ctx.adapter.submit(ctx.target, job);
      ok(typeof status.jobId === 'string' && status.jobId.length > 0, 'submit() returns a non-empty jobId');
      ok(STATES.includes(status.state), `submit() returns a valid state, got ${String(status.state)}`);
      if (status.idempotencyKey !== undefined) equal(status.idempotencyKey, job.idempotencyKey, 'idempotencyKey echoed');
      await ctx.finish(status.jobId, 0);
    },
  },
  {
    name: 'a job moves through PENDING / RUNNING to SUCCEEDED with exit code 0',
    needs: [],
    async run(ctx) {
      const { jobId } = await ctx.adapter.submit(ctx.target, ctx.job('succeed', { kind: 'exit', exitCode: 0 }));
      if (ctx.complete) {
        const before = await ctx.adapter.status(ctx.target, jobId);
        ok(before.state === 'PENDING' || before.state === 'RUNNING', `before completion the job is PENDING or RUNNING, got ${before.state}`);
      }
      const done = await ctx.finish(jobId, 0);
      equal(done.state, 'SUCCEEDED', 'final state');
      equal(done.jobId, jobId, 'status().jobId');
      if (ctx.adapter.capabilities.exitCode) equal(done.exitCode, 0, 'exit code');
      equal((await ctx.adapter.status(ctx.target, jobId)).state, 'SUCCEEDED', 'a terminal state stays terminal');
    },
  },
  {
    name: 'a job exiting non-zero ends FAILED with its exit code',
    needs: [],
    async run(ctx) {
      const { jobId } = await ctx.adapter.submit(ctx.target, ctx.job('fail', { kind: 'exit', exitCode: 3 }));
      const done = await ctx.finish(jobId, 3);
      equal(done.state, 'FAILED', 'final state');
      if (ctx.adapter.capabilities.exitCode) equal(done.exitCode, 3, 'exit code');
    },
  },
  {
    name: 'create-or-fail: submit of an existing key fails with ALREADY_EXISTS and starts nothing',
    needs: ['idempotentSubmit'],
    async run(ctx) {
      const job = ctx.job('twice', { kind: 'exit', exitCode: 0 });
      const first = await ctx.adapter.submit(ctx.target, job);
      await rejectsWithCode(() => ctx.adapter.submit(ctx.target, job), 'ALREADY_EXISTS', 'a second submit of the key');
      equal((await ctx.adapter.find(ctx.target, job.idempotencyKey))?.jobId, first.jobId, 'find() after the refused submit returns the first job');
      const live = await ctx.adapter.status(ctx.target, first.jobId);
      ok(
        live.state === 'PENDING' || live.state === 'RUNNING' || live.state === 'SUCCEEDED',
        `the first job is untouched by the refused submit, got ${live.state}`,
      );
      await ctx.finish(first.jobId, 0);
      await rejectsWithCode(() => ctx.adapter.submit(ctx.target, job), 'ALREADY_EXISTS', 'a submit after the job finished (not a new run)');
      equal((await ctx.adapter.find(ctx.target, job.idempotencyKey))?.jobId, first.jobId, 'find() still returns the finished first job');
    },
  },
  {
    name: 'find returns the job by idempotency key, and undefined for an unknown key',
    needs: [],
    async run(ctx) {
      const job = ctx.job('find', { kind: 'exit', exitCode: 0 });
      const { jobId } = await ctx.adapter.submit(ctx.target, job);
      const found = await ctx.adapter.find(ctx.target, job.idempotencyKey);
      equal(found?.jobId, jobId, 'find() by key');
      equal(await ctx.adapter.find(ctx.target, `${job.idempotencyKey}-none`.slice(0, 63)), undefined, 'find() of an unknown key');
      await ctx.finish(jobId, 0);
    },
  },
  {
    name: 'create-or-fail: of concurrent submits of one key one creates the job, the others fail with ALREADY_EXISTS',
    needs: ['idempotentSubmit'],
    async run(ctx) {
      const job = ctx.job('concurrent', { kind: 'exit', exitCode: 0 });
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => ctx.adapter.submit(ctx.target, job)));
      const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string }] : []));
      equal(created.length, 1, `4 concurrent submits of one key created ${created.length} jobs`);
      ok(
        refused.every((e) => e.code === 'ALREADY_EXISTS'),
        `the other submits fail with ALREADY_EXISTS, got ${refused.map((e) => e.code).join(', ')}`,
      );
      const found = await ctx.adapter.find(ctx.target, job.idempotencyKey);
      equal(found?.jobId, created[0]!.jobId, 'find() after concurrent submits returns that job');
      await ctx.finish(created[0]!.jobId, 0);
    },
  },
  {
    name: 'find by key under faults: a submit whose answer was lost is found, and resubmitting fails with ALREADY_EXISTS',
    needs: ['idempotentSubmit'],
    async run(ctx) {
      const lossy = createFaultInjectingComputeAdapter(ctx.adapter, { lostResponseRate: { submit: 1 } });
      const job = ctx.job('lost-answer', { kind: 'exit', exitCode: 0 });
      await rejectsWithCode(() => lossy.submit(ctx.target, job), 'UNAVAILABLE', 'the injected lost answer');
      const found = await ctx.adapter.find(ctx.target, job.idempotencyKey);
      ok(found !== undefined, 'find() returns the job whose submit answer was lost');
      await rejectsWithCode(() => ctx.adapter.submit(ctx.target, job), 'ALREADY_EXISTS', 'resubmitting the accepted job');
      equal((await ctx.adapter.find(ctx.target, job.idempotencyKey))?.jobId, found!.jobId, 'find() still returns the accepted job');
      await ctx.finish(found!.jobId, 0);
    },
  },
  {
    name: 'find matches the whole key: a key that is a prefix of a submitted one is not found',
    needs: [],
    async run(ctx) {
      const job = ctx.job('prefix-match-longer', { kind: 'exit', exitCode: 0 });
      const { jobId } = await ctx.adapter.submit(ctx.target, job);
      const prefix = job.idempotencyKey.slice(0, job.idempotencyKey.length - '-longer'.length);
      equal(await ctx.adapter.find(ctx.target, prefix), undefined, 'find() of a prefix of a submitted key');
      equal((await ctx.adapter.find(ctx.target, job.idempotencyKey))?.jobId, jobId, 'find() of the key itself');
      await ctx.finish(jobId, 0);
    },
  },
  {
    name: 'cancel stops a running job (CANCELLED) and is idempotent',
    needs: ['cancel'],
    async run(ctx) {
      const { jobId } = await ctx.adapter.submit(ctx.target, ctx.job('cancel', { kind: 'sleep', seconds: 300 }));
      await ctx.adapter.cancel(ctx.target, jobId);
      await ctx.adapter.cancel(ctx.target, jobId);
      const done = await ctx.waitTerminal(jobId);
      equal(done.state, 'CANCELLED', 'state after cancel');
      await ctx.adapter.cancel(ctx.target, jobId);
    },
  },
  {
    name: 'cancel of a finished job succeeds and leaves its final state',
    needs: ['cancel'],
    async run(ctx) {
      const { jobId } = await ctx.adapter.submit(ctx.target, ctx.job('cancel-done', { kind: 'exit', exitCode: 0 }));
      await ctx.finish(jobId, 0);
      await ctx.adapter.cancel(ctx.target, jobId);
      const after = await ctx.adapter.status(ctx.target, jobId);
      ok(TERMINAL_JOB_STATES.has(after.state) && after.state === 'SUCCEEDED', `a finished job stays SUCCEEDED after cancel, got ${after.state}`);
    },
  },
  {
    name: 'status of an unknown job id → NOT_FOUND (and cancel too, when supported)',
    needs: [],
    async run(ctx) {
      await rejectsWithCode(() => ctx.adapter.status(ctx.target, ctx.unknownJobId), 'NOT_FOUND', 'status() of an unknown id');
      if (ctx.adapter.capabilities.cancel) {
        await rejectsWithCode(() => ctx.adapter.cancel(ctx.target, ctx.unknownJobId), 'NOT_FOUND', 'cancel() of an unknown id');
      }
    },
  },
]);
