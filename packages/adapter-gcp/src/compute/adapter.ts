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
import { createGcpBatchClient, type GcpBatchApi, type GcpCallOptions } from './client.js';
import { abortable } from '../shared/abortable.js';
import { GRPC, mapGcpBatchError } from './errors.js';
import {
  GCP_BATCH_PARENT,
  type GcpBatchAdapterOptions,
  GcpBatchAdapterOptionsSchema,
  GcpBatchTargetOptionsSchema,
  type ResolvedGcpBatchAdapterOptions,
} from './options.js';
import { createJobRequest, GCP_JOB_ID } from './request.js';
import { gcpStateName, toGcpJobStatus } from './status.js';

/** gax calls take no AbortSignal: an abort rejects with an AbortError, which mapGcpBatchError maps to ABORTED. */
const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** Binding options as written in a config file may be snake_case (`machine_type`); adapter schemas are camelCase. */
const camelKeys = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camelCase(k), v]));

/**
 * Google Cloud Batch compute adapter. A binding's `physical_id` is
 * `projects/<project>/locations/<location>`; the idempotency key is the Cloud Batch
 * job id, so `submit` is one CreateJob and a second one for the key fails with
 * ALREADY_EXISTS (core's cluster client then finds the job). `find` is one GetJob.
 * Cancel uses CancelJob (the job stays listed as CANCELLED).
 */
export function createGcpBatchAdapter(options: GcpBatchAdapterOptions = {}, context: Partial<AdapterContext> = {}): ComputeAdapter {
  const o = parseWithSchema(GcpBatchAdapterOptionsSchema, options, 'invalid options for the gcp-batch adapter') as ResolvedGcpBatchAdapterOptions;
  // Registered before anything can fail or log, whether or not a client is ever created.
  if (o.credentials) registerSecrets([o.credentials.private_key]);
  let client: Promise<GcpBatchApi> | undefined;
  const getClient = () => (client ??= createGcpBatchClient(o));
  const callOptions: GcpCallOptions = { retry: { retryCodes: [] }, ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}) };
  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: o.maxCpu,
    maxMemoryMiB: o.maxMemoryMiB,
  });

  const parentOf = (target: ComputeTarget): string => {
    if (!GCP_BATCH_PARENT.test(target.physicalId)) {
      throw new PolycloudError('CONFIG_INVALID', `gcp-batch physical_id "${target.physicalId}" must be projects/<project>/locations/<location>`, {
        context: { provider: 'gcp-batch', path: ['physical_id'] },
        retryable: false,
      });
    }
    return target.physicalId;
  };
  const checkKey = (key: string, operation: string) => {
    if (!GCP_JOB_ID.test(key)) {
      throw new PolycloudError('INVALID_ARGUMENT', `"${key}" is not a valid Cloud Batch job id (a lowercase letter first, then [a-z0-9-], max 63)`, {
        context: { provider: 'gcp-batch', operation, path: ['idempotencyKey'] },
        retryable: false,
      });
    }
  };

  async function call<T>(operation: string, key: string | undefined, signal: AbortSignal | undefined, fn: (c: GcpBatchApi) => Promise<T>): Promise<T> {
    try {
      return await abortable(getClient().then(fn), signal, abortError);
    } catch (e) {
      throw mapGcpBatchError(e, { operation, ...(key ? { key } : {}) });
    }
  }

  async function get(parent: string, jobId: string, operation: string, signal?: AbortSignal): Promise<JobStatus> {
    const [job] = await call(operation, jobId, signal, (c) => c.getJob({ name: `${parent}/jobs/${jobId}` }, callOptions));
    return toGcpJobStatus(parent, job);
  }

  async function find(target: ComputeTarget, key: string, signal?: AbortSignal): Promise<JobStatus | undefined> {
    const parent = parentOf(target);
    if (!GCP_JOB_ID.test(key)) return undefined;
    try {
      return await get(parent, key, 'find', signal);
    } catch (e) {
      if ((e as PolycloudError).code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  return {
    type: 'gcp-batch',
    name: context.name ?? 'gcp-batch',
    capabilities,
    async submit(target, job, opts = {}) {
      const parent = parentOf(target);
      checkKey(job.idempotencyKey, 'submit');
      const t = parseWithSchema(GcpBatchTargetOptionsSchema, camelKeys(target.options), `invalid options for gcp-batch binding ${parent}`, {
        pathPrefix: ['options'],
      });
      // Create-or-fail: the key is the Cloud Batch job id, unique per project and
      // location, so a second CreateJob is refused (gRPC ALREADY_EXISTS → ALREADY_EXISTS).
      const [created] = await call('submit', job.idempotencyKey, opts.signal, (c) => c.createJob(createJobRequest(parent, job, t), callOptions));
      return toGcpJobStatus(parent, created);
    },
    find: (target, key, opts = {}) => find(target, key, opts.signal),
    status: (target, jobId, opts = {}) => get(parentOf(target), jobId, 'status', opts.signal),
    async cancel(target, jobId, opts = {}) {
      const parent = parentOf(target);
      const name = `${parent}/jobs/${jobId}`;
      const [job] = await call('cancel', jobId, opts.signal, (c) => c.getJob({ name }, callOptions));
      const state = gcpStateName(job.status?.state);
      if (TERMINAL_JOB_STATES.has(toGcpJobStatus(parent, job).state) || state === 'CANCELLATION_IN_PROGRESS') return;
      try {
        await call('cancel', jobId, opts.signal, (c) => c.cancelJob({ name }, callOptions));
      } catch (e) {
        // Finished in the meantime: cancelling a finished job is success.
        const grpc = ((e as PolycloudError).context?.['grpcCode'] as number | undefined) ?? -1;
        if (grpc === GRPC.FAILED_PRECONDITION && TERMINAL_JOB_STATES.has((await get(parent, jobId, 'cancel', opts.signal)).state)) return;
        throw e;
      }
    },
    async probe(target, opts = {}) {
      const parent = parentOf(target);
      // A lookup of a job id that cannot exist: NOT_FOUND proves the API answers for this project and location.
      try {
        await call('probe', undefined, opts.signal, (c) => c.getJob({ name: `${parent}/jobs/polycloud-probe` }, callOptions));
      } catch (e) {
        if ((e as PolycloudError).code !== 'NOT_FOUND') throw e;
      }
    },
    async close() {
      if (client && !o.client) await (await client).close?.();
    },
  };
}

/** Registry factory for `type: gcp-batch`. */
export const gcpBatchAdapterFactory: ComputeAdapterFactory<ResolvedGcpBatchAdapterOptions> = {
  kind: 'compute',
  type: 'gcp-batch',
  optionsSchema: GcpBatchAdapterOptionsSchema as never,
  create: (options, context) => createGcpBatchAdapter(options as GcpBatchAdapterOptions, context),
};
