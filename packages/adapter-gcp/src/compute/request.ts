import { createHash } from 'node:crypto';
import type { ComputeJobRequest } from '@polycloud/core/spi';
import type { GcpCreateJobRequest } from './client.js';
import type { GcpBatchTargetOptions } from './options.js';

/** Cloud Batch job ids: a lowercase letter, then lowercase letters, digits and hyphens, not ending in a hyphen; at most 63. */
export const GCP_JOB_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A label key or value as Cloud Batch (Compute Engine) accepts it: lowercase letters, digits, `_` and `-`, at most 63. */
function label(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);
}

export function gcpLabels(job: ComputeJobRequest): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.tags)) {
    let key = label(k);
    if (!/^[a-z]/.test(key)) key = `t_${key}`.slice(0, 63);
    labels[key] = label(v);
  }
  labels['polycloud-managed'] = 'true';
  labels['polycloud-job'] = label(job.name);
  return labels;
}

/** A UUID derived from the parent and key: CreateJob's `requestId`, so the service itself also dedupes a retried request. */
export function requestIdFor(parent: string, key: string): string {
  const h = createHash('sha256').update(`${parent}/jobs/${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The CreateJob request: one task group with one task whose runnable is the
 * container. Kubernetes semantics map exactly: `command[0]` → `entrypoint`, the rest
 * of `command` + `args` → `commands`. cpu → `cpuMilli` (0.5 → 500, rounded up to a
 * whole milli-vCPU), memory → `memoryMib`; timeout → `maxRunDuration`; retries →
 * `maxRetryCount`; env → `environment.variables`; logs to Cloud Logging; tags → labels.
 */
export function createJobRequest(parent: string, job: ComputeJobRequest, t: GcpBatchTargetOptions = {}): GcpCreateJobRequest {
  const command = job.command ?? [];
  const commands = [...command.slice(1), ...(job.args ?? [])];
  const instancePolicy = {
    ...(t.machineType ? { machineType: t.machineType } : {}),
    ...(t.provisioningModel ? { provisioningModel: t.provisioningModel } : {}),
  };
  const allocationPolicy = {
    ...(Object.keys(instancePolicy).length ? { instances: [{ policy: instancePolicy }] } : {}),
    ...(t.serviceAccountEmail ? { serviceAccount: { email: t.serviceAccountEmail } } : {}),
    ...(t.allowedLocations ? { location: { allowedLocations: t.allowedLocations } } : {}),
  };
  return {
    parent,
    jobId: job.idempotencyKey,
    requestId: requestIdFor(parent, job.idempotencyKey),
    job: {
      taskGroups: [
        {
          taskCount: 1,
          parallelism: 1,
          taskSpec: {
            runnables: [
              {
                container: {
                  imageUri: job.image,
                  ...(command.length ? { entrypoint: command[0] } : {}),
                  ...(commands.length ? { commands } : {}),
                },
              },
            ],
            computeResource: { cpuMilli: Math.ceil(job.cpu * 1000 - 1e-9), memoryMib: Math.ceil(job.memoryMiB) },
            ...(job.timeoutSeconds === undefined ? {} : { maxRunDuration: { seconds: job.timeoutSeconds } }),
            maxRetryCount: job.retries,
            ...(Object.keys(job.env).length ? { environment: { variables: { ...job.env } } } : {}),
          },
        },
      ],
      ...(Object.keys(allocationPolicy).length ? { allocationPolicy } : {}),
      labels: gcpLabels(job),
      logsPolicy: { destination: 'CLOUD_LOGGING' },
    },
  };
}
