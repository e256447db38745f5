import {
  type ComputeAdapter,
  type ComputeAdapterFactory,
  type ComputeCapabilities,
  type ComputeTarget,
  type ErrorCode,
  type JobStatus,
  parseWithSchema,
  systemClock,
  TERMINAL_JOB_STATES,
} from '@polycloud/core/spi';
import { memoryError, throwIfAborted } from '../errors.js';
import { MEMORY_COMPUTE_CAPABILITIES, type MemoryComputeAdapterOptions, MemoryComputeAdapterOptionsSchema } from './compute-options.js';

/** A memory job's status also names its target. */
export interface MemoryJobStatus extends JobStatus {
  physicalId: string;
}

/** The memory compute adapter plus the handles tests drive it with. */
export interface MemoryComputeAdapter extends Required<Omit<ComputeAdapter, 'type'>> {
  readonly type: 'memory';
  /** Finishes a job now: exit code 0 → SUCCEEDED, else FAILED. A finished job is left as it is. Unknown id → NOT_FOUND. */
  complete(jobId: string, outcome?: { exitCode?: number; reason?: string }): Promise<JobStatus>;
  /** Moves a PENDING job to RUNNING now. Unknown id → NOT_FOUND. */
  start(jobId: string): Promise<JobStatus>;
  /** The next `count` submits of a new job fail with `code` (default QUOTA_EXCEEDED, retryable). */
  failNextSubmits(count: number, code?: ErrorCode): void;
  /** Changes the concurrency limit at run time (`undefined` = unlimited). */
  setMaxConcurrentJobs(max: number | undefined): void;
  /** Every job ever submitted, in submission order, with its current status. */
  jobs(): MemoryJobStatus[];
}

interface MemoryJob {
  status: MemoryJobStatus;
  submittedMs: number;
  pendingMs: number;
  runMs: number | null;
  exitCode: number;
  reason?: string;
  timeoutMs?: number;
  startedMs?: number;
}

const KEY = /^[a-z0-9-]{1,63}$/;

/**
 * An in-memory ComputeAdapter whose jobs move PENDING → RUNNING → SUCCEEDED /
 * FAILED on its clock (evaluated when asked, so a fake clock drives it without
 * timers), or when a test calls `complete()`. Submits are idempotent by key,
 * cancel is idempotent, capacity errors can be injected for failover tests.
 */
