import type { KubeObject } from './store.js';

/** The defaults the real API server fills into a Job (backoffLimit 6, one completion, selector and pod labels). */
export function defaultJob(job: KubeObject): void {
  const spec = (job['spec'] ??= {}) as Record<string, unknown>;
  spec['backoffLimit'] ??= 6;
  spec['completions'] ??= 1;
  spec['parallelism'] ??= 1;
  spec['completionMode'] ??= 'NonIndexed';
  spec['suspend'] ??= false;
  const template = (spec['template'] ??= {}) as Record<string, unknown>;
  const meta = (template['metadata'] ??= {}) as Record<string, unknown>;
  const name = String(job.metadata['name'] ?? '');
  meta['labels'] = { ...((meta['labels'] as object | undefined) ?? {}), 'batch.kubernetes.io/job-name': name, 'job-name': name };
  spec['selector'] ??= { matchLabels: { 'batch.kubernetes.io/job-name': name } };
  const pod = (template['spec'] ??= {}) as Record<string, unknown>;
  pod['terminationGracePeriodSeconds'] ??= 30;
  pod['dnsPolicy'] ??= 'ClusterFirst';
  pod['schedulerName'] ??= 'default-scheduler';
}
