import type { ComputeJobRequest } from '@polycloud/core/spi';
import type { KubernetesTargetOptions } from './options.js';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'polycloud' } as const;
export const KEY_LABEL = 'polycloud.io/idempotency-key';
export const NAME_ANNOTATION = 'polycloud.io/datajob-name';
export const TAGS_ANNOTATION = 'polycloud.io/tags';
export const CANCELLED_ANNOTATION = 'polycloud.io/cancelled-at';
export const TAG_LABEL_PREFIX = 'tags.polycloud.io/';
export const CONTAINER_NAME = 'job';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** vCPUs as a Kubernetes cpu quantity in whole millicores, rounded up: 0.5 → `500m`, 2 → `2`. */
export function cpuQuantity(cpu: number): string {
  const milli = Math.ceil(Math.round(cpu * 1_000_000) / 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB as a Kubernetes memory quantity in whole MiB, rounded up: 4096 → `4096Mi`, 953.67 → `954Mi`. */
export function memoryQuantity(memoryMiB: number): string {
  return `${Math.ceil(Math.round(memoryMiB * 1000) / 1000)}Mi`;
}

/** The tags that are valid label values under `tags.polycloud.io/<key>` (all tags also go, as JSON, into an annotation). */
function tagLabels(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags)
      .filter(([k, v]) => k.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(k) && v.length <= 63 && LABEL_VALUE.test(v))
      .map(([k, v]) => [`${TAG_LABEL_PREFIX}${k}`, v]),
  );
}

/**
 * The batch/v1 Job for a DataJob: name = idempotency key (so a second create is refused
 * with 409), one container `job` with requests = limits, `activeDeadlineSeconds` from the
 * timeout, `backoffLimit` from retries, restartPolicy Never.
 */
export function toKubernetesJob(namespace: string, job: ComputeJobRequest, t: KubernetesTargetOptions): Record<string, unknown> {
  const labels = { ...MANAGED_BY, [KEY_LABEL]: job.idempotencyKey };
  const resources = { cpu: cpuQuantity(job.cpu), memory: memoryQuantity(job.memoryMiB) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job.idempotencyKey,
      namespace,
      labels: { ...tagLabels(job.tags), ...labels },
      annotations: { [NAME_ANNOTATION]: job.name, ...(Object.keys(job.tags).length ? { [TAGS_ANNOTATION]: JSON.stringify(job.tags) } : {}) },
    },
    spec: {
      backoffLimit: job.retries,
      ...(job.timeoutSeconds === undefined ? {} : { activeDeadlineSeconds: job.timeoutSeconds }),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(t.serviceAccountName ? { serviceAccountName: t.serviceAccountName } : {}),
          ...(t.nodeSelector ? { nodeSelector: t.nodeSelector } : {}),
          containers: [
            {
              name: CONTAINER_NAME,
              image: job.image,
              ...(job.command ? { command: job.command } : {}),
              ...(job.args ? { args: job.args } : {}),
              env: Object.entries(job.env).map(([name, value]) => ({ name, value })),
              resources: { requests: resources, limits: resources },
            },
          ],
        },
      },
    },
  };
}