export function createMemoryComputeAdapter(options: MemoryComputeAdapterOptions = {}): MemoryComputeAdapter {
  const opts = parseWithSchema(MemoryComputeAdapterOptionsSchema, options, 'invalid memory compute adapter options');
  const clock = opts.clock ?? systemClock;
  const caps: ComputeCapabilities = Object.freeze({ ...MEMORY_COMPUTE_CAPABILITIES, ...opts.capabilities });
  const jobs = new Map<string, MemoryJob>();
  const byKey = new Map<string, string>();
  let seq = 0;
  let maxConcurrent = opts.maxConcurrentJobs;
  let injected: { count: number; code: ErrorCode } = { count: 0, code: 'QUOTA_EXCEEDED' };

  const finish = (job: MemoryJob, at: number, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', exitCode?: number, reason?: string) => {
    const { exitCode: _e, reason: _r, ...rest } = job.status;
    job.status = {
      ...rest,
      state,
      ...(exitCode !== undefined && caps.exitCode ? { exitCode } : {}),
      ...(reason === undefined ? {} : { reason }),
      finishedAt: new Date(at),
    };
  };

  const refresh = (job: MemoryJob): void => {
    if (TERMINAL_JOB_STATES.has(job.status.state)) return;
    const now = clock.now();
    if (job.status.state === 'PENDING' && now >= job.submittedMs + job.pendingMs) {
      job.startedMs = job.submittedMs + job.pendingMs;
      job.status = { ...job.status, state: 'RUNNING', startedAt: new Date(job.startedMs) };
    }
    if (job.status.state !== 'RUNNING') return;
    const endAt = job.runMs === null ? Infinity : job.startedMs! + job.runMs;
    const timeoutAt = job.timeoutMs === undefined ? Infinity : job.startedMs! + job.timeoutMs;
    if (timeoutAt < endAt && now >= timeoutAt) finish(job, timeoutAt, 'FAILED', undefined, `timed out after ${job.timeoutMs} ms`);
    else if (now >= endAt)
      finish(
        job,
        endAt,
        job.exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
        job.exitCode,
        job.exitCode === 0 ? undefined : (job.reason ?? `exited with code ${job.exitCode}`),
      );
  };

  const snapshot = (job: MemoryJob): MemoryJobStatus => {
    refresh(job);
    return { ...job.status };
  };
  const publicStatus = (job: MemoryJob): JobStatus => {
    const { physicalId: _p, ...status } = snapshot(job);
    return status;
  };
  const lookup = (jobId: string, target: ComputeTarget | undefined, operation: string): MemoryJob => {
    const job = jobs.get(jobId);
    if (!job || (target && job.status.physicalId !== target.physicalId)) {
      throw memoryError('NOT_FOUND', `job "${jobId}" not found`, { operation, key: jobId }, false);
    }
    return job;
  };
  const active = () => [...jobs.values()].filter((j) => !TERMINAL_JOB_STATES.has(snapshot(j).state)).length;

  const adapter: MemoryComputeAdapter = {
    type: 'memory',
    name: opts.name,
    capabilities: caps,

    async submit(target, request, o = {}) {
      throwIfAborted(o.signal);
      if (!KEY.test(request.idempotencyKey)) {
        throw memoryError('INVALID_ARGUMENT', 'idempotencyKey must be 1…63 characters of [a-z0-9-]', { operation: 'submit', path: ['idempotencyKey'] }, false);
      }
      const mapKey = `${target.physicalId}\u0000${request.idempotencyKey}`;
      // Create-or-fail (as GCP Batch job ids): a second create of a key is refused. Without
      // idempotentSubmit the fake behaves as a provider that allows duplicate names.
      const existing = caps.idempotentSubmit ? byKey.get(mapKey) : undefined;
      if (existing)
        throw memoryError(
          'ALREADY_EXISTS',
          `a job with idempotency key ${request.idempotencyKey} already exists (${existing})`,
          { operation: 'submit', key: request.idempotencyKey },
          false,
        );
      if (request.cpu > caps.maxCpu || request.memoryMiB > caps.maxMemoryMiB) {
        throw memoryError(
          'INVALID_ARGUMENT',
          `job asks for ${request.cpu} vCPU / ${request.memoryMiB} MiB, over ${caps.maxCpu} / ${caps.maxMemoryMiB}`,
          { operation: 'submit', path: ['resources'] },
          false,
        );
      }
      if (injected.count > 0) {
        injected = { ...injected, count: injected.count - 1 };
        throw memoryError(
          injected.code,
          `injected ${injected.code} on submit`,
          { operation: 'submit', key: request.idempotencyKey },
          injected.code === 'QUOTA_EXCEEDED' ? true : undefined,
        );
      }
      if (maxConcurrent !== undefined && active() >= maxConcurrent) {
        throw memoryError('QUOTA_EXCEEDED', `at most ${maxConcurrent} jobs may run at once`, { operation: 'submit', key: request.idempotencyKey }, true);
      }
      const outcome = opts.outcome?.(request) ?? {};
      const jobId = `memory-job-${++seq}`;
      const now = clock.now();
      const job: MemoryJob = {
        status: {
          jobId,
          idempotencyKey: request.idempotencyKey,
          state: 'PENDING',
          submittedAt: new Date(now),
          physicalId: target.physicalId,
          ...(caps.logs ? { logLocation: `memory://jobs/${jobId}/log` } : {}),
        },
        submittedMs: now,
        pendingMs: outcome.pendingMs ?? opts.pendingMs,
        runMs: outcome.runMs === undefined ? opts.runMs : outcome.runMs,
        exitCode: outcome.exitCode ?? opts.exitCode,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        ...(request.timeoutSeconds === undefined ? {} : { timeoutMs: request.timeoutSeconds * 1000 }),
      };
      jobs.set(jobId, job);
      byKey.set(mapKey, jobId);
      return publicStatus(job);
    },

    async find(target, idempotencyKey, o = {}) {
      throwIfAborted(o.signal);
      const jobId = byKey.get(`${target.physicalId}\u0000${idempotencyKey}`);
      return jobId === undefined ? undefined : publicStatus(jobs.get(jobId)!);
    },

    async status(target, jobId, o = {}) {
      throwIfAborted(o.signal);
      return publicStatus(lookup(jobId, target, 'status'));
    },

    async cancel(target, jobId, o = {}) {
      throwIfAborted(o.signal);
      if (!caps.cancel) throw memoryError('UNSUPPORTED', `memory adapter "${opts.name}" is configured without "cancel"`, { operation: 'cancel' }, false);
      const job = lookup(jobId, target, 'cancel');
      if (!TERMINAL_JOB_STATES.has(snapshot(job).state)) finish(job, clock.now(), 'CANCELLED', undefined, 'cancelled');
    },

    async probe(_target, o = {}) {
      throwIfAborted(o.signal);
    },

    async close() {},

    async complete(jobId, outcome = {}) {
      const job = lookup(jobId, undefined, 'complete');
      if (!TERMINAL_JOB_STATES.has(snapshot(job).state)) {
        const now = clock.now();
        if (job.status.state === 'PENDING') job.status = { ...job.status, startedAt: new Date(now) };
        const exitCode = outcome.exitCode ?? 0;
        finish(job, now, exitCode === 0 ? 'SUCCEEDED' : 'FAILED', exitCode, exitCode === 0 ? undefined : (outcome.reason ?? `exited with code ${exitCode}`));
      }
      return publicStatus(job);
    },

    async start(jobId) {
      const job = lookup(jobId, undefined, 'start');
      if (snapshot(job).state === 'PENDING') {
        job.startedMs = clock.now();
        job.status = { ...job.status, state: 'RUNNING', startedAt: new Date(job.startedMs) };
      }
      return publicStatus(job);
    },

    failNextSubmits(count, code = 'QUOTA_EXCEEDED') {
      injected = { count, code };
    },
    setMaxConcurrentJobs(max) {
      maxConcurrent = max;
    },
    jobs: () => [...jobs.values()].map(snapshot),
  };
  return adapter;
}

/** Registry factory: `{ name: 'sim', type: 'memory', runMs: 5000 }`. */
export const memoryComputeAdapterFactory: ComputeAdapterFactory<MemoryComputeAdapterOptions> = {
  kind: 'compute',
  type: 'memory',
  optionsSchema: MemoryComputeAdapterOptionsSchema as unknown as ComputeAdapterFactory<MemoryComputeAdapterOptions>['optionsSchema'],
  create: (options, context) => createMemoryComputeAdapter({ ...options, name: context.name }),
};
