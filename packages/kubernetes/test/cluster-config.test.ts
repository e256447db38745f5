import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdapterRegistry, createPolycloud } from '@polycloud/core';
import { createPolycloudFromConfig } from '@polycloud/core/config';
import { ORIGINAL_DATAJOB_YAML } from '@polycloud/core/testing';
import { kubernetesComputeAdapterFactory } from '@polycloud/kubernetes';
import { type FakeKubernetesApiServer, startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';

const servers: FakeKubernetesApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('type: kubernetes in a config file, through a LogicalCluster', () => {
  it('runs the original DataJob YAML on CLOUD_A, and fails a job over to CLOUD_B when CLOUD_A is out of quota (403 exceeded quota)', async () => {
    const a = await startFakeKubernetesApiServer({ namespace: 'batch' });
    const b = await startFakeKubernetesApiServer({ namespace: 'batch' });
    servers.push(a, b);
    const dir = mkdtempSync(join(tmpdir(), 'pc-kube-config-'));
    writeFileSync(join(dir, 'a.yaml'), a.kubeconfigYaml());
    writeFileSync(join(dir, 'b.yaml'), b.kubeconfigYaml());
    const polycloud = createPolycloudFromConfig(
      `
providers:
  - { name: CLOUD_A, type: kubernetes, kubeconfig_path: ${join(dir, 'a.yaml')}, request_timeout_ms: 5000 }
  - { name: CLOUD_B, type: kubernetes, kubeconfig_path: ${join(dir, 'b.yaml')} }
resources:
  - resource_id: lc-k8s
    type: LogicalCluster
    providers:
      - { cloud: CLOUD_A, physical_id: batch }
      - { cloud: CLOUD_B, physical_id: batch }
`,
      { registry: createAdapterRegistry([kubernetesComputeAdapterFactory]), env: {} },
    );
    try {
      const cluster = polycloud.cluster('lc-k8s');
      const pinned = await cluster.submit(ORIGINAL_DATAJOB_YAML);
      expect(pinned.binding).toBe('CLOUD_A');
      const created = a.get('jobs', 'batch', pinned.jobId) as unknown as {
        spec: { template: { spec: { containers: { image: string; resources: unknown }[] } } };
      };
      expect(created.spec.template.spec.containers[0]).toMatchObject({ image: 'data-processor:v1', resources: { requests: { cpu: '2', memory: '4096Mi' } } });
      a.finishJob('batch', pinned.jobId, { exitCode: 0 });
      expect(await cluster.wait(pinned, { pollIntervalMs: 20, timeoutMs: 20_000 })).toMatchObject({ state: 'SUCCEEDED', exitCode: 0 });

      a.setQuota('jobs', 0);
      const moved = await cluster.submit(ORIGINAL_DATAJOB_YAML.replace(/ {2}cloud: .*\n/, '').replace('data-cleaning', 'data-cleaning-2'));
      expect(moved.binding).toBe('CLOUD_B');
      expect(b.get('jobs', 'batch', moved.jobId)).toBeDefined();
      expect(a.requests.some((r) => r.method === 'POST' && r.status === 403)).toBe(true);
      expect([...a.invalidRequests, ...b.invalidRequests]).toEqual([]);
    } finally {
      await polycloud.close();
    }
  });

  it('a kubeconfig token given inline never shows in explain(), errors, or job events', async () => {
    const token = 'pc-inline-token-NEVER-PRINT-5b1e';
    const server = await startFakeKubernetesApiServer({ namespace: 'batch', token });
    servers.push(server);
    server.setQuota('jobs', 0);
    const polycloud = createPolycloud({
      registry: createAdapterRegistry([kubernetesComputeAdapterFactory]),
      providers: [{ name: 'CLOUD_A', type: 'kubernetes', kubeconfig: server.kubeconfigYaml() }],
      resources: [{ resource_id: 'lc-k8s', type: 'LogicalCluster', providers: [{ cloud: 'CLOUD_A', physical_id: 'batch' }] }],
    });
    const printed: string[] = [];
    polycloud.events.on('job', (e: unknown) => printed.push(JSON.stringify(e), inspect(e, { depth: 8 })));
    try {
      const cluster = polycloud.cluster('lc-k8s');
      printed.push(JSON.stringify(cluster.explain(ORIGINAL_DATAJOB_YAML)), inspect(cluster.explain(ORIGINAL_DATAJOB_YAML), { depth: 8 }));
      const error = await cluster.submit(ORIGINAL_DATAJOB_YAML, { timeoutMs: 5_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED' });
      printed.push(String((error as Error).message), JSON.stringify(error), inspect(error, { depth: 10 }));
    } finally {
      await polycloud.close();
    }
    expect(printed.length).toBeGreaterThan(4);
    expect(printed.filter((p) => p.includes(token))).toEqual([]);
  });
});
