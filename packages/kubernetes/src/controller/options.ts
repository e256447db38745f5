import { KubeConfig } from '@kubernetes/client-node';
import type { Logger, Polycloud } from '@polycloud/core';
import { PolycloudError, parseWithSchema } from '@polycloud/core/spi';
import { registerCredentials } from '../adapter/kubeconfig.js';
import { z } from 'zod';

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name: lowercase letters, digits, - and .');
const namespace = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace: lowercase letters, digits and -');
const ms = (max: number) => z.number().int().min(1).max(max);

/** Where the controller's Kubernetes credentials come from. */
export const KubeConfigSourceSchema = z.union([
  z.custom<KubeConfig>((v) => v instanceof KubeConfig || (typeof v === 'object' && v !== null && typeof (v as KubeConfig).makeApiClient === 'function'), {
    message: 'expected a KubeConfig',
  }),
  z.strictObject({
    /** A kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account). */
    file: z.string().min(1).optional(),
    /** The context to use from it (default: its current-context). */
    context: z.string().min(1).optional(),
    /** The pod's service account (token and CA mounted by Kubernetes). */
    inCluster: z.boolean().optional(),
  }),
]);
export type KubeConfigSource = z.input<typeof KubeConfigSourceSchema>;

/** Leader election among controller replicas (a coordination.k8s.io/v1 Lease). */
export const LeaderElectionOptionsSchema = z
  .strictObject({
    /** Off: this replica dispatches without a Lease (one replica only!). Default on. */
    enabled: z.boolean().default(true),
    name: name.default('polycloud-datajob-controller'),
    /** Default: the controller's own namespace in a pod (`POD_NAMESPACE`, else its service account's), else the first watched namespace, else `default`. */
    namespace: namespace.optional(),
    /** Default: `<hostname>-<pid>-<random>`. */
    identity: z.string().min(1).max(253).optional(),
    /** A Lease not renewed for this long is taken over by another replica. Default 15 s. */
    leaseDurationMs: ms(3_600_000).default(15_000),
    /** The holder stops dispatching when it could not renew for this long (< leaseDurationMs). Default 10 s. */
    renewDeadlineMs: ms(3_600_000).default(10_000),
    /** How often the Lease is read and renewed or tried. Default 2 s. */
    retryPeriodMs: ms(600_000).default(2_000),
  })
  .refine((o) => o.renewDeadlineMs < o.leaseDurationMs, { message: 'renewDeadlineMs must be shorter than leaseDurationMs', path: ['renewDeadlineMs'] })
  // A holder that retries no sooner than its renew deadline lapses before every renewal (leadership flaps).
  .refine((o) => o.retryPeriodMs < o.renewDeadlineMs, { message: 'retryPeriodMs must be shorter than renewDeadlineMs', path: ['retryPeriodMs'] });

export const DataJobControllerOptionsSchema = z.strictObject({
  polycloud: z.custom<Polycloud>((v) => typeof v === 'object' && v !== null && typeof (v as Polycloud).cluster === 'function', {
    message: 'expected a Polycloud instance',
  }),
  /** The LogicalCluster (resource_id) every DataJob is dispatched through. */
  cluster: z.string().min(1),
  kubeConfig: KubeConfigSourceSchema.default({}),
  /** Namespace(s) whose DataJobs are dispatched; default: every namespace. */
  namespace: z.union([namespace, z.array(namespace).min(1)]).optional(),
  leaderElection: LeaderElectionOptionsSchema.default({
    enabled: true,
    name: 'polycloud-datajob-controller',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  }),
  /** How often dispatched jobs are polled at their provider (and every DataJob re-examined). Default 5 s. */
  resyncMs: ms(3_600_000).default(5_000),
  /** Longest one API request (not a watch) may take before it fails and is retried. Default 30 s. */
  requestTimeoutMs: ms(600_000).default(30_000),
  /** A watch is ended by the server after this long and resumed (a hung one is dropped min(10 s, this) later). Default 5 min. */
  watchTimeoutMs: ms(3_600_000).default(300_000),
  /** Back-off after a failed list / watch / reconcile. */
  retry: z.strictObject({ baseDelayMs: ms(60_000).default(200), maxDelayMs: ms(600_000).default(30_000) }).default({ baseDelayMs: 200, maxDelayMs: 30_000 }),
  logger: z
    .custom<Logger>(
      (v) => typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      {
        message: 'expected a logger (debug, info, warn, error)',
      },
    )
    .optional(),
});

export type DataJobControllerOptions = z.input<typeof DataJobControllerOptionsSchema>;
export type ResolvedControllerOptions = z.output<typeof DataJobControllerOptionsSchema>;

export function parseControllerOptions(options: unknown): ResolvedControllerOptions {
  return parseWithSchema(DataJobControllerOptionsSchema, options ?? {}, 'invalid DataJob controller options', {
    code: 'INVALID_ARGUMENT',
  }) as ResolvedControllerOptions;
}

/**
 * A KubeConfig from its source (a given instance is used as is), every credential in it
 * registered for redaction. A file that cannot be read or parsed is CONFIG_INVALID at
 * `kubeConfig.…` without the loader's message (a YAML error quotes the lines around it,
 * which may hold a token).
 */
export function resolveKubeConfig(source: ResolvedControllerOptions['kubeConfig']): KubeConfig {
  if (source instanceof KubeConfig || typeof (source as KubeConfig).makeApiClient === 'function') {
    registerCredentials(source as KubeConfig);
    return source as KubeConfig;
  }
  const s = source as { file?: string; context?: string; inCluster?: boolean };
  const kc = new KubeConfig();
  const path = s.inCluster ? ['kubeConfig', 'inCluster'] : s.file ? ['kubeConfig', 'file'] : ['kubeConfig'];
  const configError = (message: string, at: string[]) =>
    new PolycloudError('CONFIG_INVALID', `DataJob controller: ${message}`, { retryable: false, context: { provider: 'kubernetes', path: at } });
  try {
    if (s.inCluster) kc.loadFromCluster();
    else if (s.file) kc.loadFromFile(s.file);
    else kc.loadFromDefault();
  } catch (e) {
    throw configError(`the kubeconfig could not be read (${(e as { name?: string }).name ?? 'Error'}; is it a valid kubeconfig?)`, path);
  }
  registerCredentials(kc);
  if (s.context) {
    if (!kc.contexts.some((c) => c.name === s.context)) throw configError(`context ${s.context} is not in the kubeconfig`, ['kubeConfig', 'context']);
    kc.setCurrentContext(s.context);
  }
  return kc;
}
