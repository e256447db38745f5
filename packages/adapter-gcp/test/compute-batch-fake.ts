import type { GcpBatchClient } from '@polycloud/adapter-gcp';
import type { GcpCreateJobRequest, GcpJob } from '../src/compute/client.js';
import { GRPC } from '../src/compute/errors.js';

const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

/** A stateful stand-in for BatchServiceClient (v1): records requests, answers as the API documents. */
export function createFakeGcpBatch() {
  const jobs = new Map<string, GcpJob>();
  const requests: { method: string; request: unknown }[] = [];
  let uid = 0;
  /** Jobs whose cancellation finishes (CANCELLED) at the next GetJob, as Cloud Batch does shortly after CancelJob. */
  const cancelling = new Set<string>();
  /** Errors the next calls of a method throw (then behave normally). */
  const failNext: Record<string, Error[]> = {};
  const maybeFail = (method: string) => {
    const e = failNext[method]?.shift();
    if (e) throw e;
  };
  const client: GcpBatchClient = {
    async createJob(request: GcpCreateJobRequest) {
      requests.push({ method: 'createJob', request: structuredClone(request) });
      maybeFail('createJob');
      const name = `${request.parent}/jobs/${request.jobId}`;
      if (jobs.has(name)) throw grpcError(GRPC.ALREADY_EXISTS, `Job ${name} already exists`);
      const job: GcpJob = {
        ...structuredClone(request.job!),
        name,
        uid: `${request.jobId}-uid-${++uid}`,
        status: { state: 'QUEUED' as never, statusEvents: [] },
        createTime: { seconds: 1_768_000_000, nanos: 0 },
        updateTime: { seconds: 1_768_000_000, nanos: 0 },
      };
      jobs.set(name, job);
      return [structuredClone(job)];
    },
    async getJob(request: { name: string }) {
      requests.push({ method: 'getJob', request });
      maybeFail('getJob');
      const job = jobs.get(request.name);
      if (!job) throw grpcError(GRPC.NOT_FOUND, `Resource not found: ${request.name}`);
      const before = structuredClone(job);
      if (cancelling.delete(request.name) && String(job.status?.state) === 'CANCELLATION_IN_PROGRESS')
        job.status = { ...job.status, state: 'CANCELLED' as never };
      return [before];
    },
    async cancelJob(request: { name: string }) {
      requests.push({ method: 'cancelJob', request });
      maybeFail('cancelJob');
      const job = jobs.get(request.name);
      if (!job) throw grpcError(GRPC.NOT_FOUND, `Resource not found: ${request.name}`);
      const state = String(job.status?.state);
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') throw grpcError(GRPC.FAILED_PRECONDITION, 'job already finished');
      job.status = { ...job.status, state: 'CANCELLATION_IN_PROGRESS' as never };
      cancelling.add(request.name);
      return [{ name: `operations/cancel-${uid}` }];
    },
    async close() {},
  };
  const jobByKey = (key: string) => [...jobs.values()].find((j) => j.name!.endsWith(`/jobs/${key}`));
  return {
    client,
    jobs,
    requests,
    failNext,
    grpcError,
    setState(jobId: string, state: string, exitCode?: number) {
      const job = jobByKey(jobId)!;
      const events = [...(job.status?.statusEvents ?? [])];
      if (exitCode !== undefined) {
        events.push({
          type: 'TASK_STATE_CHANGED',
          description: `Task state is updated from RUNNING to ${state} with exit code ${exitCode}`,
          taskExecution: { exitCode },
          taskState: state as never,
        });
      }
      job.status = { ...job.status, state: state as never, statusEvents: events };
      job.updateTime = { seconds: 1_768_000_600, nanos: 0 };
    },
    /** Drives a job to completion, as Cloud Batch reports it. */
    complete(jobId: string, exitCode: number) {
      this.setState(jobId, exitCode === 0 ? 'SUCCEEDED' : 'FAILED', exitCode);
    },
  };
}
