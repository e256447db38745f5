import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubernetesApiServer, type FakeKubernetesApiServer } from '@polycloud/kubernetes/testing';
import { createControllerKubeApi } from '../src/controller/kube-api.js';
import { DataJobInformer } from '../src/controller/informer.js';

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('DataJobInformer (list + watch on the fake API server)', () => {
  let server: FakeKubernetesApiServer;
  let kc: KubeConfig;
  beforeAll(async () => {
    server = await startFakeKubernetesApiServer({ namespace: 'ns', bookmarkIntervalMs: 60_000 });
    kc = new KubeConfig();
    kc.loadFromOptions(server.kubeconfig());
  });
  afterAll(async () => {
    await server?.close();
  });

  it('moves its resume point on with BOOKMARKs and resumes a watch the server ended from there, without listing again', async () => {
    const upserts: string[] = [];
    const informer = new DataJobInformer({
      // The server ends each watch after 1 s (timeoutSeconds), as a real one does after minutes.
      api: createControllerKubeApi(kc, { watchTimeoutMs: 1_000 }),
      namespace: 'ns',
      onUpsert: (o) => upserts.push(o.metadata.name),
      onDelete: () => {},
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    informer.start();
    try {
      await until('the first list', () => informer.synced);
      // Writes to other resources move the cluster's resourceVersion; only a bookmark tells the DataJob watch.
      const leases = kc.makeApiClient(CoordinationV1Api);
      for (const name of ['x1', 'x2', 'x3'])
        await leases.createNamespacedLease({ namespace: 'ns', body: { metadata: { name }, spec: { holderIdentity: 'h' } } });
      const latest = String(server.resourceVersion);
      expect(informer.resourceVersion).not.toBe(latest);
      await until('a bookmark to arrive', () => {
        if (informer.resourceVersion !== latest) server.sendBookmarks();
        return informer.resourceVersion === latest;
      });
      const watchesFrom = () => server.requests.filter((r) => r.path.includes('watch=true') && r.path.includes(`resourceVersion=${latest}`)).length;
      await until('watches resumed from the bookmark', () => watchesFrom() >= 2, 30_000);
      expect(informer.lists).toBe(1);
      expect(upserts).toEqual([]);
    } finally {
      informer.stop();
      await informer.idle();
    }
  });
});
