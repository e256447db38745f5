import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespace = z.string().max(63).regex(DNS_LABEL, 'a Kubernetes namespace (lowercase letters, digits and -, at most 63)');

/** A kubeconfig object in the shape `KubeConfig.loadFromOptions` takes (clusters, users, contexts, currentContext). */
const KubeconfigObjectSchema = z.looseObject({
  clusters: z.array(z.looseObject({ name: z.string().min(1), server: z.string().min(1) })).min(1),
  users: z.array(z.looseObject({ name: z.string().min(1) })),
  contexts: z.array(z.looseObject({ name: z.string().min(1), cluster: z.string().min(1) })).min(1),
  currentContext: z.string().min(1),
});

/** Settings a binding may give in its `options` (they override the adapter's). */
export const KubernetesTargetOptionsSchema = z.strictObject({
  /** Namespace the Jobs go to; default: the binding's `physical_id`. */
  namespace: namespace.optional(),
  /** Service account the job's pod runs as. */
  serviceAccountName: z.string().min(1).max(253).optional(),
  /** Node labels the pod must be scheduled on (`nodeSelector`). */
  nodeSelector: z.record(z.string().min(1), z.string()).optional(),
});
export type KubernetesTargetOptions = z.output<typeof KubernetesTargetOptionsSchema>;

/**
 * Options of the `kubernetes` compute adapter (camelCase). Where the kubeconfig comes
 * from, first match wins: `kubeconfig` (inline YAML / JSON text or an object),
 * `kubeconfigPath`, `inCluster: true` (the pod's service account), then the usual
 * places: `KUBECONFIG`, `~/.kube/config`, and in-cluster when running in a pod.
 */
export const KubernetesAdapterOptionsSchema = z
  .strictObject({
    kubeconfig: z.union([z.string().min(1), KubeconfigObjectSchema]).optional(),
    kubeconfigPath: z.string().min(1).optional(),
    inCluster: z.boolean().optional(),
    /** Context of the kubeconfig to use (default: its current-context). */
    context: z.string().min(1).optional(),
    /** Longest one API request may take before it is cut (TIMEOUT, retryable); the call's own signal can cut it sooner. */
    requestTimeoutMs: z.number().int().positive().max(600_000).default(30_000),
    /** Largest job the cluster's nodes take (capabilities). */
    maxCpu: z.number().positive().default(64),
    maxMemoryMiB: z.number().int().positive().default(262_144),
    ...KubernetesTargetOptionsSchema.shape,
  })
  .superRefine((o, ctx) => {
    const sources = (['kubeconfig', 'kubeconfigPath', 'inCluster'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
    if (sources.length > 1)
      ctx.addIssue({ code: 'custom', path: [sources[1]!], message: `give one of kubeconfig, kubeconfigPath, inCluster (got ${sources.join(' and ')})` });
  });

export type KubernetesAdapterOptions = z.input<typeof KubernetesAdapterOptionsSchema>;
export type ResolvedKubernetesAdapterOptions = z.output<typeof KubernetesAdapterOptionsSchema>;
