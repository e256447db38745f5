import {
  type AdapterContext,
  type ComputeAdapter,
  type ComputeAdapterFactory,
  type ComputeCapabilities,
  type ComputeTarget,
  type JobStatus,
  camelCase,
  parseWithSchema,
  PolycloudError,
  registerSecrets,
  TERMINAL_JOB_STATES,
} from '@polycloud/core/spi';
import { type AwsBatch, createAwsBatchClient } from './client.js';
import { mapAwsBatchError } from './errors.js';
import { createJobDefinitionCache } from './job-definitions.js';
import { type AwsBatchAdapterOptions, AwsBatchAdapterOptionsSchema, AwsBatchTargetOptionsSchema, type ResolvedAwsBatchAdapterOptions } from './options.js';
import { batchSize, FARGATE_SIZES } from './sizing.js';
import { submitJobRequest } from './request.js';
import { CANCEL_REASON, toJobStatus } from './status.js';

/** Binding options as written in a config file may be snake_case (`machine_type`); adapter schemas are camelCase. */
const camelKeys = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camelCase(k), v]));

/**
 * AWS Batch compute adapter. A binding's `physical_id` is a job queue; jobs run
 * from job definitions the adapter registers on demand (one per image + resources +
 * roles, reused by name). The idempotency key is the job name; `find` is ListJobs
 * (filter JOB_NAME, the oldest job of the name is the job of record) + DescribeJobs.
 * `submit` is create-or-fail like every adapter's, except that Batch does not refuse
 * a duplicate job name: see {@link settleDuplicate} for how that quirk is handled.
 */
