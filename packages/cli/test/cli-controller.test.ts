import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubernetesApiServer, type FakeKubernetesApiServer } from '@polycloud/kubernetes/testing';
import { runCli } from '@polycloud/cli';
import { collector, run, tempDir, writeConfig } from './helpers.js';

const config = (extra: string) => `
providers:
  - name: local-a
    type: local
    images:
      'data-processor:v1': ['${process.execPath}', '-e', 'setTimeout(() => console.log("ok"), 200)']
resources:
  - resource_id: lc-1
    type: LogicalCluster
    providers:
      - { cloud: CLOUD_A, provider: local-a, physical_id: pool-a, region: us-east-1 }
${extra}`;

describe('polycloud controller', () => {
  it('refuses a bad controller: section with exit 2 and the path of each problem', async () => {
    const file = writeConfig(tempDir(), 'polycloud.yaml', config('controller:\n  lease:\n    duration: 3\n  namespace: [""]\n'));
    const r = await run(['controller', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('controller.lease.duration');
    expect(r.stderr).toContain('controller.namespace');
  });

  describe('against the fake API server', () => {
    let server: FakeKubernetesApiServer;
    beforeAll(async () => {
      server = await startFakeKubernetesApiServer({ namespace: 'jobs' });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('dispatches a DataJob applied as a resource to Succeeded, then stops on SIGTERM (143) and releases its Lease; no token in its output', async () => {
      const dir = tempDir();
      const kubeconfig = join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, server.kubeconfigYaml());
      const file = writeConfig(
        dir,
        'polycloud.yaml',
        config(
          `controller:\n  kubeconfig: ${kubeconfig}\n  namespace: jobs\n  lease: { name: cli-controller, identity: cli-1, duration_seconds: 3, renew_deadline_seconds: 2, retry_period_seconds: 0.2 }\n  resync_seconds: 0.2\n`,
        ),
      );
      const stdout = collector();
      const stderr = collector();
      const abort = new AbortController();
      const exit = runCli(['controller', '--config', file], { stdout, stderr, env: {}, signal: abort.signal });
      // As `kubectl apply` would: a POST with the bearer token.
      const created = await fetch(`${server.url}/apis/batch.mcp/v1/namespaces/jobs/datajobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'from-cli' }, spec: { image: 'data-processor:v1' } }),
      });
      expect(created.status).toBe(201);
      const until = Date.now() + 45_000;
      while ((server.get('datajobs', 'jobs', 'from-cli')?.['status'] as { phase?: string } | undefined)?.phase !== 'Succeeded') {
        if (Date.now() > until) throw new Error(`the DataJob did not succeed; stderr:\n${stderr.text}`);
        await sleep(100);
      }
      expect(server.get('datajobs', 'jobs', 'from-cli')!['status']).toMatchObject({ binding: 'CLOUD_A', cloud: 'CLOUD_A' });
      expect((server.get('leases', 'jobs', 'cli-controller')!['spec'] as { holderIdentity?: string }).holderIdentity).toBe('cli-1');
      abort.abort('SIGTERM');
      expect(await exit).toBe(143);
      expect(stderr.text).toContain('controller cli-1: DataJobs in namespace jobs → cluster lc-1');
      expect(stderr.text).toContain('lease released');
      expect((server.get('leases', 'jobs', 'cli-controller')!['spec'] as { holderIdentity?: string }).holderIdentity).toBeUndefined();
      expect(stdout.text + stderr.text).not.toContain(server.token);
      expect(server.invalidRequests).toEqual([]);
    }, 90_000);
  });
});
