/**
 * `npm run demo:kubernetes` — DataJobs as Kubernetes resources. A fake Kubernetes API
 * server on loopback (the one `@polycloud/kubernetes/testing` ships for tests), the
 * DataJob controller, and a LogicalCluster of two local bindings with different
 * prices: a DataJob applied as a resource is placed on the cheaper binding, the
 * router's explanation lands in a `Scheduled` Event, and the status reaches Succeeded.
 * A residency-tagged DataJob then goes to the compliant (dearer) binding.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { createAdapterRegistry, createPolycloud, localComputeAdapterFactory } from '@polycloud/core';
import { createRouter } from '@polycloud/router';
import { createDataJobController } from '@polycloud/kubernetes';
import { startFakeKubernetesApiServer } from '@polycloud/kubernetes/testing';
import { parse } from 'yaml';

const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n== ${n}. ${title} ${'='.repeat(Math.max(0, 60 - title.length))}`);
const NS = 'batch-jobs';
const CRD = { group: 'batch.mcp', version: 'v1', plural: 'datajobs' };

const DATAJOB = `
apiVersion: batch.mcp/v1
kind: DataJob
metadata:
  name: data-cleaning
spec:
  image: data-processor:v1   # the local adapter runs the command instead of the image
  command: ["node", "-e", "const rows=[3,1,2].sort(); console.log('cleaned', rows.length, 'rows')"]
  resources:
    cpu: 2
    memory: 4Gi
`;

const logDir = mkdtempSync(join(tmpdir(), 'polycloud-demo-k8s-'));
const server = await startFakeKubernetesApiServer({ namespace: NS });
const polycloud = createPolycloud({
  registry: createAdapterRegistry([localComputeAdapterFactory]),
  router: createRouter({ seed: 42 }),
  residency: { eu: ['europe-*'] },
  providers: [
    { name: 'local-us', type: 'local', logDir },
    { name: 'local-eu', type: 'local', logDir },
  ],
  resources: [
    {
      resource_id: 'lc-demo',
      type: 'LogicalCluster',
      providers: [
        { cloud: 'CLOUD_A', provider: 'local-us', physical_id: 'us-pool', region: 'us-east-1', price: { vcpu_hour: 0.04, memory_gib_hour: 0.0045 } },
        { cloud: 'CLOUD_B', provider: 'local-eu', physical_id: 'eu-pool', region: 'europe-west1', price: { vcpu_hour: 0.07, memory_gib_hour: 0.008 } },
      ],
    },
  ],
});
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions(server.kubeconfig());
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const controller = createDataJobController({
  polycloud,
  cluster: 'lc-demo',
  kubeConfig,
  namespace: NS,
  leaderElection: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 250, identity: 'demo-controller' },
  resyncMs: 250,
});

type Obj = {
  metadata: { name: string };
  status?: {
    phase?: string;
    binding?: string;
    cloud?: string;
    providerJobId?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};
const get = (name: string) => server.get('datajobs', NS, name) as unknown as Obj | undefined;
async function until(name: string, phases: string[], timeoutMs = 60_000): Promise<Obj> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const o = get(name);
    const phase = o?.status?.phase ?? '(none)';
    if (phase !== last) say(`  ${name}: phase ${phase}${o?.status?.binding ? ` on ${o.status.binding}` : ''}`);
    last = phase;
    if (o && phases.includes(phase)) return o;
    if (Date.now() > end) throw new Error(`${name} did not reach ${phases.join('/')} (last: ${phase})`);
    await sleep(50);
  }
}
const events = (name: string) =>
  server.list('events', NS).filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name) as unknown as {
    reason: string;
    type: string;
    message: string;
  }[];

let failed = false;
try {
  step(1, 'A fake Kubernetes API server, the DataJob CRD and the controller');
  say(`  API server ${server.url} (loopback), namespace ${NS}`);
  await controller.start();
  const end = Date.now() + 30_000;
  while (!controller.leading) {
    if (Date.now() > end) throw new Error('the controller did not acquire its Lease');
    await sleep(50);
  }
  say(`  controller ${controller.identity} holds Lease ${NS}/polycloud-datajob-controller`);
  say('  bindings: CLOUD_A us-east-1 $0.04/vCPU-h · CLOUD_B europe-west1 $0.07/vCPU-h');

  step(2, 'kubectl apply -f data-cleaning.yaml (no spec.cloud)');
  await custom.createNamespacedCustomObject({ ...CRD, namespace: NS, body: parse(DATAJOB) as object });
  const done = await until('data-cleaning', ['Succeeded', 'Failed', 'Cancelled']);
  const scheduled = events('data-cleaning').find((e) => e.reason === 'Scheduled');
  say(`  Event Scheduled: ${scheduled?.message ?? '(none)'}`);
  say(`  data-cleaning ran on ${done.status?.binding} (cloud ${done.status?.cloud}), job ${done.status?.providerJobId}: ${done.status?.phase}`);
  if (done.status?.phase !== 'Succeeded') failed = true;

  step(3, 'A DataJob tagged residency: eu');
  await custom.createNamespacedCustomObject({
    ...CRD,
    namespace: NS,
    body: {
      ...(parse(DATAJOB) as { metadata: object; spec: object }),
      metadata: { name: 'eu-report' },
      spec: { ...(parse(DATAJOB) as { spec: object }).spec, tags: { residency: 'eu' } },
    },
  });
  const eu = await until('eu-report', ['Succeeded', 'Failed', 'Cancelled']);
  say(`  eu-report ran on ${eu.status?.binding} (cloud ${eu.status?.cloud}): ${eu.status?.phase} — CLOUD_A is cheaper but outside the eu zone`);
  if (eu.status?.phase !== 'Succeeded' || eu.status?.binding !== 'CLOUD_B') failed = true;

  step(4, 'kubectl get datajobs');
  for (const o of server.list('datajobs', NS) as unknown as Obj[])
    say(`  ${o.metadata.name.padEnd(16)} ${String(o.status?.phase).padEnd(10)} ${o.status?.cloud}`);
  say(`  invalid requests recorded by the API server: ${server.invalidRequests.length}`);
  if (server.invalidRequests.length) failed = true;
} catch (e) {
  failed = true;
  say(`demo failed: ${(e as Error).message}`);
} finally {
  await controller.stop();
  await polycloud.close();
  await server.close();
  rmSync(logDir, { recursive: true, force: true });
}
say(failed ? '\nthe kubernetes demo FAILED' : '\nthe kubernetes demo finished: dispatched by price, residency respected, Succeeded');
process.exitCode = failed ? 1 : 0;