export function createAwsBatchAdapter(options: AwsBatchAdapterOptions = {}, context: Partial<AdapterContext> = {}): ComputeAdapter {
  const o = parseWithSchema(AwsBatchAdapterOptionsSchema, options, 'invalid options for the aws-batch adapter') as ResolvedAwsBatchAdapterOptions;
  const staticCredentials = typeof o.credentials === 'object' ? o.credentials : undefined;
  registerSecrets([o.secretKey, o.sessionToken, staticCredentials?.secretAccessKey, staticCredentials?.sessionToken]);
  // The SDK and client load on the first call (the SDK is an optional peer dependency).
  let ready: Promise<AwsBatch> | undefined;
  const batch = () => {
    const p = (ready ??= createAwsBatchClient(o));
    p.catch(() => {
      if (ready === p) ready = undefined;
    });
    return p;
  };
  const send = async <T>(fn: (b: AwsBatch) => Promise<T>): Promise<T> => fn(await batch());
  const ensureDefinition = createJobDefinitionCache(batch, o.jobDefinitionPrefix);
  const fargate = o.platform === 'FARGATE';
  const largestFargate = FARGATE_SIZES[FARGATE_SIZES.length - 1]!;
  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: o.maxCpu ?? (fargate ? largestFargate[0] : 192),
    maxMemoryMiB: o.maxMemoryMiB ?? (fargate ? largestFargate[1][largestFargate[1].length - 1]! : 1_572_864),
  });

  const targetOptions = (target: ComputeTarget) => {
    const t = parseWithSchema(AwsBatchTargetOptionsSchema, camelKeys(target.options), `invalid options for aws-batch binding ${target.physicalId}`, {
      pathPrefix: ['options'],
    });
    const merged = {
      platform: t.platform ?? o.platform,
      jobRoleArn: t.jobRoleArn ?? o.jobRoleArn,
      executionRoleArn: t.executionRoleArn ?? o.executionRoleArn,
      assignPublicIp: t.assignPublicIp ?? o.assignPublicIp,
    };
    if (merged.platform === 'FARGATE' && !merged.executionRoleArn) {
      throw new PolycloudError('CONFIG_INVALID', `aws-batch binding ${target.physicalId}: Fargate jobs need an executionRoleArn`, {
        context: { provider: 'aws-batch', path: ['options', 'executionRoleArn'] },
        retryable: false,
      });
    }
    return merged;
  };

  async function call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapAwsBatchError(e, { operation, ...(key ? { key } : {}) });
    }
  }
  const sendOptions = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

  async function describe(jobId: string, operation: string, signal?: AbortSignal): Promise<JobStatus> {
    const out = await call(operation, jobId, () => send(({ client, sdk }) => client.send(new sdk.DescribeJobsCommand({ jobs: [jobId] }), sendOptions(signal))));
    const detail = out.jobs?.find((j) => j.jobId === jobId) ?? out.jobs?.[0];
    if (!detail)
      throw new PolycloudError('NOT_FOUND', `no AWS Batch job ${jobId}`, { context: { provider: 'aws-batch', operation, key: jobId }, retryable: false });
    return toJobStatus(detail, o.logGroup);
  }

  /** Jobs named `key` in the queue, oldest first (ties by job id): the first is the job of record. */
  async function listByName(target: ComputeTarget, key: string, signal?: AbortSignal): Promise<{ jobId: string; createdAt: number }[]> {
    let nextToken: string | undefined;
    const matches: { jobId: string; createdAt: number }[] = [];
    for (let page = 0; page < 10; page++) {
      const out = await call('find', key, () =>
        send(({ client, sdk }) =>
          client.send(
            new sdk.ListJobsCommand({ jobQueue: target.physicalId, filters: [{ name: 'JOB_NAME', values: [key] }], ...(nextToken ? { nextToken } : {}) }),
            sendOptions(signal),
          ),
        ),
      );
      for (const j of out.jobSummaryList ?? []) if (j.jobName === key && j.jobId) matches.push({ jobId: j.jobId, createdAt: j.createdAt ?? 0 });
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
    return matches.sort((a, b) => a.createdAt - b.createdAt || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  }

  async function find(target: ComputeTarget, key: string, signal?: AbortSignal): Promise<JobStatus | undefined> {
    const [first] = await listByName(target, key, signal);
    return first && describe(first.jobId, 'find', signal);
  }

  /**
   * The AWS quirk. Batch does not enforce unique job names, so SubmitJob never answers
   * "already exists": a create of a key that has a job (a second host or caller without
   * a shared claim store, a find that missed a job the eventually consistent ListJobs
   * did not show yet) starts a second job. Core's cluster client looks the key up
   * before it creates, so this is the rare case; the adapter settles it right after
   * SubmitJob with one listing of the name: if an older job of that name exists, it
   * terminates its own (just submitted, not yet started) and reports ALREADY_EXISTS,
   * so the caller finds the older one, the job of record, as with every other adapter.
   * Best effort: a listing that fails or does not show the new job yet leaves it as it
   * is (then `find`, oldest first, still returns one job of record for the key).
   */
  async function settleDuplicate(target: ComputeTarget, key: string, own: string, signal?: AbortSignal): Promise<void> {
    let winner: { jobId: string } | undefined;
    try {
      const all = await listByName(target, key, signal);
      winner = all[0];
      if (!winner || winner.jobId === own || !all.some((j) => j.jobId === own)) return;
      await call('submit', key, () =>
        send(({ client, sdk }) =>
          client.send(new sdk.TerminateJobCommand({ jobId: own, reason: `${CANCEL_REASON} (duplicate of ${winner!.jobId})` }), sendOptions(signal)),
        ),
      );
    } catch {
      return;
    }
    throw new PolycloudError(
      'ALREADY_EXISTS',
      `an AWS Batch job named ${key} already exists (${winner.jobId}); the duplicate ${own} was terminated before it started`,
      {
        retryable: false,
        context: { provider: 'aws-batch', operation: 'submit', key },
      },
    );
  }

  return {
    type: 'aws-batch',
    name: context.name ?? 'aws-batch',
    capabilities,
    async submit(target, job, opts = {}) {
      const t = targetOptions(target);
      const size = batchSize(t.platform, job.cpu, job.memoryMiB);
      const definition = await call('submit', job.idempotencyKey, () =>
        ensureDefinition(
          {
            image: job.image,
            platform: t.platform,
            size,
            ...(t.jobRoleArn ? { jobRoleArn: t.jobRoleArn } : {}),
            ...(t.executionRoleArn ? { executionRoleArn: t.executionRoleArn } : {}),
            ...(t.assignPublicIp ? { assignPublicIp: t.assignPublicIp } : {}),
          },
          opts.signal,
        ),
      );
      const out = await call('submit', job.idempotencyKey, () =>
        send(({ client, sdk }) => client.send(new sdk.SubmitJobCommand(submitJobRequest(target.physicalId, definition, job)), sendOptions(opts.signal))),
      );
      if (!out?.jobId) {
        throw new PolycloudError('UNEXPECTED', `AWS Batch SubmitJob for ${job.idempotencyKey} answered without a jobId`, {
          retryable: false,
          context: { provider: 'aws-batch', operation: 'submit', key: job.idempotencyKey },
        });
      }
      await settleDuplicate(target, job.idempotencyKey, out.jobId, opts.signal);
      return { jobId: out.jobId, idempotencyKey: job.idempotencyKey, state: 'PENDING', submittedAt: new Date() };
    },
    find: (target, key, opts = {}) => find(target, key, opts.signal),
    status: (_target, jobId, opts = {}) => describe(jobId, 'status', opts.signal),
    async cancel(_target, jobId, opts = {}) {
      const current = await describe(jobId, 'cancel', opts.signal);
      if (TERMINAL_JOB_STATES.has(current.state)) return;
      await call('cancel', jobId, () =>
        send(({ client, sdk }) => client.send(new sdk.TerminateJobCommand({ jobId, reason: CANCEL_REASON }), sendOptions(opts.signal))),
      );
    },
    async probe(target, opts = {}) {
      const out = await call('probe', undefined, () =>
        send(({ client, sdk }) => client.send(new sdk.DescribeJobQueuesCommand({ jobQueues: [target.physicalId] }), sendOptions(opts.signal))),
      );
      const queue = out.jobQueues?.[0];
      if (!queue)
        throw new PolycloudError('NOT_FOUND', `no AWS Batch job queue ${target.physicalId}`, {
          context: { provider: 'aws-batch', operation: 'probe' },
          retryable: false,
        });
      if (queue.state !== 'ENABLED' || queue.status === 'INVALID') {
        throw new PolycloudError('UNAVAILABLE', `AWS Batch job queue ${target.physicalId} is ${queue.state}/${queue.status}`, {
          context: { provider: 'aws-batch', operation: 'probe' },
        });
      }
    },
    async close() {
      if (o.client || !ready) return;
      const opened = await ready.catch(() => undefined);
      opened?.client.destroy();
    },
  };
}

/** Registry factory for `type: aws-batch`. */
export const awsBatchAdapterFactory: ComputeAdapterFactory<ResolvedAwsBatchAdapterOptions> = {
  kind: 'compute',
  type: 'aws-batch',
  optionsSchema: AwsBatchAdapterOptionsSchema as never,
  create: (options, context) => createAwsBatchAdapter(options as AwsBatchAdapterOptions, context),
};
