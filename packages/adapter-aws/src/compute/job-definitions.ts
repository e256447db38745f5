import { createHash } from 'node:crypto';
import type { RegisterJobDefinitionRequest } from '@aws-sdk/client-batch';
import type { AwsBatch } from './client.js';
import type { BatchPlatform, BatchSize } from './sizing.js';

export interface JobDefinitionSpec {
  image: string;
  platform: BatchPlatform;
  size: BatchSize;
  jobRoleArn?: string;
  executionRoleArn?: string;
  assignPublicIp?: 'ENABLED' | 'DISABLED';
}

/** The definition's name: prefix, readable image slug and a hash of everything that shapes it (≤ 128 chars). */
export function jobDefinitionName(prefix: string, spec: JobDefinitionSpec): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        spec.image,
        spec.platform,
        spec.size.vcpu,
        spec.size.memoryMiB,
        spec.jobRoleArn ?? '',
        spec.executionRoleArn ?? '',
        spec.assignPublicIp ?? '',
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const slug = spec.image
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${prefix}-${slug}-${hash}`;
}

/** The RegisterJobDefinition request for a spec: a `container` definition with VCPU and MEMORY resource requirements. */
export function registerRequest(name: string, spec: JobDefinitionSpec): RegisterJobDefinitionRequest {
  const fargate = spec.platform === 'FARGATE';
  return {
    jobDefinitionName: name,
    type: 'container',
    platformCapabilities: [spec.platform],
    containerProperties: {
      image: spec.image,
      resourceRequirements: [
        { type: 'VCPU', value: String(spec.size.vcpu) },
        { type: 'MEMORY', value: String(spec.size.memoryMiB) },
      ],
      ...(spec.jobRoleArn ? { jobRoleArn: spec.jobRoleArn } : {}),
      ...(spec.executionRoleArn ? { executionRoleArn: spec.executionRoleArn } : {}),
      ...(fargate ? { fargatePlatformConfiguration: { platformVersion: 'LATEST' } } : {}),
      ...(fargate && spec.assignPublicIp ? { networkConfiguration: { assignPublicIp: spec.assignPublicIp } } : {}),
    },
    tags: { 'polycloud:managed': 'true' },
  };
}

/**
 * Job definitions registered on demand and cached per image + resources + roles:
 * first the cache, then an existing ACTIVE definition of that name (latest revision),
 * else RegisterJobDefinition. Concurrent callers share one lookup.
 */
export function createJobDefinitionCache(batch: () => Promise<AwsBatch>, prefix: string) {
  const cache = new Map<string, Promise<string>>();
  return async function ensure(spec: JobDefinitionSpec, signal?: AbortSignal): Promise<string> {
    const name = jobDefinitionName(prefix, spec);
    let pending = cache.get(name);
    if (!pending) {
      pending = (async () => {
        const { client, sdk } = await batch();
        const found = await client.send(
          new sdk.DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }),
          signal ? { abortSignal: signal } : {},
        );
        const latest = (found.jobDefinitions ?? [])
          .filter((d) => d.status === undefined || d.status === 'ACTIVE')
          .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
        if (latest?.jobDefinitionArn) return latest.jobDefinitionArn;
        const registered = await client.send(new sdk.RegisterJobDefinitionCommand(registerRequest(name, spec)), signal ? { abortSignal: signal } : {});
        return registered.jobDefinitionArn ?? `${name}:${registered.revision}`;
      })();
      cache.set(name, pending);
      pending.catch(() => cache.delete(name));
    }
    return pending;
  };
}
