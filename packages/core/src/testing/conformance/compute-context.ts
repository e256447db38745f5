import { type ComputeJobRequest, type JobStatus, TERMINAL_JOB_STATES } from '@polycloud/core/spi';
import { ok } from './assert.js';
import type { ComputeCaseContext, ComputeConformanceEnv, ComputeJobBehaviour } from './compute-types.js';

const defaultTemplate = (b: ComputeJobBehaviour): Partial<ComputeJobRequest> => ({
  image: 'busybox:1.36',
  command: ['sh', '-c', b.kind === 'exit' ? `exit ${b.exitCode}` : `sleep ${b.seconds}`],
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds the context the compute cases run with; `runId` is `[a-z0-9]`, short. */
export function computeCaseContext(env: ComputeConformanceEnv, runId: string): ComputeCaseContext {
  const template = env.jobTemplate ?? defaultTemplate;
  const timeoutMs = env.jobTimeoutMs ?? 60_000;
  const keys: string[] = [];
  const ctx: ComputeCaseContext = {
    keys,
    adapter: env.adapter,
    target: env.target,
    ...(env.complete ? { complete: env.complete } : {}),
    unknownJobId: env.unknownJobId ?? `pc-conformance-missing-${runId}`,
    job: (name, behaviour) => {
      const idempotencyKey = `pcc-${runId}-${name}`.slice(0, 63);
      if (!keys.includes(idempotencyKey)) keys.push(idempotencyKey);
      return {
        name: `conformance-${name}`,
        idempotencyKey,
        image: 'busybox:1.36',
        env: { POLYCLOUD_CONFORMANCE: '1' },
        cpu: 0.25,
        memoryMiB: 256,
        retries: 0,
        tags: { purpose: 'conformance' },
        ...template(behaviour),
      };
    },
    async waitTerminal(jobId) {
      const deadline = Date.now() + timeoutMs;
      for (let delay = 20; ; delay = Math.min(delay * 2, 1000)) {
        const status: JobStatus = await env.adapter.status(env.target, jobId);
        if (TERMINAL_JOB_STATES.has(status.state)) return status;
        ok(Date.now() < deadline, `job ${jobId} still ${status.state} after ${timeoutMs} ms`);
        await pause(delay);
      }
    },
    async finish(jobId, exitCode) {
      if (env.complete) await env.complete(jobId, { exitCode });
      return ctx.waitTerminal(jobId);
    },
  };
  return ctx;
}

/** Cancels every job of this run that is still PENDING or RUNNING (best effort, after the cases). */
export async function cancelLeftoverJobs(ctx: ComputeCaseContext): Promise<void> {
  if (!ctx.adapter.capabilities.cancel) return;
  for (const key of ctx.keys) {
    try {
      const status = await ctx.adapter.find(ctx.target, key);
      if (status && !TERMINAL_JOB_STATES.has(status.state)) await ctx.adapter.cancel(ctx.target, status.jobId);
    } catch {
      // best effort: cleanup must not hide the cases' own results
    }
  }
}
