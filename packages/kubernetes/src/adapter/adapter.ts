import type { BatchV1Api, ConfigurationOptions, CoreV1Api, KubeConfig, ObservableMiddleware, V1Job } from '@kubernetes/client-node';
import {
  type AdapterContext,
  camelCase,
  type ComputeAdapter,
  type ComputeAdapterFactory,
  type ComputeCapabilities,
  type ComputeTarget,
  type JobStatus,
  parseWithSchema,
  PolycloudError,
  TERMINAL_JOB_STATES,
} from '@polycloud/core/spi';
import { mapKubernetesError } from './errors.js';
import { CANCELLED_ANNOTATION, toKubernetesJob } from './job-manifest.js';
import { type ClientNode, loadClientNode, loadKubeconfig, registerInlineCredentials } from './kubeconfig.js';
import {
  type KubernetesAdapterOptions,
  KubernetesAdapterOptionsSchema,
  KubernetesTargetOptionsSchema,
  type KubernetesTargetOptions,
  type ResolvedKubernetesAdapterOptions,
} from './options.js';
import { exitCodeOf, jobState, toJobStatus } from './status.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const camelKeys = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camelCase(k), v]));

interface Clients {
  k8s: ClientNode;
  kc: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
}

/** client-node call options that arm `signal` on the request (and optionally set a header). */
function requestOptions(k8s: ClientNode, signal: AbortSignal, header?: [string, string]): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      if (header) ctx.setHeaderParam(header[0], header[1]);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (res) => new k8s.Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/**
 * The `kubernetes` compute adapter: a DataJob becomes a batch/v1 Job named after its
 * idempotency key in the binding's namespace (`physical_id`). Create-or-fail comes from
 * the API server (409 AlreadyExists on a taken name); `find` and `status` read the Job by
 * name; `cancel` suspends it (its pods are removed, the Job stays for `status`), marked
 * with a `polycloud.io/cancelled-at` annotation. Every request carries the call's
 * AbortSignal, bounded by `requestTimeoutMs`.
 */
