import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { ComputeJobRequest } from '@polycloud/core/spi';

/** Name of the one container in each job's container group. */
export const ACI_CONTAINER_NAME = 'job';
export const TAG_KEY = 'polycloud-idempotency-key';
export const TAG_TIMEOUT = 'polycloud-timeout-seconds';
export const TAG_STOPPED = 'polycloud-stopped';

/**
 * ACI sizes: a container group is allocated at least 1 vCPU and 1 GB, and both are
 * given to one decimal place; so cpu and memory (GB = GiB = 1024 MiB) are rounded UP
 * to a multiple of 0.1 and to at least 1 (`500m` → 1 vCPU, `4Gi` → 4.0 GB, `1.5Gi` → 1.5).
 */
export function aciSize(cpu: number, memoryMiB: number): { cpu: number; memoryInGB: number } {
  const tenth = (x: number) => Math.ceil(Math.round(x * 1e6) / 1e5) / 10;
  return { cpu: Math.max(1, tenth(cpu)), memoryInGB: Math.max(1, tenth(memoryMiB / 1024)) };
}

const TAG_NAME = /[<>%&\\?/]/g;

/** Env var names that look like secrets; their values go in ACI's `secureValue`, which ARM never returns. */
export const SECRET_ENV_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL/i;

/** One ACI environment variable: `secureValue` when the name looks secret, else `value`. */
export function aciEnvVar(name: string, value: string): { name: string; value?: string; secureValue?: string } {
  return SECRET_ENV_NAME.test(name) ? { name, secureValue: value } : { name, value };
}

export function aciTags(job: ComputeJobRequest): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.tags)) {
    const key = k.replace(TAG_NAME, '_').slice(0, 512);
    if (key) tags[key] = v.slice(0, 256);
  }
  tags[TAG_KEY] = job.idempotencyKey;
  tags['polycloud-job'] = job.name.slice(0, 256);
  if (job.timeoutSeconds !== undefined) tags[TAG_TIMEOUT] = String(job.timeoutSeconds);
  return tags;
}

/**
 * The container group for a job (PUT …/containerGroups/<idempotency key>): one
 * container named `job`, `restartPolicy: Never` (a batch job runs once; retries are
 * polycloud's), command = `command` + `args`, environment (names that look secret —
 * KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL — as `secureValue`), resource requests.
 */
export function containerGroupFor(
  job: ComputeJobRequest,
  location: string,
  options: { osType?: 'Linux' | 'Windows'; priority?: 'Regular' | 'Spot' } = {},
): ContainerGroup {
  const command = [...(job.command ?? []), ...(job.args ?? [])];
  const environmentVariables = Object.keys(job.env)
    .sort()
    .map((name) => aciEnvVar(name, job.env[name]!));
  return {
    location,
    tags: aciTags(job),
    osType: options.osType ?? 'Linux',
    restartPolicy: 'Never',
    ...(options.priority ? { priority: options.priority } : {}),
    containers: [
      {
        name: ACI_CONTAINER_NAME,
        image: job.image,
        ...(command.length ? { command } : {}),
        ...(environmentVariables.length ? { environmentVariables } : {}),
        resources: { requests: aciSize(job.cpu, job.memoryMiB) },
      },
    ],
  };
}
