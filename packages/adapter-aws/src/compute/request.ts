import type { SubmitJobRequest } from '@aws-sdk/client-batch';
import type { ComputeJobRequest } from '@polycloud/core/spi';

/** AWS Batch's shortest job timeout. */
export const MIN_BATCH_TIMEOUT_SECONDS = 60;

const TAG_VALUE = /[^\p{L}\p{N}\s_.:/=+\-@]/gu;

/** Job tags as AWS tags (invalid characters → `_`; `aws:` keys are reserved and dropped), plus the idempotency key. */
export function batchTags(job: ComputeJobRequest): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.tags)) {
    const key = k.replace(TAG_VALUE, '_').slice(0, 128);
    if (!key || key.toLowerCase().startsWith('aws:')) continue;
    tags[key] = v.replace(TAG_VALUE, '_').slice(0, 256);
  }
  tags['polycloud:idempotency-key'] = job.idempotencyKey;
  tags['polycloud:job'] = job.name.slice(0, 256);
  return tags;
}

/**
 * The SubmitJob request for a job: `jobName` = idempotency key, the job definition
 * (image + resources), command (`command` + `args`, Batch's container `command`),
 * environment, retry strategy (`retries + 1` attempts), timeout (≥ 60 s) and tags.
 */
export function submitJobRequest(queue: string, jobDefinition: string, job: ComputeJobRequest): SubmitJobRequest {
  const command = [...(job.command ?? []), ...(job.args ?? [])];
  const environment = Object.keys(job.env)
    .sort()
    .map((name) => ({ name, value: job.env[name]! }));
  return {
    jobName: job.idempotencyKey,
    jobQueue: queue,
    jobDefinition,
    containerOverrides: {
      ...(command.length ? { command } : {}),
      ...(environment.length ? { environment } : {}),
    },
    retryStrategy: { attempts: Math.min(10, job.retries + 1) },
    ...(job.timeoutSeconds === undefined ? {} : { timeout: { attemptDurationSeconds: Math.max(MIN_BATCH_TIMEOUT_SECONDS, job.timeoutSeconds) } }),
    tags: batchTags(job),
  };
}