export function createKubernetesComputeAdapter(options: KubernetesAdapterOptions = {}, context: Partial<AdapterContext> = {}): ComputeAdapter {
  registerInlineCredentials((options as { kubeconfig?: unknown } | undefined)?.kubeconfig);
  const o = parseWithSchema(KubernetesAdapterOptionsSchema, options, 'invalid options for the kubernetes adapter') as ResolvedKubernetesAdapterOptions;
  let ready: Promise<Clients> | undefined;
  const clients = () => {
    const p = (ready ??= (async () => {
      const k8s = await loadClientNode();
      const kc = loadKubeconfig(k8s, o);
      return { k8s, kc, batch: kc.makeApiClient(k8s.BatchV1Api), core: kc.makeApiClient(k8s.CoreV1Api) };
    })());
    p.catch(() => {
      if (ready === p) ready = undefined;
    });
    return p;
  };

  const capabilities: ComputeCapabilities = Object.freeze({
    cancel: true,
    idempotentSubmit: true,
    exitCode: true,
    logs: true,
    maxCpu: o.maxCpu,
    maxMemoryMiB: o.maxMemoryMiB,
  });

  function target(t: ComputeTarget): KubernetesTargetOptions & { namespace: string } {
    const b = parseWithSchema(KubernetesTargetOptionsSchema, camelKeys(t.options), `invalid options for kubernetes binding ${t.physicalId}`, {
      pathPrefix: ['options'],
    });
    const namespace = b.namespace ?? (DNS_LABEL.test(t.physicalId) && t.physicalId.length <= 63 ? t.physicalId : o.namespace);
    if (!namespace) {
      throw new PolycloudError('CONFIG_INVALID', `kubernetes binding ${t.physicalId}: physical_id is not a namespace name; give options.namespace`, {
        retryable: false,
        context: { provider: 'kubernetes', path: ['physical_id'] },
      });
    }
    const serviceAccountName = b.serviceAccountName ?? o.serviceAccountName;
    const nodeSelector = b.nodeSelector ?? o.nodeSelector;
    return { namespace, ...(serviceAccountName ? { serviceAccountName } : {}), ...(nodeSelector ? { nodeSelector } : {}) };
  }

  async function call<T>(
    operation: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    fn: (c: Clients, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(o.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      if (signal?.aborted) throw Object.assign(new Error('the operation was aborted'), { name: 'AbortError' });
      return await fn(await clients(), combined);
    } catch (e) {
      throw mapKubernetesError(e, { operation, ...(key ? { key } : {}), ...(signal ? { callerSignal: signal } : {}) });
    }
  }

  const readJob = (operation: string, namespace: string, name: string, signal?: AbortSignal) =>
    call(operation, name, signal, (c, s) => c.batch.readNamespacedJob({ namespace, name }, requestOptions(c.k8s, s)));

  /** The exit code from the job's pods, best effort (pods may be gone, or listing them not allowed). */
  async function exitCode(namespace: string, job: V1Job, signal?: AbortSignal): Promise<number | undefined> {
    const state = jobState(job).state;
    if (state !== 'SUCCEEDED' && state !== 'FAILED') return undefined;
    try {
      const pods = await call('status', job.metadata?.name, signal, (c, s) =>
        c.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${job.metadata?.name ?? ''}` }, requestOptions(c.k8s, s)),
      );
      return exitCodeOf(pods.items);
    } catch (e) {
      if ((e as PolycloudError).code === 'ABORTED') throw e;
      return undefined;
    }
  }

  async function describe(operation: string, t: ComputeTarget, name: string, signal?: AbortSignal): Promise<JobStatus> {
    const { namespace } = target(t);
    const job = await readJob(operation, namespace, name, signal);
    return toJobStatus(job, await exitCode(namespace, job, signal));
  }

  return {
    type: 'kubernetes',
    name: context.name ?? 'kubernetes',
    capabilities,
    async submit(t, job, opts = {}) {
      const b = target(t);
      const body = toKubernetesJob(b.namespace, job, b) as V1Job;
      const created = await call('submit', job.idempotencyKey, opts.signal, (c, s) =>
        c.batch.createNamespacedJob({ namespace: b.namespace, body }, requestOptions(c.k8s, s)),
      );
      return toJobStatus(created, undefined);
    },
    async find(t, key, opts = {}) {
      try {
        return await describe('find', t, key, opts.signal);
      } catch (e) {
        if ((e as PolycloudError).code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    status: (t, jobId, opts = {}) => describe('status', t, jobId, opts.signal),
    async cancel(t, jobId, opts = {}) {
      const { namespace } = target(t);
      const job = await readJob('cancel', namespace, jobId, opts.signal);
      if (TERMINAL_JOB_STATES.has(jobState(job).state)) return;
      const patch = { metadata: { annotations: { [CANCELLED_ANNOTATION]: new Date().toISOString() } }, spec: { suspend: true } };
      await call('cancel', jobId, opts.signal, (c, s) =>
        c.batch.patchNamespacedJob({ namespace, name: jobId, body: patch }, requestOptions(c.k8s, s, ['Content-Type', 'application/merge-patch+json'])),
      );
    },
    async probe(t, opts = {}) {
      const { namespace } = target(t);
      await call('probe', undefined, opts.signal, (c, s) => c.batch.listNamespacedJob({ namespace, limit: 1 }, requestOptions(c.k8s, s)));
    },
  };
}

/** Registry factory for `type: kubernetes`. */
export const kubernetesComputeAdapterFactory: ComputeAdapterFactory<ResolvedKubernetesAdapterOptions> = {
  kind: 'compute',
  type: 'kubernetes',
  optionsSchema: KubernetesAdapterOptionsSchema as never,
  create: (options, context) => createKubernetesComputeAdapter(options as KubernetesAdapterOptions, context),
};
