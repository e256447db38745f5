import type { ComputeAdapter, ComputeCapabilities, ComputeJobRequest, ComputeTarget } from '@polycloud/core/spi';
import type { JobStatus } from '@polycloud/core';
import { PolycloudError } from '@polycloud/core';

/** One scripted outcome of the next submit call on a fake binding. */
export type SubmitScript =
  | { kind: 'reject'; error: PolycloudError }
  /** The provider accepts the job, but the caller sees `error` (e.g. a timeout on the response). */
  | { kind: 'accept-then-fail'; error: PolycloudError };

/** A stateful fake compute backend for facade tests: records every call. */
export interface FakeCompute extends ComputeAdapter {
  jobs: Map<string, { target: string; request: ComputeJobRequest; status: JobStatus }>;
  calls: { op: string; target: string; key?: string }[];
  script: SubmitScript[];
  /** Fail the next N find calls with UNAVAILABLE. */
  findFailures: number;
  complete(jobId: string, exitCode: number): void;
  setState(jobId: string, state: JobStatus['state']): void;
}

export function createFakeCompute(name: string, caps: Partial<ComputeCapabilities> = {}): FakeCompute {
  const jobs: FakeCompute['jobs'] = new Map();
  const calls: FakeCompute['calls'] = [];
  let seq = 0;
  const fake: FakeCompute = {
    type: 'fake',
    name,
    capabilities: { cancel: true, idempotentSubmit: true, exitCode: true, logs: false, maxCpu: 96, maxMemoryMiB: 1 << 20, ...caps },
    jobs,
    calls,
    script: [],
    findFailures: 0,
    async submit(target: ComputeTarget, request: ComputeJobRequest) {
      calls.push({ op: 'submit', target: target.physicalId, key: request.idempotencyKey });
      const existing = [...jobs.values()].find((j) => j.target === target.physicalId && j.request.idempotencyKey === request.idempotencyKey);
      // Create-or-fail, as the ComputeAdapter contract says.
      if (existing)
        throw new PolycloudError('ALREADY_EXISTS', `a job with key ${request.idempotencyKey} exists (${existing.status.jobId})`, { retryable: false });
      const step = fake.script.shift();
      if (step?.kind === 'reject') throw step.error;
      const jobId = `${name}-job-${++seq}`;
      const status: JobStatus = { jobId, idempotencyKey: request.idempotencyKey, state: 'PENDING', submittedAt: new Date() };
      jobs.set(jobId, { target: target.physicalId, request, status });
      if (step?.kind === 'accept-then-fail') throw step.error;
      return { ...status };
    },
    async find(target: ComputeTarget, key: string) {
      calls.push({ op: 'find', target: target.physicalId, key });
      if (fake.findFailures > 0) {
        fake.findFailures--;
        throw new PolycloudError('UNAVAILABLE', 'find failed');
      }
      const j = [...jobs.values()].find((x) => x.target === target.physicalId && x.request.idempotencyKey === key);
      return j && { ...j.status };
    },
    async status(target: ComputeTarget, jobId: string) {
      calls.push({ op: 'status', target: target.physicalId, key: jobId });
      const j = jobs.get(jobId);
      if (!j) throw new PolycloudError('NOT_FOUND', `no job ${jobId}`, { retryable: false });
      return { ...j.status };
    },
    async cancel(target: ComputeTarget, jobId: string) {
      calls.push({ op: 'cancel', target: target.physicalId, key: jobId });
      const j = jobs.get(jobId);
      if (!j) throw new PolycloudError('NOT_FOUND', `no job ${jobId}`, { retryable: false });
      if (j.status.state === 'PENDING' || j.status.state === 'RUNNING') j.status = { ...j.status, state: 'CANCELLED', finishedAt: new Date() };
    },
    complete(jobId: string, exitCode: number) {
      const j = jobs.get(jobId)!;
      j.status = { ...j.status, state: exitCode === 0 ? 'SUCCEEDED' : 'FAILED', exitCode, finishedAt: new Date() };
    },
    setState(jobId: string, state: JobStatus['state']) {
      const j = jobs.get(jobId)!;
      j.status = { ...j.status, state };
    },
  };
  return fake;
}

/** The original design's DataJob, with a portable command added (the local adapter runs commands, not images). */
export { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';

export const submits = (fake: FakeCompute) => fake.calls.filter((c) => c.op === 'submit');
